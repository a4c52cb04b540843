"""JSON API of the consultation service (first flow): create (the platform
admin only), read, list. The public reads and lists published consultations
only; a draft is its team's (ADR 0040). Reads come from the catalogue
projection; a consultation the log holds but the projection has not applied
yet (just created) is waited for, bounded, on the position the log says it was
written at: its creator reads it at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.apikit.deps import (
    BusDep,
    MetaDep,
    OptionalIdempotencyKey,
    PlatformAdmin,
    StateDep,
    StoreDep,
    is_platform_admin,
    on_team_of,
)
from services.apikit.paging import page_of
from services.consultation.commands import CreateConsultation
from services.consultation.model import stream_of
from services.consultation.projections import CATALOGUE, PUBLISHED, CatalogueProjection
from services.core.errors import NotFound
from services.core.ids import new_id, request_id
from services.eventlog.port import EventLog
from services.store.projection import until_applied

PAGE_MAX = 100

router = APIRouter(prefix="/api/consultations", tags=["consultations"])


class NewConsultation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lengths are the domain's to judge (French messages); these only bound the input.
    title: str = Field(max_length=1000)
    slug: str = Field(max_length=1000)
    summary: str = Field(default="", max_length=10000)


class Created(BaseModel):
    id: str


@router.post("", status_code=201, dependencies=[PlatformAdmin])
async def create(body: NewConsultation, response: Response, bus: BusDep, meta: MetaDep,
                 key: OptionalIdempotencyKey = None) -> Created:
    # With an Idempotency-Key, every attempt names one consultation, through any
    # front; the handler answers a repeated creation with its id (ADR 0078).
    cid = request_id("consultation", meta.actor.id, key) if key else new_id()
    cmd = CreateConsultation(consultation_id=cid, title=body.title,
                             slug=body.slug, summary=body.summary)
    consultation_id: str = await bus.handle(cmd, meta)
    response.headers["Location"] = f"/api/consultations/{consultation_id}"
    return Created(id=consultation_id)


@router.get("/{consultation_id}")
async def read(consultation_id: str, state: StateDep, request: Request) -> dict[str, Any]:
    store, log = state.store, state.port("log", EventLog)
    doc = await store.get(CATALOGUE, "all", consultation_id)
    if doc is None and log is not None:
        stream = stream_of(consultation_id)
        written = await log.stream_version(stream)
        if written and await until_applied(store, CatalogueProjection.name, stream, written):
            doc = await store.get(CATALOGUE, "all", consultation_id)
    # A draft is not found for whoever is not on its team (no probing).
    if doc is None or not (doc.get("published") or await on_team_of(request, consultation_id)):
        raise NotFound("Consultation")
    return doc


@router.get("")
async def list_(store: StoreDep, request: Request,
                after: Annotated[str | None, Query(max_length=100)] = None,
                limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20) -> dict[str, Any]:
    # The platform admin lists drafts too; everybody else the published ones.
    table = CATALOGUE if await is_platform_admin(request) else PUBLISHED
    return page_of(await store.list(table, "all", limit=limit, after=after), limit)
