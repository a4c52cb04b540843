"""Public pages for the public at scale (ADR 0071), through the embedded platform:
anonymous pages are public with a short max-age and kept in process, pages with
a session are private, a kept page answers its ETag with a 304, a published
proposal shows on the very next anonymous request, and nothing personal (CSRF
token, pseudonym) ever reaches a public page."""

from __future__ import annotations

from harness.consultations import open_consultation, propose
from harness.forms import csrf_header
from harness.platform import Platform, participant, session_client, until

PUBLIC = "public, max-age=10, stale-while-revalidate=30"
PAGES = ("/", "/consultations/velo", "/consultations/velo/propositions",
         "/consultations/velo/articles", "/evenements", "/mentions-legales")


async def test_anonymous_pages_are_public_and_pages_with_a_session_private(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")
    anne = await participant(p, "Anne")
    async with session_client(p, None) as anonymous, session_client(p, anne) as anne_client:
        for path in PAGES:
            for _ in range(2):  # rendered, then kept
                r = await anonymous.get(path)
                assert r.status_code == 200, path
                assert r.headers["cache-control"] == PUBLIC, path
                assert r.headers["etag"].startswith('"'), path
                assert "Cookie" in r.headers["vary"], path  # asked again once logged in
                assert r.headers["x-frame-options"] == "DENY"  # security headers kept
                assert "content-security-policy" in r.headers
            mine = await anne_client.get(path)
            assert mine.status_code == 200, path
            assert mine.headers["cache-control"] == "private, no-store", path
        account = await anne_client.get("/compte")
        assert "public" not in account.headers.get("cache-control", "")


async def test_a_kept_page_answers_its_etag_with_a_304(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")
    async with session_client(p, None) as client:
        first = await client.get("/consultations/velo")
        kept = await client.get("/consultations/velo")
        assert kept.content == first.content and kept.headers["etag"] == first.headers["etag"]
        again = await client.get("/consultations/velo",
                                 headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == PUBLIC
        other = await client.get("/consultations/velo", headers={"If-None-Match": '"autre"'})
        assert other.status_code == 200 and other.content == first.content


async def test_a_published_proposal_shows_on_the_next_anonymous_request(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")  # post-moderation: published at once
    anne = await participant(p, "Anne")
    page = "/consultations/velo/propositions"
    async with session_client(p, None) as anonymous, session_client(p, anne) as anne_client:
        before = await anonymous.get(page)
        assert "Des pistes cyclables" not in before.text
        assert (await anonymous.get(page)).text == before.text  # kept
        r = await propose(anne_client, "velo", "k1", await csrf_header(anne_client))
        assert r.status_code == 201, r.text

        async def shown_to_anne() -> bool:  # a session is never served a kept page
            return "Des pistes cyclables" in (await anne_client.get(page)).text
        await until(shown_to_anne)
        after = await anonymous.get(page)  # at once: within the 10 s max-age
        assert "Des pistes cyclables" in after.text
        assert after.headers["etag"] != before.headers["etag"]


async def test_no_csrf_token_nor_pseudonym_in_a_public_page(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")
    zoe = await participant(p, "Zoeunique")
    async with session_client(p, zoe) as zoe_client, session_client(p, None) as anonymous:
        await zoe_client.get("/compte")  # the session's pseudonym is on its pages
        for path in (*PAGES, "/consultations/velo/recherche?q=velo", "/plan-du-site"):
            logged_in = await zoe_client.get(path)  # rendered with a session first
            public = await anonymous.get(path)
            for r in (logged_in, public):
                if "public" in r.headers.get("cache-control", ""):
                    assert "csrf_token" not in r.text, path
                    assert "Zoeunique" not in r.text, path
                    assert "set-cookie" not in r.headers, path
            assert public.headers["cache-control"].startswith("public"), path
            assert "csrf_token" not in public.text and "Zoeunique" not in public.text, path
