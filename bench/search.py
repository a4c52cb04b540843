"""Search benchmark: N generated French contributions (default 1,000,000; --n for
quick runs) in the tantivy index, then

1. query p50/p95 over a fixed query set (words, OR, phrase, exclusion, filter+facet,
   sort by votes) -- target p95 <= 20 ms;
2. time from acknowledged contribution to searchable: a ProposalSubmitted is
   appended to the SQLite event log (acknowledged), the search projection applies it
   (project_batch over the log's records, as a worker does) and we poll the index
   until the hit shows -- target p95 <= 1 s;
3. CSV export of a result set of up to 500,000 rows (`export_csv`, keyset scan by id
   hash): rows/s and resident-memory growth, beside offset paging (the way a page
   of results is read) over the first 20,000 rows of the same set, whose cost per
   row grows with the offset;
4. the same queries on SQLite FTS5 (unicode61 remove_diacritics, porter-less: FTS5
   has no French stemmer, so it is given the same pre-normalised stems) over the same
   corpus, the same fields searchable (text, id, facets); ratio tantivy/FTS5 last.

The build is timed on both sides for the same job (ADR 0073): the same documents,
stored whole (the JSON payload a result page shows) with their id, the same analysed
text, durable at the end (tantivy's commit, SQLite's fsync'ed COMMIT). FTS5 is built
first, so that tantivy's background merges do not run inside its timing, and each
side starts with a cold stem cache. Tantivy is loaded as a rebuild loads it: pages of
50,000 documents between begin_bulk and end_bulk (their analysis in a worker process),
timed until end_bulk returns, its background merges included (so the queries then run
on the merged index). CPU seconds count all threads, and the worker process.

    .venv/bin/python bench/search.py --n 100000
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.core.envelope import Actor, Envelope
from services.eventlog.sqlite import SqliteEventLog
from services.search.analysis import normalised, stem
from services.search.indexer import SearchIndexer
from services.search.port import (
    FACETS,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    SearchDoc,
    SearchRequest,
)
from services.search.tantivy_index import TantivySearchIndex
from services.search.workspace import export_csv
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch

SUBJECTS = ["les pistes cyclables", "le bus de nuit", "l'école du quartier", "la gare",
            "les impôts locaux", "l'électricité verte", "les médecins de campagne",
            "le tramway", "les trottoirs", "la bibliothèque", "les panneaux solaires",
            "le covoiturage", "les cantines scolaires", "la piscine municipale"]
VERBS = ["améliorer", "développer", "rénover", "financer", "sécuriser", "ouvrir le soir",
         "rendre gratuits", "multiplier", "mieux entretenir", "réduire le coût de"]
EXTRAS = ["pour les familles", "dans les villages", "avant 2030", "avec les habitants",
          "sans augmenter les impôts", "en centre-ville", "pour les personnes âgées",
          "grâce aux économies d'énergie", "et moins de voitures", "le week-end"]
THEMES = ["mobilite", "ecole", "sante", "energie", "fiscalite", "culture"]
DEPS = ["35", "29", "22", "56", "75", "13", "69", "33", "59", "2A"]
QUERIES: list[tuple[str, SearchRequest]] = [
    ("mot", SearchRequest(query="tramway")),
    ("deux mots", SearchRequest(query="pistes cyclables")),
    ("OU", SearchRequest(query="médecins OR piscine")),
    ("phrase", SearchRequest(query='"cantines scolaires"')),
    ("exclusion", SearchRequest(query="gare -voitures")),
    ("filtre+facettes", SearchRequest(query="école", filters={"departement": ["35"]},
                                      facets=["theme_id", "departement"])),
    ("tri votes", SearchRequest(query="bibliothèque", sort="votes")),
]


def corpus(n: int, seed: int = 1) -> list[SearchDoc]:
    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(n):
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        body = f"Il faut {verb} {subject} {rng.choice(EXTRAS)}, {rng.choice(EXTRAS)}."
        dep = rng.choice(DEPS)
        docs.append(SearchDoc(
            id=f"c{i}", title=f"{verb.capitalize()} {subject}", body=body,
            date=(t0 + timedelta(seconds=i * 7)).isoformat().replace("+00:00", "Z"),
            votes=rng.randrange(200), consultation_id="gd", kind="proposal",
            theme_id=rng.choice(THEMES), departement=dep, region="53",
            identity_level="email", status="published"))
    return docs


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


async def bench_queries(index: TantivySearchIndex, rounds: int,
                        by_kind: dict[str, list[float]] | None = None) -> list[float]:
    times = []
    for _ in range(rounds):
        for name, req in QUERIES:
            t = time.perf_counter()
            await index.search(req)
            times.append((time.perf_counter() - t) * 1000)
            if by_kind is not None:
                by_kind.setdefault(name, []).append(times[-1])
    return times


def fts5(docs: list[SearchDoc], path: Path) -> sqlite3.Connection:
    """The fields tantivy makes searchable are searchable here too: the text, the id
    (an update finds the document by it) and the ten facets (filters use the index,
    not a scan of the matches), with FTS5's own tokenizer; the document is stored."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = FULL")  # SQLite's default, said: durable at COMMIT
    db.execute(f"CREATE VIRTUAL TABLE c USING fts5(text, id, {', '.join(FACETS)}, "
               "title UNINDEXED, votes UNINDEXED, payload UNINDEXED, "
               "tokenize='unicode61 remove_diacritics 2')")
    facets = operator.attrgetter(*FACETS)
    db.executemany(f"INSERT INTO c(text, id, {', '.join(FACETS)}, title, votes, payload) "
                   f"VALUES ({', '.join('?' * (len(FACETS) + 5))})",
                   ((normalised(f"{d.title} {d.body}"), d.id, *facets(d), d.title, d.votes,
                     orjson.dumps(d)) for d in docs))
    db.commit()
    return db


FTS_QUERIES = [  # each word looked for in the text column only, as tantivy does
    ("SELECT title, snippet(c, 0, '<mark>', '</mark>', '…', 20) FROM c WHERE c MATCH ? "
     "ORDER BY rank LIMIT 20", f"text : {normalised('tramway')}"),
    ("SELECT title FROM c WHERE c MATCH ? ORDER BY rank LIMIT 20",
     f"text : ({normalised('pistes cyclables')})"),
    ("SELECT title FROM c WHERE c MATCH ? ORDER BY rank LIMIT 20",
     f"text : ({normalised('médecins')} OR {normalised('piscine')})"),
    ("SELECT title FROM c WHERE c MATCH ? ORDER BY rank LIMIT 20",
     f'text : "{normalised("cantines scolaires")}"'),
    ("SELECT title FROM c WHERE c MATCH ? ORDER BY rank LIMIT 20",
     f"text : ({normalised('gare')} NOT {normalised('voitures')})"),
    ("SELECT theme_id, count(*) FROM c WHERE c MATCH ? GROUP BY theme_id",
     f"text : {normalised('école')} AND departement : 35"),
    ("SELECT title FROM c WHERE c MATCH ? ORDER BY votes DESC LIMIT 20",
     f"text : {normalised('bibliothèque')}"),
]


def bench_fts(db: sqlite3.Connection, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for sql, arg in FTS_QUERIES:
            t = time.perf_counter()
            db.execute(sql, (arg,)).fetchall()
            if "count(*)" in sql:  # the facet count FTS5 needs as a second query
                db.execute(sql.replace("theme_id, count(*)", "departement, count(*)").replace(
                    "GROUP BY theme_id", "GROUP BY departement"), (arg,)).fetchall()
            times.append((time.perf_counter() - t) * 1000)
    return times


async def bench_freshness(index: TantivySearchIndex, work: Path, samples: int) -> list[float]:
    log = SqliteEventLog(work / "events.db", key_for=lambda e: e.stream)
    await log.start()
    store = MemoryReadStore()
    projection = SearchIndexer(index)
    delays = []
    position: dict[int, int] = {}
    try:
        for i in range(samples):
            word = f"zq{i}unique"
            event = Envelope(
                type="deposit.ProposalSubmitted", schema_version=2, stream=f"contribution-f{i}",
                stream_version=1, actor=Actor(id="u", role="participant"),
                occurred_at=datetime.now(UTC), correlation_id="b",
                data={"contribution_id": f"f{i}", "consultation_id": "gd", "author_id": "u",
                      "title": f"Proposition {word}", "body": "Un texte.", "theme_id": "",
                      "territory": "35", "moderation": "post"})
            t = time.perf_counter()
            await log.append([event])  # acknowledged from here
            records = await log.read("deposit.events", start=position, limit=100)
            for r in records:
                position[r.partition] = r.offset + 1
            await project_batch(projection, [r.event for r in records], store)
            while not (await index.search(SearchRequest(query=word))).hits:
                await asyncio.sleep(0.001)
            delays.append((time.perf_counter() - t) * 1000)
    finally:
        await log.close()
    return delays


def cpu_seconds() -> float:
    """This process's CPU, all threads, and its children's that have exited: the
    worker process that analyses a bulk load's documents (stopped by end_bulk)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def bench_export(index: TantivySearchIndex, total: int) -> None:
    # at most 500,000 rows: the departments of the corpus are uniform, so keep enough
    # of them (the former ceil(total * 10 / 500,000) kept all ten at 1,000,000)
    share = max(1, min(len(DEPS), len(DEPS) * 500_000 // total))
    req = SearchRequest(filters={"departement": DEPS[:share]})
    before, peak, rows, size = rss_mb(), 0.0, -1, 0
    t = time.perf_counter()
    async for chunk in export_csv(index, req):
        rows += chunk.count(b"\n")
        size += len(chunk)
        peak = max(peak, rss_mb())
    scan_s = time.perf_counter() - t
    print(f"export (scan): {rows} rows, {size / 2**20:.0f} MB of CSV in {scan_s:.1f} s "
          f"= {rows / scan_s:,.0f} rows/s; resident memory +{peak - before:.0f} MB")
    sample = min(rows, MAX_RESULT_WINDOW)  # offset paging goes no further than the window
    t = time.perf_counter()
    for page in range(1, sample // MAX_PAGE_SIZE + 1):  # the baseline: offset paging
        await index.search(SearchRequest(filters=req.filters, page=page,
                                         page_size=MAX_PAGE_SIZE))
    offset_rate = sample / (time.perf_counter() - t)
    print(f"export (offset paging, first {sample} rows only): {offset_rate:,.0f} rows/s; "
          f"scan/offset ratio {rows / scan_s / offset_rate:.2f} (offset paging slows as "
          f"the offset grows: the full set would be slower still)")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--fresh", type=int, default=50, help="freshness samples")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        docs = corpus(args.n)
        print(f"corpus: {args.n} contributions generated in {time.perf_counter() - t:.1f} s")
        stem.cache_clear()
        t, cpu = time.perf_counter(), cpu_seconds()
        db = fts5(docs, work / "fts.db")
        fts_s, fts_cpu = time.perf_counter() - t, cpu_seconds() - cpu
        print(f"fts5: indexed in {fts_s:.1f} s ({fts_cpu:.1f} s of CPU)")
        stem.cache_clear()
        index = TantivySearchIndex(work / "tantivy")
        t, cpu = time.perf_counter(), cpu_seconds()
        await index.begin_bulk()
        for start in range(0, len(docs), 50_000):
            await index.upsert([(d, 1) for d in docs[start:start + 50_000]])
        await index.end_bulk()
        tantivy_s, tantivy_cpu = time.perf_counter() - t, cpu_seconds() - cpu
        print(f"tantivy: indexed in {tantivy_s:.1f} s ({tantivy_cpu:.1f} s of CPU, all its "
              f"threads and its worker process; {await index.count()} documents)")
        print(f"build speed tantivy / fts5: {fts_s / tantivy_s:.2f}x  (target >= 1.0); "
              f"CPU tantivy / fts5: {tantivy_cpu / fts_cpu:.2f}")
        del docs
        for name, req in QUERIES:
            page = await index.search(req)
            print(f"  {name:16} {page.total:>8} hits")
        await bench_queries(index, 2)  # warm-up
        bench_fts(db, 2)
        by_kind: dict[str, list[float]] = {}
        tv = await bench_queries(index, args.rounds, by_kind)
        fts = bench_fts(db, args.rounds)
        fresh = await bench_freshness(index, work, args.fresh)
        await bench_export(index, args.n)
        print(f"tantivy query ms: p50 {pct(tv, 50):.2f}  p95 {pct(tv, 95):.2f}  "
              f"(target p95 <= 20)")
        print("tantivy query ms by kind (p50 / p95): " + ", ".join(
            f"{name} {pct(t, 50):.1f} / {pct(t, 95):.1f}" for name, t in by_kind.items()))
        print(f"fts5    query ms: p50 {pct(fts, 50):.2f}  p95 {pct(fts, 95):.2f}")
        print(f"ack -> searchable ms: p50 {pct(fresh, 50):.1f}  p95 {pct(fresh, 95):.1f}  "
              f"(target p95 <= 1000)")
        print(f"ratio p95 tantivy / fts5: {pct(tv, 95) / pct(fts, 95):.2f}")
        db.close()
        await index.close()


if __name__ == "__main__":
    asyncio.run(main())
