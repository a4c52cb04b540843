"""Registration names no account (ADR 0133): `POST /inscription` with the address
of an existing account used to answer 400 « Un compte existe déjà avec cette
adresse électronique », while `/connexion` answers alike for any address. Now the
same page and status as for a new address, and the owner of the address gets a
message (the outbox, /dev/courriels) with a link to sign in; the address is in
no event and no log line."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from harness.forms import follow_link, last_link, sign_up
from harness.platform import Platform

EMAIL_RE = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}")


def shown(r: httpx.Response) -> str:
    """The page without what differs from one browser to the next."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", r.text)


async def test_a_known_address_gets_the_new_address_answer_and_a_message(
        platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = platform
    await sign_up(p, p.client(), "aline@exemple.fr", "Aline", "69001")
    await follow_link(p.client(), await last_link(p))
    registered = len(await p.container.log.read("identity.events"))  # Aline's, signed in

    new = await sign_up(p, p.client(), "bruno@exemple.fr", "Bruno", "69002")
    known = await sign_up(p, p.client(), "Aline@Exemple.fr", "Alinette", "69003")
    assert (known.status_code, new.status_code) == (200, 200)
    assert shown(known) == shown(new) and "Vérifiez votre messagerie" in known.text
    assert "existe déjà" not in known.text

    outbox = (await p.client().get("/dev/courriels")).text
    notice = re.search(r"Vous avez déjà un compte sur Parlons</h2><p>À : ([^ ]+) .*?"
                       r"jeton=([A-Za-z0-9_.-]+)", outbox, re.DOTALL)
    assert notice and notice[1] == "aline@exemple.fr", outbox
    client = p.client()
    signed = await follow_link(client, notice[2])  # the message's link signs Aline in
    assert signed.status_code == 303 and "Aline" in (await client.get("/compte")).text

    events = await p.container.log.read("identity.events")
    types = [r.event.type.removeprefix("identity.") for r in events[registered:]]
    assert types.count("ParticipantRegistered") == types.count("PseudonymReserved") == 1
    assert not EMAIL_RE.search(b"".join(r.event.to_json() for r in events))
    lines = "\n".join(f"{r.getMessage()} {r.__dict__.get('args')}" for r in caplog.records)
    assert not EMAIL_RE.search(lines.encode())
