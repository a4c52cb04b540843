"""A vote spike: ballots at a base rate, then fifty times it for a minute (a
television announcement), then the base again (loadtests/profiles.py). Each
voter is a new anonymous participant who solves the proof of work, then casts
ballots on the items of the vote sequence; when done, another arrives."""

from __future__ import annotations

from locust import LoadTestShape, constant_throughput, task
from parlons_load import SCALE, Participant, env_float
from profiles import VoteSpike

PROFILE = VoteSpike(base=env_float("LOADTEST_VOTE_BASE", 0.5) * SCALE,
                    factor=env_float("LOADTEST_SPIKE_FACTOR", 50),
                    spike=env_float("LOADTEST_SPIKE_SECONDS", 60),
                    before=env_float("LOADTEST_SPIKE_BEFORE", 30),
                    after=env_float("LOADTEST_SPIKE_BEFORE", 30))


SEQUENCE = 10  # ballots per participant before the next one arrives


class Voter(Participant):
    wait_time = constant_throughput(PROFILE.per_voter)
    items: list[str]

    def on_start(self) -> None:
        super().on_start()
        self.arrive()

    def arrive(self) -> None:
        """A new participant: a fresh session, the items of a vote sequence."""
        self.client.cookies.clear()
        self.open_session()
        self.items = [i for i in self.sequence(size=SEQUENCE) if i]

    @task
    def vote(self) -> None:
        if not self.items:  # this one is done: someone else takes the seat
            self.arrive()
        if self.items:
            self.ballot(self.items.pop())


class VoteSpikeShape(LoadTestShape):
    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        voters = PROFILE.voters_at(self.get_run_time())
        return None if voters is None else (voters, 25.0)
