"""Documents and videos are served safely: sniffed content types, downloads for
anything a browser could render as a page, `nosniff`; videos load nothing from
their host before the visitor clicks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from harness.forms import post_form
from harness.web import login, make_container, new_consultation, web_client

from services.runtime.bootstrap import Container


@pytest.fixture
async def env() -> AsyncIterator[tuple[httpx.AsyncClient, Container, str, str]]:
    container = make_container()
    async with web_client(container) as client:
        await login(client)
        admin = await new_consultation(client)
        r = await post_form(client, admin, f"{admin}/publication", {"action": "publier"})
        assert r.status_code == 303
        yield client, container, admin, admin.rsplit("/", 1)[1]


async def upload(client: httpx.AsyncClient, admin: str, name: str, content: bytes) -> None:
    r = await post_form(client, f"{admin}/documents", f"{admin}/documents",
                        {"title": name}, files={"file": (name, content)})
    assert r.status_code == 303, r.text


async def document_url(container: Container, cid: str, filename: str) -> str:
    rows = await container.store.list("documents", cid, limit=10)
    doc = next(d for _, d in rows if d["filename"] == filename)
    return f"/documents/{cid}/{doc['document_id']}"


async def test_csv_with_script_is_downloaded_never_rendered(env):
    client, container, admin, cid = env
    await upload(client, admin, "donnees.csv", b"nom;avis\n<script>alert(1)</script>;oui\n")
    r = await client.get(await document_url(container, cid, "donnees.csv"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert b"<script>" in r.content  # the bytes are intact, just never a page


async def test_pdf_and_images_open_in_the_browser_with_their_sniffed_type(env):
    client, container, admin, cid = env
    await upload(client, admin, "etude.pdf", b"%PDF-1.4 etude")
    await upload(client, admin, "plan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    for name, media_type in (("etude.pdf", "application/pdf"), ("plan.png", "image/png")):
        r = await client.get(await document_url(container, cid, name))
        assert r.headers["content-type"] == media_type
        assert r.headers["content-disposition"].startswith(f'inline; filename="{name}"')
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_unknown_document_is_a_404(env):
    client, _, _, cid = env
    assert (await client.get(f"/documents/{cid}/inconnu")).status_code == 404


class Loads(HTMLParser):
    """Every URL the browser fetches by itself when parsing the page (not links)."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "data", "poster", "srcset"):
            if a.get(name):
                self.fetched.append(a[name] or "")
        if tag == "link" and a.get("href"):
            self.fetched.append(a["href"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")


async def test_video_page_loads_nothing_from_the_video_host_before_the_click(env):
    client, _, admin, _ = env
    r = await post_form(client, f"{admin}/videos", f"{admin}/videos", {
        "title": "Présentation", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"})
    assert r.status_code == 303
    for url in ("/consultations/mobilites", "/consultations/mobilites/videos"):
        page = (await client.get(url)).text
        parsed = Loads()
        parsed.feed(page)
        assert parsed.fetched and all(u.startswith("/") and not u.startswith("//")
                                      for u in parsed.fetched), parsed.fetched
        assert "<iframe" not in page
        assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in parsed.links  # a plain link
        assert 'data-embed-url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ' in page
        assert "Charger la vidéo" in page
