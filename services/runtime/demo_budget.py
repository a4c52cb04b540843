"""Participation in the demo's participatory budget (ADR 0067), so `make run`
shows one in use: projects deposited during the past deposit phase (the
consultation is post-moderated: published at once), two envelopes (« Lyon 1er »,
« Lyon 4e »), each project's cost, and budget ballots within an envelope since
the vote opened. Through the command handlers, on a clock set inside each phase;
idempotent (fixed ids, the log looked at first)."""

from __future__ import annotations

import asyncio
import functools
import random
from datetime import datetime, timedelta
from typing import Any

from services.consultation.demo import BUDGET_ID
from services.core.errors import NotFound
from services.core.participants import ParticipantContext
from services.core.values import parse_iso
from services.runtime.demo_steps import DemoSteps
from services.vote import budget
from services.vote.commands import CastBudgetBallot, SetBudgetEnvelope, SetProjectCost

DEPOSIT_PHASE, VOTE_PHASE = "projets", "vote-budget"
ENVELOPES = (("Lyon 1er", 300_000), ("Lyon 4e", 250_000))
# (title, body, territory, cost)
PROJECTS = (
    ("Végétaliser la montée de la Grande-Côte",
     "Des jardinières et des arbres en pleine terre le long de la montée, entretenus avec "
     "les habitants.", "Lyon 1er", 180_000),
    ("Des bancs sur la place Sathonay",
     "Dix bancs à l'ombre des platanes, pour s'asseoir sans consommer.", "Lyon 1er", 40_000),
    ("Une fontaine à boire rue des Capucins",
     "Une fontaine d'eau potable pour les promeneurs et les enfants du quartier.",
     "Lyon 1er", 60_000),
    ("Éclairer les traboules", "Un éclairage doux et économe dans les passages les plus "
     "sombres, avec l'accord des copropriétés.", "Lyon 1er", 120_000),
    ("Une aire de jeux au jardin Rosa-Mir", "Des jeux pour les petits près du jardin, à "
     "l'écart de la circulation.", "Lyon 4e", 150_000),
    ("Des arceaux vélo boulevard de la Croix-Rousse", "Cent places de stationnement vélo "
     "près du marché.", "Lyon 4e", 30_000),
    ("Une boîte à livres place de la Croix-Rousse", "Une boîte à livres en bois, fabriquée "
     "par un atelier d'insertion.", "Lyon 4e", 5_000),
    ("Rénover le terrain de basket du parc de la Cerisaie", "Un nouveau revêtement et des "
     "paniers réglables.", "Lyon 4e", 110_000),
)
VOTERS = 30


def project_id(n: int) -> str:
    return f"{BUDGET_ID}-p{n + 1:02d}"


def voter(n: int) -> ParticipantContext:
    return ParticipantContext(f"demo-budget-{n + 1:03d}", "email" if n % 3 == 0 else "anonymous")


async def seed_budget(run: DemoSteps) -> int:
    """Write what is missing; returns how many commands wrote something."""
    phases = await run.eventually(lambda: run.phases(BUDGET_ID))
    deposit_at = parse_iso(phases[DEPOSIT_PHASE]["starts_at"])
    written = 0
    for n, (title, body, _, _) in enumerate(PROJECTS):
        written += await run.proposal(project_id(n), BUDGET_ID, ParticipantContext(
            f"demo-budget-auteur-{n + 1:03d}"), title, body,
            deposit_at + timedelta(days=1, hours=9 * n))
    for n in range(len(PROJECTS)):
        await run.eventually(functools.partial(_published, run, project_id(n)))
    for territory, amount in ENVELOPES:
        result = await run.handle(SetBudgetEnvelope(BUDGET_ID, territory, amount))
        written += result["status"] == "recorded"
    for n, (_, _, territory, cost) in enumerate(PROJECTS):
        result = await run.eventually(functools.partial(run.handle, SetProjectCost(
            BUDGET_ID, project_id(n), budget.envelope_id(territory), cost)))
        written += result["status"] == "recorded"
    return written + await _ballots(run, phases[VOTE_PHASE], run.container.clock.now())


async def _published(run: DemoSteps, contribution_id: str) -> None:
    if not await run.published(contribution_id):
        raise NotFound("Proposition publiée")


async def _ballots(run: DemoSteps, phase: dict[str, object], now: datetime) -> int:
    """Each voter picks, in their arrondissement's envelope, projects in a random
    order while they fit: ballots within the envelope, as the page makes them."""
    start = parse_iso(str(phase["starts_at"]))
    if start > now:
        return 0
    rng = random.Random(2026)
    commands: list[tuple[CastBudgetBallot, datetime]] = []
    for v in range(VOTERS):
        territory, amount = ENVELOPES[v % len(ENVELOPES)]
        left, chosen = amount, []
        offered = [n for n, p in enumerate(PROJECTS) if p[2] == territory]
        for n in rng.sample(offered, len(offered)):
            if PROJECTS[n][3] <= left and rng.random() < 0.7:
                chosen.append(project_id(n))
                left -= PROJECTS[n][3]
        if chosen:
            commands.append((CastBudgetBallot(BUDGET_ID, voter(v), budget.envelope_id(
                territory), tuple(chosen)), min(start + timedelta(hours=2 * v + 1), now)))
    missing = [(cmd, at) for cmd, at in commands
               if not await run.container.log.stream_version(budget.ballot_stream(
                   VOTE_PHASE, cmd.participant.participant_id))]
    await asyncio.gather(*(_cast(run, cmd, at) for cmd, at in missing))
    return len(missing)


async def _cast(run: DemoSteps, command: CastBudgetBallot, at: datetime) -> Any:
    return await run.eventually(functools.partial(run.handle, command, at))
