"""A participant changes their e-mail address on « Modifier mon profil » (ADR
0145 amended), over HTTP on the embedded platform: the page sends a link to the
new address (read in the development outbox), the old one gets a notice, the
link's page confirms by POST, and the new address signs in (the old one no
longer does). An address another account holds gets the same page; refusals
are on their field; CSRF-checked; no address in any event."""

from __future__ import annotations

import re

import httpx
from harness.accessibility import problems
from harness.forms import csrf_of, follow_link, post_form
from harness.platform import Platform, participant, session_client

from services.identity.vault import Vault

PAGE, ACTION, CONFIRM = "/compte/profil", "/compte/profil/adresse", "/compte/adresse"
SENT = "/compte/profil?adresse=envoyee"


async def ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await post_form(client, PAGE, ACTION, {"email": email})


async def change_link(p: Platform, to: str) -> str:
    """The token of the latest address-change link sent to `to` (outbox page)."""
    outbox = (await p.client().get("/dev/courriels")).text
    found = re.search(rf"{re.escape(to)}.*?/compte/adresse\?jeton=([A-Za-z0-9_.=-]+)", outbox,
                      re.S)
    assert found, outbox
    return found.group(1)


async def vault_of(p: Platform) -> Vault:
    vault = p.container.ports["vault"]
    assert isinstance(vault, Vault)
    return vault


async def test_the_new_address_confirms_and_then_signs_in(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        page = await client.get(PAGE)
        assert 'name="email"' in page.text and "anne@exemple.fr" in page.text
        assert not problems(page.text)
        r = await ask(client, "anne.leroux@nouveau.fr")
        assert r.status_code == 303 and r.headers["location"] == SENT
        sent = await client.get(SENT)
        assert "Un lien de confirmation a été envoyé" in sent.text and not problems(sent.text)
        assert "anne@exemple.fr" in (await client.get("/compte")).text  # not yet changed
        await confirm_from_the_mail(p, anne)
        r = await client.get("/compte")  # this session ended with the change
        assert r.status_code == 303 and r.headers["location"].startswith("/connexion")


async def confirm_from_the_mail(p: Platform, anne: str) -> None:
    outbox = (await p.client().get("/dev/courriels")).text
    assert "adresse demandé sur votre compte" in outbox
    token = await change_link(p, "anne.leroux@nouveau.fr")
    browser = p.client()  # the link opened elsewhere, without a session
    shown = await browser.get(f"{CONFIRM}?jeton={token}")
    assert shown.status_code == 200 and "Confirmer" in shown.text and not problems(shown.text)
    vault = await vault_of(p)
    assert (await vault.profile(anne) or {})["email"] == "anne@exemple.fr"  # GET: nothing
    done = await browser.post(CONFIRM, data={"csrf_token": csrf_of(shown.text),
                                             "jeton": token})
    assert done.status_code == 200 and "Votre adresse électronique est modifiée" in done.text
    assert not problems(done.text)
    again = await browser.post(CONFIRM, data={"csrf_token": csrf_of(shown.text),
                                              "jeton": token})
    assert again.status_code == 400 and "déjà servi" in again.text
    assert (await vault.profile(anne) or {})["email"] == "anne.leroux@nouveau.fr"


async def test_after_the_change_only_the_new_address_signs_in(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        assert (await ask(client, "anne.leroux@nouveau.fr")).status_code == 303
    await confirm_from_the_mail(p, anne)
    assert len([e for e in [r.event for r in await p.container.log.read("identity.events")]
                if e.type == "identity.SessionsRevoked"]) == 1
    # the old address no longer signs in; the new one does
    before = (await p.client().get("/dev/courriels")).text.count("Votre lien de connexion")
    await post_form(p.client(), "/connexion", "/connexion", {"email": "anne@exemple.fr"})
    after = (await p.client().get("/dev/courriels")).text.count("Votre lien de connexion")
    assert after == before
    await post_form(p.client(), "/connexion", "/connexion", {"email": "anne.leroux@nouveau.fr"})
    outbox = (await p.client().get("/dev/courriels")).text
    found = re.search(r"anne\.leroux@nouveau\.fr.*?/connexion/lien\?jeton=([A-Za-z0-9_.-]+)",
                      outbox, re.S)
    assert found, outbox
    browser = p.client()
    signed = await follow_link(browser, found.group(1))
    assert signed.status_code == 303 and signed.headers["location"] == "/compte"
    account = await browser.get("/compte")  # a new session opens after the revocation
    assert account.status_code == 200 and "anne.leroux@nouveau.fr" in account.text
    events = [r.event for r in await p.container.log.read("identity.events")]
    assert [list(e.data["changed"]) for e in events if e.type == "identity.ProfileChanged"] \
        == [["email"]]
    raw = b"".join(e.to_json() for e in events)
    assert b"nouveau" not in raw and b"@" not in raw


async def test_another_account_s_address_gets_the_same_page(platform: Platform) -> None:
    p = platform
    await participant(p, "Bruno")
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        r = await ask(client, "bruno@exemple.fr")
        assert r.status_code == 303 and r.headers["location"] == SENT
    vault = await vault_of(p)
    assert (await vault.profile(anne) or {})["email"] == "anne@exemple.fr"
    outbox = (await p.client().get("/dev/courriels")).text
    assert "/compte/adresse?jeton=" not in outbox


async def test_refusals_are_on_the_address_field(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        for typed, said in (("pas-une-adresse", "adresse"),
                            ("ANNE@exemple.fr", "déjà l&#39;adresse")):
            r = await ask(client, typed)
            assert r.status_code == 400, r.text[-800:]
            assert 'href="#f-email"' in r.text and not problems(r.text)
            assert said in r.text or said.replace("&#39;", "'") in r.text
            assert "Aucun lien n\u2019a été envoyé" in r.text


async def test_the_form_needs_its_csrf_token_and_a_forged_link_is_refused(
        platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        await client.get(PAGE)
        r = await client.post(ACTION, data={"email": "x@nouveau.fr", "csrf_token": "forged"})
        assert r.status_code == 403
        forged = await client.get(f"{CONFIRM}?jeton=abc.def")
        assert forged.status_code == 400 and "pas valide" in forged.text
        assert not problems(forged.text)
    assert "x@nouveau.fr" not in (await p.client().get("/dev/courriels")).text
