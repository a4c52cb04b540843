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

import httpx
import pytest
from harness.accessibility import parse, problems, title_of
from harness.accessibility_world import GD, MEETING, QID, VELO, Walk, seeded, settled
from harness.forms import post_form
from harness.platform import Platform, session_client

from services.runtime.bootstrap import Container

# The questions a questionnaire page shows before « Continuer » (its `_affichees`).
SHOWN_BEFORE = "impots services idees"


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
            ("questionnaire, follow-up revealed",
             f"{gd}/questionnaires/{QID}?impots=oui&_affichees={SHOWN_BEFORE}"),
            ("meetings of a consultation", f"{gd}/rencontres"), ("meetings and map", "/evenements"),
            ("meeting", f"/evenements/{MEETING}"), ("articles", f"{gd}/articles"),
            ("article", f"{gd}/articles/a-1"),
            ("article starting at « ### »", f"{gd}/articles/a-2"),
            ("commission", f"{gd}/commissions/k-1"),
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
    assert f'href="{gd}/synthese/propositions"' in synthesis, "it lists the other scopes'"
    walk.saw("synthesis of the proposals", await c.get(f"{gd}/synthese/propositions"))
    scoped = (await c.get(f"{gd}/synthese/propositions")).text
    theme = re.search(rf'href="({gd}/synthese/propositions/themes/[^"?]+)"', scoped)
    assert theme, "a scope's synthesis links to its themes"
    walk.saw("synthesis of the proposals, theme", await c.get(theme[1]))
    walk.saw("registration, errors", await post_form(
        c, "/inscription", "/inscription", {"email": "pas-une-adresse", "pseudonym": "x"}))
    walk.saw("login, errors", await post_form(c, "/connexion", "/connexion", {"email": "non"}))


async def participant_pages(walk: Walk, c: httpx.AsyncClient, container: Container) -> None:
    gd = f"/consultations/{GD}"
    answer = f"{gd}/questionnaires/{QID}/repondre"
    proposal = f"{gd}/propositions/gd-p1"
    for what, path in (
            ("my account", "/compte"), ("my profile", "/compte/profil"),
            ("my profile, address link sent", "/compte/profil?adresse=envoyee"),
            ("address change link, invalid", "/compte/adresse?jeton=x.y"),
            ("my contributions", "/mes-contributions"), ("my meetings", "/mes-rencontres"),
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
            ("answer, follow-up revealed", {"impots": "oui", "etape": "continuer",
                                            "_affichees": SHOWN_BEFORE}),
            ("answer, nothing new", {"impots": "oui", "etape": "continuer",
                                     "_affichees": f"{SHOWN_BEFORE} lesquels"}),
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
            ("account erasure, errors", "/compte", "/compte/effacement", {}),
            ("profile, errors", "/compte/profil", "/compte/profil",
             {"pseudonym": "x", "postcode": "99999"}),
            ("profile, address errors", "/compte/profil", "/compte/profil/adresse",
             {"email": "non"})):
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


async def test_the_follow_ups_a_step_reveals_are_announced_and_focused(walked: Walk) -> None:
    """« Continuer » revealed « Si oui, lesquels ? »: a notice says so just before it,
    announced and the page's only focused element, so that the next Tab reaches the
    new question; nothing is announced when nothing is new, or on a first display."""
    pages = {what: html for what, _, html in walked.pages}
    for what in ("questionnaire, follow-up revealed", "answer, follow-up revealed"):
        nodes = list(parse(pages[what]).walk())
        focused = [n for n in nodes if "autofocus" in n.attrs]
        assert [n.attrs.get("id") for n in focused] == ["nouvelles-questions"], what
        notice = focused[0]
        assert notice.attrs.get("role") == "status" and notice.attrs.get("tabindex") == "-1"
        assert "1 nouvelle question" in notice.content(), notice.content()
        ids = [n.attrs["id"] for n in nodes if "id" in n.attrs]
        assert ids[ids.index("nouvelles-questions") + 1] == "q-lesquels", what
    for what in ("questionnaire", "questionnaire, follow-up shown", "answer form",
                 "answer, follow-up shown", "answer, nothing new"):
        assert "nouvelles-questions" not in pages[what], what


async def test_an_article_s_headings_sit_under_its_title(walked: Walk) -> None:
    """An article's shallowest heading is an h2 under the page's h1, whatever level
    its Markdown starts at (« # » or « ### »), the levels below it kept."""
    pages = {what: html for what, _, html in walked.pages}
    for what, expected in (("article", [("h2", "Les enjeux"), ("h3", "Après")]),
                           ("article starting at « ### »",
                            [("h2", "Le calendrier"), ("h3", "Les dates")])):
        body = next(n for n in parse(pages[what]).walk() if "parlons-article" in n.classes())
        headings = [(n.tag, n.content()) for n in body.walk()
                    if n.tag in {"h2", "h3", "h4", "h5", "h6"}]
        assert headings == expected, (what, headings)
