"""`python -m services.web.public.audit_summary DIR`: the RGAA statement's data
(services/web/public/data/accessibility_audit.json) from the axe-core results the
browser tests wrote in DIR/axe.jsonl (`make accessibility-audit` runs both)."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

IMPACTS = ("critical", "serious", "moderate", "minor")
# The browser tests name the pages they check in English: the statement says them
# in French, by kind of page and without the test data's addresses (which lead
# nowhere on another deployment). A name not listed is kept as it is.
PAGE_NAMES = {
    "analyst workspace": "espace d'analyse (recherche des analystes)",
    "article": "article d'une consultation", "consultation": "page d'une consultation",
    "event": "page d'une rencontre", "events list and map": "rencontres (liste et carte)",
    "follow-up page": "suites données (espace organisateur)", "home": "accueil",
    "mes contributions": "mes contributions", "mes votes": "mes votes",
    "notices page": "mes notifications",
    "open-data publication page": "publication des données ouvertes (espace organisateur)",
    "proposal form": "formulaire de proposition",
    "proposal page (participant)": "page d'une proposition (participant connecté)",
    "proposal page (public)": "page d'une proposition (visiteur)",
    "proposals list": "liste des propositions", "public open-data page": "données ouvertes",
    "public search": "recherche dans les contributions", "public synthesis": "synthèse",
    "public theme page": "page d'un thème de la synthèse", "questionnaire": "questionnaire",
    "questionnaire answer page": "réponse à un questionnaire",
    "ranking": "classement des propositions", "results": "résultats du vote",
    "run page": "analyse thématique (espace d'analyse)",
    "run theme page (analyst)": "thème d'une analyse (espace d'analyse)",
    "statistics list": "statistiques des questionnaires (liste)",
    "statistics page": "statistiques d'un questionnaire",
    "statistics page by région": "statistiques d'un questionnaire par région",
    "synthesis runs page": "analyses thématiques (liste)",
    "vote methodology": "méthode d'exposition des propositions",
    "vote sequence": "vote sur les propositions",
}


def page_name(what: str) -> str:
    return PAGE_NAMES.get(what, what)


def summary(lines: list[dict[str, Any]], today: str) -> dict[str, Any]:
    pages = sorted({page_name(line["what"]) for line in lines})
    seen: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    counts: Counter[str] = Counter({impact: 0 for impact in IMPACTS})
    for line in lines:
        for v in line["violations"]:
            seen[(v["id"], v["impact"] or "minor", v["help"])].add(line["what"])
    for (_, impact, _), where in seen.items():
        counts[impact] += len(where)
    rules = [{"id": rule, "impact": impact, "help": text, "pages": len(where)}
             for (rule, impact, text), where in sorted(
                 seen.items(), key=lambda kv: (IMPACTS.index(kv[0][1]), kv[0][0]))]
    versions = sorted({str(line["axe"]) for line in lines})
    return {"date": today, "axe_version": ", ".join(versions), "pages": pages,
            "counts": dict(counts), "rules": rules}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m services.web.public.audit_summary DIR", file=sys.stderr)
        return 2
    source = Path(argv[0]) / "axe.jsonl"
    if not source.exists():
        print(f"{source}: no results (run the browser tests with PARLONS_AXE_RECORD)",
              file=sys.stderr)
        return 1
    lines = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    result = summary(lines, datetime.now(UTC).date().isoformat())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
