"""Commands of opinion groups and their handlers (ports only): import a Pol.is
conversation into a consultation, publish the consultation's opinion groups.

Both decide on the log: the import appends with `expect=0` on the
conversation's stream (a second import into one consultation is refused; the
same import sent again, through any front, is answered its report and writes
nothing, or finishes an interrupted one: ADR 0124), and the publication
computes the groups from the opinions the log holds at that moment, read from
the opinions' model once it is known to hold them (ADR 0054; the same groups
published again write nothing; refused while an import is still arriving). Both are
routed to the synthesis_themes replicas (ADR 0081): the import's files come
through the blob store (`polis/staging.py`), never in the command."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.errors import DomainError, NotFound
from services.core.events import Meta
from services.core.ids import uuid7_shaped
from services.eventlog.port import EventLog, ModelProgress, append_to
from services.store.port import ReadStore
from services.synthesis.conversations.events import OpinionGroupsPublished
from services.synthesis.conversations.opinions_model import book_of, holds_the_log
from services.synthesis.conversations.shown import leave_out_unshown
from services.synthesis.conversations.snapshot import snapshot
from services.synthesis.groups.analysis import analyse_opinions
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.importer import append_conversation
from services.synthesis.polis.model import PolisFormatError
from services.synthesis.polis.reader import read_conversation
from services.synthesis.polis.staging import Blobs, unstage_export

logger = logging.getLogger("parlons.synthesis")


@dataclass(frozen=True, slots=True)
class ImportConversation:
    consultation_id: str
    files: Mapping[str, str]  # the export's file names -> their blobs' SHA-256 (staging)


@dataclass(frozen=True, slots=True)
class PublishOpinionGroups:
    consultation_id: str
    titles: dict[str, str] | None = None  # texts of voted items (they have no body here)


async def import_conversation(cmd: ImportConversation, *, log: EventLog, store: ReadStore,
                              blobs: Blobs, meta: Meta) -> dict[str, Any]:
    """The import's report as plain data: counts and the lines left out."""
    if await consultations.consultation(store, cmd.consultation_id) is None:
        raise NotFound("Consultation")
    with tempfile.TemporaryDirectory(prefix="polis-") as folder:
        await unstage_export(cmd.files, blobs, Path(folder))
        try:
            conversation = await asyncio.to_thread(read_conversation, Path(folder))
        except PolisFormatError as refused:  # nothing written
            raise DomainError("polis_format", str(refused)) from None
    # The import is named by the files imported: the same import sent again is
    # answered as the first was, or finishes it where it was interrupted (ADR 0124).
    report = await append_conversation(conversation, consultation_id=cmd.consultation_id,
                                       log=log, meta=meta, import_id=_import_id(cmd),
                                       files=cmd.files)
    answer: dict[str, Any] = {
        "statements": report.statements, "votes": report.votes,
        "participants": report.participants, "skipped": [str(line) for line in report.skipped]}
    if report.already_imported:
        answer["already_imported"] = True
    if report.resumed:
        answer["resumed"] = True
    return answer


def arriving_message(statements: int, votes: int) -> str:
    """What is still to come of an imported conversation (French: shown as is)."""
    s, v = "s" if statements > 1 else "", "s" if votes > 1 else ""
    return (f"il manque encore {statements} proposition{s} et {votes} vote{v} de la "
            "conversation importée ; si l'import s'est interrompu, envoyez à nouveau les "
            "mêmes fichiers (le formulaire d'import de la page des groupes d'opinion, ou "
            "la même commande parlons polis import) : il reprend là où il s'est arrêté")


def _import_id(cmd: ImportConversation) -> str:
    files = "\n".join(f"{name}={digest}" for name, digest in sorted(cmd.files.items()))
    return uuid7_shaped(hashlib.sha256(
        f"polis-import\n{cmd.consultation_id}\n{files}".encode()).digest())


async def publish_opinion_groups(cmd: PublishOpinionGroups, *, log: EventLog,
                                 store: ReadStore, progress: ModelProgress, clock: Clock,
                                 meta: Meta) -> dict[str, object]:
    if await consultations.consultation(store, cmd.consultation_id) is None:
        raise NotFound("Consultation")
    book = await opinions_now(cmd.consultation_id, log=log, store=store, progress=progress)
    if (missing := book.import_arriving()) is not None:
        raise DomainError("import_arriving", "Import non terminé : " + arriving_message(*missing))
    await leave_out_unshown(book, store)  # a hidden item's text is never published
    try:  # seconds of numpy for a large conversation: off the event loop
        analysis = await asyncio.to_thread(analyse_opinions, book)
    except ValueError as too_few:  # too few participants or statements to form groups
        raise DomainError("too_few_opinions", str(too_few)) from None
    data = snapshot(book, analysis, cmd.titles)
    published = OpinionGroupsPublished(**data)
    stream = groups_stream(cmd.consultation_id)
    before = await log.read_stream(stream)
    if before and before[-1].data == json.loads(json.dumps(published.to_data())):
        return data  # the same groups again (a retry, another front): nothing to write
    await append_to(log, stream, len(before), [published], clock=clock, meta=meta,
                    consultation_id=cmd.consultation_id)
    return data


# How long a publication waits for the opinions' model to take in what the log
# held when it began, before it reads both topics whole instead (seconds).
MODEL_WAIT_S = 3.0


async def opinions_now(consultation_id: str, *, log: EventLog, store: ReadStore,
                       progress: ModelProgress) -> OpinionBook:
    """The consultation's opinions as the log holds them now, to decide on (ADR 0054).
    From the opinions' model once its marks pass the log's ends taken here: it
    holds every opinion given before, and perhaps some given since, as a read of
    the log a moment later would. Otherwise (the model lags past the bound, or no
    worker feeds it in any process) from the log, every consultation's imported
    conversations and ballots read whole: the same opinions, slower."""
    if await holds_the_log(log, progress, within=MODEL_WAIT_S):
        return await book_of(store, consultation_id)
    logger.info("opinion groups computed from the log: the opinions' model lags",
                extra={"consultation_id": consultation_id, "waited_s": MODEL_WAIT_S})
    return await OpinionBook.from_log(log, consultation_id)


def groups_stream(consultation_id: str) -> str:
    return f"opiniongroups-{consultation_id}"


HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {ImportConversation: import_conversation,
            PublishOpinionGroups: publish_opinion_groups}
