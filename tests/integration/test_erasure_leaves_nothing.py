"""Erasure leaves nothing that links the person to what they did (issue #19 item 5,
ADR 0044). A person signs up, writes their e-mail, phone, IBAN and street address
into a proposal, an argument and a questionnaire answer, votes, registers for a
meeting; open data is exported; they erase their account. Then no file under the
data folder (event log, read models, vault, tantivy index, open-data files) holds
their e-mail, their pseudonym or what they typed, and the log's pseudonym
reservation names no participant and shares no request with their registration."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness.consultations import AGREE, ORGANISER, VOTE_CID, grand_debat, open_vote
from harness.forms import csrf_header, follow_link, last_link, post_form, sign_up
from harness.platform import Platform, open_platform, until

from services.consultation.content_commands import RegisterForMeeting, ScheduleMeeting
from services.identity.crypto import keyed_hash
from services.identity.model import normalise_pseudonym, pseudonym_lookup_value
from services.identity.retention import apply_retention
from services.identity.streams import pseudonym_stream
from services.synthesis.opendata.publish import write_open_data
from services.vote.projections import TALLIES, tally_partition

CID = "gd"
EMAIL = "ysaline.quevrenec-4417@exemple.fr"
PSEUDONYM = "Ysaline Quevrenec"
PHONE = "06 71 82 93 04"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
ADDRESS = "14 rue Zéphyrin-Quilvic, 29200 Brest"
BODY = (f"Pour en parler, écrivez-moi à {EMAIL} ou appelez le {PHONE}. Les dons vont "
        f"sur {IBAN} ; je reçois au {ADDRESS}.")
ARGUMENT = f"J'en parle volontiers au {PHONE}, passez au {ADDRESS}."
ANSWER = f"Moins d'impôts locaux ; mon RIB : {IBAN}, mon courriel : {EMAIL}."


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        await grand_debat(p.container, CID, "grand-debat", moderation="post")
        yield p


def needles() -> list[bytes]:
    """What the person typed, as typed and as a search index keeps words."""
    typed = [EMAIL, EMAIL.split("@")[0], PSEUDONYM, "Quevrenec", PHONE, PHONE.replace(" ", ""),
             IBAN, IBAN.replace(" ", ""), "3456 7890", ADDRESS, "Zéphyrin-Quilvic", "Quilvic"]
    found = [t.encode() for t in typed] + [t.lower().encode() for t in typed]
    return found + [t.encode("utf-16-le") for t in ("Quevrenec", "Quilvic")]


def files_under(folder: Path) -> dict[Path, bytes]:
    return {f: f.read_bytes() for f in folder.rglob("*") if f.is_file()}


async def schedule_meeting(p: Platform) -> None:
    now = p.clock.now()
    await p.container.handle(ScheduleMeeting(
        "rencontre-1", CID, "Réunion publique", now + timedelta(days=1),
        now + timedelta(days=1, hours=2), address="1 place de la Mairie", postcode="29200"),
        ORGANISER)

    async def shown() -> bool:
        return await p.container.store.get("meetings", "all", "rencontre-1") is not None
    await until(shown)


async def participate(p: Platform, client: Any, pid: str) -> None:
    headers = await csrf_header(client)
    sent = await client.post(f"/api/consultations/{CID}/proposals",
                             json={"title": "Un quartier plus calme", "body": BODY},
                             headers={**headers, "Idempotency-Key": "prop-1"})
    assert sent.status_code == 201, sent.text
    proposal = sent.json()["id"]
    argued = await client.post(f"/api/contributions/{proposal}/arguments",
                               json={"side": "for", "body": ARGUMENT},
                               headers={**headers, "Idempotency-Key": "arg-1"})
    assert argued.status_code == 201, argued.text
    answered = await client.post(
        f"/api/consultations/{CID}/questionnaires/fiscalite/responses",
        json={"answers": {"impots": {"option_ids": ["oui"]}, "lesquels": {"text": ANSWER}}},
        headers={**headers, "Idempotency-Key": "rep-1"})
    assert answered.status_code == 201, answered.text
    cast = await client.post("/api/items/item-0/ballot", json=AGREE,
                             headers={**headers, "Idempotency-Key": "vote-1"})
    assert cast.status_code == 200, cast.text
    await schedule_meeting(p)
    await p.container.handle(RegisterForMeeting("rencontre-1", pid), ORGANISER)


async def agree_count(p: Platform) -> int:
    tally = await p.container.store.get(TALLIES, tally_partition(VOTE_CID, "vote"), "item-0")
    return int(tally["agree"]["agree"]) if tally else 0


async def test_after_erasure_no_file_links_the_person_to_what_they_did(
        platform: Platform) -> None:
    p = platform
    client = p.client()
    await sign_up(p, client, EMAIL, PSEUDONYM, "29200")
    await follow_link(client, await last_link(p))
    pid = (await client.get("/compte/donnees.json")).json()["participant_id"]
    await participate(p, client, pid)

    async def exported() -> dict[str, Any] | None:
        data: dict[str, Any] = (await client.get("/compte/donnees.json")).json()
        return data if (len(data["contributions"]) == 3 and data["votes"]
                        and data.get("rencontres")) else None
    await until(exported, timeout=10)
    data = await exported()
    assert data is not None and data["profil"]["courriel"] == EMAIL
    assert [r["meeting_id"] for r in data["rencontres"]] == ["rencontre-1"]
    proposal = next(c for c in data["contributions"] if c["kind"] == "proposal")
    assert "[courriel masqué]" in proposal["body"] and PHONE not in proposal["body"]

    async def searchable() -> bool:
        found = (await client.get("/api/search", params={"q": "quartier calme"})).json()
        return bool(found["hits"])
    await until(searchable, timeout=10)
    out = p.data_dir / "opendata" / CID

    async def open_data_written() -> bool:
        await write_open_data(p.container.store, CID, out, min_cell=1)
        # named `<slug>-reponses-<questionnaire title>-<day>.csv` (ADR 0066)
        answers = [f for f in out.glob("*-reponses-*.csv") if "fiscal" in f.name]
        if len(answers) != 1:
            return False
        with answers[0].open(encoding="utf-8") as f:
            return len(list(csv.reader(f))) == 2
    await until(open_data_written, timeout=10)
    counted = await agree_count(p)
    assert counted >= 1

    r = await post_form(client, "/compte", "/compte/effacement", {"confirmation": "oui"})
    assert r.status_code == 200 and "Compte effacé" in r.text
    p.clock.advance(timedelta(hours=25))
    await apply_retention(p.container.ports["identity"])  # type: ignore[arg-type]

    async def erased_everywhere() -> bool:
        doc = await p.container.store.get("meetings", "all", "rencontre-1")
        return doc is not None and doc["registrations"] == 0  # their seat given up (ADR 0139)
    await until(erased_everywhere)
    assert await agree_count(p) == counted  # the ballot stays counted, anonymously (ADR 0044)
    shown = (await p.client().get(f"/api/consultations/{CID}/proposals")).json()["items"]
    assert [x["id"] for x in shown] == [proposal["id"]]  # on the pages, redacted, anonymous
    assert "[téléphone masqué]" in shown[0]["body"] and "author_id" not in shown[0]

    files = files_under(p.data_dir)
    assert any(f.name == "events.db" for f in files) and any(f.suffix == ".csv" for f in files)
    assert any("search" in f.parts for f in files)
    leaks = [f"{needle!r} in {path.relative_to(p.data_dir)}"
             for path, raw in files.items() for needle in needles() if needle in raw]
    assert not leaks, "\n".join(leaks)
    for q in ("Quilvic", "Quevrenec", "0671829304", "ysaline"):
        found = (await p.client().get("/api/search", params={"q": q})).json()
        assert not found["hits"], q

    # The pseudonym's reservation (kept, so nobody takes an erased pseudonym) names
    # nobody and came with no request of theirs.
    key = keyed_hash("id-test-secret", "pseudonym",
                     pseudonym_lookup_value(normalise_pseudonym(PSEUDONYM)))
    [reserved] = await p.container.log.read_stream(pseudonym_stream(key))
    assert pid not in reserved.to_json().decode() and reserved.actor.id != pid
    theirs = [r.event for r in await p.container.log.read("identity.events", limit=10_000)
              if pid in r.event.to_json().decode()]
    assert theirs and reserved.correlation_id not in {e.correlation_id for e in theirs}
