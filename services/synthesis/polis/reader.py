"""Read and validate a Pol.is open-data directory. Everything is parsed and
checked before anything is returned, so a bad file leaves nothing half-imported;
the first fault is reported with its file, line and column."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from services.synthesis.polis.model import (
    COMMENT_COLUMNS,
    COMMENTS_FILE,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    SUMMARY_FILE,
    VOTE_COLUMNS,
    VOTE_VALUES,
    VOTES_FILE,
    Comment,
    Conversation,
    PolisFormatError,
    Vote,
)

MAX_BODY = 5000


def read_conversation(directory: Path) -> Conversation:
    comments = _read_comments(directory / COMMENTS_FILE)
    known = {c.comment_id for c in comments}
    votes = _read_votes(directory / VOTES_FILE, known)
    group_of, cells, lines = _read_participants(directory / PARTICIPANTS_FILE, known)
    summary = _read_summary(directory / SUMMARY_FILE)
    conversation = Conversation(comments=comments, votes=votes, group_of=group_of,
                                summary=summary)
    _check_matrix_matches_votes(conversation, cells, lines)
    return conversation


def _check_matrix_matches_votes(conversation: Conversation, cells: dict[tuple[int, int], int],
                                lines: dict[int, int]) -> None:
    """participants-votes.csv must hold each voter's latest vote from votes.csv."""
    latest = conversation.latest_votes()
    for (participant, cid), value in sorted(cells.items()):
        if latest.get((participant, cid)) != value:
            raise PolisFormatError(PARTICIPANTS_FILE, lines[participant], str(cid),
                                   f"vote {value} absent de {VOTES_FILE}")
    for (participant, cid) in sorted(latest.keys() - cells.keys()):
        if participant in lines:
            raise PolisFormatError(PARTICIPANTS_FILE, lines[participant], str(cid),
                                   f"vote de {VOTES_FILE} manquant")


class _Rows:
    """Rows of one CSV file as dicts, with the line number of each."""

    def __init__(self, path: Path, required: Sequence[str]) -> None:
        self.file = path.name
        if not path.is_file():
            raise PolisFormatError(self.file, 0, "-", "fichier absent")
        self._handle = path.open(newline="", encoding="utf-8-sig")
        self._reader = csv.reader(self._handle)
        with self._unreadable():
            self.header = next(self._reader, [])
        for name in required:
            if name not in self.header:
                raise PolisFormatError(self.file, 1, name, "colonne absente")
        self._index = {name: i for i, name in enumerate(self.header)}

    @contextmanager
    def _unreadable(self) -> Iterator[None]:
        """Bytes that are not UTF-8 text, or not CSV (a NUL byte, a field beyond the
        size limit), refused in French with their line, like any other fault."""
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
                if not row:
                    continue
                line = self._reader.line_num
                if len(row) != len(self.header):
                    raise PolisFormatError(
                        self.file, line, self.header[min(len(row), len(self.header) - 1)],
                        f"{len(row)} valeurs pour {len(self.header)} colonnes")
                yield line, {name: row[i] for name, i in self._index.items()}

    def integer(self, line: int, row: dict[str, str], column: str, *, low: int = 0) -> int:
        raw = row[column].strip()
        try:
            value = int(raw)
        except ValueError:
            raise PolisFormatError(self.file, line, column,
                                   f"nombre entier attendu, « {raw[:40]} » reçu") from None
        if value < low:
            raise PolisFormatError(self.file, line, column, f"valeur {value} < {low}")
        return value

    def vote(self, line: int, row: dict[str, str], column: str) -> int:
        raw = row[column].strip()
        if raw not in ("1", "-1", "0"):
            raise PolisFormatError(self.file, line, column,
                                   f"vote invalide « {raw[:40]} » (attendu 1, -1 ou 0)")
        value = int(raw)
        assert value in VOTE_VALUES
        return value


def _read_comments(path: Path) -> list[Comment]:
    rows = _Rows(path, COMMENT_COLUMNS)
    comments: list[Comment] = []
    seen: set[int] = set()
    for line, row in rows:
        cid = rows.integer(line, row, "comment-id")
        if cid in seen:
            raise PolisFormatError(rows.file, line, "comment-id", f"commentaire {cid} en double")
        seen.add(cid)
        moderated = rows.integer(line, row, "moderated", low=-1)
        if moderated > 1:
            raise PolisFormatError(rows.file, line, "moderated", "attendu -1, 0 ou 1")
        body = row["comment-body"]
        if not body.strip() or len(body) > MAX_BODY:
            raise PolisFormatError(rows.file, line, "comment-body",
                                   f"texte vide ou de plus de {MAX_BODY} caractères")
        comments.append(Comment(
            comment_id=cid, author_id=rows.integer(line, row, "author-id"),
            timestamp_ms=rows.integer(line, row, "timestamp"),
            agrees=rows.integer(line, row, "agrees"),
            disagrees=rows.integer(line, row, "disagrees"),
            moderated=moderated, body=body))
    return comments


def _read_votes(path: Path, known: set[int]) -> list[Vote]:
    rows = _Rows(path, VOTE_COLUMNS)
    votes: list[Vote] = []
    for line, row in rows:
        cid = rows.integer(line, row, "comment-id")
        if cid not in known:
            raise PolisFormatError(rows.file, line, "comment-id",
                                   f"commentaire {cid} inconnu de {COMMENTS_FILE}")
        votes.append(Vote(comment_id=cid, voter_id=rows.integer(line, row, "voter-id"),
                          timestamp_ms=rows.integer(line, row, "timestamp"),
                          vote=rows.vote(line, row, "vote")))
    return votes


def _read_participants(
    path: Path, known: set[int],
) -> tuple[dict[int, int | None], dict[tuple[int, int], int], dict[int, int]]:
    """Pol.is groups per participant, the vote cells and each participant's line."""
    rows = _Rows(path, PARTICIPANT_COLUMNS)
    comment_columns = rows.header[len(PARTICIPANT_COLUMNS):]
    if tuple(rows.header[:len(PARTICIPANT_COLUMNS)]) != PARTICIPANT_COLUMNS:
        raise PolisFormatError(rows.file, 1, rows.header[0],
                               "les six premières colonnes ne sont pas celles de Pol.is")
    for name in comment_columns:
        if not name.isdigit() or int(name) not in known:
            raise PolisFormatError(rows.file, 1, name,
                                   f"commentaire inconnu de {COMMENTS_FILE}")
    group_of: dict[int, int | None] = {}
    cells: dict[tuple[int, int], int] = {}
    lines: dict[int, int] = {}
    for line, row in rows:
        participant = rows.integer(line, row, "participant")
        if participant in lines:
            raise PolisFormatError(rows.file, line, "participant", "participant en double")
        lines[participant] = line
        group = row["group-id"].strip()
        group_of[participant] = None if group == "" else rows.integer(line, row, "group-id")
        for name in ("n-comments", "n-votes", "n-agree", "n-disagree"):
            rows.integer(line, row, name)
        for name in comment_columns:
            if row[name].strip():
                cells[(participant, int(name))] = rows.vote(line, row, name)
    return group_of, cells, lines


def _read_summary(path: Path) -> dict[str, str]:
    summary: dict[str, str] = {}
    if not path.is_file():
        raise PolisFormatError(path.name, 0, "-", "fichier absent")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        for row in reader:
            if not row:
                continue
            if len(row) != 2:
                raise PolisFormatError(path.name, reader.line_num, "value",
                                       "attendu deux colonnes : clé, valeur")
            summary[row[0]] = row[1]
    return summary
