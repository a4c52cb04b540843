"""Forms and CSRF as a browser sends them: the token of a page's form, a form
posted with it, the header the JSON APIs want, and the magic-link sign-up of
the embedded platform (its outbox at /dev/courriels)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser

import httpx

from harness.platform import ADMIN_PASSWORD, Platform

Fields = Mapping[str, str] | Sequence[tuple[str, str]]


def summary_links(html: str) -> list[str]:
    """The fields the error summary of a page links to, in its order."""
    summary = html.split('class="fr-alert fr-alert--error', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">', summary)


def field_messages(html: str) -> list[str]:
    """The fields with their own error message (`<field id>-err`), in page order."""
    return re.findall(r'id="([^"]+)-err"', html)


def csrf_of(html: str) -> str:
    """The CSRF token of the (first) form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"form without CSRF token: {html[:500]}"
    return found.group(1)


async def post_form(client: httpx.AsyncClient, page: str, action: str,
                    data: Fields | None = None,
                    files: dict[str, tuple[str, bytes]] | None = None) -> httpx.Response:
    """GET the page holding the form (for its CSRF token), then POST `data` to
    `action`; `data` as pairs may repeat a field (checkboxes)."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text[:500]
    fields: dict[str, list[str]] = {"csrf_token": [csrf_of(shown.text)]}
    for name, value in data.items() if isinstance(data, Mapping) else data or ():
        fields.setdefault(name, []).append(value)
    return await client.post(action, data=fields, files=files)


async def admin_client(p: Platform) -> httpx.AsyncClient:
    """A client logged in to the back office as the configured administrator."""
    return await admin_login(p.client())


async def admin_login(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """`client` (any front: ASGI or a real process with PARLONS_ADMIN_USER=orga and
    ADMIN_PASSWORD's hash) logged in to the back office as that administrator."""
    r = await post_form(client, "/admin/connexion", "/admin/connexion",
                        {"utilisateur": "orga", "mot_de_passe": ADMIN_PASSWORD,
                         "suite": "/admin"})
    assert r.status_code == 303, r.text
    return client


async def csrf_header(client: httpx.AsyncClient) -> dict[str, str]:
    """The header a JSON state change needs, for this client's session."""
    session = (await client.get("/api/session")).json()
    return {"X-CSRF-Token": session["csrf_token"]}


async def sign_up(p: Platform, client: httpx.AsyncClient, email: str, pseudonym: str,
                  postcode: str = "") -> httpx.Response:
    return await post_form(client, "/inscription", "/inscription",
                           {"email": email, "pseudonym": pseudonym, "postcode": postcode})


async def last_link(p: Platform) -> str:
    """The token of the last magic link the platform sent."""
    outbox = await p.client().get("/dev/courriels")
    found = re.search(r"jeton=([A-Za-z0-9_.-]+)", outbox.text)
    assert found, outbox.text
    return found.group(1)


async def follow_link(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Opens a magic link and confirms it (the page asks before logging in)."""
    page = await client.get(f"/connexion/lien?jeton={token}")
    if page.status_code != 200:
        return page
    return await client.post("/connexion/lien",
                             data={"csrf_token": csrf_of(page.text), "jeton": token})


class _ShownForm(HTMLParser):
    """The fields a browser would send for the POST form to `action`, as shown."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self._in_form = self._done = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" \
                and a.get("action") == self.action and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._selected and self._first_option is not None:
                self.fields.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


async def post_shown(client: httpx.AsyncClient, page: str, action: str,
                     changes: Mapping[str, str]) -> httpx.Response:
    """GET the page, then POST its form to `action` as shown (hidden fields such as
    an idempotency key included), with the fields of `changes` typed in."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text[:500]
    fields = [(k, v) for k, v in shown_fields(shown.text, action) if k not in changes]
    data: dict[str, list[str]] = {}
    for name, value in [*fields, *changes.items()]:
        data.setdefault(name, []).append(value)
    return await client.post(action, data=data)


def shown_fields(html: str, action: str) -> list[tuple[str, str]]:
    """What submitting the page's POST form to `action` unchanged sends (checked
    boxes, selected options, every value as shown), CSRF token included."""
    parser = _ShownForm(action)
    parser.feed(html)
    return parser.fields
