"""A Pol.is conversation as its open-data files describe it, and what the reader
had to leave out of it."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        super().__init__(f"{file}, ligne {line}, colonne « {column} » : {problem}")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line (or a cell, or a whole optional file) left out, and why."""

    file: str
    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}, ligne {self.line}, colonne « {self.column} » : {self.problem}"


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


@dataclass(slots=True)
class Conversation:
    comments: list[Comment]
    votes: list[Vote]  # every row, file order; re-votes included
    group_of: dict[int, int | None]  # participants-votes.csv: participant -> Pol.is group
    summary: dict[str, str] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    def latest_votes(self) -> dict[tuple[int, int], int]:
        """(voter, comment) -> the voter's last vote on it (latest timestamp wins;
        file order breaks ties)."""
        order = sorted(range(len(self.votes)), key=lambda i: self.votes[i].timestamp_ms)
        latest: dict[tuple[int, int], int] = {}
        for i in order:
            v = self.votes[i]
            latest[(v.voter_id, v.comment_id)] = v.vote
        return latest
