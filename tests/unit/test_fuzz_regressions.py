"""What the fuzzers found (tests/fuzz), kept as tests."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from services.consultation.videos import parse_video_url
from services.core.envelope import Actor, Envelope
from services.core.errors import DomainError
from services.core.events import Meta
from services.eventlog.kafka_reader import decode
from services.synthesis.polis.importer import conversation_events
from services.synthesis.polis.model import PolisFormatError
from services.synthesis.polis.reader import read_conversation

GOLDEN = Path(__file__).resolve().parents[2] / "schemas" / "golden"


def test_a_record_whose_time_is_not_a_string_is_skipped_not_a_crash() -> None:
    """AttributeError escaped the readers' skip (ValueError, KeyError, TypeError):
    one foreign record on a topic would have stopped its consumers."""
    doc = orjson.loads((GOLDEN / "vote.BallotCast.v1.json").read_bytes())
    doc["occurred_at"] = {"not": "a time"}
    with pytest.raises(TypeError):
        Envelope.from_json(orjson.dumps(doc))

    class Raw:
        value, key, topic, partition, offset = orjson.dumps(doc), None, "vote.events", 0, 7
    assert decode(Raw()) is None


def test_a_record_whose_data_is_not_an_object_is_skipped_not_a_crash() -> None:
    """A string as `data` decoded, then its upcaster's `dict(data)` raised a ValueError
    in the consumer (the event fuzzer, 2026-12-05)."""
    doc = orjson.loads((GOLDEN / "deposit.ProposalSubmitted.v1.json").read_bytes())
    doc["data"] = "deposit.ProposalSubmitted"
    with pytest.raises(TypeError):
        Envelope.from_json(orjson.dumps(doc))

    class Raw:
        value, key, topic, partition, offset = orjson.dumps(doc), None, "deposit.events", 0, 7
    assert decode(Raw()) is None


def test_a_polis_export_that_is_not_utf8_is_refused_in_french(tmp_path: Path) -> None:
    """UnicodeDecodeError escaped the importer: an upload in Latin-1 was a 500."""
    (tmp_path / "comments.csv").write_bytes(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,x,1,1,0,0,0,Élu\n".encode("latin-1"))
    (tmp_path / "votes.csv").write_bytes(b"timestamp,datetime,comment-id,voter-id,vote\n")
    (tmp_path / "participants-votes.csv").write_bytes(
        b"participant,group-id,n-comments,n-votes,n-agree,n-disagree\n")
    with pytest.raises(PolisFormatError) as refused:
        read_conversation(tmp_path)
    assert "UTF-8" in str(refused.value)



def test_a_polis_number_that_is_infinite_skips_its_line(tmp_path: Path) -> None:
    """OverflowError escaped the importer on a timestamp of "inf" or "1e999" (the
    Pol.is fuzzer, 2026-12-05): an upload with one such cell was a 500."""
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "inf,x,1,1,0,0,0,Un\n1e999,x,2,1,0,0,0,Deux\n-inf,x,3,1,0,0,0,Trois\n"
        "nan,x,4,1,0,0,0,Quatre\n12.0,x,5,1,0,0,0,Cinq\n")
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n1,x,5,7,1\n")
    (tmp_path / "participants-votes.csv").write_text(
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree\n")
    conversation = read_conversation(tmp_path)
    assert [c.comment_id for c in conversation.comments] == [5]
    problems = [s.problem for s in conversation.skipped if s.column == "timestamp"]
    assert len(problems) == 4 and all("nombre entier attendu" in p for p in problems)


def test_a_polis_time_past_the_year_9999_skips_its_line(tmp_path: Path) -> None:
    """A vote's timestamp of year 46431 read, then failed the import as its event's
    date (ValueError from datetime; the Pol.is fuzzer, 2026-12-07, once the target
    made the import's events too): the line is left out, the rest imported."""
    (tmp_path / "comments.csv").write_text(
        "timestamp,comment-id,comment-body\n253402300800000,1,Un\n1000,2,Deux\n")
    (tmp_path / "votes.csv").write_text(
        "timestamp,comment-id,voter-id,vote\n1403176000000000,2,7,1\n"
        "253402300799999,2,8,-1\n")
    conversation = read_conversation(tmp_path)
    assert [c.comment_id for c in conversation.comments] == [2]
    assert [v.voter_id for v in conversation.votes] == [8]
    assert [(s.file, s.line, s.column) for s in conversation.skipped] == [
        ("comments.csv", 2, "timestamp"), ("votes.csv", 2, "timestamp")]
    events = conversation_events(conversation, consultation_id="c-1",
                                 meta=Meta(actor=Actor(id="a-1", role="analyst")))
    assert events[-1].occurred_at.year == 9999


@pytest.mark.parametrize("link", [";zttps://wwavél\x01 av=dQwgXcQ6=dQEbbT]) As( \x08",
                                  "https://[youtube.com/watch?v=x", "https://youtu.be:99999/x"])
def test_a_malformed_video_link_is_refused_in_french(link: str) -> None:
    """ValueError from urlsplit escaped parse_video_url: a 500 on the back office's
    video form instead of « Lien vidéo non reconnu »."""
    with pytest.raises(DomainError) as refused:
        parse_video_url(link)
    assert refused.value.code == "unsupported_video"
