"""Pol.is open data: both shipped conversations import into a consultation as
events, reproduce Pol.is's own counts, and export back to the same files."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from harness.planted_polis import latest_votes

from services.core.envelope import Actor
from services.core.events import Meta
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.synthesis.opinions import TOPIC, OpinionBook
from services.synthesis.polis.importer import import_polis, statement_id
from services.synthesis.polis.reader import read_conversation
from services.synthesis.polis.writer import write_polis
from services.synthesis.pseudonyms import pseudonym

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis"
CONVERSATIONS = ["15-per-hour-seattle", "brexit-consensus"]
META = Meta(actor=Actor(id="analyst-1", role="analyst"))


async def _imported(directory: Path, consultation_id: str) -> tuple[MemoryEventLog, OpinionBook]:
    log = MemoryEventLog()
    await import_polis(directory, consultation_id=consultation_id, log=log, meta=META)
    return log, await OpinionBook.from_log(log, consultation_id)


@pytest.mark.parametrize("name", CONVERSATIONS)
async def test_import_reproduces_every_comment_count(name: str) -> None:
    log, book = await _imported(POLIS / name, "c-1")
    rows = Counter((o.statement_id, o.opinion) for o in book.history)
    with (POLIS / name / "comments.csv").open(newline="") as f:
        comments = list(csv.DictReader(f))
    assert len(book.statements) == len(comments)
    for c in comments:
        sid = statement_id("c-1", int(c["comment-id"]))
        assert (rows[(sid, 1)], rows[(sid, -1)]) == (int(c["agrees"]), int(c["disagrees"])), c
    registry = SchemaRegistry()
    for rec in await log.read(TOPIC, limit=100_000):
        registry.validate(rec.event)


@pytest.mark.parametrize("name", CONVERSATIONS)
async def test_latest_vote_wins_and_matches_the_participant_matrix(name: str) -> None:
    conversation = read_conversation(POLIS / name)
    _, book = await _imported(POLIS / name, "c-1")
    with (POLIS / name / "participants-votes.csv").open(newline="") as f:
        matrix = list(csv.DictReader(f))
    expected = {
        (pseudonym("pp", "c-1", row["participant"]), statement_id("c-1", int(cid))): int(v)
        for row in matrix for cid, v in row.items()
        if cid.isdigit() and v != ""
    }
    assert book.latest() == expected
    # Pol.is's comments.csv counts re-votes too: a latest-wins tally differs from it here.
    assert len(book.history) > len(latest_votes(conversation))


@pytest.mark.parametrize("name", CONVERSATIONS)
async def test_export_round_trip(name: str, tmp_path: Path) -> None:
    _, book = await _imported(POLIS / name, "c-1")
    write_polis(book, tmp_path / "first")
    _, again = await _imported(tmp_path / "first", "c-2")
    write_polis(again, tmp_path / "second")
    for f in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        assert (tmp_path / "first" / f).read_bytes() == (tmp_path / "second" / f).read_bytes(), f

    def counts(directory: Path) -> dict[str, tuple[str, str, str]]:
        with (directory / "comments.csv").open(newline="") as fh:
            return {r["comment-id"]: (r["agrees"], r["disagrees"], r["comment-body"])
                    for r in csv.DictReader(fh)}

    assert counts(tmp_path / "first") == counts(POLIS / name)
    original, exported = read_conversation(POLIS / name), read_conversation(tmp_path / "first")
    assert len(exported.votes) == len(original.votes)
    assert sorted(Counter(latest_votes(original).values()).items()) == sorted(
        Counter(latest_votes(exported).values()).items())
    text = "".join(p.read_text() for p in (tmp_path / "first").iterdir())
    assert "pp-" not in text and "st-" not in text and "@" not in text
