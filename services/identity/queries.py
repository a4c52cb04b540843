"""The identity service's query port: what other services and the front ends
ask it. Identity levels and roles come from the identity projection
(projections.py); the role policy below is the ONE answer to "may this
participant do that in this consultation?" (the back-office guard, the JSON
APIs and the analyst workspace all ask it).

Deposit and vote record `identity_level(store, participant_id)` with each
participation, so results can be split by level (DESIGN §1).
"""

from __future__ import annotations

from enum import Enum

from services.store.port import ReadStore

PARTICIPANTS = "identity_participants"
ROLES = "identity_roles"  # partition: participant id; key: consultation id
ROLE_HOLDERS = "identity_role_holders"  # partition: consultation id; key: participant id
# partition "all"; key: a session subject (participant id or `admin:<user>`);
# doc {"generation": n}: a session cookie issued at a lower generation is revoked.
SESSION_GENERATIONS = "identity_session_generations"
CONSULTATION_SETTINGS = "identity_consultation_settings"  # partition "all"; key: consultation
ROLE_SCAN = 500


class Capability(Enum):
    """What a role on a consultation allows, by the roles that grant it."""

    MANAGE = frozenset({"organiser", "admin"})  # content, phases, team, charter, open data
    MODERATE = frozenset({"moderator", "admin"})  # the queue and its decisions
    ANALYSE = frozenset({"analyst", "organiser", "admin"})  # search workspace, synthesis

    @property
    def roles(self) -> frozenset[str]:
        roles: frozenset[str] = self.value
        return roles


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


async def may(store: ReadStore, participant_id: str, consultation_id: str,
              capability: Capability) -> bool:
    """Does this participant hold a role on `consultation_id` granting `capability`?"""
    if not consultation_id:
        return False
    return bool(await roles_in(store, participant_id, consultation_id) & capability.roles)


async def consultations_where(store: ReadStore, participant_id: str,
                              capability: Capability) -> frozenset[str]:
    """Every consultation on which this participant holds `capability`."""
    held = await consultations_with_role(store, participant_id)
    return frozenset(cid for cid, roles in held.items() if roles & capability.roles)


async def proof_of_work_required(store: ReadStore, consultation_id: str) -> bool:
    """Do anonymous actions in this consultation need a solved challenge?"""
    doc = await store.get(CONSULTATION_SETTINGS, "all", consultation_id)
    return bool(doc and doc.get("proof_of_work"))


async def consultations_with_role(store: ReadStore, participant_id: str) -> dict[str, set[str]]:
    rows = await store.list(ROLES, participant_id, limit=ROLE_SCAN)
    return {cid: set(doc.get("roles", [])) for cid, doc in rows if doc.get("roles")}


def admin_subject(user: str) -> str:
    """The session subject of the settings-configured admin."""
    return f"admin:{user}"


async def session_generation(store: ReadStore, subject: str) -> int:
    """How many times `subject`'s sessions were revoked (logout, erasure, a role
    withdrawn): a session opened at a lower generation is over (ADR 0041)."""
    doc = await store.get(SESSION_GENERATIONS, "all", subject)
    return int(doc["generation"]) if doc else 0
