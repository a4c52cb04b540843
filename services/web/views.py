"""Read side of the pages (cosmicpython's views): the only web module that knows
the consultation service's read-model tables (documented in
services/consultation/projections.py). Every function issues a fixed number of
store queries: lists are read one page at a time, never one query per item."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request

from services.consultation import phases as ph
from services.consultation import projections as p
from services.consultation.model import known_territories
from services.core.values import iso
from services.store.port import Doc, ReadStore
from services.synthesis.conversations.projection import groups_published
from services.synthesis.opendata.settings import publishes_daily
from services.territory.geography import territory_label
from services.vote import model as vote_model

T = TypeVar("T")
ALL = "all"
PARIS = ZoneInfo("Europe/Paris")  # "today" for the meetings' list
CONTENT_PREVIEW = 5  # items of each kind shown on the consultation page


@dataclass(frozen=True)
class Page:
    items: list[Doc]
    number: int
    pages: int
    total: int


def _now() -> datetime:
    return datetime.now(UTC)


def decorate(doc: Doc, now: datetime) -> Doc:
    phases = _with_sources(ph.with_status(doc.get("phases") or [], now))
    current = ph.current_phase(phases, now)
    open_now = ph.open_actions(phases, now)
    voted_in = [p for p in phases if p["status"] != "upcoming"
                and vote_model.PHASE_ACTIONS & set(p.get("actions") or ())]
    return {**doc, "phases": phases,
            "status": ph.consultation_status(phases, now),
            "current_phase": current,
            "open_actions": [{"key": a, "label": ph.ACTIONS.get(a, a)} for a in open_now],
            # what the vote links on the consultation page need: a vote phase has
            # started (results exist), which kinds of vote are open now
            "vote": {"started": bool(voted_in),
                     "items_open": bool({"vote_support", "vote_agree"} & set(open_now)),
                     "ranking_open": "vote_ranking" in open_now,
                     "budget_open": "vote_budget" in open_now}}


def _with_sources(phases: list[Doc]) -> list[Doc]:
    """Each vote phase with the titles of the deposit phases whose items it puts
    to the vote (ADR 0062), for the calendar."""
    titles = {p["phase_id"]: p["title"] for p in phases}
    return [{**p, "votes_on": [titles[s] for s in ph.vote_method(p)["sources"] if s in titles]}
            if p.get("vote") else p for p in phases]


async def consultation_or_404(store: ReadStore, consultation_id: str, *,
                              published: bool = False) -> Doc:
    """The consultation's detail, or a 404 page (also for an unpublished one when
    `published` is asked: the public must not learn that it exists)."""
    doc = await store.get(p.DETAIL, ALL, consultation_id)
    if doc is None or (published and not doc.get("published")):
        raise HTTPException(404)
    return doc


async def slug_or_404(store: ReadStore, slug: str) -> Doc:
    """The published consultation at `slug`, or a 404 page."""
    doc = await consultation_by_slug(store, slug)
    if doc is None:
        raise HTTPException(404)
    return doc


HOME_SHOWN = 100  # the latest published consultations; every one on /consultations


async def home(store: ReadStore) -> dict[str, Any]:
    """Open and upcoming consultations, then past ones (two lists, two queries' worth)."""
    now = _now()
    rows = await store.list(p.PUBLISHED, ALL, limit=HOME_SHOWN, reverse=True)
    docs = [decorate(doc, now) for _, doc in rows]
    return {"current": [d for d in docs if d["status"] != "closed"],
            "past": [d for d in docs if d["status"] == "closed"]}


async def consultation_by_slug(store: ReadStore, slug: str, *,
                               published_only: bool = True) -> Doc | None:
    ref = await store.get(p.BY_SLUG, ALL, slug)
    if ref is None:
        return None
    detail = await store.get(p.DETAIL, ALL, ref["id"])
    if detail is None or (published_only and not detail.get("published")):
        return None
    return decorate(detail, _now())


async def consultation_page(store: ReadStore, slug: str, *,
                            published_only: bool = True) -> dict[str, Any] | None:
    c = await consultation_by_slug(store, slug, published_only=published_only)
    if c is None:
        return None
    cid = c["id"]
    articles = await store.list("published_articles", cid, limit=CONTENT_PREVIEW, reverse=True)
    documents = await store.list("documents", cid, limit=CONTENT_PREVIEW, reverse=True)
    videos = await store.list("videos", cid, limit=CONTENT_PREVIEW, reverse=True)
    meetings = await store.list("meetings_by_consultation", cid, limit=CONTENT_PREVIEW,
                                after=iso(_now()))
    return {"consultation": c, "articles": [d for _, d in articles],
            "documents": [d for _, d in documents], "videos": [d for _, d in videos],
            "meetings": [d for _, d in meetings],
            # the open-data page exists once the organiser publishes it daily
            "opendata": await publishes_daily(store, cid),
            # the opinion groups' page exists once an analyst published them
            "opinion_groups": await groups_published(store, cid)}


def keyset_after(request: Request, name: str = "apres") -> str | None:
    """The `?apres=` of a keyset list (`name`, on a page with another list of its
    own): the last key the previous page showed."""
    return request.query_params.get(name, "")[:200] or None


def keyset_cut(rows: Sequence[T], size: int, key: Callable[[T], str]
               ) -> tuple[list[T], str | None]:
    """A keyset page read with one row more than it shows (`size + 1`): the rows to
    show, and the key the next page goes on from when there are more."""
    shown = list(rows[:size])
    return shown, (key(shown[-1]) if len(rows) > size else None)


def page_number(request: Request) -> int:
    """The `?page=` of a numbered list; 1 when absent or not a number (`paged`
    brings it within the pages)."""
    try:
        return int(request.query_params.get("page") or 1)
    except ValueError:
        return 1


async def paged(store: ReadStore, table: str, partition: str, number: int, size: int, *,
                reverse: bool = False) -> Page:
    """Page `number` (from 1) of a partition: the key before it (`key_at`, which
    skips the rows before without reading them where the store can), then a keyset
    page. Reading every document up to the page made the back office's last page
    of a consultation's 10,000 meetings read them all."""
    total = await store.count(table, partition)
    pages = max(1, math.ceil(total / size))
    number = min(max(1, number), pages)
    after = None if number == 1 else await store.key_at(
        table, partition, (number - 1) * size - 1, reverse=reverse)
    rows = [] if number > 1 and after is None else await store.list(  # emptied meanwhile
        table, partition, limit=size, after=after, reverse=reverse)
    return Page([d for _, d in rows], number, pages, total)


async def every_consultation(store: ReadStore, number: int, size: int) -> dict[str, Any]:
    """Page `number` of every published consultation, the latest created first
    (their ids are time-ordered): the home page shows the latest only."""
    page = await paged(store, p.PUBLISHED, ALL, number, size, reverse=True)
    now = _now()
    return {"page": Page([decorate(doc, now) for doc in page.items], page.number,
                         page.pages, page.total)}


async def listing(store: ReadStore, slug: str, table: str, number: int, size: int, *,
                  reverse: bool = False) -> dict[str, Any] | None:
    c = await consultation_by_slug(store, slug)
    if c is None:
        return None
    page = await paged(store, table, c["id"], number, size, reverse=reverse)
    return {"consultation": c, "page": page}


async def item(store: ReadStore, slug: str, table: str, key: str,
               partition: str | None = None) -> dict[str, Any] | None:
    c = await consultation_by_slug(store, slug)
    if c is None:
        return None
    doc = await store.get(table, partition or c["id"], key)
    if doc is None or doc.get("consultation_id", c["id"]) != c["id"]:
        return None
    return {"consultation": c, "item": doc}


async def of_public_consultations(store: ReadStore, docs: list[Doc]) -> list[Doc]:
    """The docs (each with its `consultation_id`) of consultations the public may
    see (published now), in one read whatever their number: a list across
    consultations (every meeting) leaves out a draft's."""
    ids = sorted({d["consultation_id"] for d in docs})
    shown = await store.get_many(p.DETAIL, ALL, ids) if ids else {}
    return [d for d in docs if shown.get(d["consultation_id"], {}).get("published")]


async def meetings_page(store: ReadStore, table: str, partition: str, *, past: bool,
                        after: str | None, size: int) -> dict[str, Any]:
    """A page of the meetings (`table`'s keys are "<starts_at UTC>|<id>") from today
    on, in date order; or (`past`) of those before, the latest first. Keyset pages
    (`after`: the last key shown). Every meeting ever was listed from the first, so
    during a national consultation's months (10,134 meetings for the Grand Débat)
    the first pages held past ones. A page leaves out the meetings of a
    consultation not published (`of_public_consultations`): it may show fewer."""
    today = datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
    start = after or iso(today)  # before any key of today's meetings
    rows, next_key = keyset_cut(
        await store.list(table, partition, limit=size + 1, after=start, reverse=past),
        size, key=lambda row: row[0])
    items = await of_public_consultations(store, [m for _, m in rows])
    markers = [{k: m.get(k) for k in ("meeting_id", "title", "latitude", "longitude")}
               for m in items if m.get("latitude") is not None]
    return {"items": items, "markers": markers, "past": past, "first_page": after is None,
            "next": next_key}


def territory_choices() -> dict[str, list[tuple[str, str]]]:
    """The territories by name, grouped for a picker (France, régions, départements
    by code): a consultation's targets in the back office, a proposal's territory
    on the public form, labelled alike (« Guadeloupe (971) » beside the région)."""
    known = known_territories()
    regions = sorted(((c, n) for c, n in known.items() if c.startswith("R")),
                     key=lambda c: c[1].replace("Î", "I"))
    departements = [(c, territory_label(c)) for c in known if c != "FR" and c[0] != "R"]
    return {"France": [("FR", known["FR"])], "Régions": regions,
            "Départements": sorted(departements)}  # by code, as they are numbered
