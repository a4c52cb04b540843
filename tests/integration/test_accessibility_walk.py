"""The accessibility walk (ADR 0141) without a browser: every public and participant
page of a seeded platform, as the public and as a logged-in participant, forms
sent wrong on purpose, each page held to the structural rules of
harness.accessibility (one h1, headings in order, labels, fieldsets, errors tied
to their fields and summed up in a focused summary, a title that says which page
and whether it shows errors...). Titles differ from one page to another. What
needs a browser (reflow at 360 px, axe-core) is the e2e tests' business."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from harness.accessibility import problems, title_of
from harness.consultations import ORGANISER, publish
from harness.deposit_world import QUESTIONS
from harness.forms import post_form
from harness.platform import Platform, session_client, until

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
from services.synthesis.runs.tables import RUNS

GD, VELO, QID, MEETING = "gd", "velo", "q-fiscalite", "m-1"
IDEAS = [("Des pistes cyclables sûres", "Des pistes cyclables sûres le long des quais."),
         ("Plus de vélos en libre-service", "Plus de vélos et de pistes cyclables protégées."),
         ("Des garages à vélos", "Des garages à vélos sécurisés et des pistes continues."),
         ("Des urgences la nuit", "Un médecin de garde et des urgences ouvertes la nuit."),
         ("Des médecins", "Recruter des médecins et des infirmières pour l'hôpital."),
         ("Des maisons de santé", "Des maisons de santé avec médecins dans chaque canton.")]
ARTICLE = "# Les enjeux\n\nTexte.\n\n## Après\n\nFin."
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
    await container.handle(RequestThemeRun("run-1", GD, "p-analyst", n_themes=2, seed=3),
                           ORGANISER)

    async def run_done() -> bool:  # the run job executes it in a task of its own
        run = await container.store.get(RUNS, GD, "run-1")
        return bool(run and run["status"] == "done")
    await until(run_done, timeout=60)
    await container.handle(PublishSynthesis("run-1", GD), ORGANISER)
    await container.handle(PublishResponse("rep-1", GD, "Des pistes sur les quais", "Décidé.",
                                           "adopted", proposal_ids=("gd-p0",)), ORGANISER)
    await settled(container)
    return ana


@pytest.fixture
async def walked(platform: Platform) -> AsyncIterator[Walk]:
    ana = await seeded(platform.container)
    walk = Walk()
    async with session_client(platform, None) as public, session_client(platform, ana) as mine:
        await public_pages(walk, public)
        await participant_pages(walk, mine, platform.container)
    yield walk


async def public_pages(walk: Walk, c: httpx.AsyncClient) -> None:
    gd = f"/consultations/{GD}"
    for what, path in (
            ("home", "/"), ("every consultation", "/consultations"), ("consultation", gd),
            ("proposals", f"{gd}/propositions"), ("proposal", f"{gd}/propositions/gd-p0"),
            ("questionnaire", f"{gd}/questionnaires/{QID}"),
            ("questionnaire, follow-up shown", f"{gd}/questionnaires/{QID}?impots=oui"),
            ("meetings of a consultation", f"{gd}/rencontres"), ("meetings and map", "/evenements"),
            ("meeting", f"/evenements/{MEETING}"), ("articles", f"{gd}/articles"),
            ("article", f"{gd}/articles/a-1"), ("commission", f"{gd}/commissions/k-1"),
            ("minutes", f"{gd}/comptes-rendus"), ("documents", f"{gd}/documents"),
            ("synthesis and decisions", f"{gd}/synthese"),
            ("search", f"{gd}/recherche?q=pistes&f.kind=proposal"),
            ("search, bad sort", f"{gd}/recherche?q=pistes&sort=n-importe"),
            ("moderation transparency", f"{gd}/transparence"),
            ("vote results", f"/vote/{VELO}/resultats"), ("vote method", "/methodologie/vote"),
            ("accessibility statement", "/accessibilite"), ("legal notice", "/mentions-legales"),
            ("personal data", "/donnees-personnelles"), ("site map", "/plan-du-site"),
            ("login", "/connexion"), ("registration", "/inscription"),
            ("login needed to propose", f"{gd}/propositions/nouvelle"),
            ("login needed to answer", f"{gd}/questionnaires/{QID}/repondre"),
            ("similar proposals", f"{gd}/propositions/similaires?title=pistes"),
            ("magic link gone", "/connexion/lien?jeton=x"),
            ("not found", "/nulle-part")):
        walk.saw(what, await c.get(path))
    synthesis = (await c.get(f"{gd}/synthese")).text
    theme = re.search(rf'href="({gd}/synthese/themes/[^"?]+)"', synthesis)
    assert theme, "the synthesis links to its themes"
    walk.saw("synthesis theme", await c.get(theme[1]))
    walk.saw("registration, errors", await post_form(
        c, "/inscription", "/inscription", {"email": "pas-une-adresse", "pseudonym": "x"}))
    walk.saw("login, errors", await post_form(c, "/connexion", "/connexion", {"email": "non"}))


async def participant_pages(walk: Walk, c: httpx.AsyncClient, container: Container) -> None:
    gd = f"/consultations/{GD}"
    answer = f"{gd}/questionnaires/{QID}/repondre"
    proposal = f"{gd}/propositions/gd-p1"
    for what, path in (
            ("my account", "/compte"), ("my contributions", "/mes-contributions"),
            ("my notices", "/compte/notifications"), ("answer form", answer),
            ("proposal form", f"{gd}/propositions/nouvelle"),
            ("proposal, to argue", proposal), ("meeting, to register", f"/evenements/{MEETING}"),
            ("vote", f"/vote/{VELO}"), ("ranking", f"/vote/{VELO}/classement"),
            ("budget", f"/vote/{VELO}/budget"),
            ("edit my proposal", f"{gd}/contributions/gd-p2/modifier"),
            ("withdraw my proposal", f"{gd}/contributions/gd-p2/retirer"),
            ("flag", f"{gd}/contributions/gd-p1/signaler")):
        walk.saw(what, await c.get(path))
    for what, data in (
            ("answer, required left empty", {"etape": "envoyer"}),
            ("answer, « Autre » without its text", {"impots": "autre", "etape": "envoyer"}),
            ("answer, follow-up shown", {"impots": "oui", "etape": "continuer"}),
            ("answer, follow-up left empty", {"impots": "oui", "etape": "envoyer"})):
        walk.saw(what, await post_form(c, answer, answer, {"cle": "k-answer", **data}), answer)
    edit, flag = f"{gd}/contributions/gd-p2/modifier", f"{gd}/contributions/gd-p1/signaler"
    for what, page, action, data in (
            ("proposal form, errors", f"{gd}/propositions/nouvelle",
             f"{gd}/propositions/nouvelle", {"title": "x"}),
            ("argument, errors", proposal, f"{proposal}/arguments", {"side": "for", "body": ""}),
            ("comment, errors", proposal, f"{proposal}/commentaires", {"body": ""}),
            ("flag, errors", flag, flag, {}),
            ("edit, errors", edit, edit, {"title": "", "body": ""}),
            ("account erasure, errors", "/compte", "/compte/effacement", {})):
        walk.saw(what, await post_form(c, page, action, data), page)
    ranking = f"/vote/{VELO}/classement"
    walk.saw("ranking, errors", await post_form(c, ranking, ranking,
                                                {"rang-1": "velo-p0", "rang-2": "velo-p0"}),
             ranking)
    voted = await post_form(c, f"/vote/{VELO}", f"/vote/{VELO}/velo-p0",
                            {"kind": "agree", "choice": "agree"})
    assert voted.status_code in (200, 303), voted.text[-1500:]
    await settled(container)
    walk.saw("my votes", await c.get("/mes-votes"))


async def test_every_page_keeps_the_structural_rules(walked: Walk) -> None:
    found = {f"{what} ({path})": problems(html) for what, path, html in walked.pages}
    broken = {page: p for page, p in found.items() if p}
    assert not broken, "\n".join(f"{page}:\n  - " + "\n  - ".join(p)
                                 for page, p in broken.items())


async def test_each_page_has_its_own_title(walked: Walk) -> None:
    """Pages at different addresses are told apart by their titles (an error shown
    makes another title: « Erreur : ... »)."""
    paths: dict[str, set[str]] = {}
    for _, path, html in walked.pages:
        paths.setdefault(title_of(html), set()).add(path)
    shared = {title: sorted(p) for title, p in paths.items() if len(p) > 1}
    assert not shared, shared


async def test_the_walk_saw_the_errors_it_provoked(walked: Walk) -> None:
    """The pages sent wrong on purpose did show errors (else the rules on errors
    checked nothing)."""
    for what, _, html in walked.pages:
        if "errors" in what or "empty" in what or "without its text" in what \
                or what == "search, bad sort":
            assert "fr-alert--error" in html or "fr-error-text" in html, what
