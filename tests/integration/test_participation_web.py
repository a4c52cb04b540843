"""The participation page over HTTP (embedded platform on SQLite, workers running,
ADR 0142): a vote consultation's proposals (one hidden, one withdrawn) and ballots,
shown to its organiser, analyst and the admin in French figures, with SVG bars and
their table, ballots per phase and the daily CSV; refused to a participant without
a role and to another consultation's organiser; linked from the back office."""

from __future__ import annotations

import csv
import io
import re

import pytest
from harness.consultations import VOTE_CID, open_vote
from harness.platform import SYSTEM, Platform, granted, participant, session_client, until

from services.core.participants import ParticipantContext
from services.synthesis.participation.projection import FIGURES, TOTALS
from services.vote.commands import CastBallot, WithdrawBallot

PAGE = f"/admin/analyse/{VOTE_CID}/participation"


@pytest.fixture
async def world(platform: Platform) -> dict[str, str]:
    """`velo`: six proposals by six authors (item-4 hidden, item-5 withdrawn); three
    voters, one of whom withdraws; people with and without a role on it."""
    p = platform
    await open_vote(p)
    for voter in ("v1", "v2", "v3"):
        await p.container.handle(CastBallot("item-0", ParticipantContext(voter, "email"),
                                            "support", "support"), SYSTEM)
    await p.container.handle(CastBallot("item-1", ParticipantContext("v1", "email"),
                                        "agree", "agree"), SYSTEM)
    await p.container.handle(WithdrawBallot("item-0", ParticipantContext("v3", "email"),
                                            "support"), SYSTEM)
    ids = {name: await participant(p, name)
           for name in ("Orla", "Ana", "Modeste", "Simple", "Autre")}
    for name, cid, role in (("Orla", VOTE_CID, "organiser"), ("Ana", VOTE_CID, "analyst"),
                            ("Modeste", VOTE_CID, "moderator"),
                            ("Simple", VOTE_CID, "participant"), ("Autre", "c2", "organiser")):
        await granted(p, ids[name], cid, role)

    async def projected() -> bool:
        doc = await p.container.store.get(FIGURES, VOTE_CID, TOTALS) or {}
        ballots = doc.get("ballots", {}).get("vote", {})
        return (doc.get("contributions", {}).get("proposal", {}).get("withdrawn") == 1
                and doc["contributions"]["proposal"].get("refused") == 1
                and ballots.get("support", {}).get("withdrawn") == 1
                and ballots.get("agree", {}).get("cast") == 1)
    await until(projected, timeout=15)
    return ids


def cells(html: str, caption: str) -> list[list[str]]:
    """The rows of the table captioned `caption`, as the text of their cells."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(
        r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)] for tr in re.findall(r"<tr>(.*?)</tr>", table,
                                                                      re.S)]


async def test_the_organiser_reads_the_figures(platform: Platform,
                                               world: dict[str, str]) -> None:
    async with session_client(platform, world["Orla"]) as orla:
        page = await orla.get(PAGE)
    assert page.status_code == 200, page.text[-500:]
    html = page.text
    assert "<h1>Participation</h1>" in html
    by_kind = cells(html, "Contributions par type")
    assert by_kind[0] == ["Type", "Reçues", "Publiées", "En attente de modération",
                          "Refusées ou masquées", "Retirées"]
    assert ["Propositions", "6", "4", "0", "1", "1"] in by_kind
    assert ["Total", "6", "4", "0", "1", "1"] in by_kind
    ballots = cells(html, "Votes par phase")
    assert ["Vote", "Soutiens", "3", "0", "1", "2"] in ballots
    opinions = "Avis (d\u2019accord, pas d\u2019accord, neutre)"
    assert ["Vote", opinions, "1", "0", "0", "1"] in ballots
    # key figures: six authors, three voters
    assert re.search(r'>6</p>\s*<p[^>]*>personnes ont contribué', html)
    assert re.search(r'>3</p>\s*<p[^>]*>personnes ont voté', html)
    # the bars drawn on the server, their text equivalent, no script
    assert '<svg' in html and 'role="img"' in html
    assert re.search(r'<svg[^>]* width="24"', html)  # one day: one narrow column
    assert "<caption>Contributions et votes par jour</caption>" in html
    assert "<script" not in html.split("</header>")[-1].split("<footer")[0]
    # the recount for an organiser, the queue only for those who moderate
    assert f'href="/admin/consultations/{VOTE_CID}/recomptage"' in html
    assert f'href="/vote/{VOTE_CID}/resultats?phase=vote"' in html
    assert f'href="/admin/moderation/{VOTE_CID}"' not in html


async def test_the_daily_figures_as_csv(platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Ana"]) as ana:
        r = await ana.get(f"{PAGE}.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0] == ["jour", "propositions", "arguments", "commentaires",
                       "réponses aux questionnaires", "contributions", "votes déposés"]
    assert sum(int(row[1]) for row in rows[1:]) == 6
    assert sum(int(row[6]) for row in rows[1:]) == 4  # three supports and an opinion
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[0]) for row in rows[1:])


async def test_who_may_read_it(platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Ana"]) as ana:
        page = await ana.get(PAGE)
        assert page.status_code == 200
        # an analyst does not manage: no link to the recount, which would refuse them
        assert "/recomptage" not in page.text
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(PAGE)
        assert page.status_code == 200
        assert f'href="/admin/moderation/{VOTE_CID}"' in page.text  # the admin moderates
        assert (await admin.get("/admin/analyse/inconnue/participation")).status_code == 404
        assert (await admin.get("/admin/analyse/inconnue/participation.csv")).status_code == 404
    for name in ("Simple", "Autre", "Modeste"):  # no role, another's organiser, moderator
        async with session_client(platform, world[name]) as client:
            assert (await client.get(PAGE)).status_code == 403, name
            assert (await client.get(f"{PAGE}.csv")).status_code == 403, name
    async with session_client(platform, None) as nobody:
        assert (await nobody.get(PAGE)).status_code == 303  # to the login page


async def test_linked_from_the_consultation_page_and_the_roles_page(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Orla"]) as orla:
        consultation = await orla.get(f"/admin/consultations/{VOTE_CID}")
    assert f'href="{PAGE}"' in consultation.text
    async with session_client(platform, world["Ana"]) as ana:
        home = await ana.get("/admin")
    assert f'href="{PAGE}"' in home.text
