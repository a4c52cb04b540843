"""What other services ask the identity service: a participant's identity level
and roles, read from the identity projection (see projections.py).

Deposit and vote services record `identity_level(store, participant_id)` with
each participation, so results can be split by level (DESIGN §1).
"""

from __future__ import annotations

from services.store.port import ReadStore

PARTICIPANTS = "identity_participants"
ROLES = "identity_roles"  # partition: participant id; key: consultation id
ROLE_HOLDERS = "identity_role_holders"  # partition: consultation id; key: participant id
CONSULTATION_SETTINGS = "identity_consultation_settings"  # partition "all"; key: consultation


async def identity_level(store: ReadStore, participant_id: str) -> str:
    """anonymous | email | verified. Unknown ids (anonymous sessions) and erased
    participants are anonymous."""
    doc = await store.get(PARTICIPANTS, "all", participant_id)
    if doc is None or doc.get("erased"):
        return "anonymous"
    return str(doc.get("level", "anonymous"))


async def roles_in(store: ReadStore, participant_id: str, consultation_id: str) -> set[str]:
    doc = await store.get(ROLES, participant_id, consultation_id)
    return set(doc.get("roles", [])) if doc else set()


async def proof_of_work_required(store: ReadStore, consultation_id: str) -> bool:
    """Do anonymous actions in this consultation need a solved challenge?"""
    doc = await store.get(CONSULTATION_SETTINGS, "all", consultation_id)
    return bool(doc and doc.get("proof_of_work"))


async def consultations_with_role(store: ReadStore, participant_id: str) -> dict[str, set[str]]:
    rows = await store.list(ROLES, participant_id, limit=500)
    return {cid: set(doc.get("roles", [])) for cid, doc in rows if doc.get("roles")}
