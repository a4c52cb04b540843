"""The Grand Débat format: its `questions.csv` (`id;text;debate_id;is_free;order;
previous_id`, see data/README.md), the shipped file or another in that format.
Rows are checked line by line first (the mapping to questionnaires in
`granddebat.from_rows` trusts its input); theme names come from the shipped
`debates.csv` for the debate ids it knows."""

from __future__ import annotations

import csv
import io

from services.consultation import granddebat as gd
from services.consultation.imports.model import Issue, Parsed, Sheet, one_line
from services.consultation.imports.sheets import separator
from services.core.errors import DomainError
from services.core.values import ident

COLUMNS = ("id", "text", "debate_id", "is_free", "order", "previous_id")
REQUIRED = ("id", "text", "debate_id", "is_free")


def looks_like(source: str) -> bool:
    header = source.lstrip("\ufeff").split("\n", 1)[0].lower()
    return "debate_id" in header and "is_free" in header


def read_granddebat(source: str) -> Parsed:
    text = source.lstrip("\ufeff")
    rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator(text.split("\n")[0]))
    header = [h.strip().lower() for h in rows.fieldnames or ()]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return Parsed(issues=(Issue("Ligne 1", f"colonnes manquantes : {', '.join(missing)} "
                                               f"(en-tête attendu : {';'.join(COLUMNS)})."),))
    rows.fieldnames = header
    issues: list[Issue] = []
    found: list[tuple[str, gd.Row]] = []
    line = rows.line_num
    try:
        for position, raw in enumerate(rows):
            at, line = f"Ligne {line + 1}", rows.line_num
            cells = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
            row = _row(cells, at, position, issues)
            if row is not None:
                found.append((at, row))
    except csv.Error as e:
        issues.append(Issue(f"Ligne {rows.line_num}", f"CSV illisible ({e})."))
    found.sort(key=lambda pair: pair[1].order)
    _links(found, issues)
    if issues:
        return Parsed(issues=tuple(issues))
    if not found:
        return Parsed(issues=(Issue("Fichier", "aucune question trouvée."),))
    return _sheets(found)


def _row(cells: dict[str, str], at: str, position: int, issues: list[Issue]) -> gd.Row | None:
    before = len(issues)
    try:
        ident(cells.get("id", ""), "id")
    except DomainError:
        issues.append(Issue(at, f"identifiant « {cells.get('id', '')} » invalide."))
    if not cells.get("text"):
        issues.append(Issue(at, "l'intitulé de la question est vide."))
    if not cells.get("debate_id"):
        issues.append(Issue(at, "debate_id (le thème) est vide."))
    if cells.get("is_free", "").upper() not in ("TRUE", "FALSE"):
        issues.append(Issue(at, f"is_free vaut TRUE ou FALSE, pas « {cells.get('is_free')} »."))
    order = cells.get("order", "") or str(position)
    if not order.lstrip("-").isdecimal():
        issues.append(Issue(at, f"order doit être un nombre entier, pas « {order} »."))
    if len(issues) > before:
        return None
    return gd.Row(cells["id"], one_line(cells["text"]), cells["debate_id"],
                  cells["is_free"].upper() == "TRUE", int(order), cells.get("previous_id") or None)


def _links(found: list[tuple[str, gd.Row]], issues: list[Issue]) -> None:
    """Each id once; a follow-up after the question it depends on, in its theme;
    an "[Autres]" part beside its closed question."""
    seen: dict[str, gd.Row] = {}
    ids = {row.id for _, row in found}
    for at, row in found:
        if row.id in seen:
            issues.append(Issue(at, f"l'identifiant {row.id} est déjà pris."))
        previous = seen.get(row.previous_id or "")
        if row.previous_id and previous is None:
            issues.append(Issue(at, f"previous_id {row.previous_id} ne désigne pas une question "
                                    "placée avant (order) dans le fichier."))
        elif previous is not None and previous.debate_id != row.debate_id:
            issues.append(Issue(at, f"previous_id {row.previous_id} appartient à un autre "
                                    "thème."))
        if row.id in gd.OTHER_PARTS and gd.OTHER_PARTS[row.id] not in ids:
            issues.append(Issue(at, f"la partie « Autres » {row.id} n'a pas sa question "
                                    f"{gd.OTHER_PARTS[row.id]} dans le fichier."))
        seen.setdefault(row.id, row)


def _sheets(found: list[tuple[str, gd.Row]]) -> Parsed:
    known, _ = gd.read_rows()
    wheres = {row.id: at for at, row in found}
    rows = [row for _, row in found]
    themes = {row.debate_id: known.get(row.debate_id, f"Thème {row.debate_id}") for row in rows}
    built = gd.from_rows("import", themes, rows)
    return Parsed(tuple(
        Sheet(qn.title, wheres[qn.questions[0].question_id], qn.questions,
              tuple(wheres[q.question_id] for q in qn.questions), qn.description)
        for qn in built.questionnaires if qn.questions))
