"""What an import yields: questionnaires ready to save, or errors each naming
where in the file they are (a line, or a JSON path) with a French message."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.consultation.content_commands import QuestionSpec, SaveQuestionnaire

MAX_BYTES = 512 * 1024  # the whole file; the Grand Débat's 97 questions are ~15 kB
MAX_QUESTIONNAIRES = 20


@dataclass(frozen=True, slots=True)
class Issue:
    where: str  # "Ligne 4", "questionnaires[0].questions[2].text", "Fichier"
    message: str

    def __str__(self) -> str:
        return f"{self.where} : {self.message}"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One questionnaire read from a file; `wheres[i]` locates `questions[i]`."""

    title: str
    where: str
    questions: tuple[QuestionSpec, ...]
    wheres: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Parsed:
    sheets: tuple[Sheet, ...] = ()
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.issues and bool(self.sheets)

    @property
    def question_count(self) -> int:
        return sum(len(s.questions) for s in self.sheets)

    def commands(self, consultation_id: str, key: str) -> list[SaveQuestionnaire]:
        """One command per questionnaire, ids derived from `key` so that a
        repeated import (double submit, re-run) targets the same questionnaires,
        and `if_absent` so that it writes nothing the second time (ADR 0063)."""
        return [SaveQuestionnaire(f"{key}-{i + 1}", consultation_id, s.title, s.questions,
                                  description=s.description, position=i, if_absent=True)
                for i, s in enumerate(self.sheets)]


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; else Windows-1252, what a French Excel saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


YES = frozenset({"oui", "o", "vrai", "true", "1", "x", "yes"})
NO = frozenset({"non", "n", "faux", "false", "0", "no", ""})


def one_line(value: str) -> str:
    """A question, option or title on one line: a cell's line breaks would break
    the back office's text editor, which shows one question per line."""
    return " ".join(value.split())


def flag(value: str) -> bool | None:
    """oui/non (and their usual spellings) as a bool, None if neither."""
    low = value.strip().lower()
    return True if low in YES else False if low in NO else None
