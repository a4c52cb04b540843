"""Closed-question statistics and open-data export: Parlons beside a naive
baseline, same data, same run, each job in its own process (so its peak RSS is
its own), on the SQLite read store.

1. Statistics projection: N `deposit.ResponseSubmitted` events (30 closed questions,
   one with "Autre", and one open) applied in batches of 500 by `synthesis.closed_stats`
   (deltas summed per batch, one write per touched question) beside a naive
   projection doing one read-modify-write per question per event, same batches.
2. Export: the CSV of N published responses streamed page by page beside a
   baseline that reads every row into a list first, then writes the CSV; each in a
   fresh process over the same filled store, alternated twice, best of two.

    .venv/bin/python bench/opendata.py [--n 100000]

The last line is the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from services.core.envelope import Actor, Envelope  # noqa: E402
from services.store.port import StoreTx  # noqa: E402
from services.store.projection import Projection, project_batch  # noqa: E402
from services.store.sqlite import SqliteReadStore  # noqa: E402
from services.synthesis.opendata.columns import header  # noqa: E402
from services.synthesis.opendata.export import OpenDataExport  # noqa: E402
from services.synthesis.stats.projection import ClosedStatsProjection  # noqa: E402

BATCH = 500
QUESTIONNAIRE = "bench"
CLOSED = 30  # closed questions (the Grand Débat's four questionnaires have 39 in all)
T0 = datetime(2026, 3, 1, tzinfo=UTC)
OPTIONS = ("oui", "non", "nsp", "autre")


def _questionnaire() -> dict[str, Any]:
    questions: list[dict[str, Any]] = [
        {"question_id": f"c{k}", "kind": "single", "text": f"Question fermée {k} ?",
         "allow_other": k == 0, "options": [{"option_id": o, "label": o.capitalize()}
                                            for o in OPTIONS[:3]]} for k in range(CLOSED)]
    questions.append({"question_id": "idees", "kind": "open", "text": "Vos idées ?",
                      "allow_other": False, "options": []})
    return {"questionnaire_id": QUESTIONNAIRE, "title": "Banc d'essai", "position": 0,
            "questions": questions}


QUESTIONNAIRE_DOC = _questionnaire()
DEPS = ("35", "75", "13", "29", "69", "59", "33", "2A", "971", "")
LEVELS = ("anonymous", "email", "verified")


def _events(n: int) -> list[Envelope]:
    out = []
    for i in range(n):
        answers = [{"question_id": f"c{k}", "option_ids": [OPTIONS[(i + k) % (4 if k == 0 else 3)]],
                    "other_text": "À pied" if k == 0 and i % 4 == 3 else "", "text": ""}
                   for k in range(CLOSED)]
        answers.append({"question_id": "idees", "option_ids": [], "other_text": "",
                        "text": f"Idée {i} : des pistes cyclables et des bus plus fréquents."})
        out.append(Envelope(
            type="deposit.ResponseSubmitted", schema_version=2,
            stream=f"response-{QUESTIONNAIRE}-p{i}", stream_version=1,
            data={"contribution_id": f"r{i:09d}", "consultation_id": "cons1",
                  "questionnaire_id": QUESTIONNAIRE, "author_id": f"p-{i:09d}",
                  "answers": answers, "moderation": "post",
                  "identity_level": LEVELS[i % 3], "territory": DEPS[i % len(DEPS)]},
            actor=Actor(id=f"p-{i:09d}", role="participant"),
            occurred_at=T0 + timedelta(seconds=i), correlation_id="c"))
    return out


class NaiveStats(Projection):
    """Baseline: one read-modify-write of a question's counts per answer."""

    name = "bench.naive_stats"
    topics = ("deposit.events",)
    tables = ("bench_naive",)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        dims = (("level", d["identity_level"]), ("departement", d["territory"] or "?"))
        for a in d["answers"]:
            if not a["option_ids"]:
                continue
            doc = await tx.get("bench_naive", QUESTIONNAIRE, a["question_id"]) or {}
            for o in a["option_ids"]:
                for dim, value in (("total", ""), *dims):
                    key = f"{o}|{dim}|{value}"
                    doc[key] = doc.get(key, 0) + 1
            await tx.put("bench_naive", QUESTIONNAIRE, a["question_id"], doc)
        await tx.put("bench_naive_rows", QUESTIONNAIRE, d["contribution_id"], d)


async def _project(n: int, naive: bool) -> dict[str, Any]:
    events = _events(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteReadStore(Path(tmp) / "read.db")
        await store.start()
        projection: Projection = NaiveStats() if naive else ClosedStatsProjection()
        start = time.perf_counter()
        for i in range(0, n, BATCH):
            await project_batch(projection, events[i:i + BATCH], store)
        seconds = time.perf_counter() - start
        await store.close()
    return {"seconds": seconds, "per_s": n / seconds}


async def _fill(n: int, db: Path) -> dict[str, Any]:
    events = _events(n)
    store = SqliteReadStore(db)
    await store.start()
    for i in range(0, n, BATCH):
        await project_batch(ClosedStatsProjection(), events[i:i + BATCH], store)
    await store.close()
    return {"rows": n}


async def _export(n: int, naive: bool, db: Path) -> dict[str, Any]:
    """In a fresh process over the filled store, so peak RSS growth is the export's."""
    store = SqliteReadStore(db)
    await store.start()
    base_rss = _rss_mb()
    out = db.with_suffix(".csv")
    start = time.perf_counter()
    if naive:
        await _naive_export(store, out)
    else:
        with out.open("wb") as f:
            async for chunk in OpenDataExport(store).csv(QUESTIONNAIRE_DOC):
                f.write(chunk)
    seconds = time.perf_counter() - start
    growth = _rss_mb() - base_rss
    await store.close()
    return {"seconds": seconds, "per_s": n / seconds, "mb": out.stat().st_size / 1e6,
            "rss_growth_mb": growth}


async def _naive_export(store: SqliteReadStore, out: Path) -> None:
    import csv
    import io

    export = OpenDataExport(store)
    rows = [r async for r in export.rows(QUESTIONNAIRE_DOC)]  # everything in memory
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = header(QUESTIONNAIRE_DOC)
    writer.writerow(names)
    writer.writerows([r[c] for c in names] for r in rows)
    out.write_text(buffer.getvalue(), encoding="utf-8")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _job(kind: str, n: int, naive: bool = False, db: Path | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--job", kind, "--n", str(n)]
    cmd += (["--naive"] if naive else []) + (["--db", str(db)] if db else [])
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--job", choices=["project", "fill", "export"])
    p.add_argument("--naive", action="store_true")
    p.add_argument("--db")
    args = p.parse_args()
    if args.job == "project":
        print(json.dumps(asyncio.run(_project(args.n, args.naive))))
        return
    if args.job:
        run = _fill(args.n, Path(args.db)) if args.job == "fill" else _export(
            args.n, args.naive, Path(args.db))
        print(json.dumps(asyncio.run(run)))
        return
    ours, base = _job("project", args.n), _job("project", args.n, naive=True)
    print(f"statistics projection, {args.n:,} responses: Parlons {ours['per_s']:,.0f} ev/s "
          f"({ours['seconds']:.1f} s) | naive per-event writes {base['per_s']:,.0f} ev/s "
          f"({base['seconds']:.1f} s) | ratio {ours['per_s'] / base['per_s']:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "read.db"
        _job("fill", args.n, db=db)
        runs = [(_job("export", args.n, db=db), _job("export", args.n, naive=True, db=db))
                for _ in range(2)]  # alternated: the machine's load drifts
    ours_x = max((r[0] for r in runs), key=lambda r: r["per_s"])
    base_x = max((r[1] for r in runs), key=lambda r: r["per_s"])
    print(f"open-data CSV export, {args.n:,} rows ({ours_x['mb']:.0f} MB), best of 2: Parlons "
          f"{ours_x['per_s']:,.0f} rows/s, peak RSS growth {ours_x['rss_growth_mb']:.0f} MB | "
          f"materialising baseline {base_x['per_s']:,.0f} rows/s, peak RSS growth "
          f"{base_x['rss_growth_mb']:.0f} MB")
    print(f"summary: projection {ours['per_s']:,.0f} ev/s ({ours['per_s'] / base['per_s']:.2f}x "
          f"naive); export {ours_x['per_s']:,.0f} rows/s ({ours_x['per_s'] / base_x['per_s']:.2f}x"
          f" materialising) with +{ours_x['rss_growth_mb']:.0f} MB peak RSS vs "
          f"+{base_x['rss_growth_mb']:.0f} MB")


if __name__ == "__main__":
    main()
