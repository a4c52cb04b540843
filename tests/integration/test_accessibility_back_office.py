"""The accessibility walk (ADR 0141, amended) of the back office, without a browser:
logged in as the platform's administrator (who may use every page), every page
reached from `/admin` by links, the confirmation pages a form asks without
JavaScript, an organiser's own `/admin`, and the organisers', moderators' and
analysts' forms sent wrong on purpose, each page held to the structural rules of
harness.accessibility (one h1, headings in order, labels, fieldsets, tables with
headers and a caption, errors tied to their fields and listed, each a link, in
one focused summary; a title saying « Erreur » when the page shows one). Titles
differ from one address to another."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from harness.accessibility import parse, problems, title_of
from harness.accessibility_world import GD, MEETING, QID, Walk, seeded, settled
from harness.consultations import ORGANISER
from harness.forms import admin_client, post_form
from harness.platform import Platform, granted, participant, session_client, until

from services.consultation.content_commands import AttachVideo
from services.consultation.questionnaire import Answer
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal, SubmitResponse
from services.synthesis.runs.commands import RequestThemeRun
from services.synthesis.runs.tables import RUNS

LINK = re.compile(r'href="(/admin(?:/[^"#?]*)?)[^"]*"')
CRAWL_MAX = 400
ADMIN = f"/admin/consultations/{GD}"
CAMPAIGN = ("Nous demandons la gratuité totale des transports en commun pour tous les "
            "habitants de la métropole, dès la rentrée prochaine, sans condition.")


@dataclass
class BackOfficeWalk(Walk):
    reached: set[str] = field(default_factory=set)  # the addresses the crawl reached
    wrong: set[str] = field(default_factory=set)  # the pages sent wrong on purpose

    def sent_wrong(self, what: str, response: httpx.Response, at: str = "") -> None:
        self.wrong.add(what)
        self.saw(what, response, at)


async def crawl(walk: Walk, client: httpx.AsyncClient) -> set[str]:
    """Every back-office page reached from `/admin` by links (logout, downloads and
    a consultation's page by page lists aside), each seen by the walk."""
    seen: set[str] = set()
    todo = ["/admin"]
    while todo and len(seen) < CRAWL_MAX:
        href = todo.pop()
        if href in seen or href == "/admin/deconnexion":
            continue
        seen.add(href)
        page = await client.get(href)
        if not page.headers.get("content-type", "").startswith("text/html"):
            continue
        walk.saw(f"reached {href}", page)
        todo += [html.unescape(h) for h in LINK.findall(page.text)]
    return seen


async def campaign_and_run(platform: Platform) -> None:
    """What the moderation and analysis pages stand on beyond the public walk's
    world: a copy-paste campaign in the queue, an answer « Autre » (its texts' page),
    a video (its removal's confirmation), a theme run not yet published."""
    container = platform.container
    author = ParticipantContext(await participant(platform, "Campagne"), "email")
    await container.handle(SubmitResponse("r-autre", GD, QID, author, {
        "impots": Answer(option_ids=("autre",), other_text="Les taxer autrement")}), ORGANISER)
    await container.handle(AttachVideo("v-1", GD, "Présentation",
                                       "https://www.youtube.com/watch?v=dQw4w9WgXcQ"), ORGANISER)
    for n, tail in enumerate(("", " Merci.", " Vraiment !", " Signé : un usager.")):
        await container.handle(SubmitProposal(f"gd-c{n}", GD, author, f"Gratuité {n}",
                                              CAMPAIGN + tail), ORGANISER)

    async def grouped() -> bool:
        rows = await container.store.list("moderation_items", "all", limit=200)
        return any(d.get("campaign_group_id") for _, d in rows)
    await until(grouped, timeout=15)
    platform.clock.advance(timedelta(minutes=10))  # a run's page is told by its time
    await container.handle(RequestThemeRun("run-2", GD, "p-analyst", n_themes=2, seed=4),
                           ORGANISER)

    async def done() -> bool:
        run = await container.store.get(RUNS, GD, "run-2")
        return bool(run and run["status"] == "done")
    await until(done, timeout=60)
    await settled(container)


def first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, (pattern, sorted(set(re.findall(r'href="(/admin/[^"]*)"', text))))
    return html.unescape(found[1])


async def wrong_forms(walk: BackOfficeWalk, c: httpx.AsyncClient) -> None:
    """Every kind of back-office form, sent wrong on purpose."""
    queue = (await c.get(f"/admin/moderation/{GD}")).text
    item = first(rf'href="(/admin/moderation/{GD}/elements/[^"]+)"', queue)
    campaign = first(rf'href="(/admin/moderation/{GD}/campagnes/[^"]+)"', queue)
    claimed = await post_form(c, item, f"{item}/prise")  # a decision needs the claim
    assert claimed.status_code == 303, claimed.text[-1500:]
    runs = f"/admin/analyse/{GD}/synthese"
    run = f"{runs}/analyses/run-2"
    theme = first(rf'href="({run}/themes/[^"]+)"', (await c.get(run)).text)
    meeting = {"title": "Réunion", "starts_at": "2026-13-40T25:00", "ends_at": "demain"}
    questions = "1. Une question {inconnue}\n- Oui\n- Non"
    commission = f"{ADMIN}/commissions/k-1"
    for what, page, action, data in (
            ("new consultation, empty title", "/admin/consultations/nouvelle",
             "/admin/consultations/nouvelle", {"title": "", "slug": "nouvelle-c"}),
            ("consultation, empty title", ADMIN, ADMIN, {"title": ""}),
            ("phases, bad date", f"{ADMIN}/phases", f"{ADMIN}/phases", {
                "phases.0.kind": "deposit", "phases.0.title": "Dépôt",
                "phases.0.starts_at": "le 32 mars", "phases.0.ends_at": "2026-12-31T10:00"}),
            ("questionnaire editor, syntax error", f"{ADMIN}/questionnaires/{QID}",
             f"{ADMIN}/questionnaires/{QID}", {"title": "Fiscalité", "questions": questions}),
            ("new questionnaire, syntax error", f"{ADMIN}/questionnaires",
             f"{ADMIN}/questionnaires", {"title": "Mobilité", "questions": questions}),
            ("article, empty title", f"{ADMIN}/articles/a-1", f"{ADMIN}/articles/a-1",
             {"title": "", "body_markdown": "Texte."}),
            ("new article, empty title", f"{ADMIN}/articles", f"{ADMIN}/articles",
             {"title": "", "body_markdown": "Texte."}),
            ("meeting, bad date", f"{ADMIN}/rencontres/{MEETING}",
             f"{ADMIN}/rencontres/{MEETING}", meeting),
            ("new meeting, bad date", f"{ADMIN}/rencontres", f"{ADMIN}/rencontres", meeting),
            ("minutes, attendance missing", f"{ADMIN}/rencontres/{MEETING}/compte-rendu",
             f"{ADMIN}/rencontres/{MEETING}/compte-rendu", {"summary": "Bien."}),
            ("video, bad address", f"{ADMIN}/videos", f"{ADMIN}/videos",
             {"title": "Film", "url": "pas une adresse"}),
            ("new commission, empty name", f"{ADMIN}/commissions", f"{ADMIN}/commissions",
             {"name": "", "description": "Rien."}),
            ("commission, empty name", f"{commission}/modification",
             f"{commission}/modification", {"name": ""}),
            ("commission member, empty name", commission, f"{commission}/membres",
             {"display_name": "", "role": "membre"}),
            ("commission report, empty title", commission, f"{commission}/rapports/nouveau",
             {"title": "", "body_markdown": "Texte."}),
            ("contribution policy, not a number", f"{ADMIN}/contributions",
             f"{ADMIN}/contributions", {"edit_minutes": "beaucoup"}),
            ("budget envelope, not a number", f"{ADMIN}/budget",
             f"{ADMIN}/budget/enveloppes", {"territoire": "", "montant": "beaucoup"}),
            ("follow-up, empty title", f"{ADMIN}/suites", f"{ADMIN}/suites",
             {"title": "", "body": "", "status": "adopted", "action": "publier"}),
            ("team role, unknown pseudonym", f"/admin/equipe/{GD}", f"/admin/equipe/{GD}",
             {"pseudonym": "Personne", "role": "moderator"}),
            ("charter, bad line", f"/admin/moderation/{GD}/charte",
             f"/admin/moderation/{GD}/charte", {"charte": "sans deux points"}),
            ("moderation decision without reason", item, f"{item}/decision",
             {"decision": "hidden", "motif": ""}),
            ("campaign decision without reason", campaign, campaign,
             {"decision": "hidden", "motif": ""}),
            ("theme run, not a number", runs, f"{runs}/analyses", {"n_themes": "beaucoup"}),
            ("theme rename, empty", run, f"{theme}/nom", {"label": ""}),
            ("theme split, nothing picked", theme, f"{theme}/decoupage",
             {"label": "", "retour": "theme"}),
            ("saved search, empty name", f"/admin/analyse/{GD}",
             f"/admin/analyse/{GD}/recherches", {"name": "", "params": "q=pistes"})):
        walk.sent_wrong(what, await post_form(c, page, action, data), page)
    walk.sent_wrong("analysis, bad sort",
                    await c.get(f"/admin/analyse/{GD}?q=pistes&sort=n-importe"))
    walk.sent_wrong("removal refused", await c.get(
        f"{ADMIN}/questionnaires?refus=questionnaire_answered"))
    importer = f"{ADMIN}/questionnaires/importer"
    walk.sent_wrong("questionnaire import, bad file", await post_form(
        c, importer, importer, {"format": "csv"},
        files={"file": ("q.csv", b"questionnaire;question\n;\n")}), importer)
    walk.sent_wrong("document, no file", await post_form(
        c, f"{ADMIN}/documents", f"{ADMIN}/documents", {"title": "Dossier"},
        files={"file": ("", b"")}), f"{ADMIN}/documents")


@pytest.fixture
async def walked(platform: Platform) -> AsyncIterator[BackOfficeWalk]:
    await seeded(platform.container)
    await campaign_and_run(platform)
    walk = BackOfficeWalk()
    organiser = await participant(platform, "Orla")
    await granted(platform, organiser, GD, "organiser")
    admin = await admin_client(platform)  # closed with the platform
    async with session_client(platform, organiser) as orla, \
            session_client(platform, None) as anyone:
        walk.reached = await crawl(walk, admin)
        for what, path in (  # the forms' confirmation pages (GET) without JavaScript
                ("remove a questionnaire", f"{ADMIN}/questionnaires/{QID}/suppression"),
                ("remove a video", f"{ADMIN}/videos/v-1/suppression"),
                ("cancel a meeting", f"{ADMIN}/rencontres/{MEETING}/annulation"),
                ("remove a commission", f"{ADMIN}/commissions/k-1/suppression")):
            walk.saw(what, await admin.get(path))
        await wrong_forms(walk, admin)
        walk.saw("an organiser's back office", await orla.get("/admin"))
        walk.saw("login", await anyone.get("/admin/connexion"))
        walk.sent_wrong("login, wrong password", await post_form(
            anyone, "/admin/connexion", "/admin/connexion",
            {"utilisateur": "orga", "mot_de_passe": "non"}), "/admin/connexion")
    yield walk


async def test_the_walk_reaches_the_back_office(walked: BackOfficeWalk) -> None:
    """The crawl did reach each part of the back office (else the rules checked
    little)."""
    reached = walked.reached
    for path in (ADMIN, f"{ADMIN}/phases", f"{ADMIN}/questionnaires/{QID}",
                 f"{ADMIN}/commissions/k-1", f"{ADMIN}/rencontres/{MEETING}/inscrits",
                 f"/admin/moderation/{GD}", f"/admin/analyse/{GD}",
                 f"/admin/analyse/{GD}/synthese/analyses/run-2", f"/admin/equipe/{GD}",
                 f"/admin/analyse/{GD}/statistiques", f"{ADMIN}/suites",
                 f"/admin/analyse/{GD}/statistiques/{QID}/autres/impots"):
        assert path in reached, path
    assert any("/campagnes/" in p for p in reached)


async def test_every_back_office_page_keeps_the_structural_rules(walked: Walk) -> None:
    found = {f"{what} ({path})": problems(page) for what, path, page in walked.pages}
    broken = {page: p for page, p in found.items() if p}
    assert not broken, f"{len(broken)} pages:\n" + "\n".join(
        f"{page}:\n  - " + "\n  - ".join(p) for page, p in broken.items())


async def test_each_back_office_page_has_its_own_title(walked: Walk) -> None:
    paths: dict[str, set[str]] = {}
    for _, path, page in walked.pages:
        paths.setdefault(title_of(page), set()).add(path)
    shared = {title: sorted(p) for title, p in paths.items() if len(p) > 1}
    assert not shared, shared


async def test_each_form_sent_wrong_shows_its_error_at_its_field(walked: Walk) -> None:
    """A form sent wrong shows its error in a summary (else the rules on errors
    checked nothing) that leads to the field (but for a refused removal, which is
    no field's)."""
    assert len(walked.wrong) == 31
    for what, _, page in walked.pages:
        if what not in walked.wrong:
            continue
        summary = [n for n in parse(page).walk() if "parlons-error-summary" in n.classes()]
        assert len(summary) == 1, what
        links = [n for n in summary[0].walk() if n.tag == "a"]
        assert links or what == "removal refused", (what, summary[0].content())



