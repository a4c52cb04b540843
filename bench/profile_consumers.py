"""What follows a proposal or a ballot in the server (ADR 0083): the CPU each
projection and process manager spends per request written, in process, on
SQLite. Projects the seeded consultation first (untimed: a server has done so
before its load), writes `--requests` proposals (or ballots) through the whole app
with real participant sessions and the workers off (bench/profile_api.py), then
runs each consumer's worker alone over the log until it has caught up, in batches
of `--batch` records (a loaded server polls 120-250: ADR 0087), timing the
process's CPU (the automatic moderation's checks and the search index's writes run
in threads of the same process). Prints one line per consumer that had work, and
the total per request: the part of the server's CPU per request (bench/deposit.py,
bench/vote.py) that is not the request path. `--together` runs the process
managers' workers at once, then every projection's at once, as a server does (they
then poll the same new records), and prints the two parts and the total. The
workers' pacing under load (`batch_every`) is off: the batch size is the one given.

    .venv/bin/python bench/profile_consumers.py [--what proposal|ballot] [--requests 2000]
        [--batch 500] [--together] [--cprofile CONSUMER|together]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.profile_api import run, seeded_platform


async def catch_up(workers: list[Any]) -> None:
    """Run `workers` until each has consumed everything, then stop them."""
    tasks = [asyncio.create_task(w.run()) for w in workers]
    for w in workers:
        while not w.subscribed or await w.lag():
            await asyncio.sleep(0.01)
    for w in workers:
        w.stop()
    await asyncio.gather(*tasks)


async def main(what: str, requests: int, batch: int, together: bool,
               profiled: str | None) -> None:
    from harness.processes import SEEDED_VOTE

    from services.runtime.heap import settle_after_start
    from services.runtime.worker import Worker, WorkerTuning

    async with seeded_platform() as (container, app, items):
        # no pacing: every batch holds `batch` records or what is left
        tuning = WorkerTuning(batch_size=batch, poll_timeout=0.05, paced_batch=2**31)
        # process managers first: the projections then see what they append
        consumers = [*container.processes, *container.projections]

        def new_workers() -> list[Worker]:
            return [Worker(c, log=container.log, store=container.store,
                           clock=container.clock, metrics=container.metrics, tuning=tuning)
                    for c in consumers]

        seeded = new_workers()  # the seed, untimed
        await catch_up(seeded[:len(container.processes)])
        await catch_up(seeded[len(container.processes):])
        before = {c.name: container.metrics.events_projected.labels(
            subscription=c.name)._value.get() for c in consumers}
        await run(app, what, 0, requests, items, SEEDED_VOTE)
        settle_after_start()
        rows: list[tuple[str, float, int]] = []
        workers = new_workers()
        if together:
            profile = cProfile.Profile() if profiled == "together" else None
            cpu = time.process_time()
            if profile is not None:
                profile.enable()
            await catch_up(workers[:len(container.processes)])
            # the projections apart: their part does not carry the automatic
            # moderation's checks, whose CPU varies most from run to run (ADR 0098)
            processes = time.process_time()
            await catch_up(workers[len(container.processes):])
            if profile is not None:
                profile.disable()
            rows.append(("(together) process managers", processes - cpu, 0))
            rows.append(("(together) projections", time.process_time() - processes, 0))
            if profile is not None:
                pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        for worker in [] if together else workers:
            profile = cProfile.Profile() if worker.group == profiled else None
            cpu = time.process_time()
            if profile is not None:
                profile.enable()
            await catch_up([worker])
            if profile is not None:
                profile.disable()
            cpu = time.process_time() - cpu
            events = int(container.metrics.events_projected.labels(
                subscription=worker.group)._value.get() - before[worker.group])
            # Every consumer, also one that applies nothing: it still reads, decodes
            # and skips what its topics carry, in a transaction per batch (ADR 0096).
            rows.append((worker.group, cpu, events))
            if profile is not None:
                pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    total = 0.0
    quiet = []
    for name, cpu, events in sorted(rows, key=lambda r: -r[1]):
        total += cpu
        if events or cpu / requests >= 5e-6:
            print(f"{name:30} {cpu / requests * 1e6:7.0f} µs per {what}  ({events} events)")
        else:
            quiet.append(cpu)
    if quiet:
        label = f"({len(quiet)} others, idle)"
        print(f"{label:30} {sum(quiet) / requests * 1e6:7.0f} µs per {what}")
    print(f"{'every consumer':30} {total / requests * 1e6:7.0f} µs per {what} "
          f"({requests} {what}s, batches of {batch})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--what", choices=("ballot", "proposal"), default="proposal")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--together", action="store_true", help="every worker at once")
    parser.add_argument("--cprofile", metavar="CONSUMER", help="cProfile this consumer")
    a = parser.parse_args()
    asyncio.run(main(a.what, a.requests, a.batch, a.together, a.cprofile))
