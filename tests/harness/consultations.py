"""Consultations as tests need them, written through the command handlers:
created, scheduled and published in one call; the Grand Débat with its
"Fiscalité" questionnaire (a conditional follow-up); a consultation opened for
deposits on the embedded platform, one created but not published; and a vote
phase with its items (published, hidden, withdrawn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from harness.platform import SYSTEM, Platform, until
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
    SaveQuestionnaire,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.core.participants import ModeratorContext, ParticipantContext
from services.deposit.commands import SetContributionPolicy, SubmitProposal, WithdrawContribution
from services.moderation.commands import ClaimItem, Decide
from services.runtime.bootstrap import Container

ORGANISER = Meta(Actor("p-organiser", "organiser"))
FISCALITE = (
    QuestionSpec("impots", "single", "Faut-il baisser les impôts ?", required=True,
                 options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non")), allow_other=True),
    QuestionSpec("lesquels", "open", "Si oui, lesquels ?", required=True, max_length=300,
                 condition=ConditionSpec("impots", ("oui",))),
)
VOTE_CID = "velo"
AGREE = {"kind": "agree", "choice": "agree"}


async def publish(container: Container, meta: Meta, cid: str, title: str, slug: str,
                  *phases: PhaseSpec, **options: Any) -> None:
    """Creates `cid` (with CreateConsultation's `options`), schedules `phases` and
    publishes it, as `meta`."""
    for cmd in (CreateConsultation(cid, title, slug, **options), SchedulePhases(cid, phases),
                PublishConsultation(cid)):
        await container.handle(cmd, meta)


def deposit_phase(now: datetime) -> PhaseSpec:
    """`depot`, from an hour before `now` for five days: proposals, comments, answers,
    meeting registrations."""
    return PhaseSpec("depot", "deposit", "Dépôt", now - timedelta(hours=1),
                     now + timedelta(days=5),
                     actions=("deposit", "comment", "answer", "register_meeting"))


async def grand_debat(container: Container, cid: str, slug: str, *, moderation: str = "pre",
                      opens_in: timedelta = timedelta(0)) -> None:
    """Published, its deposit phase open (from `opens_in`) for proposals, comments
    and answers, with the questionnaire `fiscalite` (`fiscalite-<cid>` unless
    `cid` is "gd")."""
    await publish(container, ORGANISER, cid, "Le grand débat", slug,
                  deposit_phase(datetime.now(UTC) + opens_in), moderation=moderation)
    await container.handle(SaveQuestionnaire("fiscalite" if cid == "gd" else f"fiscalite-{cid}",
                                             cid, "Fiscalité", FISCALITE), ORGANISER)


async def open_consultation(p: Platform, cid: str, *, level: str,
                            moderation: str = "post") -> None:
    """`cid` (also its slug) published, its deposit phase open; returns once the
    read model shows it published."""
    await publish(p.container, SYSTEM, cid, f"Consultation {cid}", cid,
                  deposit_phase(datetime.now(UTC)), identity_level=level, moderation=moderation)

    async def published() -> bool:
        doc = await p.container.store.get("consultation_detail", "all", cid)
        return doc is not None and bool(doc.get("published"))
    await until(published)


async def draft_consultation(p: Platform, level: str = "anonymous") -> str:
    """A consultation created (not published) under a new id; returns the id once
    the read model shows it."""
    cid = new_id()
    await p.container.handle(CreateConsultation(consultation_id=cid, title="Vélo", slug=cid[-8:],
                                                identity_level=level), SYSTEM)

    async def shown() -> bool:
        return await p.container.store.get("consultation_detail", "all", cid) is not None
    await until(shown)
    return cid


async def propose(client: httpx.AsyncClient, cid: str, key: str,
                  headers: dict[str, str] | None = None) -> httpx.Response:
    """A proposal through the JSON API, as the client's session."""
    return await client.post(f"/api/consultations/{cid}/proposals",
                             headers={"Idempotency-Key": key, **(headers or {})},
                             json={"title": "Des pistes cyclables", "body": "Partout, et sûres."})


async def open_vote(p: Platform, *, more: tuple[str, ...] = ()) -> None:
    """Consultation VOTE_CID, whose phase allows deposits and every kind of vote
    (and the actions in `more`): four published proposals (item-0 to item-3),
    item-4 hidden by a moderator, item-5 withdrawn by its author."""
    now = p.clock.now()
    await publish(p.container, SYSTEM, VOTE_CID, "Le vélo en ville", VOTE_CID, PhaseSpec(
        "vote", "vote", "Vote", now - timedelta(hours=1), now + timedelta(days=5),
        actions=("deposit", "vote_support", "vote_agree", "vote_ranking", *more)),
        identity_level="email")
    await until(lambda: shown_with_phases(p.container, VOTE_CID))  # the policy checks it
    await p.container.handle(SetContributionPolicy(VOTE_CID, withdraw_allowed=True), SYSTEM)
    authors = [ParticipantContext(f"p-author{n}", "email") for n in range(6)]
    for n, author in enumerate(authors):
        await p.container.handle(SubmitProposal(
            f"item-{n}", VOTE_CID, author, f"Proposition {n}",
            "Une proposition assez longue pour passer."), SYSTEM)
    await until(lambda: _try(p, WithdrawContribution("item-5", authors[5])))
    modo = ModeratorContext("p-modo")
    await until(lambda: _try(p, ClaimItem("item-4", VOTE_CID, modo)))  # once the queue has it
    await until(lambda: _try(p, Decide("item-4", VOTE_CID, modo, "hidden", "hors_sujet")))

    async def ready() -> bool:
        items = p.container.store
        shown = await items.get("public_state", "all", "item-4")
        gone = await items.get("deposit_contributions", "all", "item-5")
        return bool(shown and shown.get("decision") == "hidden" and gone
                    and gone.get("withdrawn"))
    await until(ready)


async def hidden_by_a_moderator(p: Platform, item: str) -> None:
    """A moderator claims `item` (of VOTE_CID, `open_vote`'s) and hides it; returns
    once the public state says so (the queue may not hold a new item yet: tried
    again until it does)."""
    moderator = ModeratorContext("p-modo")

    async def hidden() -> bool:
        await _try(p, ClaimItem(item, VOTE_CID, moderator))
        await _try(p, Decide(item, VOTE_CID, moderator, "hidden", "hors_sujet"))
        state = await p.container.store.get("public_state", "all", item)
        return bool(state and state.get("decision") == "hidden")
    await until(hidden)


async def shown_with_phases(container: Container, cid: str) -> bool:
    """Whether the read model shows `cid` published, with its phases."""
    doc = await container.store.get("consultation_detail", "all", cid)
    return bool(doc and doc["published"] and doc.get("phases"))


async def _try(p: Platform, command: object) -> bool:
    try:
        await p.container.handle(command, SYSTEM)
    except Exception:  # a read model not caught up yet: tried again
        return False
    return True
