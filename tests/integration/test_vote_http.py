"""The vote service through its public HTTP interface (embedded platform on
SQLite, workers running, a participant's session cookie): JSON ballots and the
pages that work without JavaScript (vote buttons, ranking form, results).

Issue #6 "Must show": a repeated vote adds no event, a change moves the tally by
-1/+1, a withdrawal by -1; bad input (unknown, hidden or withdrawn item, invalid
choice, ranking with duplicates or too many items) is refused with a French
message and stores nothing; a ballot after the close is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness.consultations import (
    AGREE,
    VOTE_CID,
    hidden_by_a_moderator,
    open_vote,
    publish,
    shown_with_phases,
)
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, open_platform, participant, session_client, until

from services.consultation.commands import PhaseSpec, SchedulePhases
from services.core.errors import DomainError
from services.core.participants import ModeratorContext, ParticipantContext
from services.deposit.commands import SubmitProposal
from services.moderation.commands import ClaimItem, MaskPersonalData
from services.vote.commands import CastBallot
from services.vote.projections import TALLIES, tally_partition
from services.web.vote import pages as vote_pages
from services.web.vote import results as vote_results

CID = VOTE_CID
RESULTS = f"/api/consultations/{CID}/phases/vote/results?limit=200"


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        yield p


async def published_consultation(p: Platform, cid: str, *phases: PhaseSpec) -> None:
    """Create, schedule and publish `cid`; return once the read model shows it."""
    await publish(p.container, SYSTEM, cid, f"Consultation {cid}", cid, *phases)
    await until(lambda: shown_with_phases(p.container, cid))


async def vote_events(p: Platform) -> list[str]:
    return [r.event.type for r in await p.container.log.read("vote.events")]


async def tallies(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {d["item_id"]: d["agree"] for d in (await client.get(RESULTS)).json()["items"]}


async def settled(p: Platform, client: httpx.AsyncClient, item: str,
                  expected: dict[str, int]) -> None:
    async def check() -> bool:
        agree = (await tallies(client)).get(item, {"agree": 0, "disagree": 0, "neutral": 0})
        return {k: agree[k] for k in expected} == expected
    await until(check)


async def ballot(client: httpx.AsyncClient, item: str, body: dict[str, Any], key: str,
                 headers: dict[str, str], action: str = "ballot") -> httpx.Response:
    return await client.post(f"/api/items/{item}/{action}", json=body,
                             headers={"Idempotency-Key": key, **headers})


async def test_repeat_change_and_withdrawal_through_the_json_api(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        h = await csrf_header(client)
        first = await ballot(client, "item-0", AGREE, "k1", h)
        assert first.status_code == 200 and first.json()["status"] == "recorded", first.text
        await settled(p, client, "item-0", {"agree": 1, "disagree": 0})
        again = await ballot(client, "item-0", AGREE, "k2", h)  # a new request, same vote
        assert again.json()["status"] == "unchanged"
        replay = await ballot(client, "item-0", AGREE, "k1", h)  # a retry, same key
        assert replay.headers.get("idempotent-replayed") == "true"
        assert await vote_events(p) == ["vote.BallotCast"]  # no new event

        change = await ballot(client, "item-0", {"kind": "agree", "choice": "disagree"},
                              "k3", h)
        assert change.json()["status"] == "recorded"
        await settled(p, client, "item-0", {"agree": 0, "disagree": 1})
        changed = (await p.container.log.read("vote.events"))[-1].event.data
        assert changed["previous"]["choice"] == "agree" and changed["choice"] == "disagree"

        withdrawn = await ballot(client, "item-0", {"kind": "agree"}, "k4", h, "ballot/withdraw")
        assert withdrawn.json()["status"] == "withdrawn"
        await settled(p, client, "item-0", {"agree": 0, "disagree": 0})
        assert await vote_events(p) == ["vote.BallotCast"] * 2 + ["vote.BallotWithdrawn"]
        mine = (await client.get("/api/me/ballots")).json()["items"]
        assert mine == []


BAD_BALLOTS = [
    ("item-nope", AGREE, "unknown_item"),
    ("item-4", AGREE, "item_hidden"),
    ("item-5", AGREE, "item_withdrawn"),
    ("item-0", {"kind": "agree", "choice": "peut-etre"}, "invalid_choice"),
    ("item-0", {"kind": "support", "choice": "agree"}, "invalid_choice"),
    ("item-0", {"kind": "like", "choice": "agree"}, "invalid_ballot_kind"),
    ("item-0", {"kind": "agree", "choice": "agree", "qualifications": ["genial"]},
     "invalid_qualification"),
    ("item-0", {"kind": "agree"}, "invalid_request"),
]
BAD_RANKINGS = [
    (["item-0", "item-1", "item-0"], "ranking_duplicates", "deux fois"),
    (["item-0", "item-1", "item-2", "item-3", "item-x", "item-y"], "ranking_too_long",
     "au plus 5"),
    (["item-0", "item-4"], "item_hidden", "modération"),
    (["item-0", "item-5"], "item_withdrawn", "retirée"),
    (["item-0", "item-nope"], "unknown_item", "n'existe pas"),
]


async def test_bad_input_is_refused_in_french_and_stores_nothing(platform: Platform) -> None:
    p = platform
    async with session_client(p, await participant(p, "Anne")) as client:
        h = await csrf_header(client)
        for n, (item, body, code) in enumerate(BAD_BALLOTS):
            r = await ballot(client, item, body, f"b{n}", h)
            assert r.status_code == 422 and r.json()["error"] == code, (item, body, r.text)
            assert re.search(r"[éèàç]|Cette|invalide|Requête", r.json()["message"]), r.text
        for n, (items, code, words) in enumerate(BAD_RANKINGS):
            r = await client.post(f"/api/consultations/{CID}/ranking", json={"items": items},
                                  headers={"Idempotency-Key": f"r{n}", **h})
            assert r.status_code == 422 and r.json()["error"] == code, (items, r.text)
            assert words in r.json()["message"]
    assert await vote_events(p) == []


async def test_a_ballot_after_the_close_is_refused(platform: Platform) -> None:
    p = platform
    async with session_client(p, await participant(p, "Anne")) as client:
        h = await csrf_header(client)
        assert (await ballot(client, "item-0", AGREE, "k1", h)).status_code == 200
        p.clock.advance(timedelta(days=6))  # past the phase's end (server clock)
        late = await ballot(client, "item-1", AGREE, "k2", h)
        assert late.status_code == 422 and late.json()["error"] == "phase_closed", late.text
        assert "pas ouverte" in late.json()["message"]
        ranking = await client.post(f"/api/consultations/{CID}/ranking",
                                    json={"items": ["item-0"]},
                                    headers={"Idempotency-Key": "k3", **h})
        assert ranking.status_code == 422 and ranking.json()["error"] == "phase_closed"
    assert await vote_events(p) == ["vote.BallotCast"]


async def test_vote_buttons_without_javascript(platform: Platform) -> None:
    p = platform
    async with session_client(p, await participant(p, "Anne")) as client:
        page = await client.get(f"/vote/{CID}")
        assert page.status_code == 200 and "accord</button>" in page.text
        assert "Proposition 4" not in page.text and "Proposition 5" not in page.text
        r = await post_form(client, f"/vote/{CID}", f"/vote/{CID}/item-1",
                            {"kind": "agree", "choice": "agree", "qualifications": "realiste"})
        assert r.status_code == 303, r.text
        await settled(p, client, "item-1", {"agree": 1})
        mine = await client.get("/mes-votes")
        assert "Proposition 1" in mine.text and "accord" in mine.text
        bad = await post_form(client, f"/vote/{CID}", f"/vote/{CID}/item-1",
                              {"kind": "agree", "choice": "bof"})
        assert bad.status_code == 400 and "Vote refusé" in bad.text
        assert "Choix de vote invalide" in bad.text
        hidden = await post_form(client, f"/vote/{CID}", f"/vote/{CID}/item-4",
                                 {"kind": "agree", "choice": "agree"})
        assert hidden.status_code == 400 and "modération" in hidden.text
        gone = await post_form(client, "/mes-votes", f"/vote/{CID}/item-1",
                               {"kind": "agree", "choice": "retirer", "suite": "/mes-votes"})
        assert gone.status_code == 303 and gone.headers["location"] == "/mes-votes"
        await settled(p, client, "item-1", {"agree": 0})
    assert await vote_events(p) == ["vote.BallotCast", "vote.BallotWithdrawn"]


async def test_ranking_form_and_results_by_borda_and_first_choices(platform: Platform) -> None:
    p = platform
    form = f"/vote/{CID}/classement"
    ballots = {"Anne": ["item-2", "item-0", "item-1"], "Bruno": ["item-0", "item-2"],
               "Chloe": ["item-2"]}
    for name, order in ballots.items():
        async with session_client(p, await participant(p, name)) as client:
            page = await client.get(form)
            assert page.status_code == 200 and "1er choix" in page.text
            assert "5e choix" in page.text and "Proposition 4" not in page.text
            fields = {f"rang-{n + 1}": item for n, item in enumerate(order)}
            r = await post_form(client, form, form, {**fields, "rang-5": ""})
            assert r.status_code == 303 and r.headers["location"].endswith("?ok=1"), r.text

    async def counted() -> bool:
        ranking = (await client.get(RESULTS)).json()["ranking"]
        return bool(ranking) and ranking["ballots"] == 3
    async with session_client(p, None) as client:
        await until(counted)
        results = await client.get(f"/vote/{CID}/resultats")
    assert results.status_code == 200
    # Borda: Anne 3/2/1, Bruno 2/1, Chloe 1 -> item-2: 3+1+1=5, item-0: 2+2=4, item-1: 1
    rows = re.findall(r'<tr><td>(\d)</td><td><a href="([^"]+)">([^<]+)</a></td>'
                      r"<td>(\d+)</td><td>(\d+)</td></tr>", results.text)
    page = f"/consultations/{CID}/propositions/item-"  # each title links to its proposal
    assert rows == [("1", f"{page}2", "Proposition 2", "5", "2"),
                    ("2", f"{page}0", "Proposition 0", "4", "1"),
                    ("3", f"{page}1", "Proposition 1", "1", "0")], results.text
    async with session_client(p, None) as client:
        assert (await client.get(f"{page}2")).status_code == 200


async def test_a_refused_ranking_form_keeps_the_choices_and_stores_nothing(
        platform: Platform) -> None:
    p = platform
    form = f"/vote/{CID}/classement"
    async with session_client(p, await participant(p, "Anne")) as client:
        r = await post_form(client, form, form, {"rang-1": "item-1", "rang-2": "item-1"})
        assert r.status_code == 400 and "deux fois la même proposition" in r.text
        assert re.search(r'<option value="item-1" selected>', r.text)
        late = await post_form(client, form, form, {"rang-1": "item-4"})
        assert late.status_code == 400 and "modération" in late.text
    assert await vote_events(p) == []


async def test_the_consultation_page_leads_to_the_vote_pages(platform: Platform) -> None:
    """A participant finds the vote from the consultation page: the open actions
    are links, and a vote section links the sequence, the ranking, the results,
    their ballots and the methodology; every one of them answers."""
    async with session_client(platform, await participant(platform, "Anne")) as client:
        page = await client.get(f"/consultations/{CID}")
        assert page.status_code == 200
        html = page.text
        callout = html.split("Ce que vous pouvez faire maintenant", 1)[1].split("</ul>", 1)[0]
        assert f'<a href="/vote/{CID}">Voter pour, contre ou neutre</a>' in callout
        assert f'<a href="/vote/{CID}/classement">Classer</a>' in callout
        assert f'<a href="/consultations/{CID}/propositions/nouvelle">Déposer' in callout
        links = re.findall(r'href="(/vote/[^"]*|/mes-votes|/methodologie/vote)"', html)
        assert set(links) == {f"/vote/{CID}", f"/vote/{CID}/classement",
                              f"/vote/{CID}/resultats", "/mes-votes", "/methodologie/vote"}
        for link in set(links):
            assert (await client.get(link)).status_code == 200, link


async def test_no_vote_links_before_a_vote_phase_starts(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch) as p:
        now = p.clock.now()
        await published_consultation(
            p, CID, PhaseSpec("idees", "deposit", "Idées", now - timedelta(hours=1),
                              now + timedelta(days=1)),
            PhaseSpec("vote", "vote", "Vote", now + timedelta(days=1), now + timedelta(days=5)))
        async with session_client(p, None) as client:
            html = (await client.get(f"/consultations/{CID}")).text
        assert "/vote/" not in html and "Résultats du vote" not in html
        assert f'<a href="/consultations/{CID}/propositions/nouvelle">Déposer' in html


async def test_an_ended_phase_is_frozen_by_the_closing_job(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The results page says a phase is closed before its results are frozen, and
    shows them as final once `parlons freeze-results` (a separate process on the
    same files, as from cron) has frozen them."""
    async with open_platform(tmp_path, monkeypatch) as p:
        now = datetime.now(UTC)  # the pages and the job read the real clock
        await published_consultation(p, CID, PhaseSpec(
            "vote", "vote", "Vote", now - timedelta(days=2), now - timedelta(hours=1),
            actions=("vote_agree",)))
        async with session_client(p, None) as client:
            before = (await client.get(f"/vote/{CID}/resultats")).text
            assert "Phase de vote close" in before and "provisoires" not in before
            job = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "services.runtime", "freeze-results",
                env={**os.environ, "PARLONS_DATA_DIR": str(p.data_dir),
                     "PARLONS_LOG_LEVEL": "WARNING"},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await job.communicate()
            assert job.returncode == 0, out.decode()
            assert f"{CID}/vote: frozen" in out.decode()

            async def final() -> bool:
                return "Résultats définitifs" in (await client.get(
                    f"/vote/{CID}/resultats")).text
            await until(final)


async def test_the_sequence_offers_only_what_the_open_phase_allows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A support-only phase shows only « Je soutiens » and no ranking form; once the
    phase has ended the pages offer nothing to vote on and say no vote phase is open
    (they used to keep serving items and a form whose every submission was refused)."""
    async with open_platform(tmp_path, monkeypatch) as p:
        now = datetime.now(UTC)  # the pages read the real clock; handlers p.clock (now too)
        ends = {"soutien": now + timedelta(days=1), "bref": now + timedelta(seconds=4)}
        for cid, end in ends.items():
            await published_consultation(p, cid, PhaseSpec(
                "vote", "vote", "Vote", now - timedelta(days=1), end,
                actions=("deposit", "vote_support")))
            await p.container.handle(SubmitProposal(
                f"{cid}-1", cid, ParticipantContext("p-author", "anonymous"),
                f"Proposition de {cid}", "Une proposition assez longue pour passer."), SYSTEM)
        async with session_client(p, await participant(p, "Anne")) as client:
            async def shown(cid: str) -> str:
                page = (await client.get(f"/vote/{cid}")).text
                return page if f"Proposition de {cid}" in page else ""
            for cid in ends:
                await until(lambda cid=cid: shown(cid))
            page = await shown("soutien")
            assert "Je soutiens</button>" in page
            assert "accord</button>" not in page and "/classement" not in page
            ranking = (await client.get("/vote/soutien/classement")).text
            assert "ne comporte pas de classement" in ranking
            assert 'action="/vote/soutien/classement"' not in ranking
            await asyncio.sleep(max(0.0, (ends["bref"] - datetime.now(UTC)).total_seconds()))
            closed = (await client.get("/vote/bref")).text
            assert "Aucune phase de vote n\u2019est ouverte" in closed
            assert "Proposition de bref" not in closed and "<button" not in closed.split(
                "<main", 1)[-1].split("</main>", 1)[0]
            assert "Vous avez voté sur toutes" not in closed
            assert (await client.get("/api/consultations/bref/sequence")).json() == {"items": []}
            ranking = (await client.get("/vote/bref/classement")).text
            assert "Aucune phase de vote n\u2019est ouverte" in ranking
            assert 'action="/vote/bref/classement"' not in ranking


async def test_an_item_hidden_after_its_ballots_keeps_its_counts_not_its_text(
        platform: Platform) -> None:
    """The public results keep counting a proposal a moderator hid after it was voted
    on, without its title or its link; no sequence serves it any more."""
    p = platform
    for n in range(3):
        await p.container.handle(CastBallot("item-3", ParticipantContext(f"p-v{n}", "email"),
                                            "agree", "agree"), SYSTEM)
    await p.container.handle(CastBallot("item-2", ParticipantContext("p-v0", "email"),
                                        "agree", "agree"), SYSTEM)
    await hidden_by_a_moderator(p, "item-3")

    async def tallied() -> bool:  # the tallies are another projection's than moderation's
        found = await p.container.store.get_many(TALLIES, tally_partition(CID, "vote"),
                                                 ["item-2", "item-3"])
        return {i: t["agree"]["agree"] for i, t in found.items()} == {"item-2": 1, "item-3": 3}
    await until(tallied)
    page = (await p.client().get(f"/vote/{CID}/resultats")).text
    assert "Proposition 2" in page and "Proposition 3" not in page
    assert "Contribution non publiée (retirée, masquée ou en attente de modération)" in page
    assert "/propositions/item-3" not in page
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        served = (await client.get(f"/api/consultations/{CID}/sequence?size=50")).json()
    assert "item-3" not in served["items"] and "item-2" in served["items"]


async def test_a_masked_proposal_shows_its_masked_text_on_every_vote_page(
        platform: Platform) -> None:
    """A moderator masks a name and an address in a published proposal (what the
    deposit's own masking leaves: it masks telephone numbers and e-mails): the vote
    pages (results, a participant's sequence and votes, the ranking form) show the
    masked text, as the proposal's own page does, never the address."""
    p = platform
    author = ParticipantContext("p-author-tel", "email")
    await p.container.handle(SubmitProposal(
        "item-tel", CID, author, "Piste cyclable devant chez Jean Dupont, 12 rue des Lilas",
        "Une proposition assez longue pour passer."), SYSTEM)
    anne = await participant(p, "Anne")
    anne_ctx = ParticipantContext(anne, "email")

    async def voted() -> bool:
        with contextlib.suppress(DomainError):  # published once the read models have it
            await p.container.handle(CastBallot("item-tel", anne_ctx, "agree", "agree"),
                                     SYSTEM)
            return True
        return False
    await until(voted)
    moderator = ModeratorContext("p-modo")

    async def masked() -> bool:
        with contextlib.suppress(DomainError):  # the queue may not hold it yet
            await p.container.handle(ClaimItem("item-tel", CID, moderator), SYSTEM)
            await p.container.handle(MaskPersonalData(
                "item-tel", CID, moderator, title="Piste cyclable devant chez [masqué]"),
                SYSTEM)
        state = await p.container.store.get("public_state", "all", "item-tel")
        return bool(state and state.get("masked"))
    await until(masked)
    pages = [(await p.client().get(f"/vote/{CID}/resultats")).text]
    async with session_client(p, anne) as client:
        pages += [(await client.get(path)).text
                  for path in ("/mes-votes", f"/vote/{CID}/classement")]
    async with session_client(p, await participant(p, "Bruno")) as client:
        pages.append((await client.get(f"/vote/{CID}")).text)
    assert all("rue des Lilas" not in page and "Dupont" not in page for page in pages)
    assert all("Piste cyclable devant chez [masqué]" in page for page in pages)


async def test_my_votes_come_a_page_at_a_time_and_each_can_be_withdrawn(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """« Mes votes » showed a participant's first 200 ballot rows and no more: the
    rest could not be seen nor withdrawn there."""
    p = platform
    monkeypatch.setattr(vote_pages, "MY_VOTES_PAGE", 2, raising=False)
    async with session_client(p, await participant(p, "Anne")) as client:
        for item in range(4):
            r = await post_form(client, f"/vote/{CID}", f"/vote/{CID}/item-{item}",
                                {"kind": "agree", "choice": "agree"})
            assert r.status_code == 303, r.text
        first = (await client.get("/mes-votes")).text
        shown = re.findall(r"Proposition (\d)", first)
        assert len(shown) == 2 and "Premiers votes" not in first
        [after] = re.findall(r'href="(/mes-votes\?apres=[^"]+)"', first)
        second = (await client.get(after.replace("&amp;", "&"))).text
        rest = re.findall(r"Proposition (\d)", second)
        assert sorted(shown + rest) == ["0", "1", "2", "3"]
        assert "Premiers votes" in second and "Votes suivants" not in second
        assert "pas encore voté" not in second
        here = re.search(r'name="suite" value="([^"]+)"', second)
        assert here is not None and here.group(1).replace("&amp;", "&") == after
        gone = await post_form(client, after, f"/vote/{CID}/item-{rest[0]}",
                               {"kind": "agree", "choice": "retirer", "suite": after})
        assert gone.status_code == 303 and gone.headers["location"] == after
        await settled(p, client, f"item-{rest[0]}", {"agree": 0})
        assert re.findall(r"Proposition (\d)", (await client.get(after)).text) == rest[1:]


async def test_my_votes_offer_no_withdrawal_once_the_phase_closed(platform: Platform) -> None:
    """« Retirer mon vote » was offered on a closed phase's ballot, and the click
    refused with « il n'est pas possible de voter … en ce moment »."""
    p = platform
    async with session_client(p, await participant(p, "Anne")) as client:
        r = await post_form(client, f"/vote/{CID}", f"/vote/{CID}/item-1",
                            {"kind": "agree", "choice": "agree"})
        assert r.status_code == 303, r.text
        await settled(p, client, "item-1", {"agree": 1})
        assert "Retirer mon vote" in (await client.get("/mes-votes")).text
        now = datetime.now(UTC)  # the phase ends a minute ago (pages read the real clock)
        await p.container.handle(SchedulePhases(CID, (PhaseSpec(
            "vote", "vote", "Vote", now - timedelta(hours=1), now - timedelta(minutes=1),
            actions=("deposit", "vote_support", "vote_agree", "vote_ranking")),)), SYSTEM)

        async def ended() -> bool:
            doc = await p.container.store.get("consultations", "all", CID)
            return doc is not None and doc["phases"][0]["ends_at"] < now.isoformat()
        await until(ended)
        mine = (await client.get("/mes-votes")).text
        assert "Proposition 1" in mine and "Retirer mon vote" not in mine
        assert "phase de vote close" in mine


async def test_results_list_every_item_by_its_votes_a_page_at_a_time(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live results showed the first 200 tallies in the order of the items' ids,
    and counted the shares by identification level over those alone: on a vote of
    30,000 proposals, most were missing whatever their votes."""
    p = platform
    monkeypatch.setattr(vote_results, "RESULTS_PAGE", 2, raising=False)
    supports = {"item-2": 3, "item-0": 2, "item-3": 1}
    voter = 0
    for item, n in supports.items():
        for _ in range(n):
            voter += 1
            await p.container.handle(CastBallot(item, ParticipantContext(
                f"p-voter{voter}", "email"), "support", "support"), SYSTEM)
    results = f"/vote/{CID}/resultats"

    def ranked(html: str) -> list[tuple[str, str]]:
        return re.findall(r"<tr><td>(\d+)</td><td><a [^>]*>Proposition (\d)</a>", html)

    async def counted() -> bool:
        return "6 votes" in (await p.client().get(results)).text
    await until(counted)
    first = (await p.client().get(results)).text
    assert ranked(first) == [("1", "2"), ("2", "0")]
    assert "3 propositions" in first and "par nombre de soutiens" in first
    assert "adresse électronique vérifiée : 6 votes" in first  # every item's votes
    following = f"{results}?phase=vote&amp;page=2"
    assert following in first
    second = (await p.client().get(following.replace("&amp;", "&"))).text
    assert ranked(second) == [("3", "3")] and "Page précédente" in second
