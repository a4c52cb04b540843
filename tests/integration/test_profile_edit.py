"""« Modifier mon profil » (/compte/profil, ADR 0145) over HTTP on the embedded
platform: linked from « Mon compte », CSRF-checked, the session's own profile
only, every refusal in the error summary linked to its field, PRG to « Mon
compte » with a confirmation, and the new pseudonym wherever a pseudonym is
shown (the account, the export, the team page, the e-mails)."""

from __future__ import annotations

import httpx
from harness.accessibility import problems
from harness.consultations import draft_consultation
from harness.forms import csrf_of, last_link, post_form
from harness.platform import Platform, participant, session_client

from services.identity.model import new_participant_id
from services.identity.vault import Vault

PAGE = "/compte/profil"


async def change(client: httpx.AsyncClient, pseudonym: str, postcode: str = ""
                 ) -> httpx.Response:
    return await post_form(client, PAGE, PAGE, {"pseudonym": pseudonym, "postcode": postcode})


async def test_a_participant_changes_their_pseudonym_and_postcode(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        account = await client.get("/compte")
        assert f'href="{PAGE}"' in account.text and "Modifier mon profil" in account.text
        page = await client.get(PAGE)
        assert page.status_code == 200 and "Modifier mon profil" in page.text
        assert 'value="Anne"' in page.text and 'name="postcode"' in page.text
        assert not problems(page.text)
        r = await change(client, "  Anne   Leroux ", "13001")
        assert r.status_code == 303 and r.headers["location"] == "/compte?profil=modifie"
        account = await client.get(r.headers["location"])
        assert "Votre profil est modifié" in account.text
        assert "Anne Leroux" in account.text and "13001" in account.text
        assert "Votre profil est modifié" not in (await client.get("/compte")).text
        export = (await client.get("/compte/donnees.json")).json()
        assert export["profil"]["pseudonyme"] == "Anne Leroux"
        assert export["profil"]["code_postal"] == "13001"
        r = await change(client, "Anne Leroux", "")  # « non renseigné »
        assert r.status_code == 303
        assert "non renseigné" in (await client.get("/compte")).text
    events = [r.event for r in await p.container.log.read("identity.events")]
    changed = [e for e in events if e.type == "identity.ProfileChanged"]
    assert [list(e.data["changed"]) for e in changed] == [["pseudonym", "postcode"],
                                                          ["postcode"]]
    assert all(e.actor.id == anne for e in changed)
    raw = b"".join(e.to_json() for e in events)
    assert b"Leroux" not in raw and b"13001" not in raw


async def test_the_new_pseudonym_is_the_one_shown_and_found(platform: Platform) -> None:
    """The team page lists members by their pseudonym as the vault holds it now, and
    finds them by it (not by the one they left); the next e-mail greets them with it."""
    p = platform
    cid = await draft_consultation(p)
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        assert (await change(client, "Anne Leroux")).status_code == 303
    async with session_client(p, "orga", kind="admin") as admin:
        team = f"/admin/equipe/{cid}"
        page = await admin.get(team)
        r = await admin.post(team, data={"csrf_token": csrf_of(page.text),
                                         "pseudonym": "Anne", "role": "moderator"})
        assert r.status_code == 400  # the old pseudonym leads to nobody
        r = await admin.post(team, data={"csrf_token": csrf_of(page.text),
                                         "pseudonym": "anne leroux", "role": "moderator"})
        assert r.status_code == 303, r.text
        assert "Anne Leroux" in (await admin.get(team)).text
    await post_form(p.client(), "/connexion", "/connexion", {"email": "anne@exemple.fr"})
    await last_link(p)
    outbox = (await p.client().get("/dev/courriels")).text
    assert "Bonjour Anne Leroux" in outbox


async def test_another_s_pseudonym_and_an_unknown_postcode_are_listed_together(
        platform: Platform) -> None:
    p = platform
    await participant(p, "Bruno")
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        r = await change(client, "BRUNO", "99999")
        assert r.status_code == 400
        assert "Ce pseudonyme est déjà pris" in r.text and "Le code postal 99999 est inconnu" \
            in r.text
        assert 'href="#f-pseudonym"' in r.text and 'href="#f-postcode"' in r.text
        assert 'aria-describedby="f-pseudonym-err"' in r.text
        assert 'value="BRUNO"' in r.text and 'value="99999"' in r.text  # kept to fix
        assert r.text.startswith("<!") and "<title>Erreur : Modifier mon profil" in r.text
        assert not problems(r.text)
        r = await change(client, "Anne", "13001")  # her own: only the postcode changes
        assert r.status_code == 303
        r = await change(client, "Anne Leroux")
        assert r.status_code == 303
        r = await change(client, "Anne")  # the pseudonym she left stays reserved
        assert r.status_code == 400 and "reste réservé" in r.text
    vault = p.container.ports["vault"]
    assert isinstance(vault, Vault)
    assert (await vault.profile(anne) or {})["pseudonym"] == "Anne Leroux"


async def test_the_form_needs_its_csrf_token(platform: Platform) -> None:
    p = platform
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        await client.get(PAGE)
        for data in ({"pseudonym": "Anne Leroux"},
                     {"pseudonym": "Anne Leroux", "csrf_token": "forged.token"}):
            r = await client.post(PAGE, data=data)
            assert r.status_code == 403
        page = await client.get(PAGE)
        r = await client.post(PAGE, headers={"Origin": "https://ailleurs.test"}, data={
            "csrf_token": csrf_of(page.text), "pseudonym": "Anne Leroux"})
        assert r.status_code == 403
    vault = p.container.ports["vault"]
    assert isinstance(vault, Vault)
    assert (await vault.profile(anne) or {})["pseudonym"] == "Anne"


async def test_only_an_account_holder_changes_a_profile(platform: Platform) -> None:
    """No session: the login page, back here. An anonymous session (a participant id
    and no account): the page says an account is needed, and a post changes
    nothing. No participant id is read from the form: nobody edits another's."""
    p = platform
    r = await p.client().get(PAGE)
    assert r.status_code == 303 and r.headers["location"] == "/connexion?suite=/compte/profil"
    anonymous = new_participant_id()
    anne = await participant(p, "Anne")
    async with session_client(p, anonymous) as client:
        page = await client.get(PAGE)
        assert page.status_code == 200 and "demande un compte" in page.text
        assert 'href="/inscription"' in page.text and 'name="pseudonym"' not in page.text
        token = csrf_of((await client.get("/compte")).text)
        r = await client.post(PAGE, data={"csrf_token": token, "pseudonym": "Intrus",
                                          "participant_id": anne})
        assert r.status_code == 403 and "demande un compte" in r.text
    vault = p.container.ports["vault"]
    assert isinstance(vault, Vault)
    assert await vault.profile(anonymous) is None
    assert (await vault.profile(anne) or {})["pseudonym"] == "Anne"
    assert not [r for r in await p.container.log.read("identity.events")
                if r.event.type == "identity.ProfileChanged"]


async def test_changes_are_rate_limited(platform: Platform) -> None:
    """As the login actions: RATE_LOGIN_PER_HOUR per participant (5 on the test
    platform, 10 by default), refused attempts counted too."""
    anne = await participant(platform, "Anne")
    async with session_client(platform, anne) as client:
        statuses = [(await change(client, "Anne", "99999")).status_code for _ in range(6)]
        refused = await change(client, "Anne Leroux", "13001")
    assert statuses == [400] * 5 + [429] and refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600 and "Réessayez" in refused.text
