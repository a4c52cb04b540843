"""Content aggregates (questionnaire, article, document, video) as pure functions.

Each item is its own stream (`<kind>-<id>`), so editing one never conflicts with
another. Their state is small: enough to refuse editing what does not exist, to
know which consultation an item belongs to and, for a questionnaire, the questions
its recorded answers point to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from services.consultation import content_events as ev
from services.consultation.answered_questionnaire import keep_answers_meaning
from services.consultation.content_commands import (
    AttachVideo,
    PublishArticle,
    RemoveDocument,
    RemoveQuestionnaire,
    RemoveVideo,
    SaveQuestionnaire,
    UnpublishArticle,
    WriteArticle,
)
from services.consultation.questionnaire import validate_questionnaire
from services.consultation.videos import parse_video_url
from services.core.errors import DomainError, Refusals
from services.core.events import DomainEvent
from services.core.values import ident, text

ARTICLE_KINDS = {"article": "article", "news": "actualité"}
BODY_MAX = 50_000


@dataclass(frozen=True, slots=True)
class Item:
    """What the content commands need to know about an item's past."""

    version: int = 0
    consultation_id: str = ""
    published: bool = False
    removed: bool = False
    questions: tuple[dict[str, Any], ...] = ()  # a questionnaire's, as last saved

    @property
    def exists(self) -> bool:
        return self.version > 0 and not self.removed


def stream(kind: str, item_id: str) -> str:
    return f"{kind}-{item_id}"


def evolve(state: Item, event: DomainEvent) -> Item:
    state = replace(state, version=state.version + 1)
    cid = getattr(event, "consultation_id", state.consultation_id)
    state = replace(state, consultation_id=cid)
    if isinstance(event, ev.ArticlePublished):
        return replace(state, published=True)
    if isinstance(event, ev.ArticleUnpublished):
        return replace(state, published=False)
    if isinstance(event, ev.QuestionnaireRemoved | ev.DocumentRemoved | ev.VideoRemoved):
        return replace(state, removed=True)
    if isinstance(event, ev.QuestionnaireSaved):
        return replace(state, removed=False, questions=tuple(event.questions))
    if isinstance(event, ev.DocumentAttached | ev.VideoAttached):
        return replace(state, removed=False)
    return state


def must_exist(state: Item, what: str) -> None:
    if not state.exists:
        raise DomainError("not_found", f"{what} introuvable.")


def _same_consultation(state: Item, consultation_id: str) -> None:
    """A command names the consultation its caller's right was checked on: an item
    of another one is refused, whoever sent it (decided on the item's stream)."""
    if state.version and state.consultation_id != consultation_id:
        raise DomainError("wrong_consultation",
                          "Cet élément appartient à une autre consultation.",
                          field="consultation_id")


def decide_save_questionnaire(state: Item, cmd: SaveQuestionnaire) -> list[DomainEvent]:
    _same_consultation(state, cmd.consultation_id)
    if cmd.if_absent and state.version:
        return []  # imported already (even if removed since): nothing to do
    saved = validate_questionnaire(cmd)
    if cmd.answered and state.questions:  # compared with its stream's, not a read model
        keep_answers_meaning(state.questions, saved["questions"])
    return [ev.QuestionnaireSaved(**saved)]


ANSWERED_NOT_REMOVED = ("Ce questionnaire a déjà des réponses : il ne peut plus être "
                        "supprimé (ses réponses, ses statistiques et les données ouvertes en "
                        "dépendent).")


def decide_remove_questionnaire(state: Item, cmd: RemoveQuestionnaire) -> list[DomainEvent]:
    must_exist(state, "Questionnaire")
    _same_consultation(state, cmd.consultation_id)
    if cmd.answered:
        raise DomainError("questionnaire_answered", ANSWERED_NOT_REMOVED)
    return [ev.QuestionnaireRemoved(cmd.questionnaire_id, state.consultation_id)]


def decide_write_article(state: Item, cmd: WriteArticle) -> list[DomainEvent]:
    ident(cmd.article_id, "article_id")
    _same_consultation(state, cmd.consultation_id)
    with Refusals() as refused:  # every field's refusal at once (ADR 0144)
        if cmd.kind not in ARTICLE_KINDS:
            refused.add(DomainError("invalid_kind",
                                    "Le type doit être « article » ou « actualité ».",
                                    field="kind"))
        title = refused.check(text, cmd.title, "title", label="Le titre", max_len=200,
                              min_len=3)
        summary = refused.check(text, cmd.summary, "summary", label="Le chapeau", max_len=500)
        body = refused.check(text, cmd.body_markdown, "body_markdown", label="Le texte",
                             max_len=BODY_MAX, min_len=1)
    assert title is not None and summary is not None and body is not None  # refused otherwise
    return [ev.ArticleWritten(cmd.article_id, cmd.consultation_id, cmd.kind, title, summary,
                              body)]


def decide_publish_article(state: Item, cmd: PublishArticle) -> list[DomainEvent]:
    must_exist(state, "Article")
    _same_consultation(state, cmd.consultation_id)
    return [] if state.published else [ev.ArticlePublished(cmd.article_id,
                                                           state.consultation_id)]


def decide_unpublish_article(state: Item, cmd: UnpublishArticle) -> list[DomainEvent]:
    must_exist(state, "Article")
    _same_consultation(state, cmd.consultation_id)
    return [ev.ArticleUnpublished(cmd.article_id, state.consultation_id)] \
        if state.published else []


def decide_remove_document(state: Item, cmd: RemoveDocument) -> list[DomainEvent]:
    must_exist(state, "Document")
    _same_consultation(state, cmd.consultation_id)
    return [ev.DocumentRemoved(cmd.document_id, state.consultation_id)]


def decide_attach_video(state: Item, cmd: AttachVideo) -> list[DomainEvent]:
    ident(cmd.video_id, "video_id")
    _same_consultation(state, cmd.consultation_id)  # a removed one is still its own
    if state.exists:
        raise DomainError("already_exists", "Cette vidéo existe déjà.", field="video_id")
    with Refusals() as refused:  # the title's refusal beside the address's (ADR 0144)
        ref = refused.check(parse_video_url, cmd.url)
        title = refused.check(text, cmd.title, "title", label="Le titre", max_len=200,
                              min_len=1)
    assert ref is not None and title is not None  # refused otherwise
    return [ev.VideoAttached(cmd.video_id, cmd.consultation_id, title, ref.provider,
                             ref.video_id, ref.url)]


def decide_remove_video(state: Item, cmd: RemoveVideo) -> list[DomainEvent]:
    must_exist(state, "Vidéo")
    _same_consultation(state, cmd.consultation_id)
    return [ev.VideoRemoved(cmd.video_id, state.consultation_id)]
