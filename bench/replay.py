"""Rebuilding every projection from the log, in events/s, beside a decode-only
pass over the same log (DESIGN §9: >= 50,000 events/s).

    .venv/bin/python bench/replay.py [--responses 4000] [--proposals 4000] [--ballots 12000]
                                     [--rounds 3] [--one-by-one] [--page N]

The log is written untimed through the whole app, as a server writes it: bench/vote.py's
seeded consultation and a Grand Débat with its "Fiscalité" questionnaire, then
`--responses` answers to the questionnaire (the Grand Débat's most common contribution),
`--proposals` proposals and `--ballots` ballots, each from another participant (real
sessions, every check on); then the process managers' workers run until they have
caught up (the automatic moderation's decisions, the notifications they start).
Nothing is made up: each event is one the handlers wrote.

Then, alternated for `--rounds` rounds:
- decode only: every topic read from the log in pages of REPLAY_PAGE and decoded
  (`log.read`), nothing applied: what any replay pays before its first projection;
- rebuild all: every projection of the container dropped and rebuilt from the log,
  the search index's included, by the code `parlons replay --all` runs (one pass:
  each page read and decoded once, applied to every projection of its topic).

`--jobs N` (default: one per core) shares the services out between N processes, as
`parlons replay --all` does (ADR 0121): the N - 1 children are started before the
clock, as the command starts them before building its own container, and the
clock runs from the sharing out to the last child's file copied in.

`--one-by-one` adds, in each round, the rebuild as `parlons replay <projection>`
runs it for each projection in turn (each reading and decoding its topics itself:
how a restore rebuilt the read models before ADR 0118).

The figure is the log's events over the rebuild's seconds. Each projection's own
part (the events it applied over the seconds it spent applying them) is printed
after the rounds: most topics feed several projections.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.eventlog import decode_all
from bench.profile_api import run, seeded_platform
from bench.profile_consumers import catch_up
from services.runtime import replay

TARGET_EVENTS_PER_S = 50_000
GRAND_DEBAT = "gd"  # its questionnaire is then "fiscalite" (tests/harness/consultations.py)


async def main(args: argparse.Namespace) -> None:
    replay.REPLAY_PAGE = args.page
    from harness.consultations import grand_debat
    from harness.processes import SEEDED_VOTE

    from services.runtime.cli import rebuild, rebuild_all
    from services.runtime.heap import settle_after_start
    from services.runtime.replay_jobs import start_children
    from services.runtime.supervisor import usable_cores
    from services.runtime.worker import Worker, WorkerTuning

    async with seeded_platform() as (container, app, items):
        began = time.perf_counter()
        await grand_debat(container, GRAND_DEBAT, "grand-debat", moderation="post")
        await rebuild_all(container)  # the questionnaire as the deposits' handler reads it
        await run(app, "response", 0, args.responses, items, GRAND_DEBAT)
        await run(app, "proposal", 0, args.proposals, items, SEEDED_VOTE)
        await run(app, "ballot", 0, args.ballots, items, SEEDED_VOTE)
        tuning = WorkerTuning(batch_size=500, poll_timeout=0.05, paced_batch=2**31)
        await catch_up([Worker(c, log=container.log, store=container.store,
                               clock=container.clock, metrics=container.metrics,
                               tuning=tuning) for c in container.processes])
        topics = sorted({t for p in container.projections for t in p.topics})
        events = await decode_all(container.log, topics, replay.REPLAY_PAGE)
        print(f"log written in {time.perf_counter() - began:.0f} s (untimed):"
              f" {events:,} events on {len(topics)} topics, {args.responses:,} questionnaire"
              f" responses, {args.proposals:,} proposals, {args.ballots:,} ballots;"
              f" {len(container.projections)} projections")
        settle_after_start()  # as a process does once it is up (ADR 0079)
        jobs = usable_cores() if args.jobs is None else args.jobs

        decode_rates: list[float] = []
        rebuild_rates: list[float] = []
        alone_rates: list[float] = []
        per_projection: dict[str, list[tuple[int, float]]] = {}
        for n in range(args.rounds):
            began = time.perf_counter()
            assert await decode_all(container.log, topics, replay.REPLAY_PAGE) == events
            decode_s = time.perf_counter() - began
            # as `parlons replay --all` does, the children are started (and have imported
            # the services) while this process starts: not timed, like that start
            children = await start_children(container.settings, jobs - 1)
            for child in children:
                await child.ready()
            began = time.perf_counter()
            rebuilt = await rebuild_all(container, children)
            rebuild_s = time.perf_counter() - began
            for name, done in rebuilt.items():
                per_projection.setdefault(name, []).append((done.read, done.seconds))
            processes = len({done.job for done in rebuilt.values()})
            decode_rates.append(events / decode_s)
            rebuild_rates.append(events / rebuild_s)
            alone = ""
            if args.one_by_one:
                began = time.perf_counter()
                for projection in container.projections:
                    await rebuild(container, projection.name)
                alone_rates.append(events / (time.perf_counter() - began))
                alone = f"; one by one {alone_rates[-1]:,.0f} ev/s"
            print(f"round {n + 1}: decode only {decode_rates[-1]:,.0f} ev/s"
                  f" ({decode_s:.2f} s); rebuild all {rebuild_rates[-1]:,.0f} ev/s"
                  f" ({rebuild_s:.2f} s, {processes} process(es)),"
                  f" {rebuild_rates[-1] / decode_rates[-1]:.0%} of decoding{alone}")

    print("each projection (median of the rounds): events read, seconds applying, events/s")
    slowest = sorted(per_projection.items(),
                     key=lambda kv: -statistics.median(s for _, s in kv[1]))
    for name, runs in slowest:
        read = runs[0][0]
        seconds = statistics.median(s for _, s in runs)
        print(f"  {name:32} {read:8,} {seconds:6.2f} s {read / seconds:10,.0f}/s")
    if alone_rates:
        print(f"one by one: {statistics.median(alone_rates):,.0f} ev/s (median)")
    rate = statistics.median(rebuild_rates)
    decode = statistics.median(decode_rates)
    print(f"rebuild all projections: {rate:,.0f} ev/s, decode only {decode:,.0f} ev/s"
          f" ({rate / decode:.0%} of it; median of {args.rounds} rounds);"
          f" target >= {TARGET_EVENTS_PER_S:,} ev/s:"
          f" {'met' if rate >= TARGET_EVENTS_PER_S else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=4000)
    parser.add_argument("--proposals", type=int, default=4000)
    parser.add_argument("--ballots", type=int, default=12000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", type=int, default=replay.REPLAY_PAGE,
                        help="events a page (a store transaction a projection)")
    parser.add_argument("--jobs", type=int,
                        help="processes sharing the projections out (default: one per core)")
    parser.add_argument("--one-by-one", action="store_true",
                        help="also rebuild the projections one after the other")
    asyncio.run(main(parser.parse_args()))
