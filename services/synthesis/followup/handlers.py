"""Follow-up handlers. The contributors to notify are found here (members of the
linked published themes, authors of the linked proposals, each once) and
recorded as `ContributorsNotified` chunks beside the response, in one append."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_to
from services.store.paging import whole_partition
from services.store.port import ReadStore
from services.synthesis.followup import model as m
from services.synthesis.followup.events import (
    ContributorsNotified,
    ResponsePublished,
    ResponseStatusChanged,
)
from services.synthesis.followup.projections import FollowUpProjection
from services.synthesis.followup.tables import RESPONSES, stream_of
from services.synthesis.fresh import at_log_version
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import (
    MEMBERS,
    PUBLISHED,
    WHOLE_PUBLISHED,
    members_partition,
)

CHUNK = 500
PAGE = 1000


async def publish_response(cmd: m.PublishResponse, *, log: EventLog, store: ReadStore,
                           clock: Clock, meta: Meta) -> None:
    title = m.text(cmd.title, field="title", limit=m.MAX_TITLE, required=True,
                   what="le titre de la réponse")
    body = m.text(cmd.body, field="body", limit=m.MAX_BODY, required=True,
                  what="le texte de la réponse")
    status = m.status(cmd.status)
    published = await store.get(PUBLISHED, cmd.consultation_id, WHOLE_PUBLISHED) or {"themes": []}
    themes = {t["theme_id"]: t for t in published["themes"]}
    proposals = await store.get_many(CORPUS, cmd.consultation_id, list(cmd.proposal_ids))
    m.links(cmd, themes, {k for k, d in proposals.items() if d["kind"] == "proposal"})
    event = ResponsePublished(cmd.response_id, cmd.consultation_id, title, body, status,
                              published.get("run_id", "") if cmd.theme_ids else "",
                              sorted(set(cmd.theme_ids)), sorted(set(cmd.proposal_ids)))
    people = await contributors(store, cmd.consultation_id, event.run_id,
                                [themes[t] for t in event.theme_ids], event.proposal_ids)
    with contextlib.suppress(ConcurrencyConflict):  # the same form sent twice: first stands
        await _append(log, clock, meta, event, 0, _notices(event.response_id,
                      cmd.consultation_id, status, people))


async def change_response_status(cmd: m.ChangeResponseStatus, *, log: EventLog,
                                 store: ReadStore, clock: Clock, meta: Meta) -> None:
    version = await at_log_version(log, store, FollowUpProjection.name,
                                   stream_of(cmd.response_id))
    response = await store.get(RESPONSES, cmd.consultation_id, cmd.response_id)
    if response is None or version == 0:
        raise NotFound("response")
    status = m.status(cmd.status)
    if status == response["status"]:
        raise DomainError("same_status", "La réponse a déjà ce statut.", field="status")
    note = m.text(cmd.note, field="note", limit=m.MAX_NOTE, required=False, what="la note")
    published = await store.get(PUBLISHED, cmd.consultation_id, WHOLE_PUBLISHED) or {"themes": []}
    themes = [t for t in published["themes"] if t["theme_id"] in response["theme_ids"]
              and published["run_id"] == response["run_id"]]
    people = await contributors(store, cmd.consultation_id, response["run_id"], themes,
                                response["proposal_ids"])
    event = ResponseStatusChanged(cmd.response_id, cmd.consultation_id, status, note)
    try:
        await _append(log, clock, meta, event, version,
                      _notices(cmd.response_id, cmd.consultation_id, status, people))
    except ConcurrencyConflict:
        raise DomainError("stale", "La réponse a changé entre-temps : rechargez la page.",
                          ) from None


async def contributors(store: ReadStore, cid: str, run_id: str,
                       themes: Iterable[dict[str, Any]], proposal_ids: Iterable[str]) -> list[str]:
    """Authors (pseudonymous ids) of the themes' members and of the proposals,
    among contributions still published, each once, sorted."""
    ids: list[str] = list(proposal_ids)
    for theme in themes:
        for part in theme["parts"]:
            ids += [d["id"] for d in await whole_partition(
                store, MEMBERS, members_partition(run_id, part), page_size=PAGE)]
    authors: set[str] = set()
    for i in range(0, len(ids), PAGE):
        docs = await store.get_many(CORPUS, cid, ids[i:i + PAGE])
        authors.update(d["author_id"] for d in docs.values() if d.get("author_id"))
    return sorted(authors)


def _notices(response_id: str, cid: str, status: str, people: list[str]) -> list[DomainEvent]:
    return [ContributorsNotified(response_id, cid, status, people[i:i + CHUNK])
            for i in range(0, len(people), CHUNK)]


async def _append(log: EventLog, clock: Clock, meta: Meta, first: DomainEvent, version: int,
                  rest: list[DomainEvent]) -> None:
    d = first.to_data()
    await append_to(log, stream_of(d["response_id"]), version, [first, *rest], clock=clock,
                    meta=meta, consultation_id=d["consultation_id"])


HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {
    m.PublishResponse: publish_response, m.ChangeResponseStatus: change_response_status}
