"""Open data of a consultation's published proposals and arguments, and of its
vote counts per item (ADR 0066), beside the questionnaires' answers.

What the public pages show, and nothing more: the rows come from the public
read models (`moderation.publication`: hidden, rejected and withdrawn
contributions are absent, a text masked by moderation is its masked version),
the vote counts from the vote service's query port (totals, never a ballot). No
author identity at all, not even a per-export pseudonym: the public pages show
none. Free texts go through the personal-data scrubber as the answers do, and
territory x day is k-anonymous (ADR 0047)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from services.moderation.publication import (
    ALL,
    PUBLIC_ARGUMENTS,
    PUBLIC_PROPOSALS,
    STATE,
    published,
    shows,
)
from services.store.port import Doc, ReadStore
from services.synthesis.opendata.export import free_text, when
from services.synthesis.opendata.tabular import csv_bytes, k_anonymous, pages
from services.territory.geography import territory_label
from services.vote.queries import vote_results

PROPOSAL_COLUMNS = ("id", "reference", "title", "body", "createdAt", "territory",
                    "territoryName", "themeId", "argumentsFor", "argumentsAgainst")
ARGUMENT_COLUMNS = ("id", "reference", "proposalId", "side", "body", "createdAt")
VOTE_COLUMNS = ("phaseId", "phaseTitle", "itemId", "itemTitle", "frozen", "support",
                "agree", "disagree", "neutral")
SIDES = {"for": "pour", "against": "contre"}


def proposals_csv(store: ReadStore, consultation_id: str, k: int) -> AsyncIterator[bytes]:
    async def rows() -> AsyncIterator[dict[str, str]]:
        number = 0
        async for doc in pages(store, PUBLIC_PROPOSALS, consultation_id):
            number += 1
            yield _proposal(doc, number)

    async def named() -> AsyncIterator[dict[str, str]]:
        async for row in k_anonymous(rows, k, territory="territory", dates=("createdAt",)):
            row["territoryName"] = territory_label(row["territory"]) if row["territory"] else ""
            yield row
    return csv_bytes(PROPOSAL_COLUMNS, named())


def arguments_csv(store: ReadStore, consultation_id: str, k: int) -> AsyncIterator[bytes]:
    """Proposal by proposal (the arguments' partition), each page streamed."""
    async def rows() -> AsyncIterator[dict[str, str]]:
        number = 0
        async for proposal in pages(store, PUBLIC_PROPOSALS, consultation_id):
            async for doc in pages(store, PUBLIC_ARGUMENTS, proposal["id"]):
                number += 1
                yield {"id": doc["id"], "reference": str(number),
                       "proposalId": doc["proposal_id"], "side": SIDES.get(doc["side"], ""),
                       "body": free_text(doc["body"]), "createdAt": when(doc["submitted_at"])}
    return csv_bytes(ARGUMENT_COLUMNS, k_anonymous(rows, k, territory=None,
                                                   dates=("createdAt",)))


async def votes_csv(store: ReadStore, consultation: Doc) -> AsyncIterator[bytes]:
    """Counts per item and phase: aggregates of many ballots, the results page's.
    An item hidden, rejected or withdrawn since is left out (the one publication
    rule); one whose author was erased keeps its counts without its title."""
    tallies = await vote_results(store, consultation)
    states = await store.get_many(STATE, ALL, sorted({t["item_id"] for t in tallies}))

    async def rows() -> AsyncIterator[dict[str, str]]:
        for t in tallies:
            state = states.get(t["item_id"])
            if state is None or not published(state):
                continue
            agree = t["agree"]
            yield {"phaseId": t["phase_id"], "phaseTitle": t["phase_title"],
                   "itemId": t["item_id"],
                   "itemTitle": free_text(state.get("title", "")) if shows(state) else "",
                   "frozen": "true" if t["frozen"] else "false",
                   "support": str(t["support"]["total"]), "agree": str(agree["agree"]),
                   "disagree": str(agree["disagree"]), "neutral": str(agree["neutral"])}
    async for chunk in csv_bytes(VOTE_COLUMNS, rows()):
        yield chunk


def _proposal(doc: Doc, number: int) -> dict[str, str]:
    counts = doc.get("counts") or {}
    return {"id": doc["id"], "reference": str(number), "title": free_text(doc["title"]),
            "body": free_text(doc["body"]), "createdAt": when(doc["submitted_at"]),
            "territory": doc.get("territory") or "", "territoryName": "",
            "themeId": doc.get("theme_id") or "",
            "argumentsFor": str(counts.get("for", 0)),
            "argumentsAgainst": str(counts.get("against", 0))}
