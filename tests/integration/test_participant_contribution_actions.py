"""What a participant does to a contribution in HTML, without JavaScript (issue
#18 item 5): « Signaler » (a reason from a list), and on their own « Modifier »,
« Retirer ma contribution » (after a confirmation page) and « Faire appel » of a
refusal, reached from the proposal's page and from « Mes contributions ». Each
works for the right person, answers 404 (French page) to anyone else, needs the
form's CSRF token, and shows a French confirmation or error."""

from __future__ import annotations

from datetime import timedelta

import httpx
from harness.consultations import open_consultation
from harness.forms import csrf_header, csrf_of, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.core.participants import ModeratorContext
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.moderation.commands import ClaimItem, Decide

C = "/consultations/c1"


async def people(p: Platform) -> dict[str, str]:
    await open_consultation(p, "c1", level="email", moderation="post")
    ids = {n: await participant(p, n) for n in ("Alice", "Bruno", "Orla")}
    await p.container.handle(GrantRole(ids["Orla"], "c1", "organiser"), SYSTEM)

    async def granted() -> bool:
        return "organiser" in await roles_in(p.container.store, ids["Orla"], "c1")
    await until(granted)
    return ids


async def propose(p: Platform, client: httpx.AsyncClient, key: str,
                  body: str = "Des pistes cyclables partout, séparées des voitures.") -> str:
    r = await client.post("/api/consultations/c1/proposals",
                          headers={**await csrf_header(client), "Idempotency-Key": key},
                          json={"title": "Des pistes cyclables", "body": body})
    assert r.status_code == 201, r.text
    pid = str(r.json()["id"])

    async def published() -> bool:
        store = p.container.store
        return await store.get("public_proposals", "c1", pid) is not None and \
            await store.get("deposit_contributions", "all", pid) is not None
    await until(published)
    return pid


async def events(p: Platform, topic: str, kind: str) -> list[dict[str, object]]:
    return [r.event.data for r in await p.container.log.read(topic, limit=10_000)
            if r.event.type == kind]


async def set_policy(p: Platform, orla: str, minutes: str, withdraw: bool) -> None:
    async with session_client(p, orla) as organiser:
        home = await organiser.get("/admin/consultations/c1")
        assert 'href="/admin/consultations/c1/contributions"' in home.text
        data = {"edit_minutes": minutes, **({"withdraw_allowed": "oui"} if withdraw else {})}
        r = await post_form(organiser, "/admin/consultations/c1/contributions",
                            "/admin/consultations/c1/contributions", data)
        assert r.status_code == 303, r.text
        saved = await organiser.get(r.headers["location"])
        assert "Les règles sont enregistrées" in saved.text


async def test_flag_with_a_reason_once_per_participant(platform: Platform) -> None:
    p = platform
    ids = await people(p)
    async with session_client(p, ids["Alice"]) as alice, \
            session_client(p, ids["Bruno"]) as bruno, session_client(p, None) as anonymous:
        pid = await propose(p, alice, "k1")
        page = f"{C}/propositions/{pid}"
        flag = f"{C}/contributions/{pid}/signaler"
        assert f'href="{flag}"' in (await bruno.get(page)).text
        assert f'href="{flag}"' not in (await alice.get(page)).text  # not one's own
        assert (await anonymous.get(flag)).status_code == 401  # log in first
        assert (await bruno.post(flag, data={"csrf_token": "forged", "motif": "publicite"})
                ).status_code == 403
        none = await post_form(bruno, flag, flag, {})
        assert none.status_code == 400 and "Choisissez un motif" in none.text
        r = await post_form(bruno, flag, flag, {"motif": "publicite"})
        assert r.status_code == 303 and r.headers["location"] == f"{page}?envoi=signalement"
        assert "signalement a été transmis" in (await bruno.get(r.headers["location"])).text
        again = await post_form(bruno, flag, flag, {"motif": "injure"})
        assert again.status_code == 400 and "déjà signalé" in again.text
        assert (await bruno.get(f"{C}/contributions/nope/signaler")).status_code == 404
    flags = await events(p, "moderation.events", "moderation.ContributionFlagged")
    assert len(flags) == 1 and flags[0]["reason"] == "publicite"


async def test_withdraw_is_the_authors_after_confirmation_when_allowed(
        platform: Platform) -> None:
    p = platform
    ids = await people(p)
    async with session_client(p, ids["Alice"]) as alice, \
            session_client(p, ids["Bruno"]) as bruno:
        pid = await propose(p, alice, "k1")
        withdraw = f"{C}/contributions/{pid}/retirer"
        refused = await alice.get(withdraw)  # the Grand Débat's rule: no withdrawal
        assert refused.status_code == 403 and "ne permet pas de retirer" in refused.text
        await set_policy(p, ids["Orla"], "0", withdraw=True)
        mine = (await alice.get("/mes-contributions")).text
        assert f'href="{withdraw}"' in mine and "/modifier" not in mine
        assert f'href="{withdraw}"' in (await alice.get(f"{C}/propositions/{pid}")).text
        assert (await bruno.get(withdraw)).status_code == 404  # someone else's
        token = csrf_of((await bruno.get(f"{C}/contributions/{pid}/signaler")).text)
        assert (await bruno.post(withdraw, data={"csrf_token": token})).status_code == 404
        assert (await alice.post(withdraw, data={"csrf_token": "forged"})).status_code == 403
        confirm = await alice.get(withdraw)
        assert confirm.status_code == 200 and "Oui, retirer ma contribution" in confirm.text
        r = await post_form(alice, withdraw, withdraw)
        assert r.status_code == 303 and r.headers["location"] == "/mes-contributions?envoi=retrait"
        mine = (await alice.get(r.headers["location"])).text
        assert "Votre contribution est retirée" in mine and "Retirée" in mine
        assert (await alice.get(f"{C}/propositions/{pid}")).status_code == 404
    assert len(await events(p, "deposit.events", "deposit.ContributionWithdrawn")) == 1


async def test_edit_by_its_author_while_the_phase_is_open(platform: Platform) -> None:
    p = platform
    ids = await people(p)
    await set_policy(p, ids["Orla"], str(7 * 24 * 60), withdraw=False)
    async with session_client(p, ids["Alice"]) as alice, \
            session_client(p, ids["Bruno"]) as bruno:
        pid = await propose(p, alice, "k1")
        edit = f"{C}/contributions/{pid}/modifier"
        assert f'href="{edit}"' in (await alice.get("/mes-contributions")).text
        assert (await bruno.get(edit)).status_code == 404
        form = await alice.get(edit)
        assert form.status_code == 200 and "Des pistes cyclables partout" in form.text
        short = await post_form(alice, edit, edit, {"title": "Des pistes cyclables",
                                                    "body": "Non"})
        assert short.status_code == 400 and "Le texte" in short.text
        assert (await alice.post(edit, data={"csrf_token": "forged", "title": "T",
                                             "body": "x" * 30})).status_code == 403
        r = await post_form(alice, edit, edit, {"title": "Des pistes cyclables sûres",
                                                "body": "Séparées des voitures, éclairées."})
        assert r.headers["location"] == "/mes-contributions?envoi=modification"
        assert "Votre modification est enregistrée" in (await alice.get(r.headers["location"])
                                                        ).text
        # the deposit phase has closed (the server's clock): refused in French
        p.clock.advance(timedelta(days=6))
        late = await post_form(alice, edit, edit, {"title": "Encore une fois",
                                                   "body": "Un autre texte, plus long."})
        assert late.status_code == 400 and "Votre envoi n\u2019a pas été enregistré" in late.text
    edited = await events(p, "deposit.events", "deposit.ContributionEdited")
    assert [e["title"] for e in edited] == ["Des pistes cyclables sûres"]


async def test_appeal_of_a_refusal_from_my_contributions(platform: Platform) -> None:
    p = platform
    ids = await people(p)
    async with session_client(p, ids["Alice"]) as alice, \
            session_client(p, ids["Bruno"]) as bruno:
        pid = await propose(p, alice, "k1")
        appeal = f"{C}/contributions/{pid}/appel"
        nothing = await alice.get(appeal)
        assert nothing.status_code == 403 and "rien à contester" in nothing.text
        moderator = ModeratorContext("p-moderator")
        await p.container.handle(ClaimItem(pid, "c1", moderator), SYSTEM)
        await p.container.handle(Decide(pid, "c1", moderator, "rejected", "hors_sujet"),
                                 SYSTEM)

        async def refused() -> bool:
            doc = await p.container.store.get("moderation_items", "all", pid)
            return doc is not None and doc["status"] == "rejected"
        await until(refused)
        mine = (await alice.get("/mes-contributions")).text
        assert "Refusée par la modération" in mine and f'href="{appeal}"' in mine
        assert (await bruno.get(appeal)).status_code == 404
        short = await post_form(alice, appeal, appeal, {"text": "?"})
        assert short.status_code == 400 and "contestation" in short.text
        assert (await alice.post(appeal, data={"csrf_token": "forged",
                                               "text": "Mon texte est dans le sujet."})
                ).status_code == 403
        r = await post_form(alice, appeal, appeal, {"text": "Mon texte est dans le sujet."})
        assert r.headers["location"] == "/mes-contributions?envoi=appel"
        mine = (await alice.get(r.headers["location"])).text
        assert "Votre appel est enregistré" in mine and f'href="{appeal}"' not in mine
        assert (await alice.get(appeal)).status_code == 403  # once only
    assert len(await events(p, "moderation.events", "moderation.AppealLodged")) == 1
