"""The seeded platform the accessibility walks stand on (ADR 0141): two
consultations with something on every page (a questionnaire with « Autre » and a
follow-up, proposals and an argument, a meeting with coordinates, an article, a
commission with a report, a published synthesis and a decision), and the record
of the pages a walk saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from harness.consultations import ORGANISER, publish
from harness.deposit_world import QUESTIONS
from harness.platform import until
from services.consultation.commands import PhaseSpec, VoteMethodSpec
from services.consultation.content_commands import (
    AddCommissionMember,
    CreateCommission,
    PublishArticle,
    PublishCommissionReport,
    SaveQuestionnaire,
    ScheduleMeeting,
    WriteArticle,
)
from services.core.participants import ParticipantContext
from services.deposit.commands import SetContributionPolicy, SubmitArgument, SubmitProposal
from services.identity.commands import RegisterParticipant
from services.identity.model import new_participant_id
from services.runtime.bootstrap import Container
from services.synthesis.followup.model import PublishResponse
from services.synthesis.runs.commands import PublishSynthesis, RequestThemeRun
from services.synthesis.runs.scope import RunScope
from services.synthesis.runs.tables import RUNS

GD, VELO, QID, MEETING = "gd", "velo", "q-fiscalite", "m-1"
IDEAS = [("Des pistes cyclables sûres", "Des pistes cyclables sûres le long des quais."),
         ("Plus de vélos en libre-service", "Plus de vélos et de pistes cyclables protégées."),
         ("Des garages à vélos", "Des garages à vélos sécurisés et des pistes continues."),
         ("Des urgences la nuit", "Un médecin de garde et des urgences ouvertes la nuit."),
         ("Des médecins", "Recruter des médecins et des infirmières pour l'hôpital."),
         ("Des maisons de santé", "Des maisons de santé avec médecins dans chaque canton.")]
ARTICLE = "# Les enjeux\n\nTexte.\n\n## Après\n\nFin."
DEEP_ARTICLE = "### Le calendrier\n\nTexte.\n\n#### Les dates\n\nFin."  # starts at « ### »
REPORT = "## Constats\n\nLes carrefours restent dangereux.\n\n### Détail\n\nTrois carrefours."


@dataclass
class Walk:
    """The pages seen: what each one is, its address (a form sent back: the address
    of the page that showed the form), its HTML."""

    pages: list[tuple[str, str, str]] = field(default_factory=list)

    def saw(self, what: str, response: httpx.Response, at: str = "") -> None:
        shown = (200, 400, 401, 404, 409, 422)  # a page, not a redirection or a crash
        assert response.status_code in shown, (what, response.status_code, response.text[-1500:])
        self.pages.append((what, at or response.request.url.path, response.text))


async def settled(container: Container) -> None:
    """Every projection worker caught up with the log."""
    async def idle() -> bool:
        workers = list(container.built_workers)
        return all(w.subscribed for w in workers) and not any([await w.lag() for w in workers])
    await until(idle, timeout=30)


async def seeded(container: Container) -> str:
    """Two consultations (answers, proposals, arguments and meetings open in « gd »,
    every kind of vote but the budget in « velo »), an article, a commission with a
    report, a published synthesis and a follow-up; returns the participant's id."""
    now = datetime.now(UTC)
    open_now = (now - timedelta(hours=1), now + timedelta(days=5))
    await publish(container, ORGANISER, GD, "Le grand débat", GD, PhaseSpec(
        "depot", "deposit", "Dépôt", *open_now,
        actions=("deposit", "comment", "answer", "register_meeting")),
        identity_level="email", moderation="post")
    await publish(container, ORGANISER, VELO, "Le vélo en ville", VELO, PhaseSpec(
        "vote", "vote", "Vote", *open_now,
        actions=("deposit", "vote_support", "vote_agree", "vote_ranking"),
        vote=VoteMethodSpec(support_threshold=5, qualifications=("prioritaire", "realiste"))),
        identity_level="email", moderation="post")
    ana = new_participant_id()
    for command in (
            SaveQuestionnaire(QID, GD, "Fiscalité", QUESTIONS),
            ScheduleMeeting(MEETING, GD, "Réunion publique", now + timedelta(days=3),
                            now + timedelta(days=3, hours=2), address="1 place de la Comédie",
                            postcode="69001", latitude=45.76, longitude=4.83, capacity=30),
            WriteArticle("a-1", GD, "Pourquoi ce débat", ARTICLE),
            PublishArticle("a-1", GD),
            WriteArticle("a-2", GD, "Le calendrier du débat", DEEP_ARTICLE),
            PublishArticle("a-2", GD),
            CreateCommission("k-1", GD, "Commission vélo", "Elle étudie les carrefours."),
            AddCommissionMember("k-1", GD, "mb-1", "Camille Martin", "Présidente"),
            PublishCommissionReport("k-1", GD, "r-1", "Rapport d'étape", REPORT)):
        await container.handle(command, ORGANISER)
    await container.handle(RegisterParticipant(ana, "ana@exemple.fr", "Ana"), ORGANISER)
    await settled(container)  # the policy checks the consultation's read model
    await container.handle(SetContributionPolicy(GD, edit_minutes=60, withdraw_allowed=True),
                           ORGANISER)
    author = ParticipantContext(ana, "email")
    for n, (title, body) in enumerate(IDEAS):
        for cid in (GD, VELO):
            await container.handle(SubmitProposal(f"{cid}-p{n}", cid, author, title, body),
                                   ORGANISER)
    await settled(container)
    await container.handle(SubmitArgument("arg-1", "gd-p0", author, "for", "Plus sûr."),
                           ORGANISER)
    # the whole consultation's synthesis and the proposals' one, published side by side
    await container.handle(RequestThemeRun("run-1", GD, "p-analyst", n_themes=2, seed=3),
                           ORGANISER)
    await container.handle(RequestThemeRun("run-scoped", GD, "p-analyst", n_themes=2, seed=3,
                                           scope=RunScope.proposals()), ORGANISER)

    async def run_done() -> bool:  # the run job executes them in a task of its own
        runs = [await container.store.get(RUNS, GD, r) for r in ("run-1", "run-scoped")]
        return all(run and run["status"] == "done" for run in runs)
    await until(run_done, timeout=60)
    await container.handle(PublishSynthesis("run-1", GD), ORGANISER)
    await container.handle(PublishSynthesis("run-scoped", GD), ORGANISER)
    await container.handle(PublishResponse("rep-1", GD, "Des pistes sur les quais", "Décidé.",
                                           "adopted", proposal_ids=("gd-p0",)), ORGANISER)
    await settled(container)
    return ana
