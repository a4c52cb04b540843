"""The load-test consultation, written through the command handlers into a
data folder before `parlons serve` starts on it (as the demo is):
"charge" (id and slug), published, anonymous participation behind the proof of
work, moderated after publication, one phase open now for a week that takes
proposals and every kind of ballot, withdrawals allowed, and `proposals`
published proposals to vote on. Every projection is rebuilt before returning,
so the server starts with them applied.

    python -m loadtests.seed DATA_DIR [--proposals N]

Against a running platform or a cluster, create such a consultation in the back
office instead and name it with LOADTEST_CONSULTATION."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.deposit.commands import SetContributionPolicy, SubmitProposal
from services.identity.commands import SetAnonymousProofOfWork
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.replay import rebuild_projection
from services.runtime.settings import Settings

CONSULTATION = "charge"
ORGANISER = Meta(Actor("organiser-loadtest", "organiser"))
TOPICS = ("pistes cyclables", "horaires des bus", "éclairage public", "jardins partagés",
          "stationnement", "bancs publics", "navettes", "propreté des rues")


async def seed(data_dir: Path, proposals: int = 40) -> None:
    container = bootstrap(Settings(data_dir=data_dir))
    now = datetime.now(UTC)
    async with container:
        if await container.log.stream_version(f"consultation-{CONSULTATION}"):
            return  # already seeded
        phase = PhaseSpec("participation", "vote", "Propositions et votes",
                          now - timedelta(hours=1), now + timedelta(days=7),
                          actions=("deposit", "vote_support", "vote_agree", "vote_ranking"))
        for cmd in (CreateConsultation(CONSULTATION, "Test de charge", CONSULTATION,
                                       summary="Consultation des tests de charge.",
                                       identity_level="anonymous", moderation="post"),
                    SchedulePhases(CONSULTATION, (phase,)), PublishConsultation(CONSULTATION)):
            await container.handle(cmd, ORGANISER)
        await rebuild(container)  # the deposit rules read the published consultation
        for cmd in (SetContributionPolicy(CONSULTATION, withdraw_allowed=True),
                    SetAnonymousProofOfWork(CONSULTATION, True)):
            await container.handle(cmd, ORGANISER)
        await rebuild(container)
        for n in range(proposals):
            topic = TOPICS[n % len(TOPICS)]
            await container.handle(SubmitProposal(
                f"charge-{n:03d}", CONSULTATION, ParticipantContext(f"auteur-{n}", "anonymous"),
                f"Proposition {n} : {topic}",
                f"Améliorer les {topic} du quartier numéro {n}, avec les habitants."),
                ORGANISER)
        await rebuild(container)


async def rebuild(container: Container) -> None:
    for projection in container.projections:
        await rebuild_projection(container.log, container.store, projection)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--proposals", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(seed(args.data_dir, args.proposals))


if __name__ == "__main__":
    main()
