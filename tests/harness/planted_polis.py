"""Generated Pol.is conversations with planted opinion groups, written as a
Pol.is export (comments.csv, votes.csv): each group has its own agree/disagree
leaning per statement, and participation is heavy-tailed (most participants
vote on a few statements, a few on almost all), as in real conversations. The
planted group of each participant is returned beside the files, never written."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from services.synthesis.polis.model import Conversation


def planted_conversation(
    directory: Path, *, participants: int = 3000, statements: int = 60, groups: int = 3,
    seed: int = 0, meta: int = 0,
) -> dict[int, int]:
    """Writes the export; returns participant id -> planted group. `meta` more
    statements about the conversation itself, on which every group is split alike."""
    rng = np.random.default_rng(seed)
    # A group agrees (0.85), disagrees (0.85) or is split on each statement.
    leaning = rng.choice([-1, 0, 1], size=(groups, statements), p=[0.4, 0.2, 0.4])
    planted = rng.integers(0, groups, size=participants)
    # Votes per participant: a Pareto tail, at least 1, at most every statement.
    counts = np.minimum(statements + meta,
                        np.maximum(1, (rng.pareto(1.2, participants) * 4).astype(int) + 1))
    rows: list[tuple[int, int, int, int]] = []
    t = 10_000
    for p in range(participants):
        for j in rng.choice(statements + meta, size=counts[p], replace=False):
            lean = 0 if j >= statements else leaning[planted[p], j]
            if lean == 0:
                vote = int(rng.choice([-1, 0, 1], p=[0.45, 0.1, 0.45]))
            else:
                draw = rng.random()
                vote = lean if draw < 0.85 else (0 if draw < 0.9 else -lean)
            t += 1
            rows.append((t, int(j), p, vote))
    directory.mkdir(parents=True, exist_ok=True)
    tally = {(j, v): 0 for j in range(statements + meta) for v in (-1, 1)}
    for _, j, _, vote in rows:
        if vote:
            tally[(j, vote)] += 1
    with (directory / "comments.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees",
                      "disagrees", "moderated", "comment-body", "is-meta"])
        for j in range(statements + meta):
            out.writerow([1000 + j, "", j, 0, tally[(j, 1)], tally[(j, -1)], 1,
                          f"Proposition {j}", "true" if j >= statements else "false"])
    with (directory / "votes.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        for t, j, p, vote in rows:
            out.writerow([t, "", j, p, vote])
    return {p: int(planted[p]) for p in range(participants)}


def latest_votes(conversation: Conversation) -> dict[tuple[int, int], int]:
    """(voter, comment) -> the voter's last vote on it (latest timestamp wins; file
    order breaks ties): what an opinion is, counted plainly, beside which the
    reader's and the analysis' own counting is checked."""
    votes = conversation.votes
    latest: dict[tuple[int, int], int] = {}
    for i in sorted(range(len(votes)), key=lambda i: votes[i].timestamp_ms):
        v = votes[i]
        latest[(v.voter_id, v.comment_id)] = v.vote
    return latest
