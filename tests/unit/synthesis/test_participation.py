"""Participation figures (projection `synthesis.participation`, ADR 0142): what a
consultation received per kind and what moderation made of it, per day (Europe/Paris
days), distinct contributors and voters, ballots per phase; the same figures under
redelivery, any interleaving of streams, a failed batch retried and a replay from
the log; no participant id outside the table kept for distinct counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from harness.delivery import shuffled_per_stream
from harness.events import Streams

from services.core.envelope import Envelope
from services.eventlog.memory import MemoryEventLog
from services.runtime.replay import rebuild_projection
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.participation.projection import PEOPLE, ParticipationProjection
from services.synthesis.participation.read import participation_of

CID, OTHER = "cons1", "cons2"
# 22:30 UTC: 23:30 in Paris (winter time) -- the next minutes cross midnight there
T0 = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
ENDS = "2026-03-10T00:00:00Z"


class Log(Streams):
    """Events as the deposit, moderation and vote services write them, each on
    its own stream, a minute apart unless `at` says when."""

    def __init__(self) -> None:
        super().__init__(T0)

    def at(self, minutes: int) -> None:
        """The next event happens `minutes` after T0 (later ones follow a minute apart)."""
        self._t0 = T0 + timedelta(minutes=minutes - len(self.events))

    def propose(self, pid: str, author: str, *, moderation: str = "post",
                cid: str = CID) -> None:
        self.add("deposit.ProposalSubmitted", pid, contribution_id=pid, consultation_id=cid,
                 author_id=author, title="Titre", body="Texte", theme_id="", territory="",
                 moderation=moderation, phase_id="depot")

    def argue(self, aid: str, author: str, proposal: str, *, moderation: str = "post") -> None:
        self.add("deposit.ArgumentSubmitted", aid, contribution_id=aid, consultation_id=CID,
                 proposal_id=proposal, author_id=author, side="for", body="Parce que",
                 moderation=moderation)

    def comment(self, comment_id: str, author: str, parent: str, *,
                moderation: str = "post") -> None:
        self.add("deposit.CommentSubmitted", comment_id, contribution_id=comment_id,
                 consultation_id=CID, parent_id=parent, author_id=author, body="Oui",
                 moderation=moderation)

    def respond(self, rid: str, author: str, *, moderation: str = "post") -> None:
        self.add("deposit.ResponseSubmitted", f"response-q-{author}", contribution_id=rid,
                 consultation_id=CID, questionnaire_id="q", author_id=author, answers=[],
                 moderation=moderation)

    def withdraw(self, contribution: str) -> None:
        self.add("deposit.ContributionWithdrawn", contribution, contribution_id=contribution,
                 consultation_id=CID)

    def edit(self, contribution: str) -> None:
        self.add("deposit.ContributionEdited", contribution, contribution_id=contribution,
                 consultation_id=CID, title="Titre", body="Autre texte")

    def decide(self, contribution: str, decision: str, *, version: int = 0) -> None:
        self.add("moderation.DecisionMade", f"moderation-{contribution}",
                 contribution_id=contribution, consultation_id=CID, moderator_id="m",
                 decision=decision, reason_code="r", campaign_group_id="",
                 deposit_version=version)

    def overturn(self, contribution: str) -> None:
        self.add("moderation.AppealDecided", f"moderation-{contribution}",
                 contribution_id=contribution, consultation_id=CID, moderator_id="m2",
                 outcome="overturned", reason_code="r", deposit_version=0)

    def ballot(self, voter: str, item: str, *, kind: str = "support", choice: str = "support",
               previous: dict[str, Any] | None = None, phase: str = "vote1",
               ends: str = ENDS, cid: str = CID) -> None:
        self.add("vote.BallotCast", f"ballot-{phase}-{kind}-{item}-{voter}", item_id=item,
                 consultation_id=cid, phase_id=phase, phase_ends_at=ends,
                 participant_id=voter, ballot_kind=kind, choice=choice, qualifications=[],
                 identity_level="email", previous=previous)

    def unvote(self, voter: str, item: str, *, kind: str = "support",
               phase: str = "vote1") -> None:
        self.add("vote.BallotWithdrawn", f"ballot-{phase}-{kind}-{item}-{voter}",
                 item_id=item, consultation_id=CID, phase_id=phase, phase_ends_at=ENDS,
                 participant_id=voter, ballot_kind=kind,
                 previous={"choice": choice_of(kind), "qualifications": [],
                           "identity_level": "email"})

    def rank(self, voter: str, items: list[str], previous: list[str] | None = None,
             phase: str = "vote1") -> None:
        self.add("vote.RankingCast", f"ranking-{phase}-{voter}", item_id=f"ranking-{phase}",
                 consultation_id=CID, phase_id=phase, phase_ends_at=ENDS, participant_id=voter,
                 items=items, identity_level="email",
                 previous=None if previous is None else {"items": previous,
                                                         "identity_level": "email"})

    def budget(self, voter: str, projects: list[str], previous: list[str] | None = None,
               phase: str = "budget1") -> None:
        self.add("vote.BudgetBallotCast", f"budget-ballot-{phase}-{voter}",
                 item_id=f"budget-{phase}", consultation_id=CID, phase_id=phase,
                 phase_ends_at=ENDS, participant_id=voter, envelope_id="e1",
                 projects=projects, total=100, identity_level="email",
                 previous=None if previous is None else {
                     "envelope_id": "e1", "projects": previous, "identity_level": "email"})


def choice_of(kind: str) -> str:
    return "support" if kind == "support" else "agree"


def world() -> Log:
    """Ten contributions of five people over two Paris days, what moderation made
    of them, and the ballots of three people; a contribution and a ballot of
    another consultation."""
    log = Log()
    log.propose("p1", "u1")  # 23:30 Paris, 1 March: published (post-moderated)
    log.decide("p2", "approved")  # the decision arrives before its submission
    log.propose("p2", "u2", moderation="pre")  # published once approved
    log.propose("p3", "u1", moderation="pre")  # pending
    log.at(40)  # 00:10 Paris, 2 March
    log.propose("p4", "u3")
    log.decide("p4", "hidden")  # refused or hidden
    log.propose("p5", "u2")
    log.withdraw("p5")  # withdrawn
    log.argue("a1", "u4", "p1")  # published
    log.argue("a2", "u4", "p1", moderation="pre")
    log.decide("a2", "rejected")
    log.overturn("a2")  # published after appeal
    log.comment("c1", "u1", "p1", moderation="pre")
    log.decide("c1", "rejected")  # refused
    log.respond("r1", "u5")  # published
    log.respond("r2", "u6", moderation="pre")  # pending
    log.propose("x1", "u9", cid=OTHER)  # another consultation's
    log.ballot("u1", "p1")  # cast
    log.ballot("u1", "p2", kind="agree", choice="agree")  # cast, then changed
    log.ballot("u1", "p2", kind="agree", choice="disagree",
               previous={"choice": "agree", "qualifications": [], "identity_level": "email"})
    log.ballot("u7", "p1")  # cast, then withdrawn
    log.unvote("u7", "p1")
    log.rank("u8", ["p1", "p2"])  # cast, withdrawn, cast again
    log.rank("u8", [], previous=["p1", "p2"])
    log.rank("u8", ["p2"], previous=[])
    log.budget("u1", ["p1"])  # a participatory budget's ballot, changed
    log.budget("u1", ["p2"], previous=["p1"])
    log.ballot("u9", "p1", ends="2026-03-01T00:00:00Z")  # after its phase's end: ignored
    log.ballot("u9", "x1", cid=OTHER)
    return log


async def figures(events: list[Envelope], batch: int = 3,
                  store: MemoryReadStore | None = None) -> tuple[dict[str, Any], MemoryReadStore]:
    store = store or MemoryReadStore()
    projection = ParticipationProjection()
    for i in range(0, len(events), batch):
        await project_batch(projection, events[i:i + batch], store)
    return await participation_of(store, CID), store


def row(kinds: list[dict[str, Any]], kind: str) -> dict[str, int]:
    found = next(k for k in kinds if k["kind"] == kind)
    return {k: found[k] for k in ("received", "published", "pending", "refused", "withdrawn")}


async def test_contributions_per_kind_and_what_moderation_made_of_them() -> None:
    got, _ = await figures(world().events)
    assert row(got["kinds"], "proposal") == {"received": 5, "published": 2, "pending": 1,
                                             "refused": 1, "withdrawn": 1}
    assert row(got["kinds"], "argument") == {"received": 2, "published": 2, "pending": 0,
                                             "refused": 0, "withdrawn": 0}
    assert row(got["kinds"], "comment") == {"received": 1, "published": 0, "pending": 0,
                                            "refused": 1, "withdrawn": 0}
    assert row(got["kinds"], "answer") == {"received": 2, "published": 1, "pending": 1,
                                           "refused": 0, "withdrawn": 0}
    assert got["totals"] == {"received": 10, "published": 5, "pending": 2, "refused": 2,
                             "withdrawn": 1}


async def test_distinct_contributors_and_voters() -> None:
    got, _ = await figures(world().events)
    assert got["contributors"] == 6  # u1..u6 (u1 three times, u2 and u4 twice)
    assert got["voters"] == 3  # u1, u7 (withdrawn: still voted), u8; u9's was late


async def test_ballots_per_phase_and_kind() -> None:
    got, _ = await figures(world().events)
    ballots = {(b["phase_id"], b["kind"]): {k: b[k] for k in ("cast", "changed", "withdrawn",
                                                                "standing")}
               for b in got["ballots"]}
    assert ballots == {
        ("vote1", "support"): {"cast": 2, "changed": 0, "withdrawn": 1, "standing": 1},
        ("vote1", "agree"): {"cast": 1, "changed": 1, "withdrawn": 0, "standing": 1},
        ("vote1", "ranking"): {"cast": 2, "changed": 0, "withdrawn": 1, "standing": 1},
        ("budget1", "budget"): {"cast": 1, "changed": 1, "withdrawn": 0, "standing": 1},
    }


async def test_contributions_and_ballots_per_paris_day() -> None:
    got, _ = await figures(world().events)
    days = {d["day"]: d for d in got["days"]}
    assert sorted(days) == ["2026-03-01", "2026-03-02"]  # 23:10 UTC: the 2nd in Paris
    first, second = days["2026-03-01"], days["2026-03-02"]
    assert (first["proposal"], first["total"]) == (3, 3)
    assert (second["proposal"], second["argument"], second["comment"], second["answer"],
            second["total"]) == (2, 2, 1, 2, 7)
    assert (first["ballots"], second["ballots"]) == (0, 6)  # first casts only


async def test_an_edit_after_an_approval_waits_for_moderation_again() -> None:
    log = Log()
    log.propose("p1", "u1", moderation="pre")
    log.decide("p1", "approved", version=1)
    before, _ = await figures(log.events)
    log.edit("p1")
    after, _ = await figures(log.events)
    assert (before["totals"]["published"], before["totals"]["pending"]) == (1, 0)
    assert (after["totals"]["published"], after["totals"]["pending"]) == (0, 1)
    assert after["totals"]["received"] == 1


async def test_the_same_event_delivered_again_counts_once() -> None:
    events = world().events
    expected, _ = await figures(events)
    doubled = [e for event in events for e in (event, event)]
    for batch in (1, 2, 5):
        got, _ = await figures(doubled, batch=batch)
        assert got == expected, batch
    got, _ = await figures(events + events, batch=4)  # the whole log again
    assert got == expected


async def test_same_figures_in_any_order_the_streams_arrive() -> None:
    events = world().events
    expected, _ = await figures(events)
    for seed in range(20):
        got, _ = await figures(shuffled_per_stream(events, seed), batch=1 + seed % 6)
        assert got == expected, seed


async def test_a_failed_batch_is_not_counted_when_retried() -> None:
    events = world().events
    expected, _ = await figures(events)
    store, projection = MemoryReadStore(), ParticipationProjection()
    broken = Envelope(type="deposit.ProposalSubmitted", schema_version=2, stream="broken",
                      stream_version=1, data={"contribution_id": "x"}, actor=events[0].actor,
                      occurred_at=T0, correlation_id="c")
    with pytest.raises(KeyError):  # the batch's first events applied, then it fails
        await project_batch(projection, [*events[:8], broken], store)
    for e in events:  # redelivered from the checkpoint
        await project_batch(projection, [e], store)
    assert await participation_of(store, CID) == expected


async def test_a_replay_from_the_log_gives_the_same_figures() -> None:
    events = world().events
    live, store = await figures(shuffled_per_stream(events, 7), batch=2)
    log = MemoryEventLog()
    await log.append(events)
    await rebuild_projection(log, store, ParticipationProjection())
    assert await participation_of(store, CID) == live
    fresh = MemoryReadStore()
    await rebuild_projection(log, fresh, ParticipationProjection())
    assert await participation_of(fresh, CID) == live


async def test_participant_ids_stay_in_their_own_table() -> None:
    """The figures hold counts only: the pseudonymous ids needed to count people
    once live in PEOPLE alone (ADR 0142), never in what the page reads."""
    got, store = await figures(world().events)
    ids = [f"u{n}" for n in range(1, 10)]
    shown = orjson.dumps(got).decode()
    assert not any(f'"{i}"' in shown for i in ids)
    projection = ParticipationProjection()
    for table in set(projection.tables) - {PEOPLE}:
        rows = orjson.dumps([r async for r in store.scan(table)]).decode()
        assert not any(f'"{i}"' in rows for i in ids), table
    assert {k async for _, k, _ in store.scan(PEOPLE)} >= {"u1", "u7", "u8"}


async def test_an_unknown_consultation_has_zero_everywhere() -> None:
    _, store = await figures(world().events)
    got = await participation_of(store, "nope")
    assert got["totals"] == {"received": 0, "published": 0, "pending": 0, "refused": 0,
                             "withdrawn": 0}
    assert (got["contributors"], got["voters"], got["ballots"], got["days"]) == (0, 0, [], [])
    assert [k["kind"] for k in got["kinds"]] == ["proposal", "argument", "comment", "answer"]
