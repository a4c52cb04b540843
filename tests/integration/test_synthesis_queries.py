"""The public synthesis pages issue a constant number of store queries whatever
the number of themes' members (read models seeded in their documented shape,
services/synthesis/runs/tables.py and corpus.py)."""

from __future__ import annotations

import httpx

from services.store.memory import MemoryReadStore
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import MEMBERS, PUBLISHED, THEMES, member_key, members_partition
from services.web.app import create_web_app
from services.web.deps import WebDeps
from services.web.settings import WebSettings


async def seed(store: MemoryReadStore, members: int) -> None:
    cid, run = "c1", "r1"
    doc = {"id": cid, "slug": "velo", "title": "Vélo", "summary": "", "published": True,
           "phases": [], "questionnaires": [], "commissions": [],
           "counts": {"articles": 0, "documents": 0, "videos": 0, "meetings": 0}}
    themes = []
    async with store.transaction() as tx:
        await tx.put("consultation_slugs", "all", "velo", {"id": cid})
        await tx.put("consultation_detail", "all", cid, doc)
        for t in range(4):
            tid = f"t{t}"
            ids = [f"{tid}-{i:05d}" for i in range(members)]
            theme = {"theme_id": tid, "label": f"Thème {t}", "terms": ["a"], "size": members,
                     "verbatims": ids[:3], "marked": [], "per_day": {"2026-11-28": members},
                     "split_from": "", "parts": [tid, f"{tid}b"]}
            themes.append(theme)
            await tx.put(THEMES, run, tid, theme)
            for i in ids:
                await tx.put(MEMBERS, members_partition(run, tid), member_key("2026-11-28", i),
                             {"id": i, "day": "2026-11-28"})
                await tx.put(CORPUS, cid, i, {"id": i, "contribution_id": i, "kind": "proposal",
                                              "text": f"Texte {i}", "day": "2026-11-28",
                                              "author_id": "p", "campaign": "",
                                              "proposal_id": i, "question_id": ""})
        for key, scope in (("consultation", {}), ("propositions", {"kind": "proposals"})):
            await tx.put(PUBLISHED, cid, key, {  # one a scope, the same run here
                "run_id": run, "draft_version": 9, "published_at": "2026-11-28T10:00:00Z",
                "publication": 1, "contributions": 4 * members, "parameters": {"seed": 0},
                "input_position": {}, "input_digest": "0" * 64, "campaigns": [],
                "scope": scope, "themes": themes})


async def queries_for(path: str, members: int) -> int:
    store = MemoryReadStore()
    await seed(store, members)

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


async def test_synthesis_pages_query_count_does_not_grow_with_members() -> None:
    for path in ("/consultations/velo/synthese", "/consultations/velo/synthese/themes/t1",
                 "/consultations/velo/synthese/rapport.md",
                 "/consultations/velo/synthese/themes.csv",
                 "/consultations/velo/synthese/propositions",
                 "/consultations/velo/synthese/propositions/themes/t1",
                 "/consultations/velo/synthese/propositions/rapport.md",
                 "/consultations/velo/synthese/propositions/themes.csv"):
        small, big = await queries_for(path, 5), await queries_for(path, 120)
        assert small == big, (path, small, big)
        assert small <= 8, (path, small)
