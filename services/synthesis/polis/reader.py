"""Read a Pol.is open-data directory, tolerating the published format variants.

Only `comments.csv` and `votes.csv` are needed (`participants-votes.csv` stands
in for a missing `votes.csv`; it and `summary.csv` are otherwise optional).
Columns are found by name, so older exports without `datetime`, exports with
more or fewer leading columns, or with `is-meta`, read alike. A line that cannot
be used (a bad number, an empty comment, a vote on an unknown comment...) is left
out and reported in `Conversation.skipped` with its file, line and column; only a
conversation with nothing usable is refused (`PolisFormatError`). Everything is
read before anything is returned, so an import writes all it keeps or nothing."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from services.core.spreadsheet import restored
from services.synthesis.polis.model import (
    COMMENTS_FILE,
    META_COLUMN,
    PARTICIPANTS_FILE,
    REQUIRED_COMMENT_COLUMNS,
    REQUIRED_PARTICIPANT_COLUMNS,
    REQUIRED_VOTE_COLUMNS,
    SUMMARY_FILE,
    VOTES_FILE,
    Comment,
    Conversation,
    PolisFormatError,
    Skipped,
    Votes,
    vote_column,
)

MAX_BODY = 5000
_TRUE = ("true", "1", "t", "yes")


class _Skip(Exception):
    """This line is left out: `column` and `problem` say why."""

    def __init__(self, column: str, problem: str) -> None:
        self.column, self.problem = column, problem


def read_conversation(directory: Path) -> Conversation:
    skipped: list[Skipped] = []
    comments = _read_comments(directory / COMMENTS_FILE, skipped)
    known = {c.comment_id for c in comments}
    matrix = _read_participants(directory / PARTICIPANTS_FILE, known, skipped)
    has_votes = (directory / VOTES_FILE).is_file()
    votes = _read_votes(directory / VOTES_FILE, known, skipped) if has_votes else Votes()
    from_matrix = not votes and matrix is not None and len(matrix[1]) > 0
    if from_matrix:
        # Some published exports have no (or an empty) votes.csv: each participant's
        # latest vote is in the matrix (no time, no re-votes).
        assert matrix is not None
        skipped.append(Skipped(VOTES_FILE, 0, "-", (
            "aucun vote utilisable" if has_votes else MISSING)
            + f" : votes lus dans {PARTICIPANTS_FILE}, sans date"))
        votes = _by_participant(matrix[1])
    if not votes:
        raise PolisFormatError(VOTES_FILE, 0, "-", "aucun vote utilisable")
    conversation = Conversation(comments=comments, votes=votes,
                                group_of=matrix[0] if matrix else {},
                                summary=_read_summary(directory / SUMMARY_FILE, skipped),
                                skipped=skipped)
    if matrix is not None and not from_matrix:
        _check_matrix_matches_votes(conversation, *matrix[1:])
    return conversation


def _check_matrix_matches_votes(conversation: Conversation, cells: Votes,
                                lines: dict[int, int]) -> None:
    """participants-votes.csv should hold each voter's latest vote from votes.csv;
    where it does not, votes.csv is kept and the difference reported. Compared in
    arrays: dicts of the cells and of the latest votes held ~150 bytes a pair, 600
    MB for a conversation of two million votes (ADR 0124)."""
    import numpy as np  # the synthesis' own dependency, imported where it works

    votes = conversation.votes
    n = len(votes)
    if n == 0:  # refused before: a conversation without a vote
        return
    voter, comment = vote_column(votes, "voter_id"), vote_column(votes, "comment_id")
    # Each pair's latest row: the last of its rows ordered by time, then file order.
    order = np.lexsort((np.arange(n), vote_column(votes, "timestamp_ms"), comment, voter))
    voter, comment = voter[order], comment[order]
    last = np.r_[(voter[1:] != voter[:-1]) | (comment[1:] != comment[:-1]), True]
    value = vote_column(votes, "vote")[order][last]
    voter, comment = voter[last], comment[last]
    # Cells and latest votes in one (participant, comment) order, a cell before the
    # latest vote of its pair: a pair in both is two neighbours.
    p = np.concatenate([cells.column("voter_id"), voter])
    c = np.concatenate([cells.column("comment_id"), comment])
    v = np.concatenate([cells.column("vote"), value])
    is_vote = np.r_[np.zeros(len(cells), bool), np.ones(len(voter), bool)]
    order = np.lexsort((is_vote, c, p))
    p, c, v, is_vote = p[order], c[order], v[order], is_vote[order]
    pair = np.r_[(p[1:] == p[:-1]) & (c[1:] == c[:-1]), False]  # i and i + 1 alike
    differs = ~is_vote & (~pair | (v != np.r_[v[1:], 0]))
    alone = is_vote & ~np.r_[False, pair[:-1]]
    for i in np.flatnonzero(differs).tolist():
        conversation.skipped.append(Skipped(
            PARTICIPANTS_FILE, lines[int(p[i])], str(int(c[i])),
            f"vote {int(v[i])} absent de {VOTES_FILE} (ignoré)"))
    for i in np.flatnonzero(alone).tolist():
        if int(p[i]) in lines:
            conversation.skipped.append(Skipped(
                PARTICIPANTS_FILE, lines[int(p[i])], str(int(c[i])),
                f"vote de {VOTES_FILE} manquant (celui de {VOTES_FILE} est gardé)"))


def _by_participant(cells: Votes) -> Votes:
    """The matrix's cells as votes without a time, by participant, then comment."""
    import numpy as np  # the synthesis' own dependency, imported where it works

    order = np.lexsort((cells.column("comment_id"), cells.column("voter_id")))
    return Votes(cells[i] for i in order.tolist())


MISSING = "fichier absent de l'export (un export Pol.is le contient : envoyez-le avec les autres)"


class _Rows:
    """Rows of one CSV file as dicts by column name, with the line of each; rows
    of the wrong length are reported and left out."""

    def __init__(self, path: Path, required: Sequence[str], skipped: list[Skipped]) -> None:
        self.file, self._skipped = path.name, skipped
        if not path.is_file():
            raise PolisFormatError(self.file, 0, "-", MISSING)
        self._handle = path.open(newline="", encoding="utf-8-sig")
        self._reader = csv.reader(self._handle)
        with self._unreadable():
            self.header = [name.strip() for name in next(self._reader, [])]
        for name in required:
            if name not in self.header:
                self._handle.close()
                raise PolisFormatError(self.file, 1, name, "colonne absente")

    @contextmanager
    def _unreadable(self) -> Iterator[None]:
        """Bytes that are not UTF-8 text, or not CSV (a NUL byte, a field beyond the
        size limit): the file is refused in French with the line, like any fault."""
        try:
            yield
        except UnicodeDecodeError as e:
            raise PolisFormatError(self.file, self._reader.line_num + 1, "-",
                                   f"texte non UTF-8 (octet {e.object[e.start]:#04x})"
                                   ) from None
        except csv.Error as e:
            raise PolisFormatError(self.file, self._reader.line_num, "-",
                                   f"CSV illisible ({e})") from None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self._handle, self._unreadable():
            for row in self._reader:
                if not row or row == [""]:
                    continue
                line = self._reader.line_num
                if len(row) != len(self.header):
                    self.skip(line, self.header[min(len(row), len(self.header) - 1)],
                              f"{len(row)} valeurs pour {len(self.header)} colonnes")
                    continue
                yield line, dict(zip(self.header, row, strict=True))

    def skip(self, line: int, column: str, problem: str) -> None:
        self._skipped.append(Skipped(self.file, line, column, problem))


# The largest integer read: JSON's safe integers, which every reader of the
# events (and numpy's int64, in which the import counts its votes) holds exactly.
HIGHEST = 2**53 - 1
# A row's time, in milliseconds since 1970: becomes its event's date, which ends
# with the year 9999 (found by the fuzz target: a later one failed the import).
LATEST_MS = 253_402_300_799_999


def _integer(row: dict[str, str], column: str, *, low: int = 0, high: int = HIGHEST,
             default: int | None = None) -> int:
    raw = row.get(column)
    if raw is None or (default is not None and raw.strip() == ""):
        if default is None:
            raise _Skip(column, "valeur absente")
        return default
    raw = raw.strip()
    try:
        value = int(raw)
    except ValueError:
        try:  # some exports write integers as floats ("12.0")
            number = float(raw)
        except ValueError:
            number = float("nan")
        # NaN, "inf" and "1e999" are no integers (int() of an infinity raises)
        if not math.isfinite(number) or number != int(number):
            raise _Skip(column, f"nombre entier attendu, « {raw[:40]} » reçu") from None
        value = int(number)
    if value < low:
        raise _Skip(column, f"valeur {value} < {low}")
    if value > high:
        raise _Skip(column, f"valeur {str(value)[:40]} trop grande (au plus {high})")
    return value


def _vote(row: dict[str, str], column: str) -> int:
    raw = row[column].strip()
    if raw not in ("1", "-1", "0", "1.0", "-1.0", "0.0"):
        raise _Skip(column, f"vote invalide « {raw[:40]} » (attendu 1, -1 ou 0)")
    return int(float(raw))


def _read_comments(path: Path, skipped: list[Skipped]) -> list[Comment]:
    rows = _Rows(path, REQUIRED_COMMENT_COLUMNS, skipped)
    comments: list[Comment] = []
    seen: set[int] = set()
    for line, row in rows:
        try:
            comment = _comment(row)
            if comment.comment_id in seen:
                raise _Skip("comment-id", f"commentaire {comment.comment_id} en double")
        except _Skip as skip:
            rows.skip(line, skip.column, skip.problem)
            continue
        seen.add(comment.comment_id)
        comments.append(comment)
    if not comments:
        raise PolisFormatError(rows.file, 0, "-", "aucun commentaire utilisable")
    return comments


def _comment(row: dict[str, str]) -> Comment:
    cid = _integer(row, "comment-id")
    moderated = _integer(row, "moderated", low=-1, default=0)
    if moderated > 1:
        raise _Skip("moderated", "attendu -1, 0 ou 1")
    body = restored(row["comment-body"])  # without the apostrophe of our own exports
    if not body.strip():
        raise _Skip("comment-body", "texte vide")
    if len(body) > MAX_BODY:
        raise _Skip("comment-body", f"texte de plus de {MAX_BODY} caractères")
    author = row.get("author-id", "").strip()
    return Comment(
        comment_id=cid, author_id=_integer(row, "author-id") if author else None,
        timestamp_ms=_integer(row, "timestamp", high=LATEST_MS, default=0),
        agrees=_integer(row, "agrees", default=0),
        disagrees=_integer(row, "disagrees", default=0),
        moderated=moderated, body=body,
        is_meta=row.get(META_COLUMN, "").strip().lower() in _TRUE)


def _read_votes(path: Path, known: set[int], skipped: list[Skipped]) -> Votes:
    rows = _Rows(path, REQUIRED_VOTE_COLUMNS, skipped)
    votes = Votes()
    for line, row in rows:
        try:
            cid = _integer(row, "comment-id")
            if cid not in known:
                raise _Skip("comment-id", f"commentaire {cid} inconnu de {COMMENTS_FILE}")
            votes.add(cid, _integer(row, "voter-id"),
                      _integer(row, "timestamp", high=LATEST_MS, default=0), _vote(row, "vote"))
        except _Skip as skip:
            rows.skip(line, skip.column, skip.problem)
    return votes


# participants-votes.csv: each participant's Pol.is group, the vote cells (each a
# `Vote` without a time: 25 bytes a cell, a dict of them held ~150) and each
# participant's line
Matrix = tuple[dict[int, int | None], Votes, dict[int, int]]


def _read_participants(path: Path, known: set[int], skipped: list[Skipped]) -> Matrix | None:
    """Pol.is groups per participant, the vote cells and each participant's line;
    None when the file is absent or unusable (it is optional). Comment columns are
    the all-digit ones, whatever the leading columns."""
    if not path.is_file():
        return None
    try:
        rows = _Rows(path, REQUIRED_PARTICIPANT_COLUMNS, skipped)
    except PolisFormatError as refused:
        skipped.append(Skipped(refused.file, refused.line, refused.column,
                               f"{refused.problem} : fichier ignoré"))
        return None
    columns: list[str] = []
    for name in rows.header:
        if name.isdecimal() and int(name) in known:
            if name not in columns:  # a row's dict holds a repeated column's last value
                columns.append(name)
        elif name.isdecimal():
            skipped.append(Skipped(rows.file, 1, name,
                                   f"commentaire inconnu de {COMMENTS_FILE} : colonne ignorée"))
    group_of: dict[int, int | None] = {}
    cells = Votes()
    lines: dict[int, int] = {}
    try:
        for line, row in rows:
            try:
                participant = _integer(row, "participant")
                if participant in lines:
                    raise _Skip("participant", "participant en double")
                group = row.get("group-id", "").strip()
                group_of[participant] = _integer(row, "group-id") if group else None
            except _Skip as skip:
                rows.skip(line, skip.column, skip.problem)
                continue
            lines[participant] = line
            for name in columns:
                if row[name].strip():
                    try:
                        cells.add(int(name), participant, 0, _vote(row, name))
                    except _Skip as skip:
                        rows.skip(line, skip.column, skip.problem)
    except PolisFormatError as refused:
        skipped.append(Skipped(refused.file, refused.line, refused.column,
                               f"{refused.problem} : fichier ignoré"))
        return None
    return group_of, cells, lines


def _read_summary(path: Path, skipped: list[Skipped]) -> dict[str, str]:
    summary: dict[str, str] = {}
    if not path.is_file():
        return summary
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            for row in reader:
                if not row:
                    continue
                if len(row) != 2:
                    skipped.append(Skipped(path.name, reader.line_num, "value",
                                           "attendu deux colonnes : clé, valeur"))
                    continue
                summary[row[0]] = restored(row[1])
    except (UnicodeDecodeError, csv.Error) as unreadable:
        skipped.append(Skipped(path.name, 0, "-", f"illisible ({unreadable}) : fichier ignoré"))
    return summary
