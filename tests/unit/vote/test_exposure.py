"""Fair exposure: the vote sequence's rules, and a simulation of 10,000
participants on 500 items added over time, against a votes-sorted list."""

from __future__ import annotations

import numpy as np

from services.vote.exposure import Candidate, vote_sequence

ITEMS, PARTICIPANTS, PER_PARTICIPANT = 500, 10_000, 10
K = 30  # every item must reach at least K votes before the phase ends


def test_rules_never_two_from_one_author_never_already_voted() -> None:
    items = [Candidate(f"i{n}", f"a{n % 4}", f"2026-01-{n + 1:02d}", votes=n, agree=n)
             for n in range(20)]
    seq = vote_sequence(items, {"i0", "i1"}, size=4, new_share=0.5, tested_after=5,
                        rng=np.random.default_rng(1))
    assert len(seq) == 4
    assert not {"i0", "i1"} & set(seq)
    authors = [next(c.author_id for c in items if c.item_id == i) for i in seq]
    assert len(set(authors)) == 4
    assert seq[0] == "i2"  # the oldest new item (fewer than 5 votes) comes first


def test_share_of_new_items_is_a_setting() -> None:
    items = [Candidate(f"i{n}", f"a{n}", f"2026-01-{n + 1:02d}", votes=0 if n < 10 else 50)
             for n in range(20)]
    rng = np.random.default_rng(2)
    for share, expected in ((0.0, 0), (0.3, 3), (1.0, 10)):
        seq = vote_sequence(items, set(), size=10, new_share=share, tested_after=5, rng=rng)
        assert sum(1 for i in seq if int(i[1:]) < 10) == expected


def simulate(choose: str) -> np.ndarray:
    """Items arrive uniformly over the first 80% of participants; each participant
    votes on the items served (agree with the item's hidden quality)."""
    rng = np.random.default_rng(42)
    quality = rng.uniform(0.1, 0.9, ITEMS)
    arrival = np.linspace(0, PARTICIPANTS * 0.8, ITEMS).astype(int)
    votes = np.zeros(ITEMS, dtype=int)
    agree = np.zeros(ITEMS, dtype=int)
    authors = [f"a{n % 350}" for n in range(ITEMS)]
    for p in range(PARTICIPANTS):
        live = int(np.searchsorted(arrival, p, side="right"))
        if choose == "sequence":
            candidates = [Candidate(str(n), authors[n], f"{arrival[n]:06d}", int(votes[n]),
                                    int(agree[n]), int(votes[n] - agree[n]))
                          for n in range(live)]
            served = [int(i) for i in vote_sequence(
                candidates, (), size=PER_PARTICIPANT, new_share=0.3, tested_after=K, rng=rng)]
        else:  # the top of a list sorted by votes
            served = list(np.argsort(-votes[:live], kind="stable")[:PER_PARTICIPANT])
        for n in served:
            votes[n] += 1
            agree[n] += rng.random() < quality[n]
    return votes


def test_every_item_gets_k_votes_with_the_sequence_but_not_with_a_sorted_list() -> None:
    fair, sorted_list = simulate("sequence"), simulate("sorted")
    print(f"sequence: min {fair.min()} median {int(np.median(fair))} max {fair.max()}; "
          f"votes-sorted list: min {sorted_list.min()} max {sorted_list.max()}")
    assert fair.min() >= K
    assert sorted_list.min() < K


def test_one_author_s_items_fill_the_sequence_rather_than_vanish() -> None:
    """An organiser who deposited a phase's items himself: every one is served (the
    one-per-author rule used to serve the first and hide the others for ever)."""
    items = [Candidate(f"s{n}", "organiser", f"2026-01-{n + 1:02d}") for n in range(4)]
    items.append(Candidate("x", "someone", "2026-01-09"))
    seq = vote_sequence(items, set(), size=10, new_share=0.5, tested_after=5,
                        rng=np.random.default_rng(3))
    assert sorted(seq) == ["s0", "s1", "s2", "s3", "x"]
    assert seq[:2] == ["s0", "x"]  # distinct authors first, the others after
    # a participant who skips the first item still reaches the others
    assert set(vote_sequence(items, {"x"}, size=3, new_share=0.5, tested_after=5,
                             rng=np.random.default_rng(3))) == {"s0", "s1", "s2"}
