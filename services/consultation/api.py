"""JSON API of the consultation service (first flow): create, read, list.
Reads come from the catalogue projection, so a consultation just created may
answer 404 until the projection catches up (no read-your-writes guarantee)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.apikit.deps import BusDep, MetaDep, StoreDep
from services.apikit.paging import page_of
from services.consultation.commands import CreateConsultation
from services.consultation.projections import CATALOGUE
from services.core.errors import NotFound
from services.core.ids import new_id

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


@router.post("", status_code=201)
async def create(body: NewConsultation, response: Response, bus: BusDep,
                 meta: MetaDep) -> Created:
    cmd = CreateConsultation(consultation_id=new_id(), title=body.title,
                             slug=body.slug, summary=body.summary)
    consultation_id: str = await bus.handle(cmd, meta)
    response.headers["Location"] = f"/api/consultations/{consultation_id}"
    return Created(id=consultation_id)


@router.get("/{consultation_id}")
async def read(consultation_id: str, store: StoreDep) -> dict[str, Any]:
    doc = await store.get(CATALOGUE, "all", consultation_id)
    if doc is None:
        raise NotFound("Consultation")
    return doc


@router.get("")
async def list_(store: StoreDep,
                after: Annotated[str | None, Query(max_length=100)] = None,
                limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20) -> dict[str, Any]:
    return page_of(await store.list(CATALOGUE, "all", limit=limit, after=after), limit)
