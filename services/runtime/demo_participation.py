"""Participation in the demo, so `parlons serve --demo` shows a platform in use
rather than empty pages. In « Mieux circuler à vélo »: irritants deposited during
the past deposit phase and approved by a moderator (the consultation is
pre-moderated), voted on during the past vote phase (agree / disagree / neutral
with qualifications, supports; anonymous and e-mail participants) and its results
frozen; solutions deposited in the past solutions phase, the last one still
waiting in the moderation queue, and ranked and supported in the vote on
solutions open now (each vote phase takes only its own deposit phase's items,
ADR 0062). In the Grand Débat: questionnaire responses (demo_responses.py). In
the participatory budget: projects, envelopes, costs and ballots (demo_budget.py).

Everything goes through the command handlers, like real participation (ADR
0028). The past steps run on a clock set inside their phase (the composition
root's handler with its `clock` port swapped): handlers check phases on the clock
they are given and tallies count a ballot by when it was cast, so these are
ordinary on-time ballots. Each step decides on read models, so the projections
must be running, in this process or another; a step whose read model has not
caught up yet is tried again, within a bound. Idempotent: fixed ids, and every
step looks at the log first.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any

from services.consultation.demo import BIKE_ID
from services.core.participants import ParticipantContext
from services.core.values import parse_iso
from services.runtime.bootstrap import Container
from services.runtime.demo_budget import seed_budget
from services.runtime.demo_responses import seed_responses
from services.runtime.demo_steps import DemoSteps
from services.runtime.demo_texts import IRRITANTS, SOLUTIONS
from services.vote import model as vote_model
from services.vote.commands import CastBallot, CastRanking, FreezeResults

DEPOSIT_PHASE, VOTE_PHASE, SOLUTIONS_PHASE = "irritants", "vote-irritants", "solutions"
SOLUTIONS_VOTE_PHASE = "vote-solutions"
VOTERS = 48
EMAIL_EVERY = 4  # one voter in four signed in by e-mail: the results show the split
CONCURRENCY = 32  # ballots in flight at once: the log commits them in groups


def irritant_id(n: int) -> str:
    return f"{BIKE_ID}-i{n + 1:02d}"


def solution_id(n: int) -> str:
    return f"{BIKE_ID}-s{n + 1:02d}"


def voter(n: int) -> ParticipantContext:
    level = "email" if n % EMAIL_EVERY == 0 else "anonymous"
    return ParticipantContext(f"demo-velo-{n + 1:03d}", level)


def author(n: int) -> ParticipantContext:
    return ParticipantContext(f"demo-velo-auteur-{n + 1:03d}")


async def seed_participation(container: Container, *, timeout_s: float = 60.0) -> int:
    """Write what is missing; returns how many commands wrote something. Raises
    TimeoutError when the read models do not catch up within `timeout_s` a step."""
    run = DemoSteps(container, timeout_s)
    phases = await run.eventually(lambda: run.phases(BIKE_ID))
    deposit_at = parse_iso(phases[DEPOSIT_PHASE]["starts_at"])
    vote_at = parse_iso(phases[VOTE_PHASE]["starts_at"])
    now = container.clock.now()
    written = 0
    for n, (title, body, *_) in enumerate(IRRITANTS):
        at = deposit_at + timedelta(days=1, hours=7 * n)
        written += await run.proposal(irritant_id(n), BIKE_ID, author(n), title, body, at)
        written += await run.approve(irritant_id(n), BIKE_ID, at + timedelta(hours=20))
    for n, (title, body) in enumerate(SOLUTIONS):
        at = min(parse_iso(phases[SOLUTIONS_PHASE]["starts_at"]) + timedelta(hours=5 * n + 1),
                 now)
        written += await run.proposal(solution_id(n), BIKE_ID, author(len(IRRITANTS) + n),
                                      title, body, at)
        if n < len(SOLUTIONS) - 1:
            written += await run.approve(solution_id(n), BIKE_ID,
                                         min(at + timedelta(hours=3), now))
    written += await _votes(run, vote_at, set(phases[VOTE_PHASE]["actions"]))
    written += await _freeze(run, BIKE_ID, VOTE_PHASE)
    written += await _solution_votes(run, phases.get(SOLUTIONS_VOTE_PHASE), now)
    return written + await seed_responses(run) + await seed_budget(run)


async def _votes(run: DemoSteps, start: datetime, allowed: set[str]) -> int:
    """Each voter sees about three irritants in four and leans as the texts say
    (a qualification with some ballots); supports for the ones they agree with
    most, a ranking of their top three. Only the kinds the phase allows (today's
    demo ranks solutions, not irritants; one seeded by an older version offered
    supports only)."""
    rng = random.Random(2019)  # the same demo every time
    ballots: list[tuple[object, datetime]] = []
    for v in range(VOTERS):
        who, at = voter(v), start + timedelta(hours=3 * v + 2)
        agreed: list[tuple[float, str]] = []
        for n, (_, _, agree, disagree) in enumerate(IRRITANTS):
            if rng.random() > 0.75:
                continue
            draw, item = rng.random(), irritant_id(n)
            choice = "agree" if draw < agree else (
                "disagree" if draw < agree + disagree else "neutral")
            quals = ("prioritaire",) if choice == "agree" and agree > 0.7 else (
                ("a_preciser",) if choice == "neutral" else ())
            ballots.append((CastBallot(item, who, "agree", choice, quals), at))
            if choice == "agree":
                agreed.append((agree + rng.random() * 0.3, item))
        top = [item for _, item in sorted(agreed, reverse=True)[:3]]
        ballots += [(CastBallot(item, who, "support", "support"), at) for item in top[:2]]
        if top:
            ballots.append((CastRanking(BIKE_ID, who, tuple(top)), at))
    return await _cast_missing(run, VOTE_PHASE, ballots, allowed)


async def _solution_votes(run: DemoSteps, phase: dict[str, Any] | None, now: datetime) -> int:
    """The first voters rank their three preferred approved solutions and support
    the first, since the vote on solutions opened (a demo seeded by an older
    version has it in the future: nothing to write then)."""
    if phase is None or parse_iso(phase["starts_at"]) > now:
        return 0
    rng = random.Random(2027)
    approved = [solution_id(n) for n in range(len(SOLUTIONS) - 1)]
    start = parse_iso(phase["starts_at"])
    ballots: list[tuple[object, datetime]] = []
    for v in range(VOTERS // 2):
        who, at = voter(v), min(start + timedelta(minutes=40 * v + 5), now)
        top = rng.sample(approved, 3)
        ballots += [(CastRanking(BIKE_ID, who, tuple(top)), at),
                    (CastBallot(top[0], who, "support", "support"), at)]
    return await _cast_missing(run, SOLUTIONS_VOTE_PHASE, ballots, set(phase["actions"]))


async def _cast_missing(run: DemoSteps, phase_id: str, ballots: list[tuple[object, datetime]],
                        allowed: set[str]) -> int:
    missing = [(cmd, at) for cmd, at in ballots if _action(cmd) in allowed
               and not await _cast_already(run, phase_id, cmd)]
    for i in range(0, len(missing), CONCURRENCY):
        await asyncio.gather(*(_cast(run, cmd, at) for cmd, at in missing[i:i + CONCURRENCY]))
    return len(missing)


async def _cast(run: DemoSteps, command: object, at: datetime) -> Any:
    return await run.eventually(lambda: run.handle(command, at))


async def _cast_already(run: DemoSteps, phase_id: str, cmd: object) -> bool:
    if isinstance(cmd, CastBallot):
        stream = vote_model.ballot_stream(phase_id, cmd.ballot_kind, cmd.item_id,
                                          cmd.participant.participant_id)
    else:
        assert isinstance(cmd, CastRanking)
        stream = vote_model.ranking_stream(phase_id, cmd.participant.participant_id)
    return await run.container.log.stream_version(stream) > 0


def _action(command: object) -> str:
    """The phase action a vote command needs."""
    if isinstance(command, CastBallot):
        return vote_model.KINDS[command.ballot_kind]
    return "vote_ranking"


async def _freeze(run: DemoSteps, consultation_id: str, phase_id: str) -> int:
    """Frozen here, after the last ballot: the periodic closing pass could
    otherwise freeze the phase first, empty."""
    result = await run.eventually(lambda: run.handle(FreezeResults(consultation_id, phase_id)))
    return int(result.get("status") == "frozen")
