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
    return Pools.of(items, tested_after).sequence(voted, size=size, new_share=new_share,
                                                  rng=rng)


@dataclass(frozen=True, slots=True)
class Pools:
    """A phase's candidates split once into the two pools, for many participants'
    sequences (ADR 0039): the new ones oldest first, the tested ones with their
    Beta parameters. A sequence then costs one vectorised draw and what it walks,
    not a pass over every candidate in Python."""

    fresh: tuple[Candidate, ...]
    tested: tuple[Candidate, ...]
    alpha: np.ndarray  # agree + 1, for each tested candidate
    beta: np.ndarray  # disagree + 1

    @classmethod
    def of(cls, items: Sequence[Candidate], tested_after: int) -> Pools:
        fresh = sorted((c for c in items if c.votes < tested_after),
                       key=lambda c: (c.created_at, c.item_id))
        tested = [c for c in items if c.votes >= tested_after]
        return cls(tuple(fresh), tuple(tested),
                   np.array([c.agree + 1 for c in tested], dtype=float),
                   np.array([c.disagree + 1 for c in tested], dtype=float))

    def sequence(self, voted: Collection[str], *, size: int, new_share: float,
                 rng: np.random.Generator) -> list[str]:
        """Up to `size` item ids not in `voted`, new and tested interleaved (new
        first). The tested are drawn all at once, those already voted on then
        passed over: the same order for the others as drawing them alone."""
        fresh = (c for c in self.fresh if c.item_id not in voted)
        tested: Iterator[Candidate] = iter(())
        if self.tested:
            order = np.argsort(-rng.beta(self.alpha, self.beta))
            tested = (c for c in (self.tested[i] for i in order) if c.item_id not in voted)
        want_new = round(size * new_share)
        chosen: list[str] = []
        authors: set[str] = set()
        held: list[Candidate] = []  # skipped for their author: they fill what is left
        sources: list[Iterator[Candidate] | None] = [fresh, tested]
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
