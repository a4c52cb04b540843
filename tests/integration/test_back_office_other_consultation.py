"""An organiser of one consultation reaches no item of another through their own
consultation's paths (security review: an organiser of B withdrew A's article
by `POST /admin/consultations/B/articles/<A's article>/publication`). Every
back-office route naming an item of a consultation answers 404 for an item of
another one, and nothing is written. The routes are read off the route table:
a new one naming an item fails here until it is given an item of A to try."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from harness.consultations import open_consultation
from harness.forms import csrf_of
from harness.platform import SYSTEM, Platform, granted, participant, session_client, until

from services.consultation.content_commands import (
    AddCommissionMember,
    AttachDocument,
    AttachVideo,
    CreateCommission,
    OptionSpec,
    PublishArticle,
    PublishCommissionReport,
    QuestionSpec,
    SaveQuestionnaire,
    ScheduleMeeting,
    WriteArticle,
)
from services.consultation.uploads import store_upload
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.synthesis.followup.model import PublishResponse
from services.synthesis.runs.corpus import CORPUS
from services.web.backoffice.guard import back_office_routes

TOPICS = ("consultation.events", "synthesis.events", "vote.events")
# A's items, by the name a route gives their id (`item_id` by the kind before it).
A_ITEMS = {"article_id": "art-a", "document_id": "doc-a", "meeting_id": "reu-a",
           "commission_id": "com-a", "member_id": "m1", "report_id": "rap-a",
           "response_id": "rep-a", "questionnaire_id": "q-a"}
A_ITEM_BY_KIND = {"articles": "art-a", "questionnaires": "q-a", "documents": "doc-a",
                  "videos": "vid-a", "rencontres": "reu-a"}
# Refused by the command's handler, which decides on the project's consultation
# (`vote.budget.decide_cost`), with the page's French error: not a lookup here.
DECIDED_BY_THE_DOMAIN = {"/admin/consultations/{cid}/budget/projets/{project_id}"}
FORM = {"action": "retirer", "title": "Pris", "body_markdown": "Pris", "summary": "Pris",
        "questions": "1. Pris ? {libre}", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T12:00", "attendance": "3", "display_name": "Intrus",
        "role": "membre", "status": "rejected", "note": "Pris", "name": "Commission prise",
        "description": "Pris"}


async def consultation_a(p: Platform) -> None:
    """Consultation A with one item of each kind, its article published, and a
    response to a proposal."""
    await p.container.handle(SubmitProposal(
        "prop-a", "ca", ParticipantContext("p-author", "email"), "Des pistes cyclables",
        "Partout, et sûres."), SYSTEM)
    await until(lambda: p.container.store.get(CORPUS, "ca", "prop-a"), timeout=10)
    later = p.clock.now() + timedelta(days=30)
    digest = await store_upload("dossier.pdf", b"%PDF-1.7\n" + b"0" * 100,
                                blobs=p.container.blobs)
    for command in (
            WriteArticle("art-a", "ca", "Le contexte", "Texte de A."),
            PublishArticle("art-a", "ca"),
            SaveQuestionnaire("q-a", "ca", "Vos trajets", (QuestionSpec(
                "mode", "single", "Comment ?", options=(OptionSpec("velo", "À vélo"),)),)),
            AttachDocument("doc-a", "ca", "Dossier", "dossier.pdf", digest),
            AttachVideo("vid-a", "ca", "Vidéo", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
            ScheduleMeeting("reu-a", "ca", "Réunion de A", later, later + timedelta(hours=2),
                            address="1 place de la Comédie", postcode="69001"),
            CreateCommission("com-a", "ca", "Commission de A"),
            AddCommissionMember("com-a", "ca", "m1", "Mme la maire", "présidente"),
            PublishCommissionReport("com-a", "ca", "rap-a", "Rapport", "Texte du rapport."),
            PublishResponse("rep-a", "ca", "Notre réponse", "Texte de la réponse.",
                            "under_review", proposal_ids=("prop-a",))):
        await p.container.handle(command, SYSTEM)

    async def shown() -> bool:
        store = p.container.store
        article = await store.get("articles", "ca", "art-a")
        return bool(article and article.get("published")
                    and await store.get("commissions", "ca", "com-a")
                    and await store.get("meetings", "all", "reu-a"))
    await until(shown, timeout=10)


def a_path(template: str) -> str:
    """The route's path with B as its consultation and A's items as the others."""
    path = template.replace("{cid}", "cb")
    kind = re.search(r"/cb/([a-z-]+)/\{item_id", path)
    if kind:
        path = re.sub(r"\{item_id(:\w+)?\}", A_ITEM_BY_KIND[kind[1]], path)
    return re.sub(r"\{(\w+)\}", lambda m: A_ITEMS[m[1]], path)


async def log_length(p: Platform) -> int:
    return sum([len(await p.container.log.read(t, limit=100_000)) for t in TOPICS])


async def test_an_organiser_of_b_reaches_no_item_of_a_through_b(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "ca", level="email")
    await open_consultation(p, "cb", level="email")
    await consultation_a(p)
    orla = await participant(p, "Orla")
    await granted(p, orla, "cb", "organiser")
    routes = [r for r in back_office_routes(p.app)  # type: ignore[arg-type]
              if r.path.startswith("/admin/consultations/{cid}/")
              and r.path.count("{") > 1 and r.path not in DECIDED_BY_THE_DOMAIN]
    paths = {r.path for r in routes}
    assert "/admin/consultations/{cid}/articles/{article_id}/publication" in paths
    assert {"/admin/consultations/{cid}/commissions/{commission_id}/modification",
            "/admin/consultations/{cid}/commissions/{commission_id}/suppression"} <= paths
    before = await log_length(p)
    async with session_client(p, orla) as client:
        page = await client.get("/admin/consultations/cb/articles")
        assert page.status_code == 200, page.status_code
        token = csrf_of(page.text)
        answers = {}
        for route in routes:
            path = a_path(route.path)
            for method in sorted(route.methods or ()):
                sent: httpx.Response = await (
                    client.get(path) if method == "GET"
                    else client.post(path, data={"csrf_token": token, **FORM}))
                answers[f"{method} {path}"] = sent.status_code
    assert {k: v for k, v in answers.items() if v != 404} == {}
    assert await log_length(p) == before
    article = await p.container.store.get("articles", "ca", "art-a")
    assert article is not None and article["published"]
    commission = await p.container.store.get("commissions", "ca", "com-a")
    assert commission is not None and commission["name"] == "Commission de A"
