"""What follows a proposal or a ballot in the server (ADR 0083): the CPU each
projection and process manager spends per request written, in process, on
SQLite. Writes `--requests` proposals (or ballots) through the whole app with
real participant sessions and the workers off (bench/profile_api.py), then runs
each consumer's worker alone over the log until it has caught up, in batches of
the size a loaded server polls, timing the process's CPU (the automatic
moderation's checks run in a thread of the same process). Prints one line per
consumer that had work, and the total per request: the part of the server's CPU
per request (bench/deposit.py, bench/vote.py) that is not the request path.

    .venv/bin/python bench/profile_consumers.py [--what proposal|ballot] [--requests 2000]
        [--batch 500] [--cprofile CONSUMER]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.api_sessions import ENV
from bench.profile_api import ITEMS, run


async def main(what: str, requests: int, batch: int, profiled: str | None) -> None:
    from harness.processes import SEEDED_VOTE, seed_vote

    from services.runtime.app import create_app
    from services.runtime.bootstrap import bootstrap
    from services.runtime.heap import settle_after_start
    from services.runtime.runner import running
    from services.runtime.settings import Settings
    from services.runtime.worker import Worker, WorkerTuning

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        items = await seed_vote(data, ITEMS)
        os.environ.update({**ENV, "PARLONS_DATA_DIR": str(data)})
        container = bootstrap(Settings(data_dir=data))
        async with running(container, workers=False):
            app = create_app(container)
            await run(app, what, 0, requests, items, SEEDED_VOTE)
            settle_after_start()
            tuning = WorkerTuning(batch_size=batch, poll_timeout=0.05)
            rows: list[tuple[str, float, int]] = []
            # process managers first: the projections then see what they append
            for consumer in [*container.processes, *container.projections]:
                worker = Worker(consumer, log=container.log, store=container.store,
                                clock=container.clock, metrics=container.metrics,
                                tuning=tuning)
                profile = cProfile.Profile() if consumer.name == profiled else None
                cpu, task = time.process_time(), asyncio.create_task(worker.run())
                if profile is not None:
                    profile.enable()
                while not worker.subscribed or await worker.lag():
                    await asyncio.sleep(0.01)
                if profile is not None:
                    profile.disable()
                cpu = time.process_time() - cpu
                worker.stop()
                await task
                events = int(container.metrics.events_projected.labels(
                    subscription=consumer.name)._value.get())
                if events:
                    rows.append((consumer.name, cpu, events))
                if profile is not None:
                    pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    total = 0.0
    for name, cpu, events in sorted(rows, key=lambda r: -r[1]):
        total += cpu
        print(f"{name:30} {cpu / requests * 1e6:7.0f} µs per {what}  ({events} events)")
    print(f"{'every consumer':30} {total / requests * 1e6:7.0f} µs per {what} "
          f"({requests} {what}s, batches of {batch})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--what", choices=("ballot", "proposal"), default="proposal")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--cprofile", metavar="CONSUMER", help="cProfile this consumer")
    a = parser.parse_args()
    asyncio.run(main(a.what, a.requests, a.batch, a.cprofile))
