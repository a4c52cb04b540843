"""Read models of the consultation service."""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.projection import Projection
from services.store.port import StoreTx

CATALOGUE = "consultations"
BY_SLUG = "consultation_slugs"


class CatalogueProjection(Projection):
    """One document per consultation, plus a slug -> id index."""

    name = "consultation.catalogue"
    topics = ("consultation.events",)
    tables = (CATALOGUE, BY_SLUG)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type == "consultation.ConsultationCreated":
            d = event.data
            await tx.put(CATALOGUE, "all", d["consultation_id"], {
                "id": d["consultation_id"],
                "title": d["title"],
                "slug": d["slug"],
                "summary": d["summary"],
                "created_at": event.occurred_at.isoformat(),
            })
            await tx.put(BY_SLUG, "all", d["slug"], {"id": d["consultation_id"]})
