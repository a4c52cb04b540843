"""Two builds of Parlons, one benchmark, alternated pairs: what a change moved.

On a shared machine the same code moves by ±10 % from one run to the next (the
measurements of docs/measurements/ say so again and again), so one run of each
build settles nothing. This runs a bench of `bench/` on a base revision and on the
working tree in turn, `--pairs` times, the order flipped every pair (A B, B A, ...)
so that a drift of the machine weighs on both sides alike, and prints each pair and
then, for every figure, the medians, the median of the pairs' ratios and in how many
pairs the working tree was higher.

    .venv/bin/python bench/ab.py BASE [--pairs 5] -- vote.py --workers 2 --seconds 6
    .venv/bin/python bench/ab.py main~3 -- deposit.py
    .venv/bin/python bench/ab.py HEAD~1 --metric 'cpu=group commit ([\\d.]+) us' \\
        -- eventlog.py --fixed 200 --dir /dev/shm

BASE is checked out (detached) in a temporary git worktree that uses this checkout's
virtualenv and built assets; the working tree is measured as it is, uncommitted
changes included. The default figures are those of the write benches' `parlons` line
(requests/s and the server's CPU per request); `--metric NAME=REGEX` (repeatable)
takes the first group of REGEX's first match in a run's output instead.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The write benches' first line, e.g. "parlons  (...):  1882 ballots/s  p99 40.7 ms
# (...; server CPU 635 µs/ballot (http 542 + projections 92 µs))".
DEFAULT_METRICS = {
    "per_s": r"^parlons\b.*?\s([\d,.]+) \w+/s",
    "cpu_us": r"^parlons\b.*?server CPU ([\d,.]+) µs",
}


@dataclass(frozen=True)
class Pair:
    base: dict[str, float]
    head: dict[str, float]


def figures(output: str, metrics: dict[str, str]) -> dict[str, float]:
    """Each metric's value in a run's output (the first group of its pattern's first
    match, thousands separators dropped); a metric that does not match is left out."""
    found: dict[str, float] = {}
    for name, pattern in metrics.items():
        match = re.search(pattern, output, re.MULTILINE)
        if match is not None:
            found[name] = float(match.group(1).replace(",", ""))
    return found


def summary(pairs: Sequence[Pair], metrics: Sequence[str]) -> list[str]:
    """One line a metric: both medians, the median of the pairs' ratios (head / base)
    and in how many pairs the head was higher."""
    lines = []
    for name in metrics:
        both = [(p.base[name], p.head[name]) for p in pairs
                if name in p.base and name in p.head]
        if not both:
            lines.append(f"{name}: not found in every run")
            continue
        ratios = [head / base for base, head in both if base]
        higher = sum(head > base for base, head in both)
        median_ratio = statistics.median(ratios) if ratios else float("nan")
        lines.append(
            f"{name}: base median {statistics.median(b for b, _ in both):,.1f},"
            f" head median {statistics.median(h for _, h in both):,.1f};"
            f" head/base median {median_ratio:.3f} ({median_ratio - 1:+.1%}),"
            f" head higher in {higher} of {len(both)} pairs")
    return lines


def run_bench(tree: Path, bench: Sequence[str]) -> str:
    """The bench's whole output, run with this interpreter on `tree`'s code."""
    script, *args = bench
    # PYTHONPATH first: a bench that does not put its checkout on sys.path itself
    # (eventlog.py) would import this checkout's installed `services` instead
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / script), *args], cwd=tree, env=env,
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed on {tree}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout + done.stderr


def base_worktree(revision: str, where: Path) -> Path:
    """`revision` checked out (detached) under `where`, sharing this checkout's
    virtualenv and built assets."""
    tree = where / "base"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), revision],
                   cwd=ROOT, check=True)
    # What git does not hold and the benches use: the virtualenv, and the front end's
    # vendored files that `make assets` builds (the pages bench serves them)
    for built in (".venv", "services/web/static/vendor"):
        if (ROOT / built).exists() and not (tree / built).exists():
            (tree / built).symlink_to(ROOT / built)
    return tree


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the revision to compare the working tree with")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--metric", action="append", default=[], metavar="NAME=REGEX")
    parser.add_argument("bench", nargs="+", help="after --: a bench of bench/ and its arguments")
    args = parser.parse_args(argv)
    metrics = dict(m.split("=", 1) for m in args.metric) if args.metric else DEFAULT_METRICS
    where = Path(tempfile.mkdtemp(prefix="parlons-ab-"))
    try:
        base = base_worktree(args.base, where)
        pairs: list[Pair] = []
        for n in range(args.pairs):
            order = [("base", base), ("head", ROOT)]
            if n % 2:
                order.reverse()
            runs = {label: figures(run_bench(tree, args.bench), metrics) for label, tree in order}
            pairs.append(Pair(runs["base"], runs["head"]))
            print(f"pair {n + 1} ({' then '.join(label for label, _ in order)}):"
                  f" base {runs['base']} | head {runs['head']}", flush=True)
        print(f"{args.base} (base) against the working tree (head), {' '.join(args.bench)}:")
        for line in summary(pairs, list(metrics)):
            print("  " + line)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(where / "base")],
                       cwd=ROOT, check=False, capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
