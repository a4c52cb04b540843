"""The organisers' « Aperçu » of a consultation not published yet leads somewhere:
its articles (published or not) and questionnaires open in the back office as the public will read
them, and its documents and meetings in their back-office pages. Every link of
the preview answered 404 (the public pages of a draft do)."""

from __future__ import annotations

import re

from harness.consultations import draft_consultation
from harness.forms import admin_client
from harness.platform import SYSTEM, Platform, until

from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    PublishArticle,
    QuestionSpec,
    SaveQuestionnaire,
    WriteArticle,
)


async def test_a_drafts_articles_are_previewed_in_the_back_office(platform: Platform) -> None:
    p = platform
    cid = await draft_consultation(p)
    other = await draft_consultation(p)
    await p.container.handle(WriteArticle("a-lu", cid, "Le projet de piste",
                                          "Une **piste** le long des quais."), SYSTEM)
    await p.container.handle(PublishArticle("a-lu", cid), SYSTEM)
    await p.container.handle(WriteArticle("a-brouillon", cid, "Encore en chantier",
                                          "Un texte *à relire*."), SYSTEM)

    async def written() -> bool:
        docs = await p.container.store.get_many("published_articles", cid, ["a-lu"])
        return bool(docs) and await p.container.store.get("articles", cid, "a-brouillon") \
            is not None
    await until(written)
    admin = await admin_client(p)
    try:
        listing = (await admin.get(f"/admin/consultations/{cid}/articles")).text
        assert f'href="/admin/consultations/{cid}/articles/a-brouillon/apercu"' in listing
        draft = await admin.get(f"/admin/consultations/{cid}/articles/a-brouillon/apercu")
        assert draft.status_code == 200 and "<em>à relire</em>" in draft.text
        assert "cet article n\u2019est pas publié" in draft.text
        assert "no-store" in draft.headers["cache-control"]  # the team's, never kept
        preview = (await admin.get(f"/admin/consultations/{cid}/apercu")).text
        links = re.findall(r'href="([^"]*articles/a-lu[^"]*)"', preview)
        assert links == [f"/admin/consultations/{cid}/articles/a-lu/apercu"]
        shown = await admin.get(links[0])
        assert shown.status_code == 200 and "<strong>piste</strong>" in shown.text
        assert "quand la consultation sera publiée" in shown.text
        # per object: an article is previewed through its own consultation only
        assert (await admin.get(f"/admin/consultations/{other}/articles/a-lu/apercu")
                ).status_code == 404
    finally:
        await admin.aclose()
    async with p.client() as anonymous:
        refused = await anonymous.get(f"/admin/consultations/{cid}/articles/a-lu/apercu")
        assert refused.status_code == 303 and "/admin/connexion" in refused.headers["location"]


async def test_a_drafts_questionnaire_is_previewed_with_its_follow_ups(
        platform: Platform) -> None:
    """Organisers try their questionnaire before publishing: the preview shows its
    questions, « Continuer » reveals a follow-up through the preview's own address,
    and nothing can be sent from it."""
    p = platform
    cid = await draft_consultation(p)
    other = await draft_consultation(p)
    await p.container.handle(SaveQuestionnaire("q-trajets", cid, "Vos trajets", (
        QuestionSpec("mode", "single", "Comment venez-vous ?", options=(
            OptionSpec("velo", "À vélo"), OptionSpec("voiture", "En voiture"))),
        QuestionSpec("pourquoi", "open", "Pourquoi la voiture ?",
                     condition=ConditionSpec("mode", ("voiture",))))), SYSTEM)

    async def saved() -> bool:
        return await p.container.store.get("questionnaires", cid, "q-trajets") is not None
    await until(saved)
    here = f"/admin/consultations/{cid}/questionnaires/q-trajets/apercu"
    admin = await admin_client(p)
    try:
        listing = (await admin.get(f"/admin/consultations/{cid}/questionnaires")).text
        assert f'href="{here}"' in listing
        preview = (await admin.get(f"/admin/consultations/{cid}/apercu")).text
        assert f'href="{here}"' in preview and "/repondre" not in preview
        first = await admin.get(here)
        assert first.status_code == 200 and "Comment venez-vous ?" in first.text
        assert "Pourquoi la voiture ?" not in first.text  # a follow-up, not yet shown
        assert f'action="{here}"' in first.text and "/repondre" not in first.text
        assert "aucune réponse ne peut être envoyée depuis l\u2019aperçu" in first.text
        assert f'href="/admin/consultations/{cid}/apercu"' in first.text  # breadcrumb
        assert "no-store" in first.headers["cache-control"]
        step = await admin.get(here, params={"mode": "voiture", "_affichees": "mode"})
        assert "Pourquoi la voiture ?" in step.text and "1 nouvelle question" in step.text
        # per object: through its own consultation only; the public sees nothing yet
        assert (await admin.get(f"/admin/consultations/{other}/questionnaires/q-trajets/apercu")
                ).status_code == 404
    finally:
        await admin.aclose()
    async with p.client() as anonymous:
        slug = (await p.container.store.get("consultation_detail", "all", cid) or {})["slug"]
        assert (await anonymous.get(f"/consultations/{slug}/questionnaires/q-trajets")
                ).status_code == 404
        refused = await anonymous.get(here)
        assert refused.status_code == 303 and "/admin/connexion" in refused.headers["location"]


async def test_no_link_of_a_drafts_preview_leads_to_a_404(platform: Platform) -> None:
    """Every link the preview of a draft shows opens for its organisers: the public
    pages (404 until publication) are named without a link, lists open in the back
    office."""
    p = platform
    cid = await draft_consultation(p)
    await p.container.handle(WriteArticle("a-1", cid, "Le projet", "Un texte."), SYSTEM)
    await p.container.handle(SaveQuestionnaire("q-1", cid, "Vos trajets", (
        QuestionSpec("mode", "open", "Comment venez-vous ?"),)), SYSTEM)

    async def written() -> bool:
        return await p.container.store.get("questionnaires", cid, "q-1") is not None \
            and await p.container.store.get("articles", cid, "a-1") is not None
    await until(written)
    admin = await admin_client(p)
    try:
        preview = (await admin.get(f"/admin/consultations/{cid}/apercu")).text
        main = preview.split('id="contenu"', 1)[-1].split("<footer", 1)[0]
        links = sorted({h for h in re.findall(r'href="(/[^"#]*)"', main)
                        if not h.startswith(("/static/", "/admin/deconnexion"))})
        assert f"/admin/consultations/{cid}/questionnaires/q-1/apercu" in links
        assert "Propositions publiées" in main and "Synthèse et suites données" in main
        answers = {link: (await admin.get(link)).status_code for link in links}
        assert {link: status for link, status in answers.items() if status >= 400} == {}
    finally:
        await admin.aclose()
