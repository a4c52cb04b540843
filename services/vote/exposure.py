"""Fair exposure: the "vote sequence" (make.org's method).

A participant is served N items to vote on. A share of them (`new_share`) are
*new* items, those with fewer than `tested_after` votes, oldest first, so every
item reaches a minimum of votes whatever its arrival time. The rest are *tested*
items chosen by Thompson sampling: one draw per item from Beta(agree + 1,
disagree + 1), highest draws first, so items that please are shown more while
uncertain ones keep a chance. Two items of the same author in one sequence only
when no other author's item is left to fill it (a rule that dropped them instead
hid every item but one of a prolific author, or of an organiser who deposited a
phase's items himself, for ever: ADR 0062); never an item the participant already
voted on. Pure: the caller passes counts and a numpy Generator.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Candidate:
    item_id: str
    author_id: str
    created_at: str
    votes: int = 0
    agree: int = 0
    disagree: int = 0


def vote_sequence(items: Sequence[Candidate], voted: Collection[str], *, size: int,
                  new_share: float, tested_after: int, rng: np.random.Generator) -> list[str]:
    """Up to `size` item ids, new and tested interleaved (new first)."""
    fresh = sorted((c for c in items if c.item_id not in voted and c.votes < tested_after),
                   key=lambda c: (c.created_at, c.item_id))
    tested = [c for c in items if c.item_id not in voted and c.votes >= tested_after]
    if tested:
        draws = rng.beta(np.array([c.agree + 1 for c in tested], dtype=float),
                         np.array([c.disagree + 1 for c in tested], dtype=float))
        tested = [tested[i] for i in np.argsort(-draws)]
    want_new = round(size * new_share)
    chosen: list[str] = []
    authors: set[str] = set()
    held: list[Candidate] = []  # skipped for their author: they fill what is left
    sources: list[Iterator[Candidate] | None] = [iter(fresh), iter(tested)]
    quotas = [want_new, size - want_new]
    while len(chosen) < size and any(s is not None for s in sources):
        for k in (0, 1):
            if len(chosen) >= size:
                break
            source = sources[k]
            if source is None or (quotas[k] <= 0 and sources[1 - k] is not None):
                continue
            pick = _next_new_author(source, authors, held)
            if pick is None:
                sources[k] = None  # exhausted: the other kind fills the sequence
                continue
            chosen.append(pick.item_id)
            authors.add(pick.author_id)
            quotas[k] -= 1
    return chosen + [c.item_id for c in held[:size - len(chosen)]]


def _next_new_author(source: Iterator[Candidate], authors: set[str],
                     held: list[Candidate]) -> Candidate | None:
    """The next candidate by an author not yet in the sequence; the ones passed
    over are kept in `held`, not dropped."""
    for c in source:
        if c.author_id not in authors:
            return c
        held.append(c)
    return None
