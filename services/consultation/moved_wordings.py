"""Whether an id was handed to another question (or option) of a questionnaire:
the wording saved under one id now read under another (ADR 0137, amended).

Answers name a question or an option by id, so an id must stay with what it
named. Neither the order nor a rewording tells it alone: a question moved is
still itself, and so is one reworded, or both at once. What gives a swap away is
the wording: the text saved under id A now under id B (exactly), or two
reworded ids each reading closer to the other's saved text than to its own (two
{réf} tags swapped in the same save as a rewording). Likeness is the Dice
coefficient of the texts' character trigrams: no threshold to tune, only a
comparison of each text with its own saved one and with the other's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MovedWording:
    """The wording saved under `saved_id` now reads under `now_under` (a new id
    when it is not a saved one): `exact`ly, or reworded."""

    saved_id: str
    now_under: str
    exact: bool


def moved_wording(saved: Mapping[str, str],
                  new: Mapping[str, str]) -> MovedWording | None:
    """The first wording of `saved` (id -> text, in order) that `new` reads under
    another id, None when each id kept its own. A text two saved ids shared tells
    nothing, nor does an id whose text is unchanged."""
    before = {i: _plain(w) for i, w in saved.items()}
    after = {i: _plain(w) for i, w in new.items()}
    reworded = [i for i in before if i in after and after[i] != before[i]]
    shared = {w for w, n in Counter(before.values()).items() if n > 1}
    carrier: dict[str, str] = {}
    for i, w in after.items():
        carrier.setdefault(w, i)
    for a in reworded:
        b = carrier.get(before[a])
        if b is not None and before[a] not in shared:
            return MovedWording(a, b, exact=True)
    return _crossed(reworded, before, after)


def _crossed(reworded: list[str], before: Mapping[str, str],
             after: Mapping[str, str]) -> MovedWording | None:
    """Two reworded ids, each new text closer to the other's saved one than to
    its own: swapped, then reworded."""
    was = {i: _trigrams(before[i]) for i in reworded}
    now = {i: _trigrams(after[i]) for i in reworded}
    own = {i: _likeness(now[i], was[i]) for i in reworded}
    for k, a in enumerate(reworded):
        for b in reworded[k + 1:]:
            if _likeness(now[b], was[a]) > own[b] and _likeness(now[a], was[b]) > own[a]:
                return MovedWording(a, b, exact=False)
    return None


def _plain(text: str) -> str:
    """A wording as compared: case and spacing aside."""
    return " ".join(text.casefold().split())


def _trigrams(text: str) -> frozenset[str]:
    padded = f"  {text} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def _likeness(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b))
