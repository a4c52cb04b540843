"""Handlers for questionnaires, articles, documents and videos. Ports as keyword
arguments: `log`, `clock`, `meta`, and `blobs` (BlobStore) for uploads.
Creating content checks the consultation exists (its stream has a version)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.consultation import content
from services.consultation import content_events as ev
from services.consultation.blobstore import BlobStore
from services.consultation.content import Item
from services.consultation.content_commands import (
    AttachDocument,
    AttachVideo,
    PublishArticle,
    RemoveDocument,
    RemoveQuestionnaire,
    RemoveVideo,
    SaveQuestionnaire,
    UnpublishArticle,
    WriteArticle,
)
from services.consultation.model import stream_of
from services.consultation.streams import load
from services.consultation.uploads import (
    DEFAULT_MAX_BYTES,
    check_upload,
    document_title,
    stored_upload,
)
from services.core.clock import Clock
from services.core.errors import DomainError, Refusals
from services.core.events import DomainEvent, Meta
from services.core.values import ident
from services.eventlog.port import EventLog, append_at


async def load_item(log: EventLog, stream: str) -> Item:
    state = Item()
    for event in (await load(log, stream))[1]:
        state = content.evolve(state, event)
    return state


async def require_consultation(log: EventLog, consultation_id: str) -> None:
    if await log.stream_version(stream_of(consultation_id)) == 0:
        raise DomainError("consultation_not_found", "Cette consultation n'existe pas.",
                          field="consultation_id")


async def _write(log: EventLog, clock: Clock, meta: Meta, stream: str, state: Item,
                 events: Sequence[DomainEvent]) -> None:
    cid = state.consultation_id or getattr(events[0], "consultation_id", "") if events else ""
    await append_at(log, clock=clock, meta=meta, consultation_id=cid,
                 writes=[(stream, state.version, events)])


async def _change(cmd_id: str, kind: str, decide: Callable[[Item], list[DomainEvent]], *,
                  log: EventLog, clock: Clock, meta: Meta) -> None:
    stream = content.stream(kind, cmd_id)
    state = await load_item(log, stream)
    await _write(log, clock, meta, stream, state, decide(state))


async def save_questionnaire(cmd: SaveQuestionnaire, *, log: EventLog, clock: Clock,
                             meta: Meta) -> str:
    await require_consultation(log, cmd.consultation_id)
    await _change(cmd.questionnaire_id, "questionnaire",
                  lambda s: content.decide_save_questionnaire(s, cmd),
                  log=log, clock=clock, meta=meta)
    return cmd.questionnaire_id


async def remove_questionnaire(cmd: RemoveQuestionnaire, *, log: EventLog, clock: Clock,
                               meta: Meta) -> None:
    await _change(cmd.questionnaire_id, "questionnaire",
                  lambda s: content.decide_remove_questionnaire(s, cmd),
                  log=log, clock=clock, meta=meta)


async def write_article(cmd: WriteArticle, *, log: EventLog, clock: Clock, meta: Meta) -> str:
    await require_consultation(log, cmd.consultation_id)
    await _change(cmd.article_id, "article", lambda s: content.decide_write_article(s, cmd),
                  log=log, clock=clock, meta=meta)
    return cmd.article_id


async def publish_article(cmd: PublishArticle, *, log: EventLog, clock: Clock,
                          meta: Meta) -> None:
    await _change(cmd.article_id, "article", lambda s: content.decide_publish_article(s, cmd),
                  log=log, clock=clock, meta=meta)


async def unpublish_article(cmd: UnpublishArticle, *, log: EventLog, clock: Clock,
                            meta: Meta) -> None:
    await _change(cmd.article_id, "article",
                  lambda s: content.decide_unpublish_article(s, cmd),
                  log=log, clock=clock, meta=meta)


async def attach_document(cmd: AttachDocument, *, log: EventLog, clock: Clock, meta: Meta,
                          blobs: BlobStore, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Records a document whose bytes the front stored: they are read back and
    checked again (type, size, digest) before anything is written. The same
    document sent again (a retry through another front) is answered its id."""
    ident(cmd.document_id, "document_id")
    with Refusals() as refused:  # the title's refusal beside the file's (ADR 0144)
        title = refused.check(document_title, cmd.title)
        with refused.field():
            data = await stored_upload(cmd.sha256, blobs=blobs)
            media_type, filename = check_upload(cmd.filename, data, max_bytes=max_bytes)
    assert title is not None  # refused otherwise, as the file
    await require_consultation(log, cmd.consultation_id)
    stream = content.stream("document", cmd.document_id)
    attached = ev.DocumentAttached(cmd.document_id, cmd.consultation_id, title, filename,
                                   media_type, len(data), cmd.sha256)
    recorded = await log.read_stream(stream)
    if recorded and recorded[0].data == attached.to_data():
        return cmd.document_id
    if recorded:
        raise DomainError("already_exists", "Ce document existe déjà.", field="document_id")
    await _write(log, clock, meta, stream, Item(), [attached])
    return cmd.document_id


async def remove_document(cmd: RemoveDocument, *, log: EventLog, clock: Clock,
                          meta: Meta) -> None:
    await _change(cmd.document_id, "document",
                  lambda s: content.decide_remove_document(s, cmd),
                  log=log, clock=clock, meta=meta)


async def attach_video(cmd: AttachVideo, *, log: EventLog, clock: Clock, meta: Meta) -> str:
    await require_consultation(log, cmd.consultation_id)
    await _change(cmd.video_id, "video", lambda s: content.decide_attach_video(s, cmd),
                  log=log, clock=clock, meta=meta)
    return cmd.video_id


async def remove_video(cmd: RemoveVideo, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    await _change(cmd.video_id, "video", lambda s: content.decide_remove_video(s, cmd),
                  log=log, clock=clock, meta=meta)
