"""Opinion groups over HTTP, embedded on SQLite: an analyst sees the groups of an
imported Pol.is conversation (sizes, representative and consensus statements,
the map) and publishes them; the public page and the consultation's link exist
only once published; a participant without the role and a form without its CSRF
token are refused, and nothing is published."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from harness.consultations import VOTE_CID, hidden_by_a_moderator, open_consultation, open_vote
from harness.forms import post_form
from harness.interrupted_imports import log_gone_after
from harness.platform import (
    SYSTEM,
    Platform,
    granted,
    open_platform,
    participant,
    session_client,
    until,
)

from services.core.errors import EventLogUnavailable
from services.core.participants import ParticipantContext
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.synthesis.conversations.handlers import ImportConversation
from services.synthesis.conversations.opinions_model import opinions_changed
from services.synthesis.conversations.projection import published_groups
from services.synthesis.polis.staging import stage_export
from services.vote.commands import CastBallot, WithdrawBallot

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis"
ADMIN = "/admin/analyse/c1/groupes-opinion"
PUBLIC = "/consultations/c1/groupes-opinion"
NASTY = "<script>alert(1)</script> Brexit & co"


@pytest.fixture
async def world(platform: Platform, tmp_path: Path) -> dict[str, str]:
    return await _world(platform, tmp_path)


async def _world(p: Platform, tmp_path: Path, conversation: str = "brexit-consensus"
                 ) -> dict[str, str]:
    await open_consultation(p, "c1", level="email")
    people = {n: await participant(p, n) for n in ("Ana", "Simple")}
    await p.container.handle(GrantRole(people["Ana"], "c1", "analyst"), SYSTEM)

    async def granted() -> bool:
        return "analyst" in await roles_in(p.container.store, people["Ana"], "c1")
    await until(granted)
    source = tmp_path / "brexit"
    shutil.copytree(POLIS / conversation, source)
    summary = (source / "summary.csv").read_text()
    (source / "summary.csv").write_text(summary.replace(
        "Can there be consensus on Brexit?", NASTY))
    files = await stage_export(source, p.container.blobs)
    report = await p.container.handle(ImportConversation("c1", files), SYSTEM)
    await modelled(p, "c1", 1 + report["statements"] + report["votes"])
    return people


async def modelled(p: Platform, cid: str, events: int) -> None:
    """Until the opinions' read model, which the analysts' page reads, holds the
    consultation's first `events` opinion events."""
    async def there() -> bool:
        return await opinions_changed(p.container.store, cid) == events
    await until(there)


async def test_analyst_sees_and_publishes_the_groups(platform: Platform,
                                                     world: dict[str, str]) -> None:
    p = platform
    public = p.client()
    assert (await public.get(PUBLIC)).status_code == 404
    assert "groupes-opinion" not in (await public.get("/consultations/c1")).text
    async with session_client(p, world["Ana"]) as ana:
        assert "/admin/analyse/c1/groupes-opinion" in (await ana.get("/admin")).text
        page = await ana.get(ADMIN)
        assert page.status_code == 200, page.text[:500]
        html = page.text
        assert "Groupe A" in html and "Groupe B" in html and "Points de consensus" in html
        assert len(re.findall(r"<circle ", html)) == 204  # every voter, grouped or not
        assert re.search(r"n° \d+</strong> — ", html)  # representative statements
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
        done = await post_form(ana, ADMIN, ADMIN + "/publication")
        assert done.status_code == 303 and done.headers["location"] == ADMIN + "?ok=1"

    async def shown() -> bool:
        return await published_groups(p.container.store, "c1") is not None
    await until(shown)
    page = await public.get(PUBLIC)
    assert page.status_code == 200
    assert "Groupe A" in page.text and "<svg" in page.text and "pp-" not in page.text
    assert 'style="' not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert PUBLIC in (await public.get("/consultations/c1")).text


async def test_voters_only_of_moderated_out_statements_are_counted_apart(
        platform: Platform, tmp_path: Path) -> None:
    """Seattle's 339 voters: 2 voted only on statements moderated out; the page
    says so, so that its numbers add up to the import's."""
    people = await _world(platform, tmp_path, "15-per-hour-seattle")
    async with session_client(platform, people["Ana"]) as ana:
        text = re.sub(r"\s+", " ", (await ana.get(ADMIN)).text)
    assert "2 participants n’ont voté que sur des propositions écartées" in text  # noqa: RUF001  (the page's apostrophe)
    grouped = int(re.search(r"(\d+) participants répartis en", text)[1])  # type: ignore[index]
    others = re.search(r"; (\d+) autres participants ont voté trop peu", text)
    assert grouped + (int(others[1]) if others else 0) + 2 == 339


async def test_others_are_refused_and_nothing_is_published(platform: Platform,
                                                           world: dict[str, str]) -> None:
    p = platform
    async with session_client(p, world["Simple"]) as simple:
        assert (await simple.get(ADMIN)).status_code == 403
        refused = await simple.post(ADMIN + "/publication", data={"csrf_token": "x"})
        assert refused.status_code == 403
    async with session_client(p, world["Ana"]) as ana:
        await ana.get(ADMIN)
        no_token = await ana.post(ADMIN + "/publication", data={})
        assert no_token.status_code == 403
    async with session_client(p, None) as anonymous:
        page = await anonymous.get(ADMIN)
        assert page.status_code in (303, 401, 403)
    assert await published_groups(p.container.store, "c1") is None
    assert (await p.client().get(PUBLIC)).status_code == 404


async def test_a_consultation_without_opinions_says_how_to_import(
        platform: Platform, world: dict[str, str]) -> None:
    p = platform
    await open_consultation(p, "c2", level="email")
    await p.container.handle(GrantRole(world["Ana"], "c2", "analyst"), SYSTEM)

    async def granted() -> bool:
        return "analyst" in await roles_in(p.container.store, world["Ana"], "c2")
    await until(granted)
    async with session_client(p, world["Ana"]) as ana:
        page = await ana.get("/admin/analyse/c2/groupes-opinion")
        assert page.status_code == 200
        assert "parlons polis import c2" in page.text and "Publier" not in page.text


async def test_publication_is_rate_limited(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch,
                             env={"RATE_LIMITS": "opinion_groups=1/3600"}) as p:
        people = await _world(p, tmp_path)
        async with session_client(p, people["Ana"]) as ana:
            assert (await post_form(ana, ADMIN, ADMIN + "/publication")).status_code == 303
            again = await post_form(ana, ADMIN, ADMIN + "/publication")
            assert again.status_code == 429


async def test_groups_of_a_consultations_own_agree_disagree_ballots(
        platform: Platform) -> None:
    """Two camps vote on the consultation's four proposals: two groups, each told
    apart by the proposals' titles; a withdrawn ballot is no opinion."""
    p = platform
    await open_vote(p)
    ana = await participant(p, "Ana")
    await p.container.handle(GrantRole(ana, VOTE_CID, "analyst"), SYSTEM)
    for n in range(12):
        who = ParticipantContext(f"p-voter{n}", "email")
        camp = n % 2
        for item in range(4):
            choice = "agree" if (item < 2) == (camp == 0) else "disagree"
            await p.container.handle(CastBallot(f"item-{item}", who, "agree", choice), SYSTEM)
    await p.container.handle(WithdrawBallot("item-0", ParticipantContext("p-voter0", "email"),
                                            "agree"), SYSTEM)
    await modelled(p, VOTE_CID, 12 * 4 + 1)

    async def granted() -> bool:
        return "analyst" in await roles_in(p.container.store, ana, VOTE_CID)
    await until(granted)
    admin = f"/admin/analyse/{VOTE_CID}/groupes-opinion"
    async with session_client(p, ana) as client:
        page = await client.get(admin)
        assert page.status_code == 200, page.text[:300]
        assert "Groupe A (6 participants)" in page.text
        assert "Groupe B (6 participants)" in page.text or "Groupe B (5 participants)" in page.text
        assert "— Proposition 2" in page.text and "— Proposition 3" in page.text
        assert "Groupes calculés le" in page.text and "De nouvelles opinions" not in page.text
        # computed in a fraction of a second: made again as soon as opinions move (ADR 0039)
        for n in range(12, 16):
            who = ParticipantContext(f"p-voter{n}", "email")
            for item in range(4):
                choice = "agree" if item < 2 else "disagree"
                await p.container.handle(CastBallot(f"item-{item}", who, "agree", choice),
                                         SYSTEM)
        await modelled(p, VOTE_CID, 16 * 4 + 1)
        grouped = sum(int(n) for n in re.findall(r"Groupe [AB] \((\d+) participants\)",
                                                 (await client.get(admin)).text))
        assert grouped >= 15, grouped  # the four new voters are grouped
        assert (await post_form(client, admin, admin + "/publication")).status_code == 303
    doc = await published_groups(p.container.store, VOTE_CID)
    assert doc is not None and sum(g["size"] for g in doc["groups"]) >= 15


async def test_an_item_hidden_after_its_ballots_leaves_the_groups_and_the_publication(
        platform: Platform) -> None:
    """A proposal voted on, then hidden by a moderator: its text reaches neither the
    analysts' groups nor the public page, as a moderated-out Pol.is statement."""
    p = platform
    await open_vote(p)
    ana = await participant(p, "Ana")
    await granted(p, ana, VOTE_CID, "analyst")
    for n in range(12):
        who = ParticipantContext(f"p-voter{n}", "email")
        for item in range(4):
            choice = "agree" if (item < 2) == (n % 2 == 0) else "disagree"
            await p.container.handle(CastBallot(f"item-{item}", who, "agree", choice), SYSTEM)
    await hidden_by_a_moderator(p, "item-3")
    await modelled(p, VOTE_CID, 12 * 4)
    admin = f"/admin/analyse/{VOTE_CID}/groupes-opinion"
    async with session_client(p, ana) as client:
        page = await client.get(admin)
        assert page.status_code == 200 and "Groupe A" in page.text, page.text[:300]
        assert "— Proposition 2" in page.text and "Proposition 3" not in page.text
        assert (await post_form(client, admin, admin + "/publication")).status_code == 303
    doc = await published_groups(p.container.store, VOTE_CID)
    assert doc is not None and doc["statements"] == 3
    assert "Proposition 3" not in str(doc) and "item-3" not in str(doc)


async def test_an_interrupted_import_is_shown_arriving_and_finished_by_the_same_command(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log goes away after two chunks of a Pol.is import (ADR 0124): the
    analysts' page says what is still to come and how to finish it, « Publier »
    is refused with the same words; the same files sent again finish the import
    and the page shows the groups of the whole conversation."""
    p = platform
    await open_consultation(p, "c3", level="email")
    ana = await participant(p, "Ana")
    await granted(p, ana, "c3", "analyst")
    files = await stage_export(POLIS / "brexit-consensus", p.container.blobs)
    with log_gone_after(monkeypatch, p.container.log, chunks=2), \
            pytest.raises(EventLogUnavailable):
        await p.container.handle(ImportConversation("c3", files), SYSTEM)
    await modelled(p, "c3", 2000)
    admin = "/admin/analyse/c3/groupes-opinion"
    async with session_client(p, ana) as client:
        page = await client.get(admin)
        assert page.status_code == 200
        # 1,999 of the 5,362 statements and votes announced: 37 % (rounded down)
        assert "Import en cours (37 % arrivé, dernier lot pris en compte arrivé il y a " \
            in page.text
        assert ") : il manque encore 0 proposition et 3363 votes" in page.text
        refused = await post_form(client, admin, admin + "/publication")
        assert refused.status_code == 400
        assert "Import non terminé" in refused.text
        assert "envoyez à nouveau les mêmes fichiers" in refused.text
        assert await published_groups(p.container.store, "c3") is None

        report = await p.container.handle(ImportConversation("c3", files), SYSTEM)
        assert report.get("resumed") and not report.get("already_imported")
        await modelled(p, "c3", 1 + report["statements"] + report["votes"])
        page = await client.get(admin)
        assert "Import en cours" not in page.text and "Groupe A" in page.text


@pytest.mark.parametrize("order", ["ballots, then import", "import, then ballots"])
async def test_an_imported_conversation_leaves_the_consultations_own_ballots_out(
        platform: Platform, order: str) -> None:
    """One source of opinions (ADR 0138): before the import the page says how many
    agree/disagree ballots the consultation has and that an import leaves them out;
    after it, cast before or after, the groups and their publication hold the
    imported statements alone (not « 56 propositions »: 50 and 4 proposals), and
    the page says how many ballots are left out."""
    p = platform
    await open_vote(p)
    ana = await participant(p, "Ana")
    await granted(p, ana, VOTE_CID, "analyst")
    admin = f"/admin/analyse/{VOTE_CID}/groupes-opinion"

    async def cast() -> int:
        for n in range(12):
            who = ParticipantContext(f"p-voter{n}", "email")
            for item in range(4):
                choice = "agree" if (item < 2) == (n % 2 == 0) else "disagree"
                await p.container.handle(CastBallot(f"item-{item}", who, "agree", choice),
                                         SYSTEM)
        return 12 * 4

    async with session_client(p, ana) as client:
        if order == "ballots, then import":
            events = await cast()
            await modelled(p, VOTE_CID, events)
            page = (await client.get(admin)).text
            assert "Groupe A" in page and "— Proposition 2" in page  # the ballots' groups
            assert ("Cette consultation a déjà 48 votes « d\u2019accord / pas d\u2019accord » "
                    ": une fois une conversation Pol.is importée, ses groupes d\u2019opinion "
                    "porteront sur la conversation importée seule.") in page
            names = {"comments": "comments.csv", "votes": "votes.csv",
                     "participants": "participants-votes.csv", "summary": "summary.csv"}
            sent = await post_form(client, admin, admin + "/import", files={
                field: (name, (POLIS / "brexit-consensus" / name).read_bytes())
                for field, name in names.items()})
            assert sent.status_code == 303, sent.text[:500]
            done = await client.get(sent.headers["location"])  # the upload's answer
            assert "Conversation importée." in done.text, done.text[:500]
            assert 'id="votes-laisses-de-cote"' in done.text  # which says it
            events += 1 + 50 + 5312
        else:
            files = await stage_export(POLIS / "brexit-consensus", p.container.blobs)
            report = await p.container.handle(ImportConversation(VOTE_CID, files), SYSTEM)
            events = 1 + report["statements"] + report["votes"] + await cast()
        await modelled(p, VOTE_CID, events)
        page = (await client.get(admin)).text
        assert re.search(r"selon leurs votes\s+sur 50 propositions", page), page[-3000:]
        assert "Proposition 2" not in page and 'id="votes-avant-import"' not in page
        assert ("Ces groupes portent sur la conversation Pol.is importée seule : les votes "
                "« d\u2019accord / pas d\u2019accord » de la consultation elle-même (48) en sont "
                "laissés de côté") in page
        assert (await post_form(client, admin, admin + "/publication")).status_code == 303
    doc = await published_groups(p.container.store, VOTE_CID)
    assert doc is not None and doc["statements"] == 50
    assert "Proposition" not in str(doc) and "item-" not in str(doc)
