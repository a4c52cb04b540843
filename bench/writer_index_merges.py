"""The Kafka writer index's longest pause of the event loop as it grows, its large
merges in a thread (ADR 0126) beside the same merges on the loop, in the same run.

    .venv/bin/python bench/writer_index_merges.py [--events 10000000] [--rounds 2]

The index moves its recent events to its levelled runs every `RECENT` events
(`services/eventlog/kafka_index.py`): a run of event ids (one column) and a run of
stream rows (two columns), then the next appends look ids and streams up in them.
This drives the runs the same way, with random digests for `--events` events: each
move's two adds and a lookup of 64 names in each, timed as the loop would feel
them. On the loop (the code before ADR 0126), the move that carries a level of
millions of rows into the next is a pause of the whole process; with the merge in
a thread, a move is a run put aside, and the lookups search it too.

Prints, for each way: the longest move (the loop's longest pause), the 99th
percentile, the total; then the ratio of the longest pauses. Each round builds both
ways from the same random runs, alternated.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.eventlog.kafka_index import RECENT
from services.eventlog.kafka_index_runs import Levels, Run

ON_THE_LOOP = 1 << 62  # no merge copies that many rows: every merge in the caller's thread


def grow(events: int, in_thread_from: int | None, seed: int) -> list[float]:
    """Each move's seconds in the caller's thread, for `events` events."""
    rng = np.random.default_rng(seed)
    options = {} if in_thread_from is None else {"in_thread_from": in_thread_from}
    ids, streams = Levels(first=RECENT, **options), Levels(first=RECENT, **options)
    names = [f"e-{n}" for n in range(64)]
    moves: list[float] = []
    for _ in range(events // RECENT):
        hi, lo = rng.integers(0, 2**64, (2, RECENT), dtype=np.uint64)
        position = np.arange(RECENT, dtype=np.uint64)
        began = time.perf_counter()
        ids.add(Run.of(hi, lo, [position]))
        streams.add(Run.of(hi, lo, [position.astype(np.uint32), position]))
        ids.find(names)
        streams.find(names)
        moves.append(time.perf_counter() - began)
    assert ids.wait_for_merges(60) and streams.wait_for_merges(60)
    assert len(ids) == len(streams) == events // RECENT * RECENT
    return moves


def main(args: argparse.Namespace) -> None:
    longest: dict[str, list[float]] = {"on the loop": [], "in a thread": []}
    for n in range(args.rounds):
        for way, in_thread_from in (("on the loop", ON_THE_LOOP), ("in a thread", None)):
            began = time.perf_counter()
            moves = grow(args.events, in_thread_from, seed=n)
            total = time.perf_counter() - began
            longest[way].append(max(moves))
            p99 = statistics.quantiles(moves, n=100)[98]
            print(f"round {n + 1}, merges {way}: {len(moves):,} moves, longest"
                  f" {max(moves) * 1000:,.1f} ms, p99 {p99 * 1000:,.1f} ms, total {total:.2f} s")
    before = statistics.median(longest["on the loop"])
    after = statistics.median(longest["in a thread"])
    print(f"longest pause of the loop at {args.events:,} events (median of {args.rounds}):"
          f" {before * 1000:,.0f} ms with the merges on the loop,"
          f" {after * 1000:,.0f} ms with them in a thread: {before / after:.1f}x shorter")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    main(parser.parse_args())
