"""Issue #3's "Must show" bad inputs, through HTTP: each gets a clear French
error next to its field (DSFR error state) and nothing is saved."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from harness.forms import post_form
from harness.web import login, make_container, new_consultation, web_client

from services.runtime.bootstrap import Container

LIMIT = 2048  # bytes: the upload limit these tests configure


@pytest.fixture
async def env() -> AsyncIterator[tuple[httpx.AsyncClient, Container, str, str]]:
    container = make_container(upload_max_bytes=LIMIT)
    async with web_client(container, upload_max_bytes=LIMIT) as client:
        await login(client)
        admin = await new_consultation(client)
        yield client, container, admin, admin.rsplit("/", 1)[1]


def assert_error_next_to(r: httpx.Response, field: str, message: str) -> None:
    assert r.status_code == 400, r.text
    assert f'id="f-{field}-err"' in r.text, f"no error next to {field}"
    error = r.text.split(f'id="f-{field}-err" class="fr-error-text">', 1)[1].split("</p>")[0]
    assert message in error, error


def phase(i: int, title: str, start: str, end: str) -> dict[str, str]:
    return {f"phases.{i}.kind": "information", f"phases.{i}.title": title,
            f"phases.{i}.starts_at": start, f"phases.{i}.ends_at": end}


async def no_phases(container: Container, cid: str) -> bool:
    return (await container.store.get("consultation_detail", "all", cid))["phases"] == []


async def test_phase_ending_before_it_starts(env):
    client, container, admin, cid = env
    r = await post_form(client, f"{admin}/phases", f"{admin}/phases",
                        phase(0, "S'informer", "2030-01-10T09:00", "2030-01-01T09:00"))
    assert_error_next_to(r, "phases.0.ends_at", "doit se terminer après son début")
    assert await no_phases(container, cid)


async def test_overlapping_phases(env):
    client, container, admin, cid = env
    r = await post_form(client, f"{admin}/phases", f"{admin}/phases", {
        **phase(0, "S'informer", "2030-01-01T09:00", "2030-01-10T09:00"),
        **phase(1, "Contribuer", "2030-01-05T09:00", "2030-01-20T09:00")})
    assert_error_next_to(r, "phases.1.starts_at", "ne peuvent pas se chevaucher")
    assert await no_phases(container, cid)


async def test_dates_beyond_what_can_be_stored(env):
    """Year 0001 in Paris is before the first instant `datetime` holds in UTC: the
    phases and meetings forms answered 500 (OverflowError)."""
    client, container, admin, cid = env
    r = await post_form(client, f"{admin}/phases", f"{admin}/phases",
                        phase(0, "S'informer", "0001-01-01T00:00", "2030-01-01T09:00"))
    assert_error_next_to(r, "phases.0.starts_at", "année doit être comprise entre 1900")
    r = await post_form(client, f"{admin}/phases", f"{admin}/phases",
                        phase(0, "S'informer", "2030-01-01T09:00", "9999-12-31T23:59"))
    assert_error_next_to(r, "phases.0.ends_at", "et 2999")
    assert await no_phases(container, cid)
    for start, end, field in (("0001-01-01T00:00", "0001-01-01T02:00", "starts_at"),
                              ("2030-03-01T18:00", "9999-12-31T23:59", "ends_at")):
        r = await post_form(client, f"{admin}/rencontres", f"{admin}/rencontres", {
            "title": "Réunion", "starts_at": start, "ends_at": end,
            "address": "1 place Bellecour", "postcode": "69002"})
        assert_error_next_to(r, field, "année doit être comprise entre 1900 et 2999")
    assert await container.store.list("meetings_by_consultation", cid, limit=5) == []


async def test_over_long_text(env):
    client, container, admin, cid = env
    r = await post_form(client, f"{admin}/articles", f"{admin}/articles",
                        {"title": "T" * 201, "body_markdown": "Texte"})
    assert_error_next_to(r, "title", "ne peut dépasser 200 caractères (201 saisis)")
    assert await container.store.list("articles", cid, limit=5) == []
    r = await post_form(client, admin, admin, {"title": "Mobilités", "summary": "s" * 5001})
    assert_error_next_to(r, "summary", "ne peut dépasser")
    assert (await container.store.get("consultations", "all", cid))["summary"] == ""


async def test_unknown_postcode(env):
    client, container, admin, cid = env
    r = await post_form(client, f"{admin}/rencontres", f"{admin}/rencontres", {
        "title": "Réunion", "starts_at": "2030-03-01T18:00", "ends_at": "2030-03-01T20:00",
        "address": "1 rue de nulle part", "postcode": "99999"})
    assert_error_next_to(r, "postcode", "Le code postal 99999 est inconnu.")
    assert 'value="1 rue de nulle part"' in r.text  # what was typed is kept
    assert await container.store.list("meetings_by_consultation", cid, limit=5) == []


async def upload(client: httpx.AsyncClient, admin: str, name: str,
                 content: bytes) -> httpx.Response:
    return await post_form(client, f"{admin}/documents", f"{admin}/documents",
                           {"title": "Pièce jointe"}, files={"file": (name, content)})


async def test_unsupported_upload_type(env):
    client, container, admin, cid = env
    for name, content in (("outil.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
                          ("faux.pdf", b"pas un PDF, du texte")):
        r = await upload(client, admin, name, content)
        assert_error_next_to(r, "file", "Type de fichier non accepté")
        assert "fr-upload-group--error" in r.text
    assert await container.store.list("documents", cid, limit=5) == []
    assert await container.blobs.get(await container.blobs.put(b"x")) == b"x"  # store works


async def test_oversize_file(env):
    client, container, admin, cid = env
    r = await upload(client, admin, "gros.pdf", b"%PDF-1.4 " + b"0" * LIMIT)
    assert_error_next_to(r, "file", "dépasse la taille maximale de 2 Ko")
    assert await container.store.list("documents", cid, limit=5) == []
    ok = await upload(client, admin, "petit.pdf", b"%PDF-1.4 " + b"0" * (LIMIT - 100))
    assert ok.status_code == 303


async def test_upload_limit_is_wired_from_settings_to_the_handler():
    """The web layer reads at most its own limit; the handler enforces the
    runtime's setting, wired by bootstrap (a web limit set higher changes nothing)."""
    container = make_container(upload_max_bytes=LIMIT)
    async with web_client(container, upload_max_bytes=100 * LIMIT) as client:
        await login(client)
        admin = await new_consultation(client)
        r = await upload(client, admin, "gros.pdf", b"%PDF-1.4 " + b"0" * LIMIT)
        assert_error_next_to(r, "file", "dépasse la taille maximale de 2 Ko")


async def test_script_in_titles_is_rendered_escaped_on_public_pages(env):
    client, container, admin, cid = env
    script = "<script>alert(1)</script>"
    r = await post_form(client, admin, admin, {"title": f"Vélo {script}"})
    assert r.status_code == 303
    r = await post_form(client, f"{admin}/articles", f"{admin}/articles",
                        {"title": f"Article {script}", "body_markdown": f"Corps {script}"})
    assert r.status_code == 303
    r = await post_form(client, admin, f"{admin}/publication", {"action": "publier"})
    assert r.status_code == 303
    article = (await container.store.list("articles", cid, limit=1))[0][1]
    await post_form(client, f"{admin}/articles",
                    f"{admin}/articles/{article['article_id']}/publication", {"action": "publier"})
    for url in ("/", "/consultations/mobilites",
                f"/consultations/mobilites/articles/{article['article_id']}",
                f"{admin}/articles"):
        page = (await client.get(url)).text
        assert script not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
