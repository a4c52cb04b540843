"""The cyclic garbage collector of a long-running process (ADR 0079).

CPython's collector runs its youngest generation every 700 allocations net of
frees; a request allocates a few hundred container objects (scope dicts, headers,
coroutines, events), so every other request paid a young collection, and every
tenth of those one over the middle generation, each walking survivors that never
die: the app, its routes, compiled schemas, settings. Profiles showed it as large
own times in frames that do no work (`_weakrefset.add`, `ExitStack.__init__`).
Once a process is up, its start-up heap is frozen out of the collector's sight
and the young generation collected ten times less often: a ballot's CPU in
process fell from ~650 to ~500 µs, a proposal's from ~840 to ~520 µs. Reference
counting still frees almost everything at once; the collector still runs, only
on what was allocated since start-up, less often.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_GENERATION_THRESHOLD = 10_000


def settle_after_start() -> None:
    """To call once the process has built everything it keeps (app, container,
    connections) and before it serves: what is alive now is kept for the process's
    life, so the collector stops re-examining it."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


@contextlib.contextmanager
def collector_settled() -> Iterator[None]:
    """`settle_after_start` for the length of a long batch command (`parlons
    replay`): what the command built before is kept out of the collector's sight
    while it runs, then handed back, with the thresholds it had, so a caller that
    runs the command in its own process (the tests) keeps its collector as it
    was. A process settled already is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    thresholds = gc.get_threshold()
    settle_after_start()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
