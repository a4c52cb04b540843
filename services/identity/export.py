"""A participant's data export (JSON) and its extension point.

Each service holding participations registers an `ExportSource` under a name
("contributions", "votes"...) in `IdentityPorts.export_sources`; the export
calls each with the participant id and includes what it returns: the
composition root registers deposit's contributions, vote's ballots, the
consultation's meeting registrations and the synthesis's follow-up notices
(services/runtime/services.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from services.identity.queries import consultations_with_role, identity_level
from services.identity.vault import Vault
from services.store.port import ReadStore

EXPORT_FORMAT = 1


class ExportSource(Protocol):
    def __call__(self, store: ReadStore, participant_id: str) -> Awaitable[list[Any]]: ...


async def export_participant(participant_id: str, *, vault: Vault, store: ReadStore,
                             sources: Mapping[str, ExportSource]) -> dict[str, Any]:
    profile = await vault.profile(participant_id) or {}
    roles = await consultations_with_role(store, participant_id)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "participant_id": participant_id,
        "profil": {"courriel": profile.get("email"), "pseudonyme": profile.get("pseudonym"),
                   "code_postal": profile.get("postcode") or None},
        "niveau_identite": await identity_level(store, participant_id),
        "roles": {cid: sorted(r) for cid, r in roles.items()},
        "contributions": [],
        "votes": [],
        "rencontres": [],
        "notifications": [],
    }
    for name, source in sources.items():
        data[name] = await source(store, participant_id)
    return data
