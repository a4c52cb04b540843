"""A Pol.is directory is imported as far as it is usable: a faulty line is left
out and reported with its file, line and column, the published format variants
read alike, and only a conversation with nothing usable is refused (with
nothing written to the log)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.envelope import Actor
from services.core.errors import ConcurrencyConflict
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.synthesis.opinions import TOPIC, OpinionBook
from services.synthesis.polis.importer import ImportReport, import_polis
from services.synthesis.polis.model import PolisFormatError
from services.synthesis.polis.reader import MISSING

META = Meta(actor=Actor(id="analyst-1", role="analyst"))
COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1000,x,0,0,1,0,1,Des bus la nuit\n"
    "2000,x,1,1,0,1,1,\"Moins de voitures, plus de vélos\"\n"
)
VOTES = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "3000,x,0,0,1\n"
    "3100,x,1,0,-1\n"
    "3200,x,1,1,0\n"
)
PARTICIPANTS = (
    "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n"
    "0,0,1,2,1,1,1,-1\n"
    "1,,1,1,0,0,,0\n"
)
SUMMARY = "topic,Transports\nviews,3\n"


def _write(tmp_path: Path, **override: str | None) -> Path:
    files = {"comments": COMMENTS, "votes": VOTES, "participants-votes": PARTICIPANTS,
             "summary": SUMMARY, **override}
    for name, text in files.items():
        if text is not None:
            (tmp_path / f"{name}.csv").write_text(text)
    return tmp_path


async def _imported(directory: Path) -> tuple[ImportReport, OpinionBook]:
    log = MemoryEventLog()
    report = await import_polis(directory, consultation_id="c-1", log=log, meta=META)
    return report, await OpinionBook.from_log(log, "c-1")


def _where(report: ImportReport) -> list[tuple[str, int, str]]:
    return [(s.file, s.line, s.column) for s in report.skipped]


async def _refused(directory: Path) -> PolisFormatError:
    log = MemoryEventLog()
    with pytest.raises(PolisFormatError) as caught:
        await import_polis(directory, consultation_id="c-1", log=log, meta=META)
    assert await log.read(TOPIC) == []
    return caught.value


async def test_valid_directory_imports_every_row(tmp_path: Path) -> None:
    log = MemoryEventLog()
    report = await import_polis(_write(tmp_path), consultation_id="c-1", log=log, meta=META)
    assert (report.statements, report.votes, report.participants) == (2, 3, 2)
    assert report.skipped == []
    assert len(await log.read(TOPIC)) == 1 + 2 + 3


async def test_unknown_comment_id_skips_that_vote_only(tmp_path: Path) -> None:
    report, book = await _imported(
        _write(tmp_path, votes=VOTES.replace("3200,x,1,", "3200,x,7,")))
    assert ("votes.csv", 4, "comment-id") in _where(report)
    assert "7" in str(report.skipped[0])
    assert report.votes == 2 and len(book.history) == 2


async def test_invalid_vote_skips_its_line(tmp_path: Path) -> None:
    report, book = await _imported(
        _write(tmp_path, votes=VOTES.replace("3100,x,1,0,-1", "3100,x,1,0,2")))
    assert _where(report)[0] == ("votes.csv", 3, "vote")
    assert sorted(o.opinion for o in book.history) == [0, 1]


async def test_empty_comment_body_skips_that_comment(tmp_path: Path) -> None:
    comments = COMMENTS.replace("2000,x,1,1,0,1,1,\"Moins de voitures, plus de vélos\"",
                                "2000,x,1,1,0,1,1,")
    report, book = await _imported(_write(tmp_path, comments=comments))
    assert ("comments.csv", 3, "comment-body") in _where(report)
    assert [s.number for s in book.statements.values()] == [0]
    # the votes on the left-out comment are reported too, one line each
    assert ("votes.csv", 3, "comment-id") in _where(report)
    assert ("votes.csv", 4, "comment-id") in _where(report)


async def test_wrong_number_of_values_skips_the_line(tmp_path: Path) -> None:
    report, _ = await _imported(_write(tmp_path, votes=VOTES + "3300,x,0\n"))
    assert ("votes.csv", 5, "voter-id") in _where(report)
    assert report.votes == 3


async def test_older_export_without_datetime_nor_timestamps(tmp_path: Path) -> None:
    comments = "comment-id,author-id,agrees,disagrees,moderated,comment-body\n" \
               "0,0,1,0,1,Des bus la nuit\n1,1,0,1,1,Plus de vélos\n"
    votes = "comment-id,voter-id,vote\n0,0,1\n1,0,-1\n1,1,0\n"
    report, book = await _imported(_write(tmp_path, comments=comments, votes=votes))
    assert (report.statements, report.votes, report.participants) == (2, 3, 2)
    assert report.skipped == []
    assert len(book.latest()) == 3


async def test_missing_votes_file_reads_the_participant_matrix(tmp_path: Path) -> None:
    report, book = await _imported(_write(tmp_path, votes=None))
    assert _where(report) == [("votes.csv", 0, "-")]
    assert sorted(book.latest().values()) == [-1, 0, 1]


async def test_other_leading_columns_in_the_matrix(tmp_path: Path) -> None:
    participants = ("participant,xid,group-id,n-comments,n-votes,0,1\n"
                    "0,abc,0,1,2,1,-1\n1,def,,1,1,,0\n")
    report, _ = await _imported(_write(tmp_path, votes=None,
                                       **{"participants-votes": participants}))
    assert report.votes == 3 and report.participants == 2


async def test_only_comments_and_votes_are_needed(tmp_path: Path) -> None:
    report, book = await _imported(
        _write(tmp_path, **{"participants-votes": None}, summary=None))
    assert (report.statements, report.votes) == (2, 3)
    assert report.skipped == []
    assert book.facts["topic"] == ""


async def test_meta_statements_are_marked(tmp_path: Path) -> None:
    comments = COMMENTS.replace(",comment-body\n", ",comment-body,is-meta\n") \
        .replace("Des bus la nuit\n", "Des bus la nuit,false\n") \
        .replace("vélos\"\n", "vélos\",true\n")
    _, book = await _imported(_write(tmp_path, comments=comments))
    assert {s.number: s.is_meta for s in book.statements.values()} == {0: False, 1: True}


async def test_matrix_disagreeing_with_votes_is_reported_and_votes_kept(tmp_path: Path) -> None:
    report, book = await _imported(_write(tmp_path, **{
        "participants-votes": PARTICIPANTS.replace("0,0,1,2,1,1,1,-1", "0,0,1,2,1,1,1,1")}))
    assert _where(report) == [("participants-votes.csv", 2, "1")]
    assert sorted(book.latest().values()) == [-1, 0, 1]


async def test_unknown_comment_column_in_the_matrix_is_ignored(tmp_path: Path) -> None:
    report, _ = await _imported(_write(tmp_path, **{"participants-votes": PARTICIPANTS.replace(
        "n-disagree,0,1", "n-disagree,0,9")}))
    assert ("participants-votes.csv", 1, "9") in _where(report)


async def test_bad_summary_row_is_reported(tmp_path: Path) -> None:
    report, book = await _imported(_write(tmp_path, summary="topic,Transports\nviews,a,b\n"))
    assert _where(report) == [("summary.csv", 2, "value")]
    assert book.facts["topic"] == "Transports"


async def test_missing_required_column_refuses(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, votes=VOTES.replace(",vote\n", ",choice\n", 1)))
    assert (err.file, err.line, err.column) == ("votes.csv", 1, "vote")


async def test_nothing_usable_refuses(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, votes="comment-id,voter-id,vote\n9,0,1\n",
                                **{"participants-votes": None}))
    assert err.file == "votes.csv"
    err = await _refused(_write(tmp_path, comments="comment-id,comment-body\n0,\n"))
    assert err.file == "comments.csv"


async def test_missing_comments_file_refuses(tmp_path: Path) -> None:
    (tmp_path / "votes.csv").write_text(VOTES)
    err = await _refused(tmp_path)
    assert (err.file, err.problem) == ("comments.csv", MISSING)
    assert str(err).startswith("comments.csv : fichier absent de l'export")  # no « ligne 0 »


async def test_second_import_into_the_same_consultation_is_refused(tmp_path: Path) -> None:
    log = MemoryEventLog()
    await import_polis(_write(tmp_path), consultation_id="c-1", log=log, meta=META)
    with pytest.raises(ConcurrencyConflict):
        await import_polis(tmp_path, consultation_id="c-1", log=log, meta=META)
    assert len(await log.read(TOPIC)) == 6


async def test_votes_file_with_no_usable_vote_reads_the_participant_matrix(
        tmp_path: Path) -> None:
    report, book = await _imported(_write(tmp_path, votes="comment-id,voter-id,vote\n"))
    assert _where(report) == [("votes.csv", 0, "-")]
    assert "aucun vote utilisable" in str(report.skipped[0])
    assert sorted(book.latest().values()) == [-1, 0, 1]
