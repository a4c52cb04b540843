"""`parlons synthesis-jobs`: one pass of the synthesis jobs (run it from cron or a
Kubernetes CronJob, like `parlons retention`): runs still pending, the scheduled
updates (PARLONS_SYNTHESIS_SCHEDULE_MINUTES), the follow-up e-mail digests."""

from __future__ import annotations

from services.core.events import Meta
from services.identity.mailer import VaultMail
from services.identity.service import IdentityPorts
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.synthesis.followup.digest import send_digests
from services.synthesis.runs.job import (
    JOB_ACTOR,
    request_scheduled_runs,
    run_pending,
    schedule_minutes,
)


async def synthesis_jobs_command(settings: Settings) -> int:
    container = bootstrap(settings, services=["synthesis_themes", "identity"])
    async with running(container, workers=False):
        log, store, clock = container.log, container.store, container.clock
        executed = await run_pending(log=log, store=store, clock=clock)
        scheduled = await request_scheduled_runs(log=log, store=store, clock=clock,
                                                 minutes=schedule_minutes())
        if scheduled:
            executed += await run_pending(log=log, store=store, clock=clock)
        identity = container.port("identity", IdentityPorts)
        sent = await send_digests(log=log, store=store, clock=clock,
                                  mail=VaultMail(identity.vault, identity.mailer),
                                  meta=Meta(actor=JOB_ACTOR),
                                  public_url=identity.settings.public_url)
    print(f"synthesis-jobs: {executed} runs executed, {len(scheduled)} updates scheduled, "
          f"{sent} digests sent")
    return 0
