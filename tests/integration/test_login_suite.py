"""Signing in leads back to the page that asked for it (`?suite=`): the e-mail
form carries it, the magic link too, and confirming lands there (before: the
account page every time). Only a path of this site: anything else lands home.
A participation form posted once the session is gone (logged out in another
tab) leads to the login page and back to the form's page, Referer or not."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote

from harness.forms import csrf_of, post_form, sign_up
from harness.platform import Platform

PAGE = "/consultations/velo/propositions/nouvelle"


async def ask_link(p: Platform, email: str, **suite: str) -> None:
    p.clock.advance(timedelta(seconds=1))  # the outbox lists the newest first
    r = await post_form(p.client(), "/connexion", "/connexion", {"email": email, **suite})
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text


async def link_in_outbox(p: Platform) -> str:
    """The newest magic link, as the e-mail gives it (path and query)."""
    outbox = html.unescape((await p.client().get("/dev/courriels")).text)
    found = re.search(r"https?://[^/\s]+(/connexion/lien\?[^\s<]+)", outbox)
    assert found, outbox
    return found.group(1)


async def confirmed(p: Platform, link: str) -> str:
    client = p.client()
    page = await client.get(link)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="(jeton|suite)" value="([^"]*)"', page.text))
    r = await client.post("/connexion/lien", data={
        "csrf_token": csrf_of(page.text), **{k: html.unescape(v) for k, v in fields.items()}})
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


async def test_the_magic_link_leads_back_to_the_page_that_asked(platform: Platform) -> None:
    p = platform
    await sign_up(p, p.client(), "aline@exemple.fr", "Aline")
    client = p.client()
    form = (await client.get(f"/connexion?suite={PAGE}")).text
    assert f'name="suite" value="{PAGE}"' in form.split('action="/connexion"', 1)[1]
    await ask_link(p, "aline@exemple.fr", suite=PAGE)
    link = await link_in_outbox(p)
    assert link.endswith(f"&suite={PAGE}")
    assert await confirmed(p, link) == PAGE


async def test_no_suite_is_the_account_and_another_site_is_never_one(
        platform: Platform) -> None:
    p = platform
    await sign_up(p, p.client(), "bruno@exemple.fr", "Bruno")
    await ask_link(p, "bruno@exemple.fr")
    link = await link_in_outbox(p)
    assert "suite" not in link
    outside = ("//ailleurs.example/piege", "https://ailleurs.example/", "/\\ailleurs")
    for target in outside:  # a tampered link's target is never followed
        page = (await p.client().get(f"{link}&suite={quote(target, safe='')}")).text
        assert re.search(r'name="suite" value="/"', page), target
        form = (await p.client().get(f"/connexion?suite={quote(target, safe='')}")).text
        assert re.search(r'name="suite" value="/"', form), target
    assert await confirmed(p, link) == "/compte"
    await ask_link(p, "bruno@exemple.fr", suite=outside[0])
    link = await link_in_outbox(p)
    assert link.endswith("&suite=/") and "ailleurs" not in link
    assert await confirmed(p, f"{link}&suite={quote(outside[1], safe='')}") == "/"


async def test_a_form_posted_after_logout_leads_back_to_its_page(platform: Platform) -> None:
    """No session, no Referer (left out by a browser or a proxy): the form's page."""
    client = platform.client()
    token = csrf_of((await client.get("/connexion")).text)
    for action, page in ((PAGE, PAGE),
                         ("/consultations/velo/propositions/p-1/arguments",
                          "/consultations/velo/propositions/p-1"),
                         ("/vote/velo/item-1", "/vote/velo")):
        r = await client.post(action, data={"csrf_token": token, "body": "Un avis."})
        assert r.status_code == 303 and r.headers["location"] == f"/connexion?suite={page}"
    r = await client.post(PAGE, data={"csrf_token": token},
                          headers={"Referer": "https://parlons.test/consultations/velo"})
    assert r.headers["location"] == "/connexion?suite=/consultations/velo"
