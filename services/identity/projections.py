"""The identity read model: each participant's level and roles per consultation.
No personal data: ids, levels, role names."""

from __future__ import annotations

from typing import ClassVar

from services.core.envelope import Envelope
from services.core.values import iso
from services.identity.queries import (
    CONSULTATION_SETTINGS,
    PARTICIPANTS,
    ROLE_HOLDERS,
    ROLES,
    SESSION_GENERATIONS,
)
from services.identity.streams import TOPIC
from services.store.port import StoreTx
from services.store.projection import Projection


class IdentityProjection(Projection):
    name: ClassVar[str] = "identity.participants"
    topics: ClassVar[tuple[str, ...]] = (TOPIC,)
    tables: ClassVar[tuple[str, ...]] = (PARTICIPANTS, ROLES, ROLE_HOLDERS,
                                         CONSULTATION_SETTINGS, SESSION_GENERATIONS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        kind = event.type.removeprefix("identity.")
        if kind == "ParticipantRegistered":
            await tx.put(PARTICIPANTS, "all", d["participant_id"], {
                "participant_id": d["participant_id"], "level": d["level"],
                "method": d["method"], "registered_at": iso(event.occurred_at),
                "last_active_at": iso(event.occurred_at), "erased": False})
        elif kind == "ParticipantSignedIn":
            await self._update(tx, d["participant_id"], last_active_at=iso(event.occurred_at))
        elif kind == "IdentityLevelRaised":
            await self._update(tx, d["participant_id"], level=d["level"])
        elif kind == "ParticipantErased":
            await self._update(tx, d["participant_id"], erased=True, level="anonymous")
            await self._end_sessions(tx, d["participant_id"])
        elif kind == "SessionsRevoked":
            await self._end_sessions(tx, d["subject"])
        elif kind == "AnonymousProofOfWorkSet":
            await tx.put(CONSULTATION_SETTINGS, "all", d["consultation_id"], {
                "consultation_id": d["consultation_id"], "proof_of_work": d["required"]})
        elif kind in ("RoleGranted", "RoleRevoked"):
            await self._role(tx, d["participant_id"], d["consultation_id"], d["role"],
                             granted=kind == "RoleGranted")
            if kind == "RoleRevoked":  # a role withdrawn ends the sessions opened with it
                await self._end_sessions(tx, d["participant_id"])

    @staticmethod
    async def _end_sessions(tx: StoreTx, subject: str) -> None:
        doc = await tx.get(SESSION_GENERATIONS, "all", subject) or {"generation": 0}
        await tx.put(SESSION_GENERATIONS, "all", subject,
                     {"generation": int(doc["generation"]) + 1})

    @staticmethod
    async def _update(tx: StoreTx, pid: str, **changes: object) -> None:
        doc = await tx.get(PARTICIPANTS, "all", pid)
        if doc is not None:
            await tx.put(PARTICIPANTS, "all", pid, {**doc, **changes})

    @staticmethod
    async def _role(tx: StoreTx, pid: str, cid: str, role: str, *, granted: bool) -> None:
        doc = await tx.get(ROLES, pid, cid) or {"consultation_id": cid, "roles": []}
        roles = set(doc["roles"]) | {role} if granted else set(doc["roles"]) - {role}
        if roles:
            await tx.put(ROLES, pid, cid, {"consultation_id": cid, "roles": sorted(roles)})
            await tx.put(ROLE_HOLDERS, cid, pid, {"participant_id": pid, "roles": sorted(roles)})
        else:
            await tx.delete(ROLES, pid, cid)
            await tx.delete(ROLE_HOLDERS, cid, pid)

