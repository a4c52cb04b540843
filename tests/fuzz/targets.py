"""Fuzz targets (atheris): the parsers that read what outsiders send or upload.

Each target feeds its parser arbitrary bytes and lets through only the refusals
the parser documents (a French message for a person, or the decoding errors a
reader skips); anything else is a crash, and so is output that breaks the
parser's promise (sanitised HTML that keeps a script, an event that decodes but
cannot be encoded again). A crash found becomes a regression test in
tests/unit/test_fuzz_regressions.py.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["services"], enable_loader_override=False):
    from services.consultation.imports import FORMATS, parse_file
    from services.consultation.questionnaire import validate_questionnaire
    from services.consultation.richtext import render_markdown, sanitize_html
    from services.consultation.videos import parse_video_url
    from services.core.envelope import Actor, Envelope
    from services.core.errors import DomainError, InvalidEvent, UnknownEventType
    from services.core.events import Meta
    from services.core.schema_registry import SchemaRegistry
    from services.core.upcasting import upcast
    from services.eventlog.kafka_index import can_hold
    from services.eventlog.kafka_reader import index_fields
    from services.search.errors import QuerySyntaxError
    from services.search.query import parse as parse_query
    from services.synthesis.polis.importer import conversation_events
    from services.synthesis.polis.model import (
        COMMENT_COLUMNS,
        COMMENTS_FILE,
        PARTICIPANT_COLUMNS,
        PARTICIPANTS_FILE,
        VOTE_COLUMNS,
        VOTES_FILE,
        PolisFormatError,
    )
    from services.synthesis.polis.reader import read_conversation
    from services.web.backoffice.consultations import parse_local
    from services.web.backoffice.questionnaire_text import parse as parse_questionnaire
    from services.web.forms import FormError
    from services.web.moderation.charter import parse_charter

REGISTRY = SchemaRegistry()
_POLIS_META = Meta(actor=Actor(id="analyst-1", role="analyst"))
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"(href|src)\s*=\s*[\"']?\s*(javascript|vbscript|data):",
                         re.IGNORECASE)


class _Record:
    def __init__(self, value: bytes) -> None:
        self.value = value


def event(data: bytes) -> None:
    """A record off the log: decoded, upcast, validated, encoded again; and what the
    Kafka writer index keeps of it: what a reader decodes, whenever the index can
    hold it."""
    fields = index_fields(_Record(data))  # never raises
    try:
        envelope = Envelope.from_json(data)
    except (ValueError, KeyError, TypeError):  # what every reader skips (kafka_reader.decode)
        return
    read = (envelope.event_id, envelope.stream, envelope.stream_version)
    assert fields == (read if can_hold(*read) else None)
    try:
        REGISTRY.validate(upcast(envelope))
    except (InvalidEvent, UnknownEventType):
        return
    assert Envelope.from_json(envelope.to_json()) == envelope


def questionnaire_text(data: bytes) -> None:
    source = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    with contextlib.suppress(FormError):
        parse_questionnaire(source)


def questionnaire_import(data: bytes) -> None:
    """An uploaded questionnaire file, in each format: errors are a result, never
    an exception, and a file without errors is one the handler accepts."""
    provider = atheris.FuzzedDataProvider(data)
    fmt = provider.PickValueInList([None, *FORMATS])
    parsed = parse_file(provider.ConsumeBytes(8192), fmt)
    assert parsed.ok or parsed.issues
    if parsed.ok:
        for command in parsed.commands("c1", "k1"):
            validate_questionnaire(command)


def markdown(data: bytes) -> None:
    source = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    for html in (render_markdown(source), sanitize_html(source)):
        assert "<script" not in html.lower(), html
        assert not _HANDLER.search(html), html  # no onclick=..., onerror=...
        assert not _SCRIPT_URL.search(html), html  # no href="javascript:..."


def polis_csv(data: bytes) -> None:
    """A Pol.is export's comments.csv, votes.csv and participants-votes.csv (its
    comment columns 0 to 3), as uploaded; what is read, made into the import's
    events (ADR 0124: counted in int64 arrays)."""
    provider = atheris.FuzzedDataProvider(data)
    comments = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 2048))
    votes = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 2048))
    participants = provider.ConsumeBytes(1024)
    with tempfile.TemporaryDirectory() as folder:
        for name, columns, body in (
                (COMMENTS_FILE, COMMENT_COLUMNS, comments),
                (VOTES_FILE, VOTE_COLUMNS, votes),
                (PARTICIPANTS_FILE, (*PARTICIPANT_COLUMNS, "0", "1", "2", "3"), participants)):
            Path(folder, name).write_bytes(",".join(columns).encode() + b"\n" + body)
        try:
            conversation = read_conversation(Path(folder))
        except PolisFormatError:
            return
    events = conversation_events(conversation, consultation_id="c-1", meta=_POLIS_META)
    assert len(events) == 1 + len(conversation.comments) + len(conversation.votes)


def form_fields(data: bytes) -> None:
    """What forms and query strings carry: a search query, a local date, a video
    link, a moderation charter."""
    provider = atheris.FuzzedDataProvider(data)
    text = provider.ConsumeUnicodeNoSurrogates(512)
    with contextlib.suppress(QuerySyntaxError):
        parse_query(text)
    with contextlib.suppress(FormError):
        parse_local(text, "debut")
    with contextlib.suppress(DomainError):
        parse_video_url(text)
    parse_charter(text)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "event": event, "questionnaire_text": questionnaire_text, "markdown": markdown,
    "polis_csv": polis_csv, "form_fields": form_fields,
    "questionnaire_import": questionnaire_import}
