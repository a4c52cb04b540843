"""Vote phases carry their method, set in the back office (issue #18 item 1, ADR
0062), through the embedded platform's HTTP pages: irritants deposited then voted
agree / disagree with chosen qualifications, solutions deposited then supported
(« x / seuil ») and ranked; each vote phase serves only its own items, and the
results page keeps one tab per vote phase. Saving the phases form as shown keeps
every phase's kinds and method (it used to reset every vote phase to support-only).

Deposits and past ballots run on the platform's clock set inside their phase
(handlers decide on the clock they are given); pages decide on the real clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from harness.forms import admin_client, post_form, shown_fields
from harness.platform import (
    SYSTEM,
    Platform,
    participant,
    session_client,
    until,
)

from services.core.errors import DomainError
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.vote.commands import CastBallot
from services.vote.items import StorePublishedItems

PARIS = ZoneInfo("Europe/Paris")
IRRITANTS = ["Pistes coupées net", "Vols de vélos en gare", "Carrefours dangereux"]
SOLUTIONS = ["Un réseau express vélo", "Des arceaux sécurisés", "Des sas aux feux"]


def local(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def schedule(now: datetime, redated: bool) -> dict[str, tuple[datetime, datetime]]:
    day = timedelta(days=1)
    # `redated`: the solutions' deposit phase moved after they were deposited
    solutions = now - (2 * day if redated else 3 * day)
    return {"irritants": (now - 10 * day, now - 6 * day), "vote1": (now - 6 * day, now - 3 * day),
            "solutions": (solutions, now - timedelta(hours=1)),
            "vote2": (now - timedelta(hours=1), now + 5 * day)}


def phase_rows(now: datetime, ids: list[str] | None = None,
               redated: bool = False) -> list[tuple[str, str]]:
    """The four phases as an organiser types them; with `ids` (the saved phases),
    each vote phase also names its deposit phase."""
    when = schedule(now, redated)
    rows: list[tuple[str, str]] = []
    table = [("irritants", "deposit", "Dépôt des irritants", ()),
             ("vote1", "vote", "Vote sur les irritants", ("vote_agree",)),
             ("solutions", "deposit", "Dépôt des solutions", ()),
             ("vote2", "vote", "Vote sur les solutions", ("vote_support", "vote_ranking"))]
    for i, (key, kind, title, kinds) in enumerate(table):
        at = f"phases.{i}"
        rows += [(f"{at}.phase_id", ids[i] if ids else ""), (f"{at}.kind", kind),
                 (f"{at}.title", title), (f"{at}.starts_at", local(when[key][0])),
                 (f"{at}.ends_at", local(when[key][1])), (f"{at}.description", "")]
        rows += [(f"{at}.actions", k) for k in kinds]
        rows += [(f"{at}.vote.support_threshold", "7" if key == "vote2" else "100"),
                 (f"{at}.vote.ranking_max", "2" if key == "vote2" else "5"),
                 (f"{at}.vote.identity_level", "")]
        if key == "vote1":
            rows += [(f"{at}.vote.qualifications", q) for q in ("prioritaire", "realiste")]
            if ids:
                rows.append((f"{at}.vote.sources", ids[0]))
        if key == "vote2" and ids:
            rows.append((f"{at}.vote.sources", ids[2]))
    return rows


async def organised(p: Platform) -> tuple[str, httpx.AsyncClient]:
    """A consultation organised only through the back office: created, its four
    phases saved, then each vote phase given its deposit phase, published."""
    admin = await admin_client(p)
    created = await post_form(admin, "/admin/consultations/nouvelle",
                              "/admin/consultations/nouvelle",
                              {"title": "Mieux circuler à vélo", "slug": "velo"})
    assert created.status_code == 303, created.text
    cid = created.headers["location"].rsplit("/", 1)[1]
    form = f"/admin/consultations/{cid}/phases"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    saved = await post_form(admin, form, form, phase_rows(now))
    assert saved.status_code == 303, saved.text
    page = (await admin.get(form)).text
    ids = [re.search(rf'name="phases\.{i}\.phase_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
           for i in range(4)]
    assert f'value="{ids[0]}"' in page and "Dépôt des solutions" in page  # offered as sources
    sourced = await post_form(admin, form, form, phase_rows(now, ids))
    assert sourced.status_code == 303, sourced.text
    published = await post_form(admin, f"/admin/consultations/{cid}",
                                f"/admin/consultations/{cid}/publication",
                                {"action": "publier"})
    assert published.status_code == 303
    return cid, admin


async def deposit_and_vote(p: Platform, cid: str) -> None:
    """Irritants deposited in their phase and voted in theirs; solutions deposited
    in theirs: one author each time (the sequence must still show every item)."""
    doc = await p.container.store.get("consultation_detail", "all", cid)
    assert doc is not None
    start = {ph["title"]: datetime.fromisoformat(ph["starts_at"]) for ph in doc["phases"]}
    real = p.clock.now()
    for titles, phase, prefix in ((IRRITANTS, "Dépôt des irritants", "irr"),
                                  (SOLUTIONS, "Dépôt des solutions", "sol")):
        p.clock.advance(start[phase] + timedelta(hours=2) - p.clock.now())
        author = ParticipantContext(f"p-auteur-{prefix}", "email")
        for n, title in enumerate(titles):
            await p.container.handle(SubmitProposal(
                f"{prefix}-{n}", cid, author, title, "Un texte assez long pour passer."), SYSTEM)
        if prefix == "irr":
            await until(lambda: _published(p, [f"irr-{n}" for n in range(3)]))
            p.clock.advance(start["Vote sur les irritants"] + timedelta(hours=2) - p.clock.now())
            voter = ParticipantContext("p-votant", "email")
            await p.container.handle(CastBallot("irr-0", voter, "agree", "agree",
                                                ("prioritaire",)), SYSTEM)
            with pytest.raises(DomainError, match="Qualification inconnue"):
                await p.container.handle(CastBallot("irr-1", voter, "agree", "agree",
                                                    ("coup_de_coeur",)), SYSTEM)
    p.clock.advance(real - p.clock.now())
    await until(lambda: _published(p, [f"sol-{n}" for n in range(3)]))


async def _published(p: Platform, ids: list[str]) -> bool:
    # As the vote handler sees them (the contributions and public state read models,
    # which the deposit and moderation projections fill at their own pace).
    items = StorePublishedItems(p.container.store)
    seen = [await items.get(i) for i in ids]
    return None not in seen and \
        len(await p.container.store.get_many("public_state", "all", ids)) == len(ids)


async def test_each_vote_phase_serves_its_items_and_results_keep_a_tab_each(
        platform: Platform) -> None:
    p = platform
    cid, admin = await organised(p)
    await deposit_and_vote(p, cid)
    # the organiser re-dates the solutions' deposit phase: they stay its items
    form = f"/admin/consultations/{cid}/phases"
    ids = [ph["phase_id"] for ph in await scheduled(p, cid)]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    redated = await post_form(admin, form, form, phase_rows(now, ids, redated=True))
    assert redated.status_code == 303, redated.text
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        calendar = (await client.get("/consultations/velo")).text
        assert "Soumet au vote les contributions de : Dépôt des irritants" in calendar
        assert "Soumet au vote les contributions de : Dépôt des solutions" in calendar
        page = (await client.get(f"/vote/{cid}")).text
        assert "Vote sur les solutions" in page
        for title in SOLUTIONS:  # one author, all three shown
            assert title in page
        for title in IRRITANTS:
            assert title not in page
        assert "Soutiens : 0 / 7" in page
        assert "Qualifier" not in page  # no agree/disagree in this phase

        refused = await post_form(client, f"/vote/{cid}", f"/vote/{cid}/irr-0",
                                  {"kind": "support", "choice": "support"})
        assert refused.status_code == 400
        assert "est pas soumise au vote dans la phase" in refused.text

        supported = await post_form(client, f"/vote/{cid}", f"/vote/{cid}/sol-1",
                                    {"kind": "support", "choice": "support"})
        assert supported.status_code == 303

        ranking = (await client.get(f"/vote/{cid}/classement")).text
        assert "Un réseau express vélo" in ranking and "Pistes coupées net" not in ranking
        assert "2e choix" in ranking and "3e choix" not in ranking  # ranking of up to 2

        async def counted() -> bool:
            return "1 / 7" in (await client.get(f"/vote/{cid}/resultats")).text
        await until(counted)
        results = (await client.get(f"/vote/{cid}/resultats")).text
        tabs = re.findall(r'role="tab"[^>]*>([^<]+)</button>', results)
        assert tabs == ["Vote sur les irritants", "Vote sur les solutions"]
        assert results.count('class="fr-tabs__panel') == 2
        first = results.split('id="resultats-1"')[1].split('id="resultats-2"')[0]
        assert "Pistes coupées net" in first and "prioritaire : 1" in first
        second = results.split('id="resultats-2"')[1]
        assert "Des arceaux sécurisés" in second and "Pistes coupées net" not in second
        shown = (await client.get(f"/vote/{cid}/resultats?phase=nope")).text
        assert 'aria-selected="true" aria-controls="resultats-2"' in shown  # the latest


async def test_saving_the_phases_form_as_shown_keeps_every_method(platform: Platform) -> None:
    p = platform
    cid, admin = await organised(p)
    before = await scheduled(p, cid)
    form = f"/admin/consultations/{cid}/phases"
    page = (await admin.get(form)).text
    resaved = await admin.post(form, data=_multi(shown_fields(page, form)))
    assert resaved.status_code == 303, resaved.text
    after = await scheduled(p, cid)
    assert after == before
    vote1, vote2 = after[1], after[3]
    assert vote1["actions"] == ["vote_agree"]
    assert vote1["vote"]["qualifications"] == ["realiste", "prioritaire"]
    assert vote1["vote"]["sources"] == [after[0]["phase_id"]]
    assert vote2["actions"] == ["vote_support", "vote_ranking"]
    assert vote2["vote"]["support_threshold"] == 7 and vote2["vote"]["ranking_max"] == 2


async def test_a_vote_phase_method_is_checked_in_french(platform: Platform) -> None:
    p = platform
    cid, admin = await organised(p)
    form = f"/admin/consultations/{cid}/phases"
    page = (await admin.get(form)).text
    fields = [(k, "zéro" if k == "phases.3.vote.support_threshold" else v)
              for k, v in shown_fields(page, form)]
    r = await admin.post(form, data=_multi(fields))
    assert r.status_code == 400
    assert 'id="f-phases.3.vote.support_threshold-err"' in r.text
    assert "Le seuil de soutiens doit être un nombre entier." in r.text
    assert 'value="vote_ranking" checked' in r.text  # the form comes back as typed
    # a source that is not a deposit phase before the vote phase
    fields = [(k, v) for k, v in shown_fields(page, form) if k != "phases.3.vote.sources"]
    fields.append(("phases.3.vote.sources", (await scheduled(p, cid))[1]["phase_id"]))
    r = await admin.post(form, data=_multi(fields))
    assert r.status_code == 400
    assert "phase de dépôt qui la précède" in r.text
    assert 'id="f-phases.3.vote.sources-err"' in r.text
    # a vote phase with no way to vote
    fields = [(k, v) for k, v in shown_fields(page, form) if k != "phases.1.actions"]
    fields += [("phases.1.actions", "comment")]
    r = await admin.post(form, data=_multi(fields))
    assert r.status_code == 400 and "au moins une façon de voter" in r.text


async def scheduled(p: Platform, cid: str) -> list[dict[str, Any]]:
    records = await p.container.log.read("consultation.events", limit=1000)
    last = [r.event for r in records if r.event.type == "consultation.PhasesScheduled"
            and r.event.data["consultation_id"] == cid][-1]
    return list(last.data["phases"])


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out
