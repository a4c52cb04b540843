"""A Grand Débat day (loadtests/profiles.py): two days of contributions at the
rate of the first two days of 2019 (about 250,000), with their evening peaks,
each day played in LOADTEST_DAY_SECONDS, scaled by LOADTEST_SCALE. Contributors
open an anonymous session, then deposit at a steady pace; readers browse
beside them."""

from __future__ import annotations

from locust import LoadTestShape, between, constant_throughput, task
from parlons_load import SCALE, Participant, Visitor, env_float
from profiles import GrandDebatDay

PROFILE = GrandDebatDay(scale=SCALE, day_seconds=env_float("LOADTEST_DAY_SECONDS", 120))


class Contributor(Participant):
    wait_time = constant_throughput(PROFILE.per_contributor)

    def on_start(self) -> None:
        super().on_start()
        self.open_session()

    @task
    def contribute(self) -> None:
        self.deposit()


class Reader(Visitor):
    wait_time = between(1.0, 3.0)

    @task
    def read(self) -> None:
        self.browse_once()


class GrandDebatShape(LoadTestShape):
    use_common_options = True

    def tick(self) -> tuple[int, float, list[type]] | None:
        users = PROFILE.users_at(self.get_run_time())
        if users is None:
            return None
        contributors, readers = users
        # locust spreads users over classes by weight: set them so the split holds
        Contributor.weight, Reader.weight = contributors, readers
        return contributors + readers, 10.0, [Contributor, Reader]
