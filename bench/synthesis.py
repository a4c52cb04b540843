"""Synthesis benchmark: Parlons beside a plain scikit-learn baseline, same data,
same run, each job in its own process (so its peak RSS is its own).

1. Themes: full theme synthesis (French analyser, hashing TF-IDF, MiniBatchKMeans,
   labels, verbatims, per-day counts, a campaign counted once) of N generated
   French contributions (default 1,000,000; target <= 10 min and <= 8 GB peak RSS
   on 2 cores) beside a plain TfidfVectorizer + MiniBatchKMeans script.
2. Opinion groups: 33,000 participants x 783 statements x 2,000,000 generated
   votes in 4 planted groups (target <= 30 s cold: matrix built from the vote
   arrays, PCA, k-means with k by silhouette, representative and consensus
   statements) beside a direct dense PCA + k-means (k 2..5 by silhouette).

Corpus and votes are generated inside each job (same seed), outside its timing.

    .venv/bin/python bench/synthesis.py [--n 1000000] [--votes 2000000]

The last line is the summary. Each job also reports its CPU seconds (all threads):
on a machine others load, a steadier comparison than wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.synthesis.themes.demo_corpus import THEMES, generate  # noqa: E402

PARTICIPANTS, STATEMENTS, GROUPS = 33_000, 783, 4


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def themes_parlons(n: int) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    from services.synthesis.themes.model import RunParameters
    from services.synthesis.themes.pipeline import synthesise_themes

    corpus = generate(n, seed=1, campaign_copies=max(n // 100, 10))
    start, cpu = time.perf_counter(), time.process_time()
    run = synthesise_themes(corpus.contributions, RunParameters(n_themes=len(THEMES), seed=1),
                            campaign_of=corpus.campaign_of)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    found = {cid: t.theme_id for t in run.themes for cid in t.contribution_ids}
    ids = sorted(corpus.theme_of)
    ari = adjusted_rand_score([corpus.theme_of[i] for i in ids], [found[i] for i in ids])
    return {"seconds": seconds, "cpu_seconds": cpu, "ari": ari}


def themes_baseline(n: int) -> dict[str, float]:
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    corpus = generate(n, seed=1, campaign_copies=max(n // 100, 10))
    start, cpu = time.perf_counter(), time.process_time()
    tfidf = TfidfVectorizer(sublinear_tf=True).fit_transform(
        c.text for c in corpus.contributions)
    labels = MiniBatchKMeans(n_clusters=len(THEMES), random_state=1, n_init=3,
                             batch_size=4096).fit_predict(tfidf)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ids = [i for i, c in enumerate(corpus.contributions) if c.contribution_id in corpus.theme_of]
    ari = adjusted_rand_score([corpus.theme_of[corpus.contributions[i].contribution_id]
                               for i in ids], labels[ids])
    return {"seconds": seconds, "cpu_seconds": cpu, "ari": ari}


def _votes(n_votes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique (participant, statement) pairs; each group has its own profile."""
    rng = np.random.default_rng(5)
    truth = rng.integers(0, GROUPS, PARTICIPANTS)
    profile = rng.choice([-1.0, 1.0], size=(GROUPS, STATEMENTS))
    pairs = np.unique(rng.integers(0, PARTICIPANTS * STATEMENTS, int(n_votes * 1.05)))
    pairs = rng.permutation(pairs)[:n_votes]
    rows, cols = pairs // STATEMENTS, pairs % STATEMENTS
    values = profile[truth[rows], cols]
    noise = rng.random(len(values))
    values = np.where(noise < 0.15, 0.0, np.where(noise < 0.3, -values, values))
    return rows, cols, values, truth


def groups_parlons(n_votes: int) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    from services.synthesis.groups.clustering import opinion_groups
    from services.synthesis.groups.matrix import OpinionMatrix
    from services.synthesis.groups.repness import (
        consensus_statements,
        representative_statements,
    )

    rows, cols, values, truth = _votes(n_votes)
    participants = [f"p{i}" for i in range(PARTICIPANTS)]
    statements = [f"s{j}" for j in range(STATEMENTS)]
    start = time.perf_counter()
    matrix = OpinionMatrix.from_arrays(participants, statements, rows, cols, values)
    groups = opinion_groups(matrix, seed=0)
    representative_statements(groups)
    consensus_statements(groups)
    seconds = time.perf_counter() - start
    kept = np.array([int(p[1:]) for p in groups.participants])
    return {"seconds": seconds, "k": groups.k,
            "ari": adjusted_rand_score(truth[kept], groups.labels)}


def groups_baseline(n_votes: int) -> dict[str, float]:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    rows, cols, values, truth = _votes(n_votes)
    start = time.perf_counter()
    dense = np.full((PARTICIPANTS, STATEMENTS), np.nan)
    dense[rows, cols] = values
    dense = np.where(np.isnan(dense), np.nanmean(dense, axis=0), dense)
    coords = PCA(n_components=2, random_state=0).fit_transform(dense)
    best = None
    for k in range(2, 6):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(coords)
        score = silhouette_score(coords, labels, sample_size=5000, random_state=0)
        if best is None or score > best[0]:
            best = (score, k, labels)
    seconds = time.perf_counter() - start
    assert best is not None
    return {"seconds": seconds, "k": best[1], "ari": adjusted_rand_score(truth, best[2])}


JOBS = {"themes_parlons": themes_parlons, "themes_baseline": themes_baseline,
        "groups_parlons": groups_parlons, "groups_baseline": groups_baseline}


def _run(job: str, size: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--job", job, "--size", str(size)],
                         check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000, help="contributions")
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--job", choices=sorted(JOBS))
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.job:  # child process: one job, one JSON line
        result = JOBS[args.job](args.size)
        print(json.dumps({**result, "rss_mb": _peak_rss_mb()}))
        return

    print(f"themes: {args.n:,} generated contributions ({len(THEMES)} planted themes, "
          f"1% campaign copies)")
    tp, tb = _run("themes_parlons", args.n), _run("themes_baseline", args.n)
    for name, r in (("parlons ", tp), ("baseline", tb)):
        print(f"  {name} {r['seconds']:8.1f} s ({r['cpu_seconds']:.1f} s CPU)  "
              f"peak RSS {r['rss_mb']:7.0f} MB  ARI vs planted {r['ari']:.3f}")
    print(f"  time ratio parlons/baseline {tp['seconds'] / tb['seconds']:.2f} "
          f"(CPU {tp['cpu_seconds'] / tb['cpu_seconds']:.2f}), "
          f"RSS ratio {tp['rss_mb'] / tb['rss_mb']:.2f}")
    print(f"opinion groups: {PARTICIPANTS:,} participants x {STATEMENTS} statements x "
          f"{args.votes:,} votes ({GROUPS} planted groups)")
    gp, gb = _run("groups_parlons", args.votes), _run("groups_baseline", args.votes)
    for name, r in (("parlons ", gp), ("baseline", gb)):
        print(f"  {name} {r['seconds']:8.1f} s  peak RSS {r['rss_mb']:7.0f} MB  "
              f"k={r['k']:.0f} ARI vs planted {r['ari']:.3f}")
    print(f"  time ratio parlons/baseline {gp['seconds'] / gb['seconds']:.2f}")
    themes_ok = tp["seconds"] <= 600 and tp["rss_mb"] <= 8192
    print(f"SUMMARY themes {args.n:,}: {tp['seconds']:.1f} s, {tp['rss_mb']:.0f} MB "
          f"({'within' if themes_ok else 'OUTSIDE'} 10 min / 8 GB), "
          f"{tp['seconds'] / tb['seconds']:.2f}x baseline time (target <= 1.00), "
          f"ARI {tp['ari']:.3f} vs {tb['ari']:.3f}; "
          f"opinion groups: {gp['seconds']:.1f} s "
          f"({'within' if gp['seconds'] <= 30 else 'OUTSIDE'} 30 s), "
          f"{gp['seconds'] / gb['seconds']:.2f}x baseline time")


if __name__ == "__main__":
    main()
