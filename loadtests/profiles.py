"""The load profiles, as plain arithmetic (no locust import: the tests check
them in-process; locust's gevent patches everything it is imported with).

Grand Débat day: the first two days of the 2019 Grand Débat National brought
about 250,000 online contributions (DESIGN §1, from the open data's counts),
125,000 a day. How they spread over the hours is an assumption, not read from
the data: a usual diurnal curve, quiet at night, steady through the working day,
peaking between 20 h and 22 h (HOURLY). The real rate is scale 1; `scale`
multiplies it. A day is played in `day_seconds`.

Vote spike: a base ballot rate, then fifty times it for a minute (a television
announcement sends people to vote at once), then back to the base."""

from __future__ import annotations

import math
from dataclasses import dataclass

CONTRIBUTIONS_TWO_DAYS = 250_000
DAYS = 2
# Relative share of a day's contributions in each hour, 0 h to 23 h (assumed).
HOURLY = (1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4.0, 4.2, 4.3,
          4.5, 4.2, 4.0, 4.0, 4.2, 4.6, 5.2, 6.3, 7.2, 7.4, 6.0, 3.5)


def contributions_per_second(hour: float, scale: float = 1.0) -> float:
    """The real-time contribution rate at `hour` of a Grand Débat day."""
    per_day = CONTRIBUTIONS_TWO_DAYS / DAYS
    share = HOURLY[int(hour) % 24] / sum(HOURLY)
    return scale * per_day * share / 3600


@dataclass(frozen=True)
class GrandDebatDay:
    """Users over time for locust: contributors, each depositing at
    `per_contributor` contributions/s, and readers beside them."""

    scale: float = 1.0
    day_seconds: float = 120.0  # a day of 24 h played in this many seconds
    days: int = DAYS
    per_contributor: float = 0.2  # contributions/s one simulated contributor makes
    readers_per_contributor: float = 2.0

    @property
    def duration(self) -> float:
        return self.day_seconds * self.days

    def hour_at(self, elapsed: float) -> float:
        return (elapsed / self.day_seconds * 24) % 24

    def users_at(self, elapsed: float) -> tuple[int, int] | None:
        """(contributors, readers) at `elapsed` seconds of the run; None once the
        days are played."""
        if elapsed >= self.duration:
            return None
        rate = contributions_per_second(self.hour_at(elapsed), self.scale)
        contributors = max(1, math.ceil(rate / self.per_contributor))
        return contributors, max(1, round(contributors * self.readers_per_contributor))


@dataclass(frozen=True)
class VoteSpike:
    """Ballots/s over time: `base` for `before` s, `factor` times it for `spike`
    s, then `base` again for `after` s."""

    base: float = 0.5  # ballots per second before and after the spike
    factor: float = 50.0
    before: float = 30.0
    spike: float = 60.0
    after: float = 30.0
    per_voter: float = 0.5  # ballots/s one simulated voter casts

    @property
    def duration(self) -> float:
        return self.before + self.spike + self.after

    def ballots_per_second(self, elapsed: float) -> float | None:
        if elapsed >= self.duration:
            return None
        in_spike = self.before <= elapsed < self.before + self.spike
        return self.base * (self.factor if in_spike else 1.0)

    def voters_at(self, elapsed: float) -> int | None:
        rate = self.ballots_per_second(elapsed)
        return None if rate is None else max(1, math.ceil(rate / self.per_voter))
