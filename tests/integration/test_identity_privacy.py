"""Roles per object (a walk over every back-office route with each role),
private data, erasure leaving no trace in any file Parlons wrote, and no e-mail
or IP address in events or log lines."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from harness.forms import csrf_of, follow_link, last_link, post_form, sign_up
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.commands import CreateConsultation
from services.core.ids import new_id
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.identity.retention import apply_retention
from services.web.backoffice.guard import all_routes, back_office_routes

LOGIN = "/admin/connexion"
EMAIL_RE = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}")
IP_RE = re.compile(rb"\b(?:\d{1,3}\.){3}\d{1,3}\b")


async def consultation(p: Platform, slug: str) -> str:
    cid = new_id()
    await p.container.handle(CreateConsultation(consultation_id=cid, title=f"Consultation {slug}",
                                                slug=slug), SYSTEM)
    return cid


def template_of(route: str) -> str:
    """The route's path without its convertors (`{cid:ref}` is `{cid}`)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route)


def may_use(who: str, route: str) -> bool | None:
    """The expected verdict for a route about consultation c1 (or about none):
    None = sent to the login page. Orga1 and Admin1 hold their role on c1, Orga2
    on another consultation only."""
    if who == "anonymous":
        return None
    if who == "admin":  # the settings-configured admin
        return True
    if route == "/admin":  # each person's own workspace: what their roles allow, if any
        return True
    if "{cid}" not in route:
        return False
    if route == "/admin/moderation/{cid}/charte":
        return who in ("Orga1", "Admin1")
    if route.startswith("/admin/moderation/"):
        return who in ("Modo1", "Admin1")
    if route.startswith("/admin/analyse/"):
        return who in ("Analyste1", "Orga1", "Admin1")
    return who in ("Orga1", "Admin1")


async def test_every_back_office_route_checks_the_role_per_consultation(
        platform: Platform) -> None:
    p = platform
    c1, c2 = await consultation(p, "premiere"), await consultation(p, "seconde")
    people = {name: await participant(p, name) for name in
              ("Orga1", "Admin1", "Modo1", "Analyste1", "Simple", "Orga2")}
    grants = [("Orga1", c1, "organiser"), ("Admin1", c1, "admin"), ("Modo1", c1, "moderator"),
              ("Analyste1", c1, "analyst"), ("Simple", c1, "participant"),
              ("Orga2", c2, "organiser")]
    for name, cid, role in grants:
        await p.container.handle(GrantRole(people[name], cid, role), SYSTEM)
    store = p.container.store

    async def caught_up() -> bool:
        return "organiser" in await roles_in(store, people["Orga2"], c2)
    await until(caught_up)

    routes = back_office_routes(p.app)  # type: ignore[arg-type]
    assert {"/admin", "/admin/consultations/{cid}", "/admin/equipe/{cid}",
            "/admin/moderation/{cid}", "/admin/moderation/{cid}/charte",
            "/admin/moderation/{cid}/elements/{item_id}/decision"} <= {
        template_of(r.path) for r in routes}
    failures = []
    for who in ("anonymous", "Simple", "Modo1", "Analyste1", "Orga2", "Orga1", "Admin1",
                "admin"):
        if who == "anonymous":
            client = session_client(p, None)
        elif who == "admin":
            client = session_client(p, "orga", kind="admin")
        else:
            client = session_client(p, people[who])
        async with client:
            token = csrf_of((await client.get("/connexion")).text)
            for route in routes:
                template = template_of(route.path)
                path = re.sub(r"\{cid\}", c1, template)
                path = re.sub(r"\{[a-z_]+\}", "x", path)
                for method in sorted(route.methods - {"HEAD"}):
                    r = await client.request(method, path, data={"csrf_token": token}
                                             if method == "POST" else None)
                    to_login = r.status_code == 303 and r.headers["location"].startswith(LOGIN)
                    may = may_use(who, template)
                    if may is None:
                        ok = to_login
                    else:
                        ok = (r.status_code not in (403, 401) and not to_login) if may \
                            else r.status_code == 403
                    if not ok:
                        failures.append(f"{who} {method} {route.path} -> {r.status_code}")
    assert not failures, "\n".join(failures)


async def test_a_participant_sees_only_their_own_data(platform: Platform) -> None:
    p = platform
    anne, bob = await participant(p, "Anne"), await participant(p, "Bob")
    async with session_client(p, anne) as client:
        page = await client.get("/compte")
        assert "anne@exemple.fr" in page.text and "bob@exemple.fr" not in page.text
        export = (await client.get("/compte/donnees.json")).json()
        assert export["participant_id"] == anne and export["profil"]["courriel"] == \
            "anne@exemple.fr"
        assert set(export) >= {"profil", "contributions", "votes", "roles"}
    assert bob
    # No public or account route takes a participant id: nobody can ask for another's data.
    for route in all_routes(p.app.routes):  # type: ignore[attr-defined]
        if not route.path.startswith("/admin"):
            params = re.findall(r"\{([^}]+)\}", route.path)
            assert not [n for n in params if any(w in n for w in ("participant", "author",
                                                                  "user", "person"))], route.path


def written_bytes(data_dir: Path) -> dict[Path, bytes]:
    return {f: f.read_bytes() for f in data_dir.rglob("*") if f.is_file()}


async def test_after_erasure_no_file_holds_the_email_or_pseudonym(
        platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = platform
    email, pseudonym = "zoe.rarissime-7781@exemple.fr", "Zephyrine Quaresma"
    client = p.client()
    await sign_up(p, client, email, pseudonym, "69001")
    await follow_link(client, await last_link(p))
    await post_form(p.client(), "/connexion", "/connexion", {"email": email})  # one more mail
    assert (await client.get("/compte/donnees.json")).json()["profil"]["courriel"] == email
    before = b"".join(written_bytes(p.data_dir).values())
    assert b"identity.db" not in before  # (sanity: we scan contents, not names)
    r = await post_form(client, "/compte", "/compte/effacement", {"confirmation": "oui"})
    assert r.status_code == 200 and "Compte effacé" in r.text
    assert (await client.get("/compte")).status_code == 303  # the session is closed
    p.clock.advance(__import__("datetime").timedelta(hours=25))
    await apply_retention(p.container.ports["identity"])  # type: ignore[arg-type]
    files = written_bytes(p.data_dir)
    assert any(f.name == "identity.db" for f in files) and any(f.name == "events.db"
                                                                for f in files)
    needles = [email.encode(), email.lower().encode(), b"zoe.rarissime", pseudonym.encode(),
               b"Zephyrine", "Quaresma".encode("utf-16-le")]
    for path, raw in files.items():
        for needle in needles:
            assert needle not in raw, f"{needle!r} found in {path}"
    lines = [f"{r.getMessage()} {r.__dict__}" for r in caplog.records]
    assert not [line for line in lines if "rarissime" in line or "Zephyrine" in line]


async def test_no_event_and_no_log_line_holds_an_email_or_ip(
        platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p = platform
    client = p.client()
    await sign_up(p, client, "yann@exemple.fr", "Yann", "35000")
    await follow_link(client, await last_link(p))
    for _ in range(6):  # up to the rate limit
        await post_form(client, "/connexion", "/connexion", {"email": "yann@exemple.fr"})
    events = b""
    for topic in ("identity.events", "consultation.events", "runtime.events"):
        events += b"".join(r.event.to_json() for r in await p.container.log.read(topic))
    assert b"identity.ParticipantRegistered" in events
    assert not EMAIL_RE.search(events) and not IP_RE.search(events)
    lines = "\n".join(f"{r.getMessage()} {r.__dict__.get('args')}" for r in caplog.records)
    assert not EMAIL_RE.search(lines.encode()) and not IP_RE.search(lines.encode())


async def test_an_organiser_acts_in_the_back_office_under_their_own_pseudonymous_id(
        platform: Platform) -> None:
    p = platform
    cid = await consultation(p, "velo")
    orga = await participant(p, "Organisatrice")
    await p.container.handle(GrantRole(orga, cid, "organiser"), SYSTEM)

    async def caught_up() -> bool:
        return "organiser" in await roles_in(p.container.store, orga, cid) and \
            await p.container.store.get("consultation_detail", "all", cid) is not None
    await until(caught_up)
    async with session_client(p, orga) as client:
        page = await client.get(f"/admin/consultations/{cid}")
        assert page.status_code == 200
        r = await client.post(f"/admin/consultations/{cid}/publication",
                              data={"csrf_token": csrf_of(page.text), "action": "publier"})
        assert r.status_code == 303, r.text
    events = [r.event for r in await p.container.log.read("consultation.events")
              if r.event.consultation_id == cid]
    published = [e for e in events if e.type.endswith("Published")]
    assert published and published[-1].actor.id == orga
    assert published[-1].actor.id != "orga"  # not the settings-configured admin
