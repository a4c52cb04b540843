"""JSON API of the consultation service (first flow): create, read, list.
Reads come from the catalogue projection, so a consultation just created may
answer 404 until the projection catches up (no read-your-writes guarantee)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.consultation.commands import CreateConsultation
from services.consultation.projections import CATALOGUE
from services.core.errors import NotFound
from services.core.ids import new_id
from services.runtime.http import ContainerDep, MetaDep

PAGE_MAX = 100


class NewConsultation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Lengths are the domain's to judge (French messages); these only bound the input.
    title: str = Field(max_length=1000)
    slug: str = Field(max_length=1000)
    summary: str = Field(default="", max_length=10000)


class Created(BaseModel):
    id: str


def router() -> APIRouter:
    r = APIRouter(prefix="/api/consultations", tags=["consultations"])

    @r.post("", status_code=201)
    async def create(
        body: NewConsultation, response: Response, container: ContainerDep, meta: MetaDep
    ) -> Created:
        cmd = CreateConsultation(consultation_id=new_id(), title=body.title,
                                 slug=body.slug, summary=body.summary)
        consultation_id: str = await container.handle(cmd, meta)
        response.headers["Location"] = f"/api/consultations/{consultation_id}"
        return Created(id=consultation_id)

    @r.get("/{consultation_id}")
    async def read(consultation_id: str, container: ContainerDep) -> dict[str, Any]:
        doc = await container.store.get(CATALOGUE, "all", consultation_id)
        if doc is None:
            raise NotFound("Consultation")
        return doc

    @r.get("")
    async def list_(
        container: ContainerDep,
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20,
    ) -> dict[str, Any]:
        rows = await container.store.list(CATALOGUE, "all", limit=limit, after=after)
        items = [doc for _, doc in rows]
        return {"items": items, "next": rows[-1][0] if len(rows) == limit else None}

    return r
