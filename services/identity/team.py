"""A consultation's team: roles granted per consultation, and its anti-robot
setting for anonymous actions. Who may manage a team is the role policy's
answer (`queries.may(..., Capability.MANAGE)`), asked by the back-office guard
before these run; only the platform's admin grants or withdraws `admin` (the
role change's decision, `model.check_role_change`, refuses it to an organiser)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.errors import DomainError
from services.identity import model
from services.identity.acting import Acting
from services.identity.commands import GrantRole, RevokeRole, SetAnonymousProofOfWork
from services.identity.queries import ROLE_HOLDERS

TEAM_PAGE = 100  # members a page: each is one read of the vault for their pseudonym
UNKNOWN_PSEUDONYM = DomainError("unknown_pseudonym", "Aucun participant n'a ce pseudonyme.",
                                field="pseudonym")


@dataclass(frozen=True, slots=True)
class Member:
    participant_id: str
    roles: list[str]
    pseudonym: str | None  # None once the participant is erased


class Team:
    def __init__(self, acting: Acting) -> None:
        self._acting = acting

    async def members(self, consultation_id: str, *, after: str | None = None,
                      limit: int = TEAM_PAGE) -> list[Member]:
        """The role holders in the order of their ids, from after `after` (keyset
        pages: a restricted consultation's invited participants are thousands)."""
        acting = self._acting
        members = []
        for pid, holder in await acting.store.list(ROLE_HOLDERS, consultation_id,
                                                   limit=limit, after=after):
            profile = await acting.ports.vault.profile(pid) or {}
            members.append(Member(pid, list(holder["roles"]), profile.get("pseudonym")))
        return members

    async def grant(self, consultation_id: str, *, pseudonym: str, role: str, by: str,
                    by_platform_admin: bool) -> None:
        """`role` to the participant named by `pseudonym`, granted by `by`."""
        pid = await self._acting.ports.vault.find("pseudonym",
                                                  model.pseudonym_lookup_value(pseudonym))
        if pid is None:
            raise UNKNOWN_PSEUDONYM()
        await self._acting.run(GrantRole(pid, consultation_id, role), actor_id=by,
                               role=_actor_role(by_platform_admin))
        await self._acting.settle()

    async def revoke(self, consultation_id: str, *, participant_id: str, role: str,
                     by: str, by_platform_admin: bool = False) -> None:
        await self._acting.run(RevokeRole(participant_id, consultation_id, role),
                               actor_id=by, role=_actor_role(by_platform_admin))
        await self._acting.settle()

    @staticmethod
    def may_change(role: str, *, by_platform_admin: bool) -> bool:
        """Whether the back office offers to grant or withdraw `role`."""
        return role not in model.PLATFORM_ROLES or by_platform_admin

    async def require_proof_of_work(self, consultation_id: str, required: bool, *,
                                    by: str) -> None:
        await self._acting.run(SetAnonymousProofOfWork(consultation_id, required),
                               actor_id=by, role="organiser")
        await self._acting.settle()


def _actor_role(by_platform_admin: bool) -> str:
    return "admin" if by_platform_admin else "organiser"
