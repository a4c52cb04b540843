"""Projections turn events into read models. A projection only declares what it
listens to and how one event changes its tables; `project_batch` supplies the
idempotence (a per-stream guard) and the transaction, so every projection gets
"at-least-once delivery, exactly-once effect" the same way; a projection whose
documents are one per stream may keep their versions itself for the types it
names (`guards_itself`, ADR 0131).

A projection that works per batch (deltas summed in memory, one index write per
batch) keeps its scratch on itself: `begin_batch` clears it before the batch's
first event, `end_batch` writes it out inside the same transaction, before the
guards commit. A consumer that appends events or starts work is not a
projection: see `services.core.process.ProcessManager`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import ClassVar

from services.core.envelope import Envelope
from services.core.upcasting import upcast
from services.store.port import ReadStore, StoreTx, Where


class Projection(ABC):
    name: ClassVar[str]  # also the consumer group id
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]  # dropped on replay
    # Event types of its topics that change none of its tables in any log the
    # handlers write (a write-side key, which always follows its submission; a check
    # it does not show): `project_batch` passes over them without upcasting, applying
    # or guarding them (ADR 0087). Only what `apply` provably leaves alone belongs
    # here: a type missing is merely slower, a type listed wrongly is lost.
    ignores: ClassVar[frozenset[str]] = frozenset()
    # Seconds a worker lets pass between the starts of two heavy batches (see
    # `services.runtime.worker.WorkerTuning.paced_batch`): for a consumer whose batch
    # costs a fixed price beside its events (an index commit), under load.
    batch_every: ClassVar[float] = 0.0
    # What an event of its topics costs it in a rebuild, against the usual ~22 µs
    # (`bench/replay.py`'s seconds by projection, over the events each read):
    # `parlons replay --all` weighs the services it shares out between processes by
    # it (ADR 0121). Below 1 for a projection that passes over most of its events,
    # or applies them cheaply.
    replay_cost: ClassVar[float] = 1.0
    # Records a worker behind reads at once for this projection, when more than its
    # usual batch (`PARLONS_WORKER_BATCH_SIZE`): a projection that writes a document
    # per event at scattered keys rewrites nearly a page of its table per event in a
    # batch of a thousand, and far fewer in one of tens of thousands (ADR 0132).
    # Light traffic never fills a batch; 0 keeps the worker's.
    catch_up_batch: ClassVar[int] = 0
    # Event types whose redelivery `apply` recognises by itself, from the stream
    # versions its own documents keep (a document per stream): `project_batch`
    # reads and writes no guard for them, and `apply` returns False for one it
    # already holds (ADR 0131). A million imported opinions, each its own stream,
    # were a million guard rows beside a million documents.
    guards_itself: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def apply(self, event: Envelope, tx: StoreTx) -> bool | None:
        """Apply one event (already upcast to its latest version). None (or True)
        once applied; False only for an event of `guards_itself` it already held."""

    def skips(self, event: Envelope) -> bool:
        """True for an event that changes none of the tables whatever they hold:
        `project_batch` passes over it (no upcast, no apply, no guard). By default
        the types in `ignores`; a projection may also look at the event's data."""
        return event.type in self.ignores

    def reads(self, events: Sequence[Envelope]) -> Iterable[Where]:
        """The documents `apply` is about to read for `events` (a batch, before they
        are upcast): a hint that lets the store read them at once
        (`StoreTx.prefetch`, ADR 0120). One listed and not read costs a lookup; one
        read and not listed is read as before. None by default."""
        return ()

    def begin_batch(self) -> None:
        """Called before a batch's first event (and before every retry of it):
        forget any scratch a failed attempt left. Nothing by default."""

    async def end_batch(self, tx: StoreTx) -> None:
        """Called once after the batch's events, inside the same transaction,
        before the guards commit. Nothing by default."""

    def flush_due(self) -> bool:
        """True when `end_batch` holds back work whose time is up (the search
        index's vote counts, ADR 0108): a worker that polled nothing then runs a
        batch of no events, so what was held is written though nothing more comes.
        False by default."""
        return False

    async def own_guards(self, store: ReadStore) -> AsyncIterator[tuple[str, int]]:
        """Each stream of the `guards_itself` types the read model holds, with the
        version its documents say was applied: what `parlons verify` compares with
        the log beside the guards. Nothing by default."""
        return
        yield

    async def reset(self) -> None:
        """Called by a replay after the tables are dropped: forget what lives
        outside the read store (an external index). Nothing by default."""

    async def rebuilt(self) -> None:
        """Called by a replay after its last page: make what it wrote outside the
        read store durable (the search index commits once per rebuild, not once per
        page). A replay that fails before leaves the outside view claiming no
        origin, so the next worker start rebuilds it (ADR 0032). Nothing by default."""

    async def built_from(self) -> str | None:
        """The identity of the log that an outside view this projection feeds (a
        search index) was built from, as `set_built_from` recorded it ("" when it
        does not know); None when the projection keeps nothing outside the read
        store. A worker rebuilds a view built from another log (ADR 0032)."""
        return None

    async def set_built_from(self, log_identity: str) -> None:
        """Record the log the outside view is built from. Nothing by default."""


async def project_batch(
    projection: Projection, events: Iterable[Envelope], store: ReadStore, *,
    within: Callable[[StoreTx], Awaitable[None]] | None = None,
) -> int:
    """Apply events in one store transaction, skipping any the projection has
    already applied (same stream, version not above the guard). Returns how many
    were applied. `within` writes more in the same transaction (the consumer's
    position in the log)."""
    applied = 0
    skips, own = projection.skips, projection.guards_itself
    batch = [e for e in events if not skips(e)]
    guarded = [e for e in batch if e.type not in own] if own else batch
    projection.begin_batch()
    async with store.transaction() as tx:
        # The guards of the whole batch in one read and one write (four statements
        # per event before, on the hottest projections).
        # (none to read when the projection passes over the whole batch: a consumer
        # of the topic that applies nothing of what a proposal writes, ADR 0098)
        done = await tx.applied_versions(
            projection.name, [e.stream for e in guarded]) if guarded else {}
        if wheres := projection.reads(batch):
            await tx.prefetch(wheres)
        moved: dict[str, int] = {}
        for event in batch:
            if own and event.type in own:  # the projection's documents guard it
                if await projection.apply(upcast(event), tx) is not False:
                    applied += 1
                continue
            if event.stream_version <= done[event.stream]:
                continue  # a redelivery or a replay overlap: already in the model
            await projection.apply(upcast(event), tx)
            done[event.stream] = moved[event.stream] = event.stream_version
            applied += 1
        if moved:
            await tx.set_applied_versions(projection.name, moved)
        await projection.end_batch(tx)
        if within is not None:
            await within(tx)
    return applied


async def until_applied(store: ReadStore, projection: Projection | str, stream: str,
                        version: int, *, timeout_s: float = 2.0, pause_s: float = 0.01) -> bool:
    """Read your writes: wait, bounded, until `projection` has applied `stream`
    up to `version` (its committed guard), the position a command just wrote.
    True when it has; False when the bound passed first (the page shows what is
    there). A wait on the written position, never a blind sleep."""
    name = projection if isinstance(projection, str) else projection.name
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while await store.applied_version(name, stream) < version:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(pause_s)
    return True
