"""Import of the Grand Débat National questionnaire (data/granddebat, see data/README.md).

The file has 4 themes and 97 question ids. Mapping to Parlons questionnaires:
- one questionnaire per theme, questions in the file's `order`;
- `is_free=TRUE` -> open question, `FALSE` -> closed question;
- ids 160, 206, 207 are the "[Autres]" free-text part of closed questions 1160,
  1206, 1207: they become the "Autre" option (`allow_other`) of those questions,
  not questions of their own. So: 94 questions + 3 "Autre" options = 97 ids;
- every `previous_id` becomes a condition: "Si oui, ..." -> shown if the answer is
  "Oui", "Si non, ..." -> if "Non", otherwise ("Pourquoi ?") -> if answered at all.
  The link of an "[Autres]" part goes to its closed question (207 -> 154 makes 1207,
  "Si non, quelles sont les solutions...", conditional on 154 = "Non");
- the closed questions' options are not in the file: yes/no questions get
  Oui / Non / Je ne sais pas, the four others sensible defaults; organisers edit them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from services.consultation.commands import ThemeSpec
from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
    SaveQuestionnaire,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "granddebat"
OTHER_PARTS = {"160": "1160", "206": "1206", "207": "1207"}  # "[Autres]" part -> question
YES_NO = (OptionSpec("oui", "Oui"), OptionSpec("non", "Non"),
          OptionSpec("ne-sait-pas", "Je ne sais pas"))
DEFAULT_OPTIONS: dict[str, tuple[str, tuple[OptionSpec, ...]]] = {
    "111": ("single", (OptionSpec("bonne-chose", "Une bonne chose"),
                       OptionSpec("mauvaise-chose", "Une mauvaise chose"),
                       OptionSpec("ne-sait-pas", "Je ne sais pas"))),
    "1160": ("single", (OptionSpec("air", "La pollution de l'air"),
                        OptionSpec("climat", "Les dérèglements climatiques (crue, sécheresse)"),
                        OptionSpec("littoral", "L'érosion du littoral"),
                        OptionSpec("biodiversite",
                                   "La biodiversité et la disparition de certaines espèces"))),
    "1206": ("single", (OptionSpec("aides", "Revoir les conditions d'attribution de certaines "
                                            "aides sociales"),
                        OptionSpec("temps-travail", "Augmenter le temps de travail"),
                        OptionSpec("retraite", "Reculer l'âge de la retraite"),
                        OptionSpec("impots", "Augmenter les impôts"))),
    "1207": ("multiple", (OptionSpec("transports-commun", "Les transports en commun"),
                          OptionSpec("covoiturage", "Le covoiturage"),
                          OptionSpec("autopartage", "L'auto-partage"),
                          OptionSpec("transport-demande", "Le transport à la demande"),
                          OptionSpec("velo", "Le vélo"))),
}


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    text: str
    debate_id: str
    is_free: bool
    order: int
    previous_id: str | None


@dataclass(frozen=True, slots=True)
class GrandDebat:
    themes: tuple[ThemeSpec, ...]
    questionnaires: tuple[SaveQuestionnaire, ...]  # one per theme, in theme order


def read_rows(data_dir: Path = DATA_DIR) -> tuple[dict[str, str], list[Row]]:
    with (data_dir / "debates.csv").open(encoding="utf-8", newline="") as f:
        debates = {r["id"]: r["name"] for r in csv.DictReader(f, delimiter=";")}
    with (data_dir / "questions.csv").open(encoding="utf-8", newline="") as f:
        rows = [Row(r["id"], r["text"].strip(), r["debate_id"], r["is_free"] == "TRUE",
                    int(r["order"]), r["previous_id"] or None)
                for r in csv.DictReader(f, delimiter=";")]
    return debates, sorted(rows, key=lambda r: r.order)


def theme_id(debate_id: str) -> str:
    return f"gd-{debate_id}"


def questionnaire_id(consultation_id: str, debate_id: str) -> str:
    """Deterministic, so importing twice targets the same questionnaires."""
    return f"{consultation_id}-gd-{debate_id}"


def import_granddebat(consultation_id: str, data_dir: Path = DATA_DIR) -> GrandDebat:
    debates, rows = read_rows(data_dir)
    return from_rows(consultation_id, debates, rows)


def from_rows(consultation_id: str, debates: dict[str, str], rows: list[Row]) -> GrandDebat:
    """`rows` in display order, each `previous_id` naming an earlier row of its
    debate (the importer of uploaded files checks that first)."""
    # an "[Autres]" part's link belongs to its closed question
    inherited = {OTHER_PARTS[r.id]: r.previous_id for r in rows
                 if r.id in OTHER_PARTS and r.previous_id}
    by_id = {r.id: r for r in rows}
    questionnaires = []
    for position, (debate_id, name) in enumerate(debates.items()):
        questions = [_question(r, inherited.get(r.id) or r.previous_id, by_id)
                     for r in rows if r.debate_id == debate_id and r.id not in OTHER_PARTS]
        questionnaires.append(SaveQuestionnaire(
            questionnaire_id(consultation_id, debate_id), consultation_id, name,
            tuple(questions), description="Questionnaire du Grand Débat National (2019).",
            theme_id=theme_id(debate_id), position=position))
    themes = tuple(ThemeSpec(theme_id(d), name) for d, name in debates.items())
    return GrandDebat(themes, tuple(questionnaires))


def _question(row: Row, previous_id: str | None, by_id: dict[str, Row]) -> QuestionSpec:
    condition = None
    if previous_id is not None:
        condition = ConditionSpec(previous_id, _expected_answer(row.text, by_id[previous_id]))
    if row.is_free:
        return QuestionSpec(row.id, "open", row.text, condition=condition, source_id=row.id)
    kind, options = DEFAULT_OPTIONS.get(row.id, ("single", YES_NO))
    return QuestionSpec(row.id, kind, row.text, options=options,
                        allow_other=row.id in OTHER_PARTS.values(), condition=condition,
                        source_id=row.id)


def _expected_answer(text: str, target: Row) -> tuple[str, ...]:
    yes_no = not target.is_free and target.id not in DEFAULT_OPTIONS
    if yes_no and text.startswith("Si oui"):
        return ("oui",)
    if yes_no and text.startswith("Si non"):
        return ("non",)
    return ()  # "Pourquoi ?", "Que faudrait-il faire...": shown once answered
