"""Read side of the participation pages: published proposals and their
arguments (moderation's publication read model), a participant's own
contributions with their moderation status, the transparency counts. Each
function issues a fixed number of store queries, whatever the number of items:
lists are keyset pages (`after` = the last key of the previous page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.consultation import phases as ph
from services.consultation.model import known_territories
from services.consultation.queries import CONSULTATIONS
from services.core.values import parse_iso
from services.deposit.model import ACTION_OF, DEFAULT_POLICY
from services.deposit.projections import BY_AUTHOR, CONTRIBUTIONS, POLICIES
from services.deposit.queries import with_answers
from services.eventlog.port import EventLog
from services.moderation.events import CharterSet
from services.moderation.handlers import charter_stream
from services.moderation.model import charter_reasons
from services.moderation.publication import PUBLIC_ARGUMENTS, PUBLIC_PROPOSALS
from services.moderation.queries import PUBLIC_COMMENTS
from services.moderation.queue import CHARTERS, ITEMS, TRANSPARENCY
from services.store.port import Doc, ReadStore
from services.territory.geography import territory_label

ALL = "all"
KINDS = {"proposal": "Proposition", "response": "Réponse au questionnaire",
         "argument": "Argument", "comment": "Commentaire"}
SIDES = {"for": "Pour", "against": "Contre"}


def now() -> datetime:
    return datetime.now(UTC)


def is_open(consultation: Doc, action: str) -> bool:
    """Whether the consultation's current phases open `action` (deposit, answer,
    comment) now."""
    return action in ph.open_actions(consultation.get("phases") or [], now())


def themes_of(consultation: Doc) -> dict[str, str]:
    return {t["theme_id"]: t["title"] for t in consultation.get("themes") or []}


def territories() -> dict[str, str]:
    """Each territory's name as the back office gives it: « Guadeloupe (971) »,
    the département, beside « Guadeloupe », the région."""
    return {code: territory_label(code) for code in known_territories()}


async def _keyset(store: ReadStore, table: str, partition: str, after: str | None,
                  size: int, *, reverse: bool = False) -> tuple[list[Doc], str | None]:
    """One page and the key to ask for the next one (None on the last page):
    reading one row more than shown says whether a next page exists."""
    rows = await store.list(table, partition, limit=size + 1, after=after or None,
                            reverse=reverse)
    shown = rows[:size]
    return [d for _, d in shown], (shown[-1][0] if len(rows) > size else None)


async def proposals(store: ReadStore, c: Doc, after: str | None,
                    size: int) -> dict[str, Any]:
    """Newest first, each with its latest arguments for and against (embedded)."""
    items, next_key = await _keyset(store, PUBLIC_PROPOSALS, c["id"], after, size,
                                    reverse=True)
    return {"consultation": c, "items": items, "next": next_key, "after": after,
            "themes": themes_of(c), "territories": territories(), "sides": SIDES}


async def proposal(store: ReadStore, c: Doc, proposal_id: str, after: str | None,
                   size: int, comments_after: str | None = None) -> dict[str, Any] | None:
    """The proposal, one keyset page of its arguments and one of its public
    comments (oldest first: they read as a conversation); None when the
    consultation `c` has no such published proposal."""
    doc = await store.get(PUBLIC_PROPOSALS, c["id"], proposal_id)
    if doc is None:
        return None
    arguments, next_key = await _keyset(store, PUBLIC_ARGUMENTS, proposal_id, after, size)
    comments, next_comments = await _keyset(store, PUBLIC_COMMENTS, proposal_id,
                                            comments_after, size)
    return {"consultation": c, "proposal": doc, "arguments": arguments, "next": next_key,
            "after": after, "comments": comments, "next_comments": next_comments,
            "comments_after": comments_after, "themes": themes_of(c),
            "territories": territories(), "sides": SIDES}


async def contribution(store: ReadStore, contribution_id: str) -> Doc | None:
    """Any contribution, whatever its state (to recognise a resubmitted form)."""
    return await store.get(CONTRIBUTIONS, ALL, contribution_id)


def status_of(doc: Doc, item: Doc | None, reasons: dict[str, str]) -> dict[str, str]:
    """What the author is told about their contribution (label, DSFR badge, reason):
    a questionnaire response as any other, moderated as its consultation is (it
    said « Enregistrée » waiting for a moderator or refused by one)."""
    if doc.get("withdrawn"):
        return {"label": "Retirée", "badge": "", "reason": ""}
    status = item["status"] if item else "pending"
    code = str(item.get("reason_code") or "") if item else ""
    reason = reasons.get(code, code)
    if status == "approved" or (status == "pending" and doc["moderation"] == "post"):
        return {"label": "Publiée", "badge": "success", "reason": ""}
    if status == "hidden":
        return {"label": "Masquée par la modération", "badge": "warning", "reason": reason}
    if status == "rejected":
        return {"label": "Refusée par la modération", "badge": "error", "reason": reason}
    return {"label": "En attente de modération", "badge": "info", "reason": ""}


async def policy_of(store: ReadStore, consultation_id: str) -> Doc:
    return await store.get(POLICIES, ALL, consultation_id) or DEFAULT_POLICY


def may_edit(doc: Doc, consultation: Doc, policy: Doc) -> bool:
    """What `deposit.model.decide_edit` will accept, as far as the read models
    know: the policy's delay since sending, the kind's phase open now."""
    minutes = int(policy["edit_minutes"])
    if doc["kind"] == "response" or doc.get("withdrawn") or minutes <= 0:
        return False
    if now() > parse_iso(doc["submitted_at"]) + timedelta(minutes=minutes):
        return False
    return is_open(consultation, ACTION_OF[doc["kind"]])


def may_withdraw(doc: Doc, policy: Doc) -> bool:
    return bool(policy["withdraw_allowed"]) and doc["kind"] != "response" \
        and not doc.get("withdrawn")


def may_appeal(item: Doc | None) -> bool:
    return item is not None and item.get("status") in ("hidden", "rejected") \
        and not item.get("appeal")


async def my_contributions(store: ReadStore, log: EventLog, participant_id: str,
                           after: str | None, size: int) -> dict[str, Any]:
    """Newest first, each with what its author may do to it now; five queries
    per page (contributions, their moderation items, then per consultation the
    charter naming the reasons, the detail and the contribution policy), and one
    more for the answers of the responses on it (and the charter's history of a
    consultation whose reason for hiding one was removed from its charter since)."""
    docs, next_key = await _keyset(store, BY_AUTHOR, participant_id, after, size,
                                   reverse=True)
    docs = await with_answers(store, docs)
    ids = [d["id"] for d in docs]
    items = await store.get_many(ITEMS, ALL, ids) if ids else {}
    cids = sorted({d["consultation_id"] for d in docs})
    charters = await store.get_many(CHARTERS, ALL, cids) if cids else {}
    consultations = await store.get_many(CONSULTATIONS, ALL, cids) if cids else {}
    policies = await store.get_many(POLICIES, ALL, cids) if cids else {}
    refused: dict[str, set[str]] = {cid: set() for cid in cids}
    for d in docs:
        item = items.get(d["id"])
        if item and item.get("status") in ("hidden", "rejected"):
            refused[d["consultation_id"]].add(str(item.get("reason_code") or ""))
    labels = {cid: await reason_labels(log, cid, charters.get(cid), refused[cid])
              for cid in cids}
    rows = []
    for d in docs:
        reasons = labels[d["consultation_id"]]
        c = consultations.get(d["consultation_id"])
        policy = policies.get(d["consultation_id"]) or DEFAULT_POLICY
        item = items.get(d["id"])
        actions = {"edit": may_edit(d, c, policy), "withdraw": may_withdraw(d, policy),
                   "appeal": may_appeal(item) and not d.get("withdrawn")} if c else {}
        rows.append({**d, "kind_label": KINDS.get(d["kind"], d["kind"]),
                     "status": status_of(d, item, reasons), "slug": c["slug"] if c else "",
                     "actions": actions})
    return {"items": rows, "next": next_key, "after": after, "sides": SIDES}


async def transparency(store: ReadStore, log: EventLog, c: Doc) -> dict[str, Any]:
    """How many contributions moderation hid or refused, by charter reason (by
    its label: a reason removed from the charter since keeps its last one)."""
    rows = [d for _, d in await store.list(TRANSPARENCY, c["id"], limit=200) if d["count"] > 0]
    reasons = await reason_labels(log, c["id"], await store.get(CHARTERS, ALL, c["id"]),
                                  {d["reason_code"] for d in rows})
    counts = [{"label": reasons.get(d["reason_code"], d["reason_code"]), "count": d["count"]}
              for d in rows]
    return {"consultation": c, "counts": counts, "total": sum(r["count"] for r in counts)}


async def reason_labels(log: EventLog, consultation_id: str, charter: Doc | None,
                        codes: set[str]) -> dict[str, str]:
    """The labels of the reasons of `charter` (the consultation's, as read), with
    those of `codes` removed from it since (decisions name them, and the pages
    showed their raw code): the last label each had, read from the charter's
    history only when one is missing (one short stream: an event per save)."""
    labels = charter_reasons(charter)
    if codes <= labels.keys():
        return labels
    earlier = charter_reasons(None)  # the default charter, before any was set
    for event in await log.read_stream(charter_stream(consultation_id)):
        if event.type == CharterSet.TYPE:
            earlier.update(charter_reasons(event.data))
    return {**earlier, **labels}
