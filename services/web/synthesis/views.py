"""What the synthesis pages read: the published synthesis of a consultation with
its verbatims (only those still published), a theme's contributions page by
page, the follow-up, and the downloadable report (Markdown and CSV). Constant
store work per page: one get_many for every text shown, never one per item."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from services.core.spreadsheet import csv_writer
from services.moderation.publication import PUBLIC_PROPOSALS
from services.store.port import Doc, ReadStore
from services.synthesis.followup.model import STATUSES
from services.synthesis.followup.tables import RESPONSES
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import (
    MEMBERS,
    PUBLISHED,
    WHOLE_PUBLISHED,
    members_partition,
    published_key,
)
from services.web.rendering import count_fr, french_date, french_number
from services.web.views import Page, paged

SHOWN_VERBATIMS = 3
RESPONSES_PAGE = 20  # follow-up responses a page, the latest published first
KIND_LABELS = {"proposal": "Proposition", "answer": "Réponse au questionnaire"}


def shown_verbatims(theme: Mapping[str, Any]) -> list[str]:
    """The analysts' marked verbatims first, else the run's nearest to the centre."""
    return list(theme.get("marked") or theme.get("verbatims") or [])[:SHOWN_VERBATIMS]


async def responses_page(store: ReadStore, cid: str, number: int) -> Page:
    """Page `number` of the consultation's follow-up responses, the latest first
    (their ids are time-ordered). The first 200 by id only were listed, so once
    there were more, those published last were the ones missing."""
    page = await paged(store, RESPONSES, cid, number, RESPONSES_PAGE, reverse=True)
    page.items.sort(key=lambda r: r["published_at"], reverse=True)
    return page


def synthesis_root(slug: str, key: str = "") -> str:
    """A scope's public synthesis page (ADR 0143 amended): `/synthese` the whole
    consultation's, `/synthese/<scope key>` another's: `/synthese/propositions`,
    `/synthese/question/<questionnaire>/<question>` (no route of the whole's,
    `themes/<id>`, `rapport.md`, `themes.csv`, starts like a scope key)."""
    return f"/consultations/{slug}/synthese" + (f"/{key}" if key else "")


MAX_SCOPES = 1000  # published syntheses of a consultation: one a scope, a few dozen


async def publications(store: ReadStore, cid: str) -> dict[str, Doc]:
    """{scope key ("" the whole consultation): its published synthesis}, one read."""
    rows = await store.list(PUBLISHED, cid, limit=MAX_SCOPES)
    return {("" if k == WHOLE_PUBLISHED else k): d for k, d in rows}


async def published_view(store: ReadStore, cid: str, number: int = 1, *, key: str = "",
                         with_responses: bool = True) -> dict[str, Any]:
    """The published synthesis of scope `key` (ADR 0143 amended: one a scope; "" the
    whole consultation) with page `number` of the follow-up responses (none read
    without `with_responses`: a theme's page, the themes' CSV, a scope's page)."""
    published = await store.get(PUBLISHED, cid, published_key(key))
    return await view_of(store, cid, published, number, with_responses=with_responses)


async def view_of(store: ReadStore, cid: str, published: Doc | None, number: int = 1, *,
                  with_responses: bool = True) -> dict[str, Any]:
    """`published_view` of a publication already read (None: none published)."""
    page = (await responses_page(store, cid, number) if with_responses
            else Page([], 1, 1, 0))
    responses = page.items
    linked = await linked_proposals(store, cid, responses)
    if published is None:
        return {"published": None, "themes": [], "responses": responses, "texts": {},
                "linked": linked, "responses_page": page}
    wanted = [v for t in published["themes"] for v in shown_verbatims(t)]
    wanted += [c["representative_id"] for c in published["campaigns"]]
    texts = await store.get_many(CORPUS, cid, wanted) if wanted else {}
    total = sum(t["size"] for t in published["themes"]) or 1
    themes = [{**t, "share": 100.0 * t["size"] / total,
               "shown": [texts[v] for v in shown_verbatims(t) if v in texts]}
              for t in published["themes"]]
    return {"published": published, "themes": themes, "responses": responses, "texts": texts,
            "linked": linked, "responses_page": page}


async def linked_proposals(store: ReadStore, cid: str,
                           responses: list[dict[str, Any]]) -> dict[str, str]:
    """{proposal id: title} of the proposals the responses link and the public
    still sees (one read for the page): a hidden one is not named."""
    ids = sorted({i for r in responses for i in r.get("proposal_ids", ())})
    docs = await store.get_many(PUBLIC_PROPOSALS, cid, ids) if ids else {}
    return {i: d["title"] for i, d in docs.items()}


MAX_READS_PER_PAGE = 20  # bounds one request when most members were hidden


def find_theme(view: Mapping[str, Any], theme_id: str) -> dict[str, Any] | None:
    return next((t for t in view["themes"] if t["theme_id"] == theme_id), None)


async def theme_members(store: ReadStore, cid: str, run_id: str, theme: Mapping[str, Any], *,
                        after: str | None, day: str | None, size: int,
                        ) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the theme's contributions still published (oldest day first),
    and the cursor of the next page (None at the end). `day` keeps one day.
    Members hidden or withdrawn since the run are skipped and the page filled
    from the rows after them, so a page is short only at the end."""
    cursor = after or (f"{day}|" if day else None)
    shown: list[dict[str, Any]] = []
    for _ in range(MAX_READS_PER_PAGE):
        rows = await _member_rows(store, run_id, theme, after=cursor, limit=size + 1)
        if day:
            rows = [kv for kv in rows if kv[0].startswith(f"{day}|")]
        taken = rows[: size - len(shown)]
        if taken:
            docs = await store.get_many(CORPUS, cid, [d["id"] for _, d in taken])
            shown += [docs[d["id"]] for _, d in taken if d["id"] in docs]
            cursor = taken[-1][0]
        if len(rows) == len(taken):  # nothing after: the last page
            return shown, None
        if len(shown) >= size:
            return shown, cursor
    return shown, cursor  # mostly hidden members: the next page goes on from here


async def _member_rows(store: ReadStore, run_id: str, theme: Mapping[str, Any], *,
                       after: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """The first `limit` member rows after `after`, across the theme's parts (a merged
    theme reads each of its parts' rows), in key order: day, then id."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for part in theme["parts"]:
        rows += await store.list(MEMBERS, members_partition(run_id, part), limit=limit,
                                 after=after)
    rows.sort(key=lambda kv: kv[0])
    return rows[:limit]


def report_markdown(consultation: Mapping[str, Any], view: Mapping[str, Any],
                    base_url: str, *, covers: str = "") -> str:
    """The report to download: themes, figures, verbatims, decisions, method.
    `base_url`: the absolute address of its synthesis page (its scope's).
    `covers`: what the published run's themes cover (runs.scope.describe), said
    first as the run's page says it (« Périmètre : les réponses à « … » »)."""
    pub = view["published"]
    lines = [f"# Synthèse : {_md(consultation['title'])}", ""]
    if covers and pub is not None:
        lines += [f"Périmètre : {_md(covers)}.", ""]
    if pub is None:  # the responses to proposals are public all the same
        return "\n".join([*lines, "La synthèse n'est pas encore publiée.", "",
                          *_responses_markdown(view["responses"])])
    analysed = count_fr(pub["contributions"], "contribution publiée analysée",
                        "contributions publiées analysées")
    lines += [f"Version n° {pub['publication']}, publiée le "
              f"{french_date(pub['published_at'])}. {analysed} (graine "
              f"{pub['parameters'].get('seed', '')}, empreinte de l'entrée "
              f"`{pub['input_digest'][:16]}`).", "", "## Thèmes", ""]
    for t in view["themes"]:
        link = f"{base_url}/themes/{t['theme_id']}"
        lines += [f"### {_md(t['label'])}", "",
                  f"- {count_fr(t['size'], 'contribution')} "
                  f"({french_number(t['share'], 1)}\u00a0%) : {link}",
                  "- Par jour : " + " ; ".join(f"{french_date(d)} : {french_number(n)}"
                                               for d, n in t["per_day"].items()),
                  ""]
        lines += [f"> {_md(v['text'])}" + "\n" for v in t["shown"]]
    if pub["campaigns"]:
        lines += ["## Contributions identiques (campagnes)", ""]
        lines += [f"- {c['copies']} copies, comptées une fois" for c in pub["campaigns"]]
        lines.append("")
    return "\n".join([*lines, *_responses_markdown(view["responses"])])


def _responses_markdown(responses: list[dict[str, Any]]) -> list[str]:
    if not responses:
        return []
    lines = ["## Suites données", ""]
    for r in responses:
        history = " ; ".join(f"{french_date(h['at'])} : "
                             f"{STATUSES.get(h['status'], h['status'])}" for h in r["history"])
        lines += [f"### {_md(r['title'])}", "", _md(r["body"]), "", f"Statut : {history}", ""]
    return lines


# The public themes' CSV, headed in French as the analysts' export is
# (search/view.py); its values stay machine-readable (a decimal point, ISO days).
# Its scope is a column, the run's page's « Périmètre » on every row: a line above
# the headings would break the readers that take the first line for them.
THEMES_HEADINGS = ("Identifiant du thème", "Thème", "Contributions", "Part (%)",
                   "Premier jour", "Dernier jour", "Adresse", "Périmètre")


def themes_csv(view: Mapping[str, Any], base_url: str, *, covers: str = "") -> str:
    """`covers`: what the published run's themes cover (runs.scope.describe);
    `base_url`: the absolute address of its synthesis page (its scope's)."""
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow(THEMES_HEADINGS)
    for t in view["themes"]:
        days = sorted(t["per_day"])
        w.writerow([t["theme_id"], t["label"], t["size"], f"{t['share']:.1f}",
                    days[0] if days else "", days[-1] if days else "",
                    f"{base_url}/themes/{t['theme_id']}", covers])
    return out.getvalue()


def _md(text: str) -> str:
    """Markdown that cannot turn into markup or links: special characters escaped."""
    out = "".join(f"\\{ch}" if ch in "\\`*_{}[]()#+-.!<>|~" else ch for ch in text)
    return " ".join(out.split())
