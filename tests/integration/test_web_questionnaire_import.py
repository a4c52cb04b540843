"""Questionnaire import in the back office (ADR 0063), through HTTP on the
embedded platform: upload -> preview -> confirm; errors per line and nothing
imported; a double submit imports once; only an organiser of that consultation
(or the admin) may import, and never without the form's CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_of
from harness.platform import (
    SYSTEM,
    Platform,
    open_platform,
    participant,
    session_client,
    until,
)

from services.identity.commands import GrantRole
from services.identity.queries import roles_in

CSV = ("questionnaire;id;type;question;options;obligatoire;autre;condition\n"
       "Vos déplacements;voiture;unique;Avez-vous une voiture ?;Oui|Non;oui;;\n"
       ";km;libre;Combien de <b>kilomètres</b> ?;;;;voiture = Oui\n"
       "Votre quartier;;;Que changer ?;;;;\n")
BROKEN = ("question;type;options\n"
          "Avez-vous une voiture ?;unique;Oui|Non\n"
          "Combien ?;bizarre;\n"
          ";libre;\n")


def page(cid: str) -> str:
    return f"/admin/consultations/{cid}/questionnaires/importer"


async def upload(client: httpx.AsyncClient, cid: str, content: bytes, name: str = "q.csv",
                 **fields: str) -> httpx.Response:
    form = await client.get(page(cid))
    assert form.status_code == 200, form.text[:300]
    return await client.post(page(cid), data={"csrf_token": csrf_of(form.text), **fields},
                             files={"file": (name, content, "text/csv")})


def confirm_fields(preview: httpx.Response) -> dict[str, str]:
    form = preview.text.split('/confirmation">', 1)[1].split("</form>", 1)[0]
    return {name: value.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&#39;", "'").replace("&amp;", "&")
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}


async def questionnaires(p: Platform, cid: str) -> list[dict[str, object]]:
    return [d for _, d in await p.container.store.list("questionnaires", cid, limit=100)]


async def saved_events(p: Platform) -> int:
    records = await p.container.log.read("consultation.events", limit=100_000)
    return sum(r.event.type.endswith("QuestionnaireSaved") for r in records)


async def organiser(p: Platform, cid: str) -> str:
    who = await participant(p, "Orla")
    await p.container.handle(GrantRole(who, cid, "organiser"), SYSTEM)

    async def granted() -> bool:
        return "organiser" in await roles_in(p.container.store, who, cid)
    await until(granted)
    return who


async def test_upload_preview_confirm_and_a_double_submit_imports_once(platform: Platform
                                                                       ) -> None:
    await open_consultation(platform, "c1", level="email")
    async with session_client(platform, await organiser(platform, "c1")) as client:
        listing = await client.get("/admin/consultations/c1/questionnaires")
        assert f'href="{page("c1")}"' in listing.text  # reachable from the questionnaires
        preview = await upload(client, "c1", CSV.encode())
        assert preview.status_code == 200, preview.text[:500]
        assert "Aperçu : 2 questionnaires, 3 questions" in preview.text
        assert "Combien de &lt;b&gt;kilomètres&lt;/b&gt; ?" in preview.text  # escaped
        assert "si « voiture » = Oui" in preview.text
        assert await questionnaires(platform, "c1") == []  # a preview saves nothing
        fields = confirm_fields(preview)
        before = await saved_events(platform)
        done = await client.post(page("c1") + "/confirmation", data=fields)
        assert done.status_code == 303
        assert done.headers["location"] == "/admin/consultations/c1/questionnaires"
        again = await client.post(page("c1") + "/confirmation", data=fields)
        assert again.status_code == 303
        assert await saved_events(platform) == before + 2  # the second submit wrote nothing
        saved = await questionnaires(platform, "c1")
        assert sorted(q["title"] for q in saved) == ["Vos déplacements", "Votre quartier"]
        moves = next(q for q in saved if q["title"] == "Vos déplacements")
        assert [q["question_id"] for q in moves["questions"]] == ["voiture", "km"]  # type: ignore[index]
        shown = (await client.get("/admin/consultations/c1/questionnaires")).text
        assert "Vos déplacements" in shown and "(2 questions)" in shown


async def test_errors_per_line_and_nothing_imported(platform: Platform) -> None:
    await open_consultation(platform, "c1", level="email")
    async with session_client(platform, await organiser(platform, "c1")) as client:
        preview = await upload(client, "c1", BROKEN.encode())
        assert preview.status_code == 400
        assert "Ligne 3 : type « bizarre » inconnu" in preview.text
        assert "Ligne 4 : l&#39;intitulé de la question est vide." in preview.text
        assert "/confirmation" not in preview.text  # no way to import it
        # a tampered confirmation is checked again
        bad = await client.post(page("c1") + "/confirmation", data={
            "csrf_token": csrf_of(preview.text), "source": BROKEN, "format": "csv",
            "key": "k1"})
        assert bad.status_code == 400 and "Ligne 3" in bad.text
        assert await questionnaires(platform, "c1") == []


async def test_the_shipped_grand_debat_questionnaire(platform: Platform) -> None:
    await open_consultation(platform, "c1", level="email")
    async with session_client(platform, await organiser(platform, "c1")) as client:
        form = await client.get(page("c1"))
        preview = await client.post(page("c1"), data={
            "csrf_token": csrf_of(form.text), "source": "granddebat-fourni"})
        assert preview.status_code == 200, preview.text[:500]
        assert "Aperçu : 4 questionnaires, 94 questions" in preview.text
        done = await client.post(page("c1") + "/confirmation", data=confirm_fields(preview))
        assert done.status_code == 303
    saved = await questionnaires(platform, "c1")
    assert sorted(len(q["questions"]) for q in saved) == [8, 16, 33, 37]  # type: ignore[arg-type]


async def test_only_an_organiser_of_that_consultation_and_never_without_csrf(
        platform: Platform) -> None:
    await open_consultation(platform, "c1", level="email")
    await open_consultation(platform, "c2", level="email")
    orla = await organiser(platform, "c1")
    async with session_client(platform, None) as anonymous:
        r = await anonymous.get(page("c1"))
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/connexion")
        r = await anonymous.post(page("c1") + "/confirmation", data={"source": CSV})
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/connexion")
    async with session_client(platform, await participant(platform, "Sam")) as sam:
        assert (await sam.get(page("c1"))).status_code == 403
        r = await sam.post(page("c1") + "/confirmation", data={"source": CSV, "key": "k1"})
        assert r.status_code == 403
    async with session_client(platform, orla) as client:
        assert (await client.get(page("c2"))).status_code == 403  # not theirs
        await client.get(page("c1"))  # the CSRF cookie, but no token in the form
        r = await client.post(page("c1"), files={"file": ("q.csv", CSV.encode(), "text/csv")})
        assert r.status_code == 403
        r = await client.post(page("c1") + "/confirmation",
                              data={"source": CSV, "format": "csv", "key": "k1"})
        assert r.status_code == 403
    assert await questionnaires(platform, "c1") == []
    assert await questionnaires(platform, "c2") == []


async def test_uploads_count_on_their_own_rate_limit(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch,
                             env={"RATE_LIMITS": "questionnaire_import=2/60"}) as p:
        await open_consultation(p, "c1", level="email")
        async with session_client(p, await organiser(p, "c1")) as client:
            answers = [(await upload(client, "c1", CSV.encode())).status_code
                       for _ in range(3)]
            assert answers == [200, 200, 429]
            refused = await upload(client, "c1", CSV.encode())
            assert "Réessayez dans" in refused.text and int(refused.headers["Retry-After"]) > 0


async def test_the_formats_help_is_a_page_of_the_back_office(platform: Platform) -> None:
    """The import page sent organisers to `docs/questionnaire-import.md`, a file of
    the repository they cannot open."""
    await open_consultation(platform, "c1", level="email")
    async with session_client(platform, await organiser(platform, "c1")) as client:
        form = (await client.get(page("c1"))).text
        assert "docs/questionnaire-import.md" not in form
        assert f'href="{page("c1")}/aide"' in form
        shown = await client.get(f"{page('c1')}/aide")
        assert shown.status_code == 200
        for words in ("Le format du Grand Débat", "Le format CSV", "Le format JSON",
                      "512 Ko au plus", "au plus 20 questionnaires par fichier",
                      "<code>obligatoire</code>", "Vos déplacements;voiture;unique"):
            assert words in shown.text, words
    async with session_client(platform, await participant(platform, "Simple")) as someone:
        assert (await someone.get(f"{page('c1')}/aide")).status_code == 403
