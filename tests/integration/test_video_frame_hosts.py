"""A PeerTube video plays only from a host the pages' Content-Security-Policy
frames (`PARLONS_VIDEO_FRAME_HOSTS`): the back office refuses another host's
link, naming it and the variable, where it offered « Charger la vidéo » for a
player the browser then blocked; a video saved before that refusal is shown
as a link to its host (ADR 0137)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from harness.forms import post_form
from harness.web import catch_up, login, make_container, new_consultation, web_client

from services.consultation.content_commands import AttachVideo
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container

PEERTUBE = "https://video.exemple.fr/w/abc123"
PLAYER = 'data-embed-url="https://video.exemple.fr/videos/embed/abc123"'


@asynccontextmanager
async def published(**settings: object) -> AsyncIterator[tuple[httpx.AsyncClient, Container,
                                                               str]]:
    container = make_container()
    async with web_client(container, **settings) as client:
        await login(client)
        admin = await new_consultation(client)
        r = await post_form(client, admin, f"{admin}/publication", {"action": "publier"})
        assert r.status_code == 303
        yield client, container, admin


async def add_video(client: httpx.AsyncClient, admin: str, url: str) -> httpx.Response:
    return await post_form(client, f"{admin}/videos", f"{admin}/videos",
                           {"title": "Réunion de lancement", "url": url})


async def test_a_peertube_host_the_csp_does_not_frame_is_refused_naming_the_variable():
    async with published() as (client, container, admin):
        r = await add_video(client, admin, PEERTUBE)
        assert r.status_code == 400
        assert 'id="f-url-err"' in r.text
        assert "video.exemple.fr" in r.text and "PARLONS_VIDEO_FRAME_HOSTS" in r.text
        assert "administrateur de la plateforme" in r.text
        assert await container.store.list("videos", admin.rsplit("/", 1)[1], limit=5) == []
        # The platform's own providers need no setting.
        r = await add_video(client, admin, "https://vimeo.com/76979871")
        assert r.status_code == 303, r.text


async def test_a_peertube_host_named_in_the_setting_is_accepted_and_played():
    async with published(video_frame_hosts="https://video.exemple.fr") as (client, _, admin):
        r = await add_video(client, admin, PEERTUBE)
        assert r.status_code == 303, r.text
        page = await client.get("/consultations/mobilites/videos")
        assert PLAYER in page.text and "Charger la vidéo" in page.text
        assert "https://video.exemple.fr" in page.headers["content-security-policy"]


async def test_a_video_saved_before_from_a_host_not_framed_is_a_plain_link():
    async with published() as (client, container, admin):
        cid = admin.rsplit("/", 1)[1]
        await container.handle(AttachVideo("v-old", cid, "Réunion de lancement", PEERTUBE),
                               Meta(Actor("orga", "organiser")))
        await catch_up(container)
        for url in ("/consultations/mobilites", "/consultations/mobilites/videos"):
            page = (await client.get(url)).text
            assert "Réunion de lancement" in page
            assert PLAYER not in page and "Charger la vidéo" not in page
            assert 'href="https://video.exemple.fr/w/abc123"' in page
