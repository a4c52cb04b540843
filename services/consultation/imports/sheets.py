"""The two documented formats (docs/questionnaire-import.md): a CSV sheet, one
question per row, and a JSON document. Both are read into drafts, which one
function turns into questions: option ids, conditions by label, kinds in French
or English. Every problem found is reported, not just the first."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from services.consultation.content_commands import ConditionSpec, OptionSpec, QuestionSpec
from services.consultation.imports.model import (
    MAX_QUESTIONNAIRES,
    Issue,
    Parsed,
    Sheet,
    flag,
    one_line,
)
from services.consultation.questionnaire import OTHER, OTHER_LABEL

KINDS = {"unique": "single", "single": "single", "choix unique": "single",
         "multiple": "multiple", "choix multiples": "multiple",
         "libre": "open", "open": "open", "ouverte": "open"}
COLUMNS = ("questionnaire", "id", "type", "question", "options", "obligatoire", "autre",
           "condition", "aide")
DEFAULT_TITLE = "Questionnaire importé"


@dataclass
class Draft:
    where: str
    question_id: str
    kind: str  # as written; "" lets the options decide
    text: str
    options: list[str]
    required: bool = False
    other: bool = False
    condition: tuple[str, list[str]] | None = None
    help_text: str = ""


def separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def read_csv(source: str) -> Parsed:
    first = source.lstrip("\ufeff").split("\n", 1)[0]
    rows = csv.reader(io.StringIO(source.lstrip("\ufeff"), newline=""),
                      delimiter=separator(first))
    issues: list[Issue] = []
    try:
        header = [h.strip().lower() for h in next(rows)]
    except StopIteration:
        return Parsed(issues=(Issue("Fichier", "Le fichier est vide."),))
    for name in header:
        if name not in COLUMNS:
            issues.append(Issue("Ligne 1", f"colonne inconnue « {name} » (colonnes possibles : "
                                           f"{', '.join(COLUMNS)})."))
    if "question" not in header:
        issues.append(Issue("Ligne 1", "la colonne « question » est obligatoire."))
        return Parsed(issues=tuple(issues))  # no row can be read without it
    # an unknown column is reported and its cells left aside: the rows are still
    # checked, so that every error is listed at once (it stopped at the header)
    groups: dict[str, list[Draft]] = {}
    starts: dict[str, str] = {}
    title = ""
    line = rows.line_num  # where the last record ended: the next starts below
    try:
        for row in rows:
            at, line = f"Ligne {line + 1}", rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                issues.append(Issue(at, f"{len(row)} colonnes pour {len(header)} en-têtes "
                                        "(séparateur ou guillemets à vérifier)."))
                continue
            cells = {name: cell for name, cell in zip(header, (c.strip() for c in row),
                                                        strict=False) if name in COLUMNS}
            title = one_line(cells.get("questionnaire", "")) or title or DEFAULT_TITLE
            starts.setdefault(title, at)
            draft = _row_draft(cells, at, len(groups.get(title, ())) + 1, issues)
            groups.setdefault(title, []).append(draft)
    except csv.Error as e:
        issues.append(Issue(f"Ligne {rows.line_num}", f"CSV illisible ({e})."))
    sheets = [_sheet(t, starts[t], drafts, issues) for t, drafts in groups.items()]
    return _result(sheets, issues)


def _row_draft(cells: dict[str, str], at: str, number: int, issues: list[Issue]) -> Draft:
    required, other = flag(cells.get("obligatoire", "")), flag(cells.get("autre", ""))
    for name, value in (("obligatoire", required), ("autre", other)):
        if value is None:
            issues.append(Issue(at, f"« {name} » vaut oui ou non, pas « {cells[name]} »."))
    condition = None
    if cells.get("condition"):
        target, _, labels = (p.strip() for p in cells["condition"].partition("="))
        condition = (target, [one_line(w) for w in labels.split("|") if w.strip()])
    return Draft(at, cells.get("id") or f"q{number}", cells.get("type", ""),
                 one_line(cells.get("question", "")),
                 [one_line(o) for o in cells.get("options", "").split("|") if o.strip()],
                 bool(required), bool(other), condition, cells.get("aide", ""))


def read_json(source: str) -> Parsed:
    try:
        doc = json.loads(source.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        return Parsed(issues=(Issue(f"Ligne {e.lineno}, colonne {e.colno}",
                                    f"JSON invalide : {json_error(e.msg)}"),))
    if isinstance(doc, dict) and "questions" in doc and "questionnaires" not in doc:
        doc, root = {"questionnaires": [doc]}, "questionnaire"
    else:
        root = "questionnaires"
    found = doc.get("questionnaires") if isinstance(doc, dict) else None
    if not isinstance(found, list) or not found:
        return Parsed(issues=(Issue("Racine", "un objet { \"questionnaires\": [ … ] } est "
                                              "attendu (voir la documentation)."),))
    issues: list[Issue] = []
    sheets = []
    for i, qn in enumerate(found):
        at = root if root == "questionnaire" else f"questionnaires[{i}]"
        if not isinstance(qn, dict):
            issues.append(Issue(at, "un objet est attendu."))
            continue
        questions = qn.get("questions")
        if not isinstance(questions, list):
            issues.append(Issue(f"{at}.questions", "une liste de questions est attendue."))
            continue
        drafts = [_json_draft(q, f"{at}.questions[{j}]", j + 1, issues)
                  for j, q in enumerate(questions)]
        title = one_line(_string(qn, "title", at, issues)) or DEFAULT_TITLE
        sheet = _sheet(title, f"{at}.title", [d for d in drafts if d], issues)
        sheets.append(Sheet(sheet.title, sheet.where, sheet.questions, sheet.wheres,
                            _string(qn, "description", at, issues)))
    return _result(sheets, issues)


# Python's messages (json.JSONDecodeError.msg, in English), by how they start.
JSON_ERRORS = (
    ("Expecting property name", "un nom entre guillemets droits (\"nom\") est attendu ; "
                                "une virgule en trop avant « } » ?"),
    ("Expecting value", "une valeur est attendue (texte entre guillemets droits, nombre, "
                        "true, false, null, objet ou liste) ; une virgule en trop avant « ] » ?"),
    ("Expecting ':'", "« : » est attendu entre un nom et sa valeur."),
    ("Expecting ','", "une virgule est attendue entre deux éléments."),
    ("Unterminated string", "un texte commence par un guillemet qui n'est jamais refermé."),
    ("Invalid control character", "un texte contient un retour à la ligne ou une tabulation : "
                                  "écrivez \\n ou \\t."),
    ("Invalid \\uXXXX escape", "« \\u » doit être suivi de quatre chiffres hexadécimaux."),
    ("Invalid \\escape", "une barre oblique inverse (\\) doit être doublée dans un texte."),
    ("Extra data", "du contenu suit la fin du document JSON."),
    ("Illegal trailing comma", "une virgule en trop avant la fin d'un objet ou d'une liste."),
)


def json_error(message: str) -> str:
    """Python's JSON syntax error as a French sentence (its line and column are
    given beside it)."""
    for start, french in JSON_ERRORS:
        if message.startswith(start):
            return french
    return "la syntaxe n'est pas celle de JSON."


def _string(obj: dict[str, Any], key: str, at: str, issues: list[Issue]) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        issues.append(Issue(f"{at}.{key}", "du texte est attendu."))
        return ""
    return value.strip()


def _json_draft(q: object, at: str, number: int, issues: list[Issue]) -> Draft | None:
    if not isinstance(q, dict):
        issues.append(Issue(at, "un objet est attendu."))
        return None
    options = q.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        issues.append(Issue(f"{at}.options", "une liste de libellés est attendue."))
        options = []
    flags = []
    for key in ("required", "other"):
        if not isinstance(q.get(key, False), bool):
            issues.append(Issue(f"{at}.{key}", "true ou false est attendu."))
        flags.append(q.get(key) is True)
    condition = None
    raw = q.get("condition")
    if raw is not None:
        wanted = raw.get("options", []) if isinstance(raw, dict) else None
        if (not isinstance(raw, dict) or not isinstance(raw.get("question"), str)
                or not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted)):
            issues.append(Issue(f"{at}.condition", "{ \"question\": \"q1\", \"options\": "
                                                   "[\"Oui\"] } est attendu."))
        else:
            condition = (raw["question"].strip(), [one_line(w) for w in wanted])
    return Draft(at, _string(q, "id", at, issues) or f"q{number}",
                 _string(q, "type", at, issues), one_line(_string(q, "text", at, issues)),
                 [one_line(o) for o in options if o.strip()], flags[0], flags[1], condition,
                 _string(q, "help", at, issues))


def _sheet(title: str, where: str, drafts: list[Draft], issues: list[Issue]) -> Sheet:
    earlier: dict[str, QuestionSpec] = {}
    for d in drafts:
        spec = _spec(d, earlier, issues)
        if spec is not None:
            earlier[spec.question_id] = spec
    return Sheet(title, where, tuple(earlier.values()),
                 tuple(d.where for d in drafts if d.question_id in earlier))


def _spec(d: Draft, earlier: dict[str, QuestionSpec], issues: list[Issue]) -> QuestionSpec | None:
    kind = KINDS.get(d.kind.lower()) if d.kind else ("single" if d.options else "open")
    before = len(issues)
    if kind is None:
        issues.append(Issue(d.where, f"type « {d.kind} » inconnu (unique, multiple ou libre)."))
    elif kind == "open" and (d.options or d.other):
        issues.append(Issue(d.where, "une question libre n'a pas d'options."))
    elif kind != "open" and not d.options:
        issues.append(Issue(d.where, "une question à choix doit avoir des options "
                                     "(séparées par « | »)."))
    if not d.text:
        issues.append(Issue(d.where, "l'intitulé de la question est vide."))
    if d.question_id in earlier:
        issues.append(Issue(d.where, f"l'identifiant « {d.question_id} » est déjà pris."))
    if len(set(d.options)) != len(d.options):
        issues.append(Issue(d.where, "deux options portent le même libellé."))
    condition = _condition(d, earlier, issues)
    if len(issues) > before or kind is None:
        return None
    options = tuple(OptionSpec(f"{d.question_id}-o{i + 1}", label)
                    for i, label in enumerate(d.options))
    return QuestionSpec(d.question_id, kind, d.text, required=d.required, options=options,
                        allow_other=d.other and kind != "open", condition=condition,
                        help_text=d.help_text)


def _condition(d: Draft, earlier: dict[str, QuestionSpec],
               issues: list[Issue]) -> ConditionSpec | None:
    if d.condition is None:
        return None
    target_id, labels = d.condition
    target = earlier.get(target_id)
    if target is None:
        issues.append(Issue(d.where, f"la condition vise « {target_id} », qui n'est pas une "
                                     "question précédente de ce questionnaire."))
        return None
    ids = {o.label: o.option_id for o in target.options}
    if target.allow_other:
        ids[OTHER_LABEL] = OTHER
    missing = [w for w in labels if w not in ids]
    if missing:
        issues.append(Issue(d.where, f"la question « {target_id} » n'a pas d'option "
                                     f"« {missing[0]} »."))
        return None
    return ConditionSpec(target_id, tuple(ids[w] for w in labels))


def _result(sheets: list[Sheet], issues: list[Issue]) -> Parsed:
    if len(sheets) > MAX_QUESTIONNAIRES:
        issues.append(Issue("Fichier", f"au plus {MAX_QUESTIONNAIRES} questionnaires par "
                                       "import."))
    if not sheets and not issues:
        issues.append(Issue("Fichier", "aucune question trouvée."))
    return Parsed(tuple(sheets), tuple(issues))
