"""Request bodies are bounded before anything reads them (services/runtime/body_limit.py,
applied by the HTTP front): a declared size above the limit is refused unread, a
chunked body is cut at the limit, multipart uploads get the upload limit, and the
platform app is wired."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.runtime.app import create_app
from services.runtime.body_limit import BodyLimits
from services.runtime.bootstrap import bootstrap
from services.runtime.http_front import FrontConfig, HttpFront
from services.runtime.http_metrics import RequestMetrics
from services.runtime.metrics import Metrics
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore

read: list[int] = []


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    read.append(len(body))
    return JSONResponse({"size": len(body)})


def client(max_body: int = 1000, upload: int = 5000) -> httpx.AsyncClient:
    app = HttpFront(Starlette(routes=[Route("/", echo, methods=["POST"])]),
                    FrontConfig(RequestMetrics(Metrics()), BodyLimits(max_body, upload), ()))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


async def test_a_body_within_the_limit_reaches_the_route() -> None:
    async with client() as c:
        r = await c.post("/", content=b"x" * 1000)
    assert r.status_code == 200 and r.json() == {"size": 1000}


async def test_a_declared_size_above_the_limit_is_refused_unread() -> None:
    read.clear()
    async with client() as c:
        r = await c.post("/", content=b"x" * 1001)
        page = await c.post("/", content=b"x" * 1001, headers={"Accept": "text/html"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert "trop volumineuse" in r.json()["message"]
    assert page.status_code == 413 and "Requête trop volumineuse" in page.text
    assert read == []


async def test_a_chunked_body_is_cut_at_the_limit() -> None:
    read.clear()
    async with client() as c:
        r = await c.post("/", content=chunks(5000))
        ok = await c.post("/", content=chunks(900))
    assert r.status_code == 413 and ok.status_code == 200
    assert read == [900]


async def test_multipart_gets_the_upload_limit_plus_room_for_fields() -> None:
    async with client(max_body=1000, upload=5000) as c:
        ok = await c.post("/", files={"file": ("a.pdf", b"x" * 5000)})
        big = await c.post("/", files={"file": ("a.pdf", b"x" * 200_000)})
    assert ok.status_code == 200 and big.status_code == 413


async def test_the_platform_app_refuses_an_oversized_proposal() -> None:
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   max_body_bytes=2048), store=MemoryReadStore())
    transport = httpx.ASGITransport(app=create_app(container))
    async with container, httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/api/consultations/x/proposals",
                         json={"title": "Titre", "body": "x" * 5000})
        small = await c.post("/api/consultations/x/proposals",
                             json={"title": "Titre", "body": "x" * 500})
    assert r.status_code == 413
    assert small.status_code not in (413, 500)  # reaches the route, which decides


async def test_a_form_gets_a_page_leading_back_and_an_api_client_json() -> None:
    """A browser's form past the limit got raw JSON unless it asked for HTML."""
    same = {"Referer": "http://t/admin/consultations/c1/documents?onglet=2"}
    async with client(max_body=1000, upload=5000) as c:
        upload = await c.post("/", files={"file": ("a.pdf", b"x" * 200_000)}, headers=same)
        form = await c.post("/", data={"texte": "x" * 2000},
                            headers={"Referer": "https://ailleurs.example/admin"})
        api = await c.post("/api/x", files={"file": ("a.pdf", b"x" * 200_000)})
        asked = await c.post("/", data={"texte": "x" * 2000},
                             headers={"Accept": "application/json"})
    assert upload.status_code == 413 and upload.headers["content-type"].startswith("text/html")
    assert "<h1>Fichier trop volumineux</h1>" in upload.text and ": 4 Ko." in upload.text
    assert 'href="/admin/consultations/c1/documents?onglet=2"' in upload.text
    assert "<h1>Formulaire trop volumineux</h1>" in form.text and "ailleurs" not in form.text
    assert "bouton « Retour »" in form.text
    for answer in (api, asked):
        assert answer.status_code == 413 and answer.json()["error"] == "payload_too_large"
