"""`parlons recount`: every vote tally recomputed from the log and compared with
the projection; prints the differences (French) and exits 1 if there are any.
`parlons freeze-results`: freezes the results of every vote phase that has
ended (exit 1 if one could not be frozen)."""

from __future__ import annotations

from datetime import timedelta

from services.core.plurals import french_count
from services.runtime.bootstrap import bootstrap
from services.runtime.command_processes import front_commands
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.vote.closing import freeze_ended_phases
from services.vote.recount import compare, recount
from services.vote.settings import VoteSettings


async def recount_command(settings: Settings) -> int:
    container = bootstrap(settings, services=["vote"])
    async with running(container, workers=False):
        tallies, rankings = await recount(container.log)
        diffs = await compare(container.log, container.store)
    items = sum(len(t) for t in tallies.values())
    print(f"recomptage : {french_count(len(tallies), 'phase')}, "
          f"{french_count(items, 'élément')}, {french_count(len(rankings), 'classement')} ; "
          f"{french_count(len(diffs), 'différence')}")
    for line in diffs:
        print(f"  {line}")
    return 1 if diffs else 0


async def freeze_results_command(settings: Settings) -> int:
    """One pass of `closing.freeze_ended_phases`. With `PARLONS_COMMAND_BUS=kafka`
    each freeze is sent to the vote replica owning its results' partition, as a
    front sends it (ADR 0078), so the results stream has one writer."""
    container = bootstrap(settings, services=["vote"])
    async with running(container, workers=False), front_commands(container):
        outcomes = await freeze_ended_phases(
            container.store, container.handle, container.clock.now(),
            timedelta(seconds=VoteSettings().freeze_grace_s))
    closed = french_count(len(outcomes), "phase de vote close", "phases de vote closes")
    print(f"freeze-results : {closed} à figer")
    for line in outcomes:
        print(f"  {line}")
    return 1 if any("failed" in line for line in outcomes) else 0
