"""Pol.is conversations: Parlons's opinion groups against Pol.is's own, beside a
plain baseline, on every conversation given (default: each directory of
../shared/data/polis and tests/data/polis) and on generated ones with planted
groups and heavy-tailed participation.

For each conversation: the import (as `parlons polis import` does, into an
in-memory log) with its skipped lines, the round trip (export: same agree and
disagree counts per comment), then the adjusted Rand index of the groups against
Pol.is's `group-id` (participants-votes.csv; used only here, never to form
groups) or against the planted groups, for Parlons and for a baseline: a direct
PCA of the mean-imputed matrix and k-means on the participants with >= 7 votes
(k 2..5 by silhouette), unscaled.

    .venv/bin/python bench/polis.py [DIR ...] [--planted 33000]

The last line is the summary (mean ARI, Parlons and baseline, and their ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from harness.planted_polis import planted_conversation  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.metrics import adjusted_rand_score, silhouette_score  # noqa: E402

from services.core.envelope import Actor  # noqa: E402
from services.core.events import Meta  # noqa: E402
from services.core.plurals import english_count  # noqa: E402
from services.eventlog.memory import MemoryEventLog  # noqa: E402
from services.synthesis.groups.analysis import analyse_opinions  # noqa: E402
from services.synthesis.opinions import OpinionBook  # noqa: E402
from services.synthesis.polis.importer import import_polis  # noqa: E402
from services.synthesis.polis.model import PolisFormatError  # noqa: E402
from services.synthesis.polis.writer import write_polis  # noqa: E402

META = Meta(actor=Actor(id="bench", role="analyst"))
DEFAULT = [ROOT.parent / "shared" / "data" / "polis", Path("/work/shared/data/polis")]


def baseline_groups(book: OpinionBook) -> dict[int, int]:
    """Dense PCA + k-means (k by silhouette), unscaled, >= 7 votes, meta kept."""
    latest = book.latest()
    statements = sorted({s for _, s in latest})
    people = sorted({p for p, _ in latest})
    col = {s: j for j, s in enumerate(statements)}
    row = {p: i for i, p in enumerate(people)}
    dense = np.full((len(people), len(statements)), np.nan)
    for (p, s), v in latest.items():
        dense[row[p], col[s]] = v
    keep = (~np.isnan(dense)).sum(axis=1) >= min(7, len(statements))
    dense = dense[keep]
    with warnings.catch_warnings():  # a statement nobody kept voted on: mean NaN, then 0
        warnings.simplefilter("ignore", RuntimeWarning)
        dense = np.where(np.isnan(dense), np.nanmean(dense, axis=0), dense)
    coords = PCA(n_components=2, random_state=0).fit_transform(np.nan_to_num(dense))
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, 6):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(coords)
        score = silhouette_score(coords, labels, sample_size=min(5000, len(coords)),
                                 random_state=0)
        if best is None or score > best[0]:
            best = (score, labels)
    assert best is not None
    kept = [p for p, k in zip(people, keep, strict=True) if k]
    number = book.source_numbers
    return {number[p]: int(g) for p, g in zip(kept, best[1], strict=True)}


def ari(truth: dict[int, int | None], ours: dict[int, int]) -> tuple[float, int]:
    common = [p for p in ours if truth.get(p) is not None]
    return adjusted_rand_score([truth[p] for p in common], [ours[p] for p in common]), len(common)


def counts(path: Path) -> dict[str, tuple[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {r["comment-id"]: (r.get("agrees", ""), r.get("disagrees", ""))
                for r in csv.DictReader(f)}


async def one(directory: Path, truth: dict[int, int | None] | None) -> dict[str, object] | None:
    log = MemoryEventLog()
    try:
        report = await import_polis(directory, consultation_id="bench", log=log, meta=META)
    except PolisFormatError as refused:
        print(f"{directory.name}: refused: {refused}")
        return None
    book = await OpinionBook.from_log(log, "bench")
    started = time.perf_counter()
    analysis = analyse_opinions(book)
    seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as out:
        write_polis(book, Path(out), group_of=analysis.group_of())
        exported = counts(Path(out) / "comments.csv")
    original = counts(directory / "comments.csv")
    same = sum(1 for cid, c in exported.items() if original.get(cid) == c)
    if truth is None:  # Pol.is's own groups
        from services.synthesis.polis.reader import read_conversation

        truth = read_conversation(directory).group_of
    ours = {book.source_numbers[p]: g for p, g in analysis.group_of().items()}
    parlons, compared = ari(truth, ours)
    base, _ = ari(truth, baseline_groups(book))
    polis_k = len({g for g in truth.values() if g is not None})
    print(f"{directory.name}: {report.statements} comments, {report.votes} votes, "
          f"{report.participants} participants, "
          f"{english_count(len(report.skipped), 'line')} skipped; "
          f"counts equal after export {same}/{len(exported)}; k={analysis.groups.k} "
          f"(reference {polis_k}), {compared} compared; ARI parlons {parlons:.3f}, "
          f"baseline {base:.3f}; groups in {seconds:.1f} s")
    return {"parlons": parlons, "baseline": base}


async def run(directories: list[Path], planted: list[int]) -> None:
    results = []
    for directory in directories:
        result = await one(directory, None)
        if result:
            results.append(result)
    for n in planted:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / f"planted-{n}"
            truth = planted_conversation(target, participants=n, statements=80, meta=3)
            result = await one(target, dict(truth))
            if result:
                results.append(result)
    p = float(np.mean([r["parlons"] for r in results]))
    b = float(np.mean([r["baseline"] for r in results]))
    good = sum(1 for r in results if float(r["parlons"]) >= 0.8)  # type: ignore[arg-type]
    print(f"SUMMARY {len(results)} conversations: mean ARI parlons {p:.3f}, baseline {b:.3f}, "
          f"ratio {p / b if b else float('inf'):.2f}; parlons ARI >= 0.8 on {good}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directories", nargs="*", type=Path)
    parser.add_argument("--planted", type=int, nargs="*", default=[3000, 33000],
                        help="participants of each generated conversation")
    args = parser.parse_args()
    roots = args.directories or [next((d for d in DEFAULT if d.is_dir()),
                                      ROOT / "tests" / "data" / "polis")]
    directories = sorted({d if (d / "comments.csv").is_file() else sub
                          for d in roots for sub in ([d] if (d / "comments.csv").is_file()
                                                     else d.iterdir())
                          if (sub / "comments.csv").is_file()})
    asyncio.run(run(directories, args.planted))


if __name__ == "__main__":
    main()
