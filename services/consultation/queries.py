"""The consultation service's query port: what other services may read of it.
Its read models (a consultation's detail with its phases, its questionnaires)
are reference data for their decisions, and the rules that interpret them (which
phase is open now, which answers a questionnaire accepts) come with them, so no
service re-derives them. Nothing else of this package is theirs to import."""

from __future__ import annotations

from services.consultation.granddebat import OTHER_PARTS as GRAND_DEBAT_OTHER_PARTS
from services.consultation.granddebat import read_rows as grand_debat_rows
from services.consultation.model import known_territories
from services.consultation.phases import (
    ACTIONS,
    QUALIFICATIONS,
    current_phase,
    deposited_in,
    open_actions,
    phase_status,
    source_windows,
    vote_method,
)
from services.consultation.projections import DETAIL as CONSULTATIONS
from services.consultation.projections import PUBLISHED
from services.consultation.projections_content import QUESTIONNAIRES
from services.consultation.projections_meetings import REGISTRATIONS
from services.consultation.questionnaire import OTHER, OTHER_LABEL, Answer, validate_answers
from services.core.errors import NotFound
from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore

ALL = "all"

__all__ = ["ACTIONS", "CONSULTATIONS", "GRAND_DEBAT_OTHER_PARTS", "OTHER", "OTHER_LABEL",
           "QUALIFICATIONS", "QUESTIONNAIRES", "Answer", "consultation", "consultation_where",
           "current_phase",
           "deposited_in", "grand_debat_rows", "is_public", "known_territories",
           "meeting_registrations_of", "open_actions", "phase_status", "public_ids",
           "public_or_404",
           "questionnaire", "source_windows", "validate_answers", "vote_method"]


async def consultation(store: ReadStore, consultation_id: str) -> Doc | None:
    """The consultation's detail (title, phases, identity level, moderation...)."""
    return await store.get(*consultation_where(consultation_id))


async def is_public(store: ReadStore, consultation_id: str) -> bool:
    """The rule of every public view of a consultation and what it holds (its
    contributions, meetings, documents, search results): published now. A draft,
    or a consultation unpublished since, shows the public nothing, not even that
    it exists (404); its team reaches it through the back office."""
    doc = await consultation(store, consultation_id)
    return doc is not None and bool(doc.get("published"))


async def public_or_404(store: ReadStore, consultation_id: str) -> None:
    """`is_public`, or NotFound (a 404 that does not tell the consultation exists):
    what the JSON API answers for a draft's contributions, results or search."""
    if not await is_public(store, consultation_id):
        raise NotFound("Consultation")


async def public_ids(store: ReadStore) -> list[str]:
    """The ids of the consultations published now (`is_public`), one keyset read
    per 500: a platform holds tens or hundreds of consultations, not millions."""
    return [doc["id"] for doc in await whole_partition(store, PUBLISHED, ALL)]


def consultation_where(consultation_id: str) -> tuple[str, str, str]:
    """Where `consultation` reads: for a caller reading it with other documents
    in one round trip (`ReadStore.get_each`)."""
    return CONSULTATIONS, ALL, consultation_id


async def questionnaire(store: ReadStore, consultation_id: str,
                        questionnaire_id: str) -> Doc | None:
    return await store.get(QUESTIONNAIRES, consultation_id, questionnaire_id)


async def meeting_registrations_of(store: ReadStore, participant_id: str) -> list[Doc]:
    """The meetings this participant registered for (cancelled ones marked as
    such): the personal-data export's share."""
    return await whole_partition(store, REGISTRATIONS, participant_id)
