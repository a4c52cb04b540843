"""Closed-question statistics and open data over HTTP (embedded platform on
SQLite, workers running): responses sent through the API by participants whose
postcode is in the vault; figures by département and level in the JSON API and
the back office (SVG bars, no script); roles; the streamed CSV download and the
daily publication scanned for direct identifiers; bad input as 404, never 500."""

from __future__ import annotations

import csv
import io
import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header
from harness.platform import SYSTEM, Platform, session_client, until

from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.identity.commands import GrantRole, RegisterParticipant
from services.identity.model import new_participant_id
from services.identity.queries import roles_in
from services.synthesis.opendata.publish import publish_daily
from services.synthesis.stats.projection import ROWS

QID = "mobilite"
PEOPLE = {  # pseudonym: (postcode, answer)
    "Rennais1": ("35000", "velo"), "Rennais2": ("35200", "bus"),
    "Parisien": ("75011", "velo"), "Brestois": ("29200", "autre"),
}
QUESTIONS = (
    QuestionSpec("transport", "single", "Comment venez-vous au travail ?",
                 options=(OptionSpec("velo", "À vélo"), OptionSpec("bus", "En bus")),
                 allow_other=True),
    QuestionSpec("idees", "open", "Vos idées ?"),
)


@pytest.fixture
async def world(platform: Platform) -> dict[str, str]:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    await p.container.handle(SaveQuestionnaire(QID, "c1", "Mobilité", QUESTIONS), SYSTEM)
    ids = {}
    for name in (*PEOPLE, "Lyonnais", "Ana", "Orga", "Simple"):
        ids[name] = new_participant_id()
        await p.container.handle(RegisterParticipant(
            ids[name], f"{name.lower()}@exemple.fr", name,
            postcode="69001" if name == "Lyonnais" else PEOPLE.get(name, ("", ""))[0]), SYSTEM)
    for name, role in (("Ana", "analyst"), ("Orga", "organiser"), ("Simple", "participant")):
        await p.container.handle(GrantRole(ids[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        return "participant" in await roles_in(p.container.store, ids["Simple"], "c1")
    await until(granted)

    async def questionnaire_saved() -> bool:
        return await p.container.store.get("questionnaires", "c1", QID) is not None
    await until(questionnaire_saved)
    for n, (name, (_, choice)) in enumerate(PEOPLE.items()):
        async with session_client(p, ids[name]) as client:
            r = await client.post(
                f"/api/consultations/c1/questionnaires/{QID}/responses",
                headers={**await csrf_header(client), "Idempotency-Key": f"r{n}"},
                json={"answers": {
                    "transport": {"option_ids": [choice], "other_text": (
                        f"À pied, écrivez à {name.lower()}@exemple.fr" if choice == "autre"
                        else "")},
                    "idees": {"text": f"Plus de trains, mon IP est 10.0.0.{n}."}}})
            assert r.status_code == 201, r.text

    async with session_client(p, ids["Lyonnais"]) as client:  # the web form takes the same path
        form = f"/consultations/c1/questionnaires/{QID}/repondre"
        page = (await client.get(form)).text
        fields = {k: re.search(rf'name="{k}" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
                  for k in ("csrf_token", "cle")}
        sent = await client.post(form, data={**fields, "etape": "envoyer", "transport": "bus"})
        assert sent.status_code == 303, sent.text[-500:]

    async def projected() -> bool:
        return await p.container.store.count(ROWS, QID) == len(PEOPLE) + 1
    await until(projected)
    return ids


async def test_figures_by_departement_and_level_through_the_api(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Ana"]) as ana:
        r = await ana.get(f"/api/synthesis/c1/questionnaires/{QID}/statistiques")
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["respondents"]["total"] == 5
    assert stats["respondents"]["by_departement"] == {"29": 1, "35": 2, "69": 1, "75": 1}
    assert stats["respondents"]["by_region"] == {"11": 1, "53": 3, "84": 1}
    assert stats["respondents"]["by_level"] == {"email": 5}
    (transport,) = stats["questions"]
    velo = next(o for o in transport["options"] if o["option_id"] == "velo")
    assert (velo["count"], velo["percent"]) == (2, 40.0)
    assert velo["by_departement"] == {"35": {"count": 1, "percent": 50.0},
                                      "75": {"count": 1, "percent": 100.0}}


async def test_roles_and_bad_input(platform: Platform, world: dict[str, str]) -> None:
    url = f"/api/synthesis/c1/questionnaires/{QID}/statistiques"
    async with session_client(platform, None) as nobody:
        assert (await nobody.get(url)).status_code == 401
        assert (await nobody.get("/admin/analyse/c1/statistiques")).status_code == 303
    async with session_client(platform, world["Simple"]) as simple:
        assert (await simple.get(url)).status_code == 403
        assert (await simple.get(f"/admin/analyse/c1/statistiques/{QID}")).status_code == 403
        assert (await simple.get(f"/admin/analyse/c1/donnees-ouvertes/{QID}.csv")
                ).status_code == 403
    async with session_client(platform, "orga", kind="admin") as admin:
        for path in ("/api/synthesis/c1/questionnaires/nope/statistiques",
                     "/api/synthesis/nope/questionnaires/x/statistiques"):
            r = await admin.get(path)
            assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
        for path in ("/admin/analyse/c1/statistiques/nope",
                     "/admin/analyse/nope/statistiques",
                     "/admin/analyse/c1/donnees-ouvertes/nope.csv",
                     "/admin/analyse/c1/donnees-ouvertes/..%2Fsecret.csv",
                     f"/admin/analyse/c1/donnees-ouvertes/{QID}.exe",
                     "/donnees-ouvertes/c1", "/donnees-ouvertes/nope/x.csv"):
            assert (await admin.get(path)).status_code == 404, path


async def test_back_office_page_with_svg_bars_and_breakdown(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Orga"]) as orga:
        listing = await orga.get("/admin/analyse/c1/statistiques")
        assert listing.status_code == 200 and f"/statistiques/{QID}" in listing.text
        page = await orga.get(f"/admin/analyse/c1/statistiques/{QID}?par=departement")
        bogus = await orga.get(f"/admin/analyse/c1/statistiques/{QID}?par=<script>")
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "<script" not in html.split("</header>")[-1].split("<footer")[0]
    assert "À vélo : 2 (40,0\u00a0%)" in html  # French: « 40.0 % » before
    assert "<td>40,0&nbsp;%</td>" in html and not re.search(r"\d\.\d %", html)
    assert "Ille-et-Vilaine (35)" in html and "Ventiler par" in html
    assert bogus.status_code == 200 and "&lt;script&gt;" not in bogus.text


def scan(raw: bytes, ids: dict[str, str]) -> None:
    assert not re.search(rb"[\w.+-]+@[\w-]+\.\w+", raw)
    assert not re.search(rb"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", raw)
    for pseudonym, pid in ids.items():
        assert pid.encode() not in raw and pseudonym.encode() not in raw, pseudonym


async def test_download_and_daily_publication_carry_no_direct_identifier(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Ana"]) as ana:
        r = await ana.get(f"/admin/analyse/c1/donnees-ouvertes/{QID}.csv")
        j = await ana.get(f"/admin/analyse/c1/donnees-ouvertes/{QID}.json")
        d = await ana.get(f"/admin/analyse/c1/donnees-ouvertes/{QID}-dictionnaire.md")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="c1-reponses-mobilite-\d{4}-\d{2}-\d{2}\.csv"',
                        r.headers["content-disposition"]), r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    # five respondents, none sharing a département with four others on their day:
    # k-anonymity (k = 5, ADR 0047) leaves them all without one, dated to the day
    assert [row["authorZipCode"] for row in rows] == [""] * 5
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["createdAt"]) for row in rows)
    assert rows[0]["Qtransport - Comment venez-vous au travail ?"] in ("À vélo", "En bus",
                                                                        "Autre")
    for body in (r.content, j.content, d.content):
        scan(body, world)
    async with session_client(platform, None) as public:  # nothing published yet
        assert "/donnees-ouvertes/c1" not in (await public.get("/consultations/c1")).text
    async with session_client(platform, world["Orga"]) as orga:
        page = "/admin/donnees-ouvertes/c1"
        shown = await orga.get(page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
        assert token, (shown.status_code, re.sub(r"\s+", " ", shown.text)[-1500:])
        done = await orga.post(page, data={"csrf_token": token.group(1), "quotidienne": "oui"})
        assert done.status_code == 303
    async with session_client(platform, world["Ana"]) as ana:  # organisers only
        assert (await ana.post("/admin/donnees-ouvertes/c1",
                               data={"quotidienne": "non"})).status_code in (403, 400)
    written = await publish_daily(platform.container.store, platform.data_dir / "opendata")
    answers = sorted(w.name for w in written["c1"] if "-reponses-" in w.name)
    assert [re.sub(r"^.*-reponses-mobilite-\d{4}-\d{2}-\d{2}", "", n) for n in answers] == [
        "-dictionnaire.md", ".csv", ".json"], answers
    async with session_client(platform, None) as public:
        home = await public.get("/consultations/c1")  # the page links its open data
        assert 'href="/donnees-ouvertes/c1">Données ouvertes' in home.text
        listing = await public.get("/donnees-ouvertes/c1")
        assert listing.status_code == 200 and answers[1] in listing.text
        for name in answers:
            got = await public.get(f"/donnees-ouvertes/c1/{name}")
            assert got.status_code == 200, name
            scan(got.content, world)
        assert (await public.get("/donnees-ouvertes/c1/..%2F..%2Fread.db")).status_code == 404


async def test_the_autre_texts_of_a_closed_question_are_read_from_its_figures(
        platform: Platform, world: dict[str, str]) -> None:
    figures = f"/admin/analyse/c1/statistiques/{QID}"
    others = f"{figures}/autres/transport"
    async with session_client(platform, world["Ana"]) as ana:
        assert others in (await ana.get(figures)).text
        page = await ana.get(others)
        assert page.status_code == 200, page.text[-500:]
        # the text as published: its e-mail address masked on the way
        assert "À pied, écrivez à [courriel masqué]" in page.text
        assert "brestois@" not in page.text
        assert "Réponses « Autre » à « Comment venez-vous au travail ? »" in page.text
        assert "Réponses suivantes" not in page.text
        later = await ana.get(others + "?apres=zzz")  # past the last: none more
        assert later.status_code == 200 and "Aucune réponse de plus" in later.text
        for path in (f"{figures}/autres/idees", f"{figures}/autres/nope",
                     "/admin/analyse/c1/statistiques/nope/autres/transport"):
            assert (await ana.get(path)).status_code == 404, path
    async with session_client(platform, world["Simple"]) as simple:
        assert (await simple.get(others)).status_code == 403
