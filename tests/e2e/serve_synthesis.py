"""Starts a real Parlons for the synthesis pages (see synthesis_pages.mjs) after
seeding, through the command handlers, a published consultation under
post-moderation with two dozen proposals on two subjects (cycling, health) by
registered participants; one of them, `AUTHOR_EMAIL`, logs in during the journey
to read their notices. Prints `seeded <cid> <slug> <author e-mail>` once the
synthesis corpus holds every proposal. Stops on SIGTERM."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from serve_web import serve

from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.identity import model as identity_model
from services.identity.commands import RegisterParticipant
from services.runtime.bootstrap import Container
from services.synthesis.runs.corpus import CORPUS

CID = "01930000-0000-7000-8000-00000000e2e8"
SLUG = "plan-mobilite-sante"
AUTHOR_EMAIL = "autrice@example.org"
DAY = timedelta(days=1)
VELO = ["Des pistes cyclables sûres le long des quais pour les vélos",
        "Plus de vélos en libre-service et de pistes cyclables protégées",
        "Des garages à vélos sécurisés et des pistes cyclables continues",
        "Pistes cyclables séparées des voitures, vélos partout en ville",
        "Des arceaux pour garer les vélos devant chaque école",
        "Une piste cyclable continue entre la gare et le centre-ville",
        "Aider à l'achat de vélos électriques et de vélos cargos",
        "Des pistes cyclables éclairées la nuit pour rouler en sécurité",
        "Réparer les pistes cyclables abîmées et les marquer au sol",
        "Des vélos en location pour les étudiants à petit prix",
        "Des parkings à vélos surveillés près des gares",
        "Apprendre le vélo aux enfants à l'école, sur des pistes cyclables"]
SANTE = ["Un médecin de garde et des urgences ouvertes la nuit à l'hôpital",
         "Recruter des médecins et des infirmières pour l'hôpital public",
         "Rouvrir les urgences de l'hôpital et aider les médecins de campagne",
         "Des maisons de santé avec médecins et infirmières dans chaque canton",
         "Des médecins en téléconsultation pour les villages sans cabinet",
         "Plus d'infirmières à domicile pour les personnes âgées",
         "Un centre de santé municipal avec des médecins salariés",
         "Réduire l'attente aux urgences de l'hôpital avec plus de médecins",
         "Des bourses pour les étudiants en médecine qui s'installent ici",
         "Un bus santé avec médecin et infirmière dans les villages",
         "Des pharmacies de garde ouvertes la nuit près de l'hôpital",
         "Des médecins spécialistes à l'hôpital local, sans des mois d'attente"]


async def seed(container: Container) -> str:
    """Writes the journey's data; returns the words the test needs."""
    now = container.clock.now()
    meta = Meta(actor=Actor("orga", "organiser"))
    for cmd in (
        CreateConsultation(CID, "Plan mobilité et santé", SLUG,
                           summary="Proposez, puis lisez la synthèse et les réponses.",
                           organiser="Ville de Lyon", identity_level="email",
                           moderation="post"),
        SchedulePhases(CID, (
            PhaseSpec("depot", "deposit", "Proposer", now - DAY, now + 10 * DAY),
            PhaseSpec("synthese", "synthesis", "Synthèse", now + 10 * DAY, now + 20 * DAY))),
        PublishConsultation(CID),
    ):
        await container.handle(cmd, meta)
    authors = []
    for n in range(4):
        pid = identity_model.new_participant_id()
        email = AUTHOR_EMAIL if n == 0 else f"auteur{n}@example.org"
        await container.handle(RegisterParticipant(pid, email, f"Auteur{n}"), meta)
        authors.append(pid)
    texts = [*VELO, *SANTE]
    for n, body in enumerate(texts):
        who = ParticipantContext(authors[n % len(authors)], "email")
        await container.handle(SubmitProposal(new_id(), CID, who, f"Idée {n + 1}", body),
                               Meta(actor=Actor(who.participant_id, "participant")))
    while len(await container.store.list(CORPUS, CID, limit=100)) < len(texts):
        await asyncio.sleep(0.1)
    return f"{CID} {SLUG} {AUTHOR_EMAIL}"


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), seed))
