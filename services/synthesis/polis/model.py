"""A Pol.is conversation as its open-data files describe it, and what the reader
had to leave out of it."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from services.core.errors import ParlonsError

COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS_FILE = "participants-votes.csv"
SUMMARY_FILE = "summary.csv"

# What the writer produces (and Pol.is's usual export). The reader needs less:
# see REQUIRED_* below; the other columns are optional or ignored.
COMMENT_COLUMNS = ("timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees",
                   "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree",
                       "n-disagree")
META_COLUMN = "is-meta"  # newer exports: a statement about the conversation itself
REQUIRED_COMMENT_COLUMNS = ("comment-id", "comment-body")
REQUIRED_VOTE_COLUMNS = ("comment-id", "voter-id", "vote")
REQUIRED_PARTICIPANT_COLUMNS = ("participant",)
VOTE_VALUES = (1, -1, 0)  # agree, disagree, pass


class PolisFormatError(ParlonsError):
    """A conversation refused as a whole (no comment file, a required column
    missing); names the file, line (1-based, header = 1) and column."""

    def __init__(self, file: str, line: int, column: str, problem: str) -> None:
        self.file, self.line, self.column, self.problem = file, line, column, problem
        super().__init__(where(file, line, column, problem))


def where(file: str, line: int, column: str, problem: str) -> str:
    """« comments.csv, ligne 3, colonne « txt » : … », or the file alone when the
    problem is the whole file's (line 0: « comments.csv : fichier absent … »)."""
    if line <= 0:
        return f"{file} : {problem}"
    return f"{file}, ligne {line}, colonne « {column} » : {problem}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line (or a cell, or a whole optional file) left out, and why."""

    file: str
    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        return where(self.file, self.line, self.column, self.problem)


@dataclass(frozen=True, slots=True)
class Comment:
    comment_id: int
    author_id: int | None  # None: the export does not say
    timestamp_ms: int
    agrees: int
    disagrees: int
    moderated: int
    body: str
    is_meta: bool = False


@dataclass(frozen=True, slots=True)
class Vote:
    comment_id: int
    voter_id: int
    timestamp_ms: int
    vote: int


class Votes(Sequence[Vote]):
    """Vote rows in four typed arrays: 25 bytes a row, where a `Vote` object and
    its integers held ~130 (250 MB at two million votes; ADR 0124). A row read is
    made a `Vote` then; `column` gives a field as a numpy array without a copy."""

    def __init__(self, rows: Iterable[Vote] = ()) -> None:
        self._columns: dict[str, array[int]] = {
            "comment_id": array("q"), "voter_id": array("q"), "timestamp_ms": array("q"),
            "vote": array("b")}
        for row in rows:
            self.add(row.comment_id, row.voter_id, row.timestamp_ms, row.vote)

    def add(self, comment_id: int, voter_id: int, timestamp_ms: int, vote: int) -> None:
        c = self._columns
        c["comment_id"].append(comment_id)
        c["voter_id"].append(voter_id)
        c["timestamp_ms"].append(timestamp_ms)
        c["vote"].append(vote)

    def __len__(self) -> int:
        return len(self._columns["vote"])

    @overload
    def __getitem__(self, index: int) -> Vote: ...
    @overload
    def __getitem__(self, index: slice) -> list[Vote]: ...

    def __getitem__(self, index: int | slice) -> Vote | list[Vote]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        c = self._columns
        return Vote(c["comment_id"][index], c["voter_id"][index], c["timestamp_ms"][index],
                    c["vote"][index])

    def __iter__(self) -> Iterator[Vote]:
        c = self._columns
        for row in zip(c["comment_id"], c["voter_id"], c["timestamp_ms"], c["vote"],
                       strict=True):
            yield Vote(*row)

    def column(self, name: str) -> Any:
        """The field `name` of every row (numpy, int64, or int8 for `vote`)."""
        import numpy  # the synthesis' own dependency, imported where it works

        values = self._columns[name]
        return numpy.frombuffer(values, dtype=numpy.int8 if name == "vote" else numpy.int64)


def vote_column(votes: Sequence[Vote], name: str) -> Any:
    """The field `name` of every vote as a numpy array: `Votes.column`, or made
    from a list of `Vote` (a conversation built in a test)."""
    if isinstance(votes, Votes):
        return votes.column(name)
    import numpy

    return numpy.fromiter((getattr(v, name) for v in votes),
                          numpy.int8 if name == "vote" else numpy.int64, len(votes))


@dataclass(slots=True)
class Conversation:
    comments: list[Comment]
    votes: Sequence[Vote]  # every row, file order; re-votes included (a `Votes`, read)
    group_of: dict[int, int | None]  # participants-votes.csv: participant -> Pol.is group
    summary: dict[str, str] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
