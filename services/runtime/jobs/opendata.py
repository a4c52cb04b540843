"""`parlons export opendata`: write a consultation's open data to a directory,
or (`--daily`) publish every consultation whose organiser turned the daily
publication on, into `<data_dir>/opendata/<consultation>/` where the public page
serves it. Meant for cron or a Kubernetes CronJob, like `parlons retention`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from services.core.errors import NotFound
from services.core.plurals import english_count
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.synthesis.opendata.publish import Written, publish_daily, write_open_data


async def export_command(settings: Settings, consultation: str | None, out: str | None,
                         daily: bool) -> int:
    if not daily and not consultation:
        print("export opendata: give a consultation id, or --daily", file=sys.stderr)
        return 2
    container = bootstrap(settings, services=["consultation", "synthesis_stats"])
    root = settings.data_dir / "opendata"
    started = time.perf_counter()
    async with running(container, workers=False):
        try:
            if daily:
                done = await publish_daily(container.store, root)
            else:
                assert consultation is not None
                target = Path(out) if out else root / consultation
                done = {consultation: await write_open_data(container.store, consultation,
                                                            target)}
        except NotFound:
            print(f"export opendata: unknown consultation {consultation}", file=sys.stderr)
            return 2
    for cid, files in done.items():
        print(f"{cid}: {_summary(files)}")
    print(f"export opendata: {english_count(len(done), 'consultation')} in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def _summary(files: list[Written]) -> str:
    return ", ".join(f"{w.name} ({w.size} bytes)" for w in files) or "no questionnaire"
