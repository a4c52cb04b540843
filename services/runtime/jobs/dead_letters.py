"""`parlons dead-letters list|replay [--group G] [--event EVENT_ID]` (ADR 0031).

`list` prints the pending dead letters (exit 0). `replay` re-drives each through
the consumer that failed on it, once the cause is fixed, and records each that
went through (`runtime.DeadLetterRedriven`), so `list` no longer shows it; one
that fails again, or cannot be re-driven, stays pending and the exit code is 1.

A projection re-drives an event through `project_batch`, under its per-stream
guard: the event takes effect only if the projection has applied nothing later
of its stream since. If it has, applying the event now would put the stream's
events out of order; the letter stays pending, and the answer is to rebuild the
projection from the log (`parlons replay <projection>`, its workers stopped),
which settles that projection's letters. A process manager is idempotent by the
log's keys: it simply handles the event again.

Safe while the workers run: the guard and the log's keys serialise a re-drive
with them.
"""

from __future__ import annotations

from services.core.clock import Clock
from services.core.plurals import french_count
from services.eventlog.port import EventLog
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.dead_letters import DeadLetter, failed_event, pending, settle
from services.runtime.faults import describe
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.runtime.worker import Consumer, consume


async def list_command(settings: Settings, group: str | None, event_id: str | None) -> int:
    container = bootstrap(settings)
    async with running(container, workers=False):
        letters = await pending(container.log, group=group, event_id=event_id)
    print(f"lettres mortes en attente : {len(letters)}")
    for x in letters:
        attempts = french_count(x.attempts, "tentative")
        print(f"  {x.at.isoformat()}  {x.group}  {x.failed_type} {x.failed_event_id}  "
              f"{x.topic}/{x.partition}/{x.offset}  {attempts}  {x.error}")
    return 0


async def replay_command(settings: Settings, group: str | None, event_id: str | None) -> int:
    container = bootstrap(settings)
    redriven = 0
    async with running(container, workers=False):
        letters = await pending(container.log, group=group, event_id=event_id)
        for letter in letters:
            refusal = await redrive(container, letter)
            where = f"{letter.group} {letter.failed_type} {letter.failed_event_id}"
            if refusal is None:
                redriven += 1
                print(f"  relancée : {where}")
            else:
                print(f"  toujours en attente : {where} : {refusal}")
    print(f"lettres mortes : {french_count(redriven, 'relancée')}, {len(letters) - redriven} "
          "toujours en attente")
    return 1 if redriven < len(letters) else 0


async def redrive(container: Container, letter: DeadLetter) -> str | None:
    """Re-drive one letter's event; None when it went through (and is settled),
    else why it stays pending (French)."""
    consumer = _consumer(container, letter.group)
    if consumer is None:
        return f"aucun consommateur « {letter.group} » sur cette plateforme"
    spec = container.registry.topics.get(letter.topic)
    event = await failed_event(container.log, letter, spec.partitions if spec else 1)
    if event is None:
        return "l'événement n'est plus dans le journal à cette position"
    try:
        applied = await consume(consumer, [event], container.store)
    except Exception as error:  # still failing: the cause is not fixed
        return f"échoue encore ({describe(error)})"
    if applied == 0:
        return ("la projection a appliqué depuis des événements plus récents du même flux ; "
                f"reconstruisez-la : parlons replay {letter.group} (ses workers arrêtés)")
    await settle(container.log, letter, by="replay", now=container.clock.now())
    return None


async def settle_rebuilt(log: EventLog, clock: Clock, projection: str) -> int:
    """After `parlons replay <projection>` applied the whole log again: its letters
    are settled (the rebuild went through every failed event). Returns how many."""
    letters = await pending(log, group=projection)
    for letter in letters:
        await settle(log, letter, by="rebuild", now=clock.now())
    return len(letters)


def _consumer(container: Container, group: str) -> Consumer | None:
    return next((c for c in container.consumers if c.name == group), None)
