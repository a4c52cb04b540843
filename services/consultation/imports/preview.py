"""What an import would create, as the organiser reads it: the back office's
preview page and `parlons questionnaire import` show the same rows."""

from __future__ import annotations

from typing import Any

from services.consultation.imports.model import Parsed
from services.consultation.questionnaire import KINDS, OTHER_LABEL


def preview(parsed: Parsed) -> list[dict[str, Any]]:
    """One dict per questionnaire (`title`, `description`, `questions`), each
    question with where it is in the file, its kind, options and condition."""
    sheets = []
    for sheet in parsed.sheets:
        labels = {o.option_id: o.label for q in sheet.questions for o in q.options}
        rows = []
        for q, where in zip(sheet.questions, sheet.wheres, strict=True):
            options = [o.label for o in q.options] + ([OTHER_LABEL] if q.allow_other else [])
            condition = ""
            if q.condition is not None:
                wanted = " ou ".join(labels.get(o, OTHER_LABEL) for o in q.condition.option_ids)
                condition = (f"si « {q.condition.question_id} » = {wanted}" if wanted
                             else f"si « {q.condition.question_id} » a une réponse")
            rows.append({"id": q.question_id, "where": where, "text": q.text,
                         "kind": KINDS[q.kind], "options": options, "required": q.required,
                         "condition": condition})
        sheets.append({"title": sheet.title, "where": sheet.where,
                       "description": sheet.description, "questions": rows})
    return sheets
