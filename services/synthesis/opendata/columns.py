"""The Grand Débat open-data layout (ADR 0025): eleven fixed columns, then one
column per question named `Q<id> - <question text>`, and for a closed question
that allows "Autre" a column for its free text right after it. The Grand Débat
numbered that part as a question of its own (160 for 1160, 206 for 1206, 207 for
1207, text ending in "[Autres]"); for a questionnaire imported from it we keep
those ids and texts, elsewhere the part is `Q<id>-autre - <text> [Autres]`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from services.consultation.queries import GRAND_DEBAT_OTHER_PARTS, grand_debat_rows

BASE_COLUMNS = ("id", "reference", "title", "createdAt", "publishedAt", "updatedAt",
                "trashed", "trashedStatus", "authorId", "authorType", "authorZipCode")
OTHER_SUFFIX = " [Autres]"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    question_id: str
    part: str  # "answer" (options' labels or open text) | "other" (the "Autre" text)
    kind: str  # single | multiple | open


def question_columns(questionnaire: dict[str, Any]) -> list[Column]:
    """A question's column is numbered by its id in the imported source (the Grand
    Débat's), else by its Parlons id."""
    columns = []
    for q in questionnaire["questions"]:
        qid, text = q["question_id"], _one_line(q["text"])
        number = q.get("source_id") or qid
        columns.append(Column(f"Q{number} - {text}", qid, "answer", q["kind"]))
        if q.get("allow_other"):
            other_id, other_text = _other_part(number, text, bool(q.get("source_id")))
            columns.append(Column(f"Q{other_id} - {other_text}", qid, "other", q["kind"]))
    return columns


def header(questionnaire: dict[str, Any]) -> list[str]:
    return [*BASE_COLUMNS, *(c.name for c in question_columns(questionnaire))]


def _other_part(number: str, text: str, imported: bool) -> tuple[str, str]:
    if imported:
        part = _gd_other_parts().get(number)
        if part is not None:
            return part
    return f"{number}-autre", text + OTHER_SUFFIX


@cache
def _gd_other_parts() -> dict[str, tuple[str, str]]:
    """closed question id -> (id, text) of its "[Autres]" part in the shipped file."""
    _, rows = grand_debat_rows()
    texts = {r.id: r.text for r in rows}
    return {closed: (part, _one_line(texts[part]))
            for part, closed in GRAND_DEBAT_OTHER_PARTS.items() if part in texts}


def _one_line(text: str) -> str:
    """A column name on one line (a question text may hold line breaks)."""
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip()
