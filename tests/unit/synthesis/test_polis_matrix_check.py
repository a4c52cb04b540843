"""participants-votes.csv is checked against votes.csv in arrays (ADR 0124): the
lines it reports are those a plain comparison of dicts reports, in the same order,
over seeded conversations with re-votes, ties in time, disagreeing, missing and
extra cells; and an integer too large for the events is a line left out, not a
failed import."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from harness.planted_polis import latest_votes

from services.synthesis.polis.model import Conversation, Skipped
from services.synthesis.polis.reader import HIGHEST, read_conversation


def _plain_check(conversation: Conversation, cells: dict[tuple[int, int], int],
                 lines: dict[int, int]) -> list[Skipped]:
    """The comparison as dicts (the reader's before ADR 0124)."""
    latest = latest_votes(conversation)
    out = []
    for (participant, cid), value in sorted(cells.items()):
        if latest.get((participant, cid)) != value:
            out.append(Skipped("participants-votes.csv", lines[participant], str(cid),
                               f"vote {value} absent de votes.csv (ignoré)"))
    for (participant, cid) in sorted(latest.keys() - cells.keys()):
        if participant in lines:
            out.append(Skipped("participants-votes.csv", lines[participant], str(cid),
                               "vote de votes.csv manquant (celui de votes.csv est gardé)"))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_the_matrix_check_reports_what_a_plain_comparison_reports(
        tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    comments = list(range(rng.randint(1, 6)))
    voters = rng.sample(range(1000), rng.randint(1, 25))
    rows = [(rng.randint(0, 30), rng.choice(comments), rng.choice(voters),
             rng.choice((1, -1, 0))) for _ in range(rng.randint(1, 120))]
    (tmp_path / "comments.csv").write_text("comment-id,comment-body\n" + "".join(
        f"{c},Proposition {c}\n" for c in comments))
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n" + "".join(
        f"{t},{c},{p},{v}\n" for t, c, p, v in rows))
    latest: dict[tuple[int, int], int] = {}
    for _, c, p, v in sorted(rows, key=lambda row: row[0]):
        latest[(p, c)] = v
    cells: dict[tuple[int, int], int] = {}
    in_matrix = [p for p in voters if rng.random() < 0.8] + [5000, 5001]  # two who never voted
    for p in in_matrix:
        for c in comments:
            draw = rng.random()
            if (p, c) in latest and draw < 0.7:
                cells[(p, c)] = latest[(p, c)]  # as it should be
            elif draw < 0.85:
                cells[(p, c)] = rng.choice((1, -1, 0))  # maybe not the latest
    rng.shuffle(in_matrix)
    lines = {p: n + 2 for n, p in enumerate(in_matrix)}
    (tmp_path / "participants-votes.csv").write_text(
        "participant,group-id," + ",".join(map(str, comments)) + "\n" + "".join(
            f"{p},," + ",".join(str(cells.get((p, c), "")) for c in comments) + "\n"
            for p in in_matrix))

    conversation = read_conversation(tmp_path)
    matrix_lines = [s for s in conversation.skipped if s.file == "participants-votes.csv"]
    assert matrix_lines == _plain_check(conversation, cells, lines)
    assert len(conversation.votes) == len(rows)


def test_an_integer_too_large_for_the_events_is_a_line_left_out(tmp_path: Path) -> None:
    (tmp_path / "comments.csv").write_text("comment-id,comment-body\n0,Des bus la nuit\n")
    (tmp_path / "votes.csv").write_text(
        "timestamp,comment-id,voter-id,vote\n"
        f"1000,0,{HIGHEST},1\n1001,0,{HIGHEST + 1},1\n1002,0,{2**64},-1\n")
    conversation = read_conversation(tmp_path)
    assert [v.voter_id for v in conversation.votes] == [HIGHEST]
    assert [(s.line, s.column) for s in conversation.skipped] == [(3, "voter-id"),
                                                                  (4, "voter-id")]
    assert "trop grande" in conversation.skipped[0].problem
