"""Pages issue a constant number of store queries whatever the number of items.
The read models are seeded directly in their documented shape
(services/consultation/projections.py), so only the pages are measured."""

from __future__ import annotations

import httpx
import pytest

from services.store.memory import MemoryReadStore
from services.web.app import create_web_app
from services.web.deps import WebDeps
from services.web.settings import WebSettings


async def seed(store: MemoryReadStore, items: int) -> None:
    cid = "c1"
    doc = {"id": cid, "slug": "velo", "title": "Vélo", "summary": "", "published": True,
           "phases": [{"phase_id": "p1", "kind": "information", "title": "Info",
                       "description": "", "starts_at": "2020-01-01T00:00:00Z",
                       "ends_at": "2099-01-01T00:00:00Z", "actions": []}],
           "questionnaires": [], "commissions": [],
           "counts": {"articles": items, "documents": 0, "videos": 0, "meetings": items}}
    async with store.transaction() as tx:
        await tx.put("consultation_slugs", "all", "velo", {"id": cid})
        await tx.put("consultation_detail", "all", cid, doc)
        await tx.put("published_consultations", "all", cid, doc)
        for i in range(items):
            aid = f"a{i:05d}"
            await tx.put("published_articles", cid, aid, {
                "article_id": aid, "consultation_id": cid, "title": f"Article {i}",
                "summary": "", "body_html": "<p>x</p>", "published": True,
                "published_at": "2024-01-01T00:00:00Z", "kind": "article"})
            mid = f"2098-01-01T00:00:00Z|m{i:05d}"
            await tx.put("meetings_by_consultation", cid, mid, {
                "meeting_id": f"m{i}", "consultation_id": cid, "title": f"Rencontre {i}",
                "starts_at": "2098-01-01T00:00:00Z", "commune": "Lyon"})
            pid = f"p{i:05d}"  # published proposals (services/moderation/publication.py)
            arg = {"id": f"g{i}", "proposal_id": pid, "side": "for", "body": "Oui",
                   "submitted_at": "2024-01-01T00:00:00Z"}
            await tx.put("public_proposals", cid, pid, {
                "id": pid, "title": f"Proposition {i}", "body": "Texte", "theme_id": "",
                "territory": "", "submitted_at": "2024-01-01T00:00:00Z",
                "arguments": {"for": [arg], "against": []}, "counts": {"for": 1, "against": 0}})


async def queries_for(path: str, items: int) -> int:
    store = MemoryReadStore()
    await seed(store, items)
    async def send(command: object) -> None:
        raise AssertionError("pages send no command")

    app = create_web_app(WebDeps(store=store, send=send,
                                 settings=WebSettings(environment="test", secret_key="s")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://t") as client:
        before = store.queries
        r = await client.get(path)
        assert r.status_code == 200, r.text
        return store.queries - before


@pytest.mark.parametrize("path", ["/consultations/velo", "/consultations/velo/articles",
                                  "/consultations/velo/articles?page=3",
                                  "/consultations/velo/rencontres", "/",
                                  "/consultations/velo/propositions",
                                  "/consultations/velo/propositions?apres=p00002"])
async def test_query_count_does_not_grow_with_items(path):
    # 60 items: the third page of 20 exists (a page past the first asks where it starts)
    few, many = await queries_for(path, 60), await queries_for(path, 3000)
    assert few == many, f"{path}: {few} queries for 60 items, {many} for 3000"
    assert many <= 8
