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


def summary(lines: list[dict[str, Any]], today: str) -> dict[str, Any]:
    pages = sorted({f"{line['what']} ({line['path']})" for line in lines})
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
