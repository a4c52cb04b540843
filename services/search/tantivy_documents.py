"""The tantivy adapter's documents, as the JSON strings `IndexWriter.add_json` reads,
and the worker process that analyses their text during a bulk load (ADR 0073).

Building a document is Python (the French analysis, the JSON, the id hash) and runs
under the GIL: in a rebuild it took 11-14 us a document against 5-6 us of indexing in
tantivy's own thread, so one core did most of the work. Between `begin_bulk` and
`end_bulk`, a write call of at least PIPELINE_MIN documents has their text analysed
(with their id hashed and their date read) in a worker process, a few chunks ahead,
while this process writes the rest of each document and hands it to tantivy. Only
id, date and text travel, as JSON, and come back as lines of "hash seconds stems":
with whole documents sent, reading them back took the worker 4 us a document and it
became the longest thread.
"""

from __future__ import annotations

import binascii
import contextlib
import operator
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import IO

import orjson

from services.search.analysis import normalised
from services.search.memory import id_hash
from services.search.port import FACETS, SearchDoc

PIPELINE_MIN = 20_000  # documents in one bulk write call; below, the worker is not worth it
PIPELINE_CHUNK = 2_500  # documents the worker analyses in one go
PIPELINE_AHEAD = 2  # chunks sent to the worker beyond the one being added

_facet_values = operator.attrgetter(*FACETS)
_has_value = operator.itemgetter(1)

Write = tuple[str, int, SearchDoc | None]  # (id, version, the document or None: deleted)


def document_json(doc_id: str, version: int, doc: SearchDoc | None) -> str:
    """The tantivy document as JSON, for `add_json`: one string parsed by tantivy
    instead of a dict converted field by field. A deletion is a tombstone carrying the
    version (`alive` = 0)."""
    if doc is None:
        return orjson.dumps({"id": doc_id, "version": version, "idhash": id_hash(doc_id),
                             "alive": 0}).decode()
    return _assembled(doc_id, version, doc, id_hash(doc_id), _epoch(doc.date),
                      normalised(f"{doc.title} {doc.body}"))  # as `indexed`, inlined


def indexed(doc_id: str, date: str, text: str) -> tuple[int, int, str]:
    """What a document's id, date and text become in the index: the id hash, the date
    in seconds, the stems (the part a worker process makes during a bulk load)."""
    return id_hash(doc_id), _epoch(date), normalised(text)


def _assembled(doc_id: str, version: int, doc: SearchDoc, idhash: int, ts: int,
               stems: str) -> str:
    """The payload is the SearchDoc as JSON, in base64 as tantivy reads a bytes field
    from JSON, and stored as the bytes; only the facets with a value are written."""
    fields = {"id": doc_id, "version": version, "idhash": idhash, "alive": 1,
              "votes": doc.votes, "ts": ts, "text": stems,
              "payload": binascii.b2a_base64(orjson.dumps(doc), newline=False).decode()}
    return (orjson.dumps(fields)[:-1] + _facets_json(_facet_values(doc))).decode()


_FACETS_JSON: dict[tuple[str, ...], bytes] = {}
FACETS_JSON_MEMO = 10_000  # facet combinations remembered, forgotten all at once past it


def _facets_json(values: tuple[str, ...]) -> bytes:
    """The end of a document's JSON: its facets with a value, then the closing brace.
    Remembered by combination: the documents of a consultation share a few (its
    kinds, themes, territories), and the filter over ten facets, the dict and its
    JSON took a fifth of the document's assembly (3.3 us a document, 2.65 with the
    memo; ADR 0090)."""
    tail = _FACETS_JSON.get(values)
    if tail is None:
        named = dict(filter(_has_value, zip(FACETS, values, strict=True)))
        tail = b"," + orjson.dumps(named)[1:] if named else b"}"
        if len(_FACETS_JSON) >= FACETS_JSON_MEMO:
            _FACETS_JSON.clear()
        _FACETS_JSON[values] = tail
    return tail


def _analysed(doc: SearchDoc) -> str:
    return f"{doc.title} {doc.body}"


def _analysis(line: str) -> tuple[int, int, str]:
    """A worker's answer for one document: id hash, date in seconds, stems."""
    idhash, ts, stems = line.split(" ", 2)
    return int(idhash), int(ts), stems


def _in_bursts(writes: Sequence[Write]) -> Iterator[str]:
    """The documents of `writes`, built PIPELINE_CHUNK at a time before any is handed
    over. Tantivy's indexing thread indexes a document faster than this process builds
    one: fed one at a time, it went to sleep after each and every `add_json` paid a
    futex wake-up (and the thread a wake-up of its own); fed a chunk at once, it finds
    the next documents queued and runs on (10-20 % less CPU on this side, ADR 0090)."""
    for start in range(0, len(writes), PIPELINE_CHUNK):
        yield from [document_json(*w) for w in writes[start:start + PIPELINE_CHUNK]]


class DocumentPipeline:
    """The documents of a bulk load's large write calls, their French analysis (a
    third of the Python a document costs), id hash and date made in a worker process
    a few chunks ahead of this one, which builds the rest of each document and hands
    it to tantivy. The worker is started by the first large call and stopped by `close`."""

    def __init__(self) -> None:
        self._worker: _Worker | None = None

    def built(self, writes: Sequence[Write]) -> Iterator[str]:
        if len(writes) < PIPELINE_MIN:
            return _in_bursts(writes)
        return self._pipelined(writes)

    def _pipelined(self, writes: Sequence[Write]) -> Iterator[str]:
        worker = self._worker = self._worker or _Worker()
        chunks = [writes[s:s + PIPELINE_CHUNK] for s in range(0, len(writes), PIPELINE_CHUNK)]
        sent = received = 0
        try:
            while received < len(chunks):
                while sent < len(chunks) and sent <= received + PIPELINE_AHEAD:
                    worker.send([("", "", "") if d is None else (i, d.date, _analysed(d))
                                 for i, _, d in chunks[sent]])
                    sent += 1
                lines = worker.receive()
                yield from [  # a burst: see _in_bursts
                    document_json(doc_id, version, None) if doc is None
                    else _assembled(doc_id, version, doc, *_analysis(line))
                    for (doc_id, version, doc), line in zip(chunks[received], lines, strict=True)]
                received += 1
        finally:
            if received < len(chunks):  # abandoned: its answers still in the pipe
                self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


class WorkerGone(OSError):
    """The worker process building documents exited (killed, out of memory)."""


class _Worker:
    """`python -m services.search.tantivy_documents`, fed chunks of (id, date, text)
    as JSON on its stdin, answering each on its stdout with one line a document, "id
    hash, seconds, stems" (stems are word characters and spaces: never a newline). Its own
    process rather than multiprocessing's: a spawned multiprocessing child runs the
    parent's main script again, which fails in any script without a `__main__` guard
    (and a forked one would copy tantivy's and asyncio's threads mid-flight). A thread
    writes the chunks, so that the worker never blocks writing an answer while this
    process blocks writing a chunk."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}  # finds `services`
        self._process = subprocess.Popen([sys.executable, "-m", __name__], env=env,  # noqa: S603
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._feed, name="search-documents-feed", daemon=True).start()

    def send(self, rows: list[tuple[str, str, str]]) -> None:
        self._outbox.put(orjson.dumps(rows))

    def receive(self) -> list[str]:
        assert self._process.stdout is not None
        answer = _read_frame(self._process.stdout)
        if answer is None:
            raise WorkerGone(f"search documents worker exited ({self._process.poll()})")
        return answer.decode().split("\n")

    def stop(self) -> None:
        self._outbox.put(None)
        self._process.kill()  # it holds nothing: whatever it was building is dropped
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a chunk left unsent: nobody reads it
                    pipe.close()

    def _feed(self) -> None:
        pipe = self._process.stdin
        assert pipe is not None
        while (frame := self._outbox.get()) is not None:
            try:
                pipe.write(_HEADER.pack(len(frame)) + frame)
                pipe.flush()
            except (OSError, ValueError):  # the worker is gone or stopped: receive says so
                return


_HEADER = struct.Struct("!Q")


def _read_frame(pipe: IO[bytes]) -> bytes | None:
    header = pipe.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    frame = pipe.read(size)
    return frame if len(frame) == size else None


def _serve(inbox: IO[bytes], outbox: IO[bytes]) -> None:
    """The worker's loop, until its stdin closes."""
    while (frame := _read_frame(inbox)) is not None:
        lines = ("{} {} {}".format(*indexed(*row)) for row in orjson.loads(frame))
        data = "\n".join(lines).encode()
        outbox.write(_HEADER.pack(len(data)) + data)
        outbox.flush()


def _epoch(iso: str) -> int:
    try:  # Python 3.11 reads the "Z" itself
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return 0


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
