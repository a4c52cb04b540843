"""kill -9 of a process appending to the SQLite event log, mid-load: every
acknowledged event is in the log exactly once and the file is intact."""

from __future__ import annotations

import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.eventlog.sqlite import SqliteEventLog

WRITER = Path(__file__).with_name("sqlite_crash_writer.py")
ACKS_BEFORE_KILL = 3000


@pytest.fixture
def load(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    path = tmp_path / "events.db"
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    yield proc, path
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    proc.stderr.close()


def _lines(stream: object, into: queue.Queue[bytes | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put(None)


async def test_every_acknowledged_event_survives_kill_9(
    load: tuple[subprocess.Popen[bytes], Path],
) -> None:
    proc, path = load
    lines: queue.Queue[bytes | None] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()

    acked: list[str] = []
    deadline = time.monotonic() + 60
    while len(acked) < ACKS_BEFORE_KILL:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"only {len(acked)} acknowledgements in 60 s"
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        assert line is not None, proc.stderr.read().decode() if proc.stderr else "writer died"
        acked.append(line.decode().strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    while (line := lines.get(timeout=10)) is not None:
        if line.endswith(b"\n"):  # a line cut by the kill was never fully acknowledged
            acked.append(line.decode().strip())

    log = SqliteEventLog(path)
    try:
        stored: list[str] = []
        position = 0
        while page := await log.read("consultation.events", start={0: position}, limit=5000):
            stored += [r.event.event_id for r in page]
            position = page[-1].offset + 1
    finally:
        await log.close()

    assert len(acked) >= ACKS_BEFORE_KILL
    assert len(stored) == len(set(stored)), "an event is stored twice"
    assert not set(acked) - set(stored), "an acknowledged event was lost"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        slots = conn.execute(
            "SELECT count(*) FROM (SELECT stream, stream_version FROM events"
            " GROUP BY stream, stream_version HAVING count(*) > 1)"
        ).fetchone()[0]
        assert slots == 0
    finally:
        conn.close()
