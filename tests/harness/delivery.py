"""How partitioned topics may deliver a log's events to a projection: each
stream in its own order, the streams interleaved at random, some events again
(redelivered at once, or late). A projection's figures must not depend on it."""

from __future__ import annotations

import random

from services.core.envelope import Envelope


def shuffled_per_stream(events: list[Envelope], seed: int) -> list[Envelope]:
    """A random interleaving of the streams that keeps each stream's own order,
    with random duplicates."""
    rng = random.Random(seed)
    queues: dict[str, list[Envelope]] = {}
    for e in events:
        queues.setdefault(e.stream, []).append(e)
    out: list[Envelope] = []
    while queues:
        stream = rng.choice(sorted(queues))
        e = queues[stream].pop(0)
        out.append(e)
        if rng.random() < 0.3:
            out.append(e)  # redelivered
        if rng.random() < 0.2:
            out.append(rng.choice(out))  # an old event delivered again later
        if not queues[stream]:
            del queues[stream]
    return out
