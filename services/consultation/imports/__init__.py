"""Questionnaire import (ADR 0063): a file in the Grand Débat format or in the
CSV or JSON format of docs/questionnaire-import.md becomes questionnaires, or a
list of errors each with its line (or JSON path) in French. Nothing is saved
here: the back office shows the result as a preview, the CLI prints it, and the
questionnaires are then saved through `SaveQuestionnaire` (see
`Parsed.commands`), whose handler decides on the log as for any other save.

Every questionnaire is also checked by the rule the handler applies
(`validate_questionnaire`), so a preview without errors is an import that will
be accepted."""

from __future__ import annotations

from services.consultation.imports.granddebat_file import looks_like, read_granddebat
from services.consultation.imports.model import MAX_BYTES, Issue, Parsed, Sheet, decode
from services.consultation.imports.preview import preview
from services.consultation.imports.sheets import read_csv, read_json
from services.consultation.questionnaire import validate_questionnaire
from services.core.errors import DomainError

FORMATS = {"granddebat": "Grand Débat (questions.csv)", "csv": "CSV", "json": "JSON"}

__all__ = ["FORMATS", "MAX_BYTES", "Issue", "Parsed", "Sheet", "decode", "detect", "parse_file",
           "preview"]


def detect(source: str, filename: str = "") -> str:
    """The format of a file: JSON if it says so or starts like it, the Grand
    Débat format if its header has `debate_id` and `is_free`, else CSV."""
    if filename.lower().endswith(".json") or source.lstrip("\ufeff \r\n\t")[:1] in "{[":
        return "json"
    return "granddebat" if looks_like(source) else "csv"


def parse_file(data: bytes, fmt: str | None = None, filename: str = "") -> Parsed:
    """`fmt`: one of FORMATS, or None to detect it."""
    if len(data) > MAX_BYTES:
        return Parsed(issues=(Issue("Fichier", f"le fichier dépasse {MAX_BYTES // 1024} Ko."),))
    if not is_text(data):
        return Parsed(issues=(Issue("Fichier", NOT_TEXT),))
    source = decode(data)
    if not source.strip():
        return Parsed(issues=(Issue("Fichier", "le fichier est vide."),))
    fmt = fmt or detect(source, filename)
    if fmt not in FORMATS:
        return Parsed(issues=(Issue("Fichier", f"format « {fmt} » inconnu."),))
    read = {"granddebat": read_granddebat, "csv": read_csv, "json": read_json}[fmt]
    parsed = read(source)
    if parsed.issues:
        return parsed
    return Parsed(parsed.sheets, tuple(_checked(parsed)))


NOT_TEXT = ("ce fichier n'est pas un fichier texte : enregistrez le questionnaire au format "
            "CSV (depuis un tableur : « Enregistrer sous », CSV) ou JSON, pas en PDF, "
            "XLSX, ODS ni DOCX.")
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}  # all but tab, line feed, form feed, CR


def is_text(data: bytes) -> bool:
    """Text in any encoding an organiser saves (UTF-8, Windows-1252): no NUL byte,
    and hardly any other control character, in its first 8 KiB. A PDF, an image
    or a spreadsheet's zip read as text showed its raw bytes in the errors."""
    head = data[:8192]
    return b"\x00" not in head and sum(b in _CONTROL for b in head) <= len(head) // 100


def _checked(parsed: Parsed) -> list[Issue]:
    """What the handler would refuse, located in the file."""
    issues = []
    for cmd, sheet in zip(parsed.commands("import", "check"), parsed.sheets, strict=True):
        try:
            validate_questionnaire(cmd)
        except DomainError as e:
            issues.append(_locate(sheet, e.field or "", e.message))
    return issues


def _locate(sheet: Sheet, field: str, message: str) -> Issue:
    """`questions.<i>.<field>` -> the line of question i."""
    parts = field.split(".")
    if parts[0] == "questions" and len(parts) > 1 and parts[1].isdecimal():
        return Issue(sheet.wheres[int(parts[1])], message)
    return Issue(sheet.where, f"questionnaire « {sheet.title} » : {message}")
