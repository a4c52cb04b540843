"""Write a consultation's opinions as the four Pol.is open-data files.

Participants get per-export ids: an imported participant keeps its id in the
source conversation (so a round trip compares line by line), the others are
numbered after them in order of first activity; no Parlons pseudonym leaves in
an export. comments.csv counts every vote row, as
Pol.is does (a re-vote counts again); participants-votes.csv holds each
participant's latest vote, as Pol.is does."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from services.core.spreadsheet import SafeCsvWriter, csv_writer
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.model import (
    COMMENT_COLUMNS,
    COMMENTS_FILE,
    META_COLUMN,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    SUMMARY_FILE,
    VOTE_COLUMNS,
    VOTES_FILE,
)


def _polis_datetime(ms: int) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(ms / 1000))


def write_polis(
    book: OpinionBook, directory: Path, *, group_of: Mapping[str, int] | None = None,
) -> None:
    """`group_of`: participant id -> opinion group (blank for those not grouped)."""
    directory.mkdir(parents=True, exist_ok=True)
    history = book.ordered_history()
    statements = sorted(book.statements.values(), key=lambda s: s.number)
    number = {s.statement_id: s.number for s in statements}
    activity = [(s.created_at_ms, s.author_id) for s in statements]
    activity += [(o.voted_at_ms, o.participant_id) for o in history]
    export_id: dict[str, int] = dict(book.source_numbers)
    following = max(export_id.values(), default=-1) + 1
    for _, pid in sorted(activity):
        if pid not in export_id:
            export_id[pid], following = following, following + 1

    rows = Counter((o.statement_id, o.opinion) for o in history)
    meta = any(s.is_meta for s in statements)  # the column only when it says something
    with _open(directory / COMMENTS_FILE) as out:
        out.writerow([*COMMENT_COLUMNS, *([META_COLUMN] if meta else [])])
        for s in sorted(statements, key=lambda s: (-s.created_at_ms, s.number)):
            out.writerow([s.created_at_ms, _polis_datetime(s.created_at_ms), s.number,
                          export_id[s.author_id], rows[(s.statement_id, 1)],
                          rows[(s.statement_id, -1)], s.moderated, s.body,
                          *([str(s.is_meta).lower()] if meta else [])])
    with _open(directory / VOTES_FILE) as out:
        out.writerow(VOTE_COLUMNS)
        for o in history:
            out.writerow([o.voted_at_ms, _polis_datetime(o.voted_at_ms),
                          number[o.statement_id], export_id[o.participant_id], o.opinion])

    latest = book.latest()
    voters = sorted({p for p, _ in latest}, key=export_id.__getitem__)
    authored = Counter(s.author_id for s in statements)
    groups = group_of or {}
    with _open(directory / PARTICIPANTS_FILE) as out:
        out.writerow([*PARTICIPANT_COLUMNS, *(s.number for s in statements)])
        for pid in voters:
            cells = [latest.get((pid, s.statement_id)) for s in statements]
            given = [c for c in cells if c is not None]
            out.writerow([export_id[pid], groups.get(pid, ""), authored[pid], len(given),
                          given.count(1), given.count(-1),
                          *("" if c is None else c for c in cells)])

    facts = book.facts
    summary = [
        ("topic", facts.get("topic", "")), ("url", facts.get("url", "")),
        ("views", facts.get("views", 0)), ("voters", len(voters)),
        ("voters-in-conv", len(voters)), ("commenters", len(authored)),
        ("comments", len(statements)), ("groups", len(set(groups.values()))),
        ("conversation-description", facts.get("description", "")),
    ]
    with _open(directory / SUMMARY_FILE) as out:
        out.writerows(summary)


class _open:
    """A CSV writer on a new UTF-8 file, closed on exit; a text a spreadsheet would run
    as a formula gets an apostrophe, which the Pol.is reader takes off again."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("w", newline="", encoding="utf-8")

    def __enter__(self) -> SafeCsvWriter:
        return csv_writer(self._handle, lineterminator="\n")

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
