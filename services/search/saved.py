"""Saved searches of the analyst workspace: commands, handlers and the read model.

One stream per saved search (`searchsaved-<id>`: version 1 saved, 2 deleted), so a
resubmitted form (same id) is answered as the first instead of saving twice. Both
commands decide on that stream read from the log, never on the read model (which
may not have the save yet), and are routed to the search replica owning its
partition (ADR 0085). The read model `search_saved` is partitioned by
consultation: every analyst of a consultation sees the team's saved searches
(ADR 0024)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from services.core.clock import Clock
from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.events import DomainEvent, Meta
from services.core.values import iso
from services.eventlog.port import EventLog, append_to
from services.search.events import SavedSearchDeleted, SearchSaved
from services.store.port import StoreTx
from services.store.projection import Projection

SAVED = "search_saved"  # partition: consultation id; key: saved search id
MAX_NAME = 80
MAX_PARAMS = 2000
# Only what the workspace reads back: nothing else (no free-form data) is kept.
KEPT_PARAMS = frozenset({"q", "sort", "seed", "size", "facet"})


@dataclass(frozen=True, slots=True)
class SaveSearch:
    saved_search_id: str
    consultation_id: str
    owner_id: str
    name: str
    params: str


@dataclass(frozen=True, slots=True)
class DeleteSavedSearch:
    saved_search_id: str
    consultation_id: str


def stream_of(saved_search_id: str) -> str:
    return f"searchsaved-{saved_search_id}"


def kept_params(query_string: str) -> str:
    """The workspace parameters worth saving, in a stable order (page dropped)."""
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=False)
             if k in KEPT_PARAMS or k.startswith("f.")]
    return urlencode(sorted(pairs, key=lambda kv: kv[0]))


def decide_save(cmd: SaveSearch) -> SearchSaved:
    name = " ".join(cmd.name.split())
    if not name:
        raise DomainError("name_required", "Donnez un nom à cette recherche.", field="name")
    if len(name) > MAX_NAME:
        raise DomainError("name_too_long", f"Le nom ne doit pas dépasser {MAX_NAME} caractères.",
                          field="name")
    if len(cmd.params) > MAX_PARAMS:
        raise DomainError("params_too_long", "Cette recherche est trop longue pour être "
                          "enregistrée.", field="name")
    return SearchSaved(cmd.saved_search_id, cmd.consultation_id, cmd.owner_id, name,
                       kept_params(cmd.params))


async def save_search(cmd: SaveSearch, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    """The same form sent again (a double click, a retry through another front)
    writes nothing; another save under a taken id is a conflict."""
    event = decide_save(cmd)
    history = await log.read_stream(stream_of(cmd.saved_search_id))
    if history:
        if history[0].data == event.to_data():
            return
        raise ConcurrencyConflict(stream_of(cmd.saved_search_id), 0, len(history))
    await _append(log, clock, meta, cmd.saved_search_id, 0, event, cmd.consultation_id)


async def delete_saved_search(cmd: DeleteSavedSearch, *, log: EventLog, clock: Clock,
                              meta: Meta) -> None:
    history = await log.read_stream(stream_of(cmd.saved_search_id))
    saved = [e for e in history if e.type == SearchSaved.TYPE]
    if (not saved or saved[0].data["consultation_id"] != cmd.consultation_id
            or any(e.type == SavedSearchDeleted.TYPE for e in history)):
        raise NotFound("saved search")  # unknown, already deleted, or another consultation's
    event = SavedSearchDeleted(cmd.saved_search_id, cmd.consultation_id)
    await _append(log, clock, meta, cmd.saved_search_id, history[-1].stream_version, event,
                  cmd.consultation_id)


async def _append(log: EventLog, clock: Clock, meta: Meta, saved_search_id: str,
                  version: int, event: DomainEvent, consultation_id: str) -> None:
    await append_to(log, stream_of(saved_search_id), version, [event], clock=clock, meta=meta,
                    consultation_id=consultation_id)


HANDLERS: dict[type, Callable[..., Awaitable[None]]] = {
    SaveSearch: save_search, DeleteSavedSearch: delete_saved_search}
# Sent by a distributed front to the search replica owning the saved search's
# partition, keyed as search.events keys its events (by stream): one writer each.
ROUTED: dict[type, Callable[[Any], str]] = {
    SaveSearch: lambda c: stream_of(c.saved_search_id),
    DeleteSavedSearch: lambda c: stream_of(c.saved_search_id)}


class SavedSearches(Projection):
    name = "search.saved"
    topics = ("search.events",)
    tables = (SAVED,)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        if event.type == SearchSaved.TYPE:
            await tx.put(SAVED, d["consultation_id"], d["saved_search_id"], {
                "id": d["saved_search_id"], "name": d["name"], "params": d["params"],
                "owner_id": d["owner_id"],
                "saved_at": iso(event.occurred_at)})
        elif event.type == SavedSearchDeleted.TYPE:
            await tx.delete(SAVED, d["consultation_id"], d["saved_search_id"])
