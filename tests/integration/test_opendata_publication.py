"""The public open data of a consultation beyond the questionnaires (issue #18
item 4): published proposals, their arguments and the vote counts per item, in
files with readable names, each with its dictionary, written by the daily job
(`parlons export opendata --daily`, which `parlons serve` runs) and listed on
the public page with what they hold, their sizes and dates. Scrubbed and
without any author identity; hidden and withdrawn proposals absent."""

from __future__ import annotations

import csv
import io
import re

from harness.consultations import AGREE, VOTE_CID, open_vote
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitArgument, WithdrawContribution
from services.identity.commands import GrantRole
from services.runtime.jobs.opendata import export_command
from services.runtime.settings import Settings
from services.synthesis.opendata.publish import publish_daily
from services.synthesis.opendata.settings import SetOpenDataPublication, publishes_daily

NAME = re.compile(rf"^{VOTE_CID}-(propositions|arguments|votes)-\d{{4}}-\d{{2}}-\d{{2}}"
                  r"(\.csv|-dictionnaire\.md)$")


def kind_of(name: str) -> str:
    """`velo-votes-2026-12-05-dictionnaire.md` -> `votes.md`"""
    return name.split("-")[1] + (".md" if name.endswith(".md") else ".csv")


def table(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode())))


async def test_proposals_arguments_and_votes_are_published_beside_the_answers(
        platform: Platform) -> None:
    p = platform
    await open_vote(p, more=("comment",))  # arguments too
    orga, anne, paul = [await participant(p, n) for n in ("Orga", "Anne", "Paul")]
    await p.container.handle(GrantRole(orga, VOTE_CID, "organiser"), SYSTEM)
    async with session_client(p, anne) as client:
        r = await client.post(f"/api/consultations/{VOTE_CID}/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k1"},
                              json={"title": "Un atelier de réparation",
                                    "body": "Écrivez-moi : anne@exemple.fr ou 06 12 34 56 78"})
        assert r.status_code == 201, r.text
    for n, (side, body) in enumerate((("for", "Bonne idée, appelez le 06 98 76 54 32"),
                                      ("against", "=SOMME(A1:A9) trop cher"))):
        await p.container.handle(SubmitArgument(f"arg-{n}", "item-0", ParticipantContext(
            f"p-arguer{n}", "email"), side, body), SYSTEM)
    for n, (voter, item) in enumerate(((anne, "item-0"), (paul, "item-0"), (paul, "item-1"))):
        async with session_client(p, voter) as client:
            r = await client.post(f"/api/items/{item}/ballot", json=AGREE, headers={
                **await csrf_header(client), "Idempotency-Key": f"b{n}"})
            assert r.status_code == 200, r.text
    async with session_client(p, paul) as client:  # keeps five proposals on the day
        r = await client.post(f"/api/consultations/{VOTE_CID}/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k2"},
                              json={"title": "Des bancs", "body": "Le long des quais."})
        assert r.status_code == 201, r.text

    async def voted() -> bool:
        tally = await p.container.store.get("vote_tallies", f"{VOTE_CID}|vote", "item-1")
        return bool(tally and tally["agree"]["agree"] == 1)
    await until(voted, timeout=10)
    # item-1 withdrawn after its vote: neither its text nor its counts are published
    await p.container.handle(WithdrawContribution("item-1", ParticipantContext(
        "p-author1", "email")), SYSTEM)

    async def projected() -> bool:
        doc = await p.container.store.get("public_proposals", VOTE_CID, "item-0")
        tally = await p.container.store.get("vote_tallies", f"{VOTE_CID}|vote", "item-0")
        return bool(doc and doc["counts"] == {"for": 1, "against": 1}
                    and tally and tally["agree"]["agree"] == 2
                    and len(await p.container.store.list("public_proposals", VOTE_CID)) == 5
                    and not await p.container.store.get("public_proposals", VOTE_CID,
                                                        "item-1"))
    await until(projected, timeout=10)
    page = f"/admin/donnees-ouvertes/{VOTE_CID}"
    async with session_client(p, orga) as client:
        assert (await post_form(client, page, page, {"quotidienne": "oui"})).status_code == 303
    assert await export_command(Settings(data_dir=p.data_dir), None, None, daily=True) == 0

    async with session_client(p, None) as public:
        home = await public.get(f"/consultations/{VOTE_CID}")
        assert f'href="/donnees-ouvertes/{VOTE_CID}"' in home.text
        listing = (await public.get(f"/donnees-ouvertes/{VOTE_CID}")).text
        names = re.findall(rf'href="/donnees-ouvertes/{VOTE_CID}/([^"]+)"', listing)
        assert sorted(kind_of(n) for n in names) == [
            "arguments.csv", "arguments.md", "propositions.csv", "propositions.md",
            "votes.csv", "votes.md"], names
        assert all(NAME.match(n) for n in names), names
        assert "Propositions (CSV)" in listing and "Résultats des votes (CSV)" in listing
        assert "Dictionnaire des données" in listing and re.search(r"\d octets|\d+,\d ko", listing)
        assert re.search(r"\d{1,2} \w+ 20\d\d à \d\d h \d\d", listing)  # when written
        files = {kind_of(n): (await public.get(
            f"/donnees-ouvertes/{VOTE_CID}/{n}")).content for n in names}

    for name, raw in files.items():  # scrubbed; nobody's identity anywhere
        for secret in (b"anne@exemple.fr", b"06 12 34", b"06 98 76", anne.encode(),
                       paul.encode(), b"p-author", b"p-arguer", b"Anne"):
            assert secret not in raw, (name, secret)
    proposals = table(files["propositions.csv"])
    assert sorted(r["id"] for r in proposals if r["id"].startswith("item")) == [
        "item-0", "item-2", "item-3"]  # item-4 hidden, item-1 and item-5 withdrawn
    assert len(proposals) == 5 and "authorId" not in proposals[0]
    mine = next(r for r in proposals if r["title"] == "Un atelier de réparation")
    assert "[courriel masqué]" in mine["body"] and "[téléphone masqué]" in mine["body"]
    item0 = next(r for r in proposals if r["id"] == "item-0")
    assert (item0["argumentsFor"], item0["argumentsAgainst"]) == ("1", "1")
    # five on one day: the day shows (k = 5), never the time
    assert {len(r["createdAt"]) for r in proposals} == {10}
    arguments = table(files["arguments.csv"])
    assert sorted((a["proposalId"], a["side"]) for a in arguments) == [
        ("item-0", "contre"), ("item-0", "pour")]
    assert "'=SOMME(A1:A9) trop cher" in {a["body"] for a in arguments}  # not a formula
    assert {a["createdAt"] for a in arguments} == {""}  # two that month: no date (k = 5)
    votes = {v["itemId"]: v for v in table(files["votes.csv"])}
    assert "item-1" not in votes and "Proposition 1" not in files["votes.csv"].decode()
    assert votes["item-0"]["agree"] == "2" and votes["item-0"]["itemTitle"] == "Proposition 0"
    assert votes["item-0"]["phaseTitle"] == "Vote" and votes["item-0"]["frozen"] == "false"
    for what in ("propositions", "arguments", "votes"):
        dictionary = files[f"{what}.md"].decode()
        header = next(csv.reader([files[f"{what}.csv"].decode().splitlines()[0]]))
        assert all(f"| `{column}` |" in dictionary for column in header), what


async def test_the_daily_job_writes_each_consultation_once_a_day(platform: Platform) -> None:
    """It runs every hour (a publication turned on shows files within the hour):
    a consultation already written today is left alone; the next day's files
    replace the previous day's."""
    p = platform
    await open_vote(p)
    await p.container.handle(SetOpenDataPublication(VOTE_CID, True), SYSTEM)
    root = p.data_dir / "opendata"

    async def daily() -> bool:
        return await publishes_daily(p.container.store, VOTE_CID)
    await until(daily)
    first = await publish_daily(p.container.store, root, day="2026-12-05")
    assert len(first[VOTE_CID]) == 6
    assert await publish_daily(p.container.store, root, day="2026-12-05") == {}
    again = await publish_daily(p.container.store, root, day="2026-12-06")
    assert sorted(p.name for p in (root / VOTE_CID).iterdir()) == sorted(
        w.name for w in again[VOTE_CID])
    assert all("-2026-12-06" in w.name for w in again[VOTE_CID])
