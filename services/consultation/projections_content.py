"""Projection `consultation.content`: questionnaires, articles, documents, videos.
Table layouts are documented in `projections.py`."""

from __future__ import annotations

from services.consultation.richtext import render_markdown
from services.consultation.videos import PROVIDERS, embed_url
from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import StoreTx
from services.store.projection import Projection

QUESTIONNAIRES = "questionnaires"
ARTICLES = "articles"
PUBLISHED_ARTICLES = "published_articles"
DOCUMENTS = "documents"
VIDEOS = "videos"


class ContentProjection(Projection):
    name = "consultation.content"
    topics = ("consultation.events",)
    tables = (QUESTIONNAIRES, ARTICLES, PUBLISHED_ARTICLES, DOCUMENTS, VIDEOS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type.removeprefix("consultation.")
        at = iso(event.occurred_at)
        cid = d.get("consultation_id", "")
        if t == "QuestionnaireSaved":
            await tx.put(QUESTIONNAIRES, cid, d["questionnaire_id"], dict(d))
        elif t == "QuestionnaireRemoved":
            await tx.delete(QUESTIONNAIRES, cid, d["questionnaire_id"])
        elif t.startswith("Article"):
            await self._article(t, d, at, tx)
        elif t == "DocumentAttached":
            await tx.put(DOCUMENTS, cid, d["document_id"], {**d, "attached_at": at})
        elif t == "DocumentRemoved":
            await tx.delete(DOCUMENTS, cid, d["document_id"])
        elif t == "VideoAttached":
            await tx.put(VIDEOS, cid, d["video_id"], {
                **d, "provider_name": PROVIDERS[d["provider"]],
                "embed_url": embed_url(d["provider"], d["provider_video_id"], d["url"])})
        elif t == "VideoRemoved":
            await tx.delete(VIDEOS, cid, d["video_id"])

    async def _article(self, t: str, d: dict[str, str], at: str, tx: StoreTx) -> None:
        cid, aid = d["consultation_id"], d["article_id"]
        doc = await tx.get(ARTICLES, cid, aid) or {
            "article_id": aid, "consultation_id": cid, "published": False,
            "published_at": None, "kind": "article", "title": "", "summary": "",
            "body_markdown": "", "body_html": ""}
        if t == "ArticleWritten":
            # Rendering here (not in the event) means a sanitiser upgrade applies
            # to every article on the next replay.
            doc.update(kind=d["kind"], title=d["title"], summary=d["summary"],
                       body_markdown=d["body_markdown"],
                       body_html=render_markdown(d["body_markdown"]))
        elif t == "ArticlePublished":
            doc.update(published=True, published_at=at)
        elif t == "ArticleUnpublished":
            doc["published"] = False
        doc["updated_at"] = at
        await tx.put(ARTICLES, cid, aid, doc)
        if doc["published"]:
            await tx.put(PUBLISHED_ARTICLES, cid, aid, doc)
        else:
            await tx.delete(PUBLISHED_ARTICLES, cid, aid)
