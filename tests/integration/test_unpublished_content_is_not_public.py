"""What a consultation holds is the public's only while it is published, as its
page is (security review: a draft's meeting was listed on /evenements, its page,
calendar file and registration form answered, its documents were served for a
day-long cache, its contributions read through the JSON API). A draft shows the
public nothing; a consultation unpublished takes back at once what it showed,
pages the process kept included; its team keeps it through the back office."""

from __future__ import annotations

from datetime import timedelta

import httpx
from harness.consultations import open_consultation, propose
from harness.forms import admin_client, csrf_header
from harness.platform import SYSTEM, Platform, granted, participant, session_client, until

from services.consultation.commands import CreateConsultation, UnpublishConsultation
from services.consultation.content_commands import AttachDocument, ScheduleMeeting
from services.consultation.uploads import store_upload
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitArgument

PDF = b"%PDF-1.7\n" + b"0" * 100
PUBLIC = "public, max-age=10, stale-while-revalidate=30"


async def content(p: Platform, cid: str) -> None:
    """A meeting `r-<cid>` to come and a document `d-<cid>` in `cid`."""
    later = p.clock.now() + timedelta(days=10)
    digest = await store_upload("dossier.pdf", PDF, blobs=p.container.blobs)
    await p.container.handle(ScheduleMeeting(
        f"r-{cid}", cid, f"Rencontre de {cid}", later, later + timedelta(hours=2),
        address="1 place de la Comédie", postcode="69001", capacity=30), SYSTEM)
    await p.container.handle(AttachDocument(f"d-{cid}", cid, "Dossier", "dossier.pdf", digest),
                             SYSTEM)

    async def shown() -> bool:
        store = p.container.store
        return bool(await store.get("meetings", "all", f"r-{cid}")
                    and await store.get("documents", cid, f"d-{cid}"))
    await until(shown)


async def public_answers(client: httpx.AsyncClient, cid: str) -> dict[str, int]:
    """What the public's addresses of `cid`'s content answer."""
    paths = (f"/evenements/r-{cid}", f"/evenements/r-{cid}/calendrier.ics",
             f"/documents/{cid}/d-{cid}", f"/api/consultations/{cid}/proposals",
             f"/api/consultations/{cid}/transparency",
             f"/api/consultations/{cid}/phases/depot/results",
             f"/api/search?consultation_id={cid}&q=pistes",
             f"/api/search/similaires?consultation_id={cid}&titre=Des+pistes+cyclables")
    return {path: (await client.get(path)).status_code for path in paths}


async def registration(p: Platform, who: str, meeting: str) -> int:
    """`who` registering for `meeting` with a valid form (the token of their session)."""
    async with session_client(p, who) as client:
        token = (await csrf_header(client))["X-CSRF-Token"]
        return (await client.post(f"/evenements/{meeting}/inscription",
                                  data={"csrf_token": token})).status_code


async def test_a_draft_shows_the_public_nothing_and_its_team_everything(
        platform: Platform) -> None:
    p = platform
    await p.container.handle(CreateConsultation("brouillon", "Brouillon", "brouillon"), SYSTEM)
    await content(p, "brouillon")
    await open_consultation(p, "ouverte", level="email")  # the same, published: shown
    await content(p, "ouverte")
    anne = await participant(p, "Anne")
    async with session_client(p, None) as anonymous:
        listed = (await anonymous.get("/evenements")).text
        assert "Rencontre de ouverte" in listed and "Rencontre de brouillon" not in listed
        assert set((await public_answers(anonymous, "ouverte")).values()) == {200}
        assert set((await public_answers(anonymous, "brouillon")).values()) == {404}
    assert await registration(p, anne, "r-brouillon") == 404
    assert await registration(p, anne, "r-ouverte") == 303
    orla = await participant(p, "Orla")
    await granted(p, orla, "brouillon", "organiser")
    async with session_client(p, orla) as team:
        document = await team.get("/admin/consultations/brouillon/documents/d-brouillon")
        assert document.status_code == 200 and document.content == PDF
        assert document.headers["cache-control"] == "private, no-store"
        listed = (await team.get("/admin/consultations/brouillon/documents")).text
        assert 'href="/admin/consultations/brouillon/documents/d-brouillon"' in listed
        meeting = await team.get("/admin/consultations/brouillon/rencontres/r-brouillon")
        assert meeting.status_code == 200 and "Rencontre de brouillon" in meeting.text


async def test_unpublishing_takes_back_at_once_what_the_public_saw(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")  # post-moderation: shown at once
    await content(p, "velo")
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as author:
        r = await propose(author, "velo", "k1", await csrf_header(author))
        assert r.status_code == 201, r.text
        proposal = r.json()["id"]
    await p.container.handle(SubmitArgument("arg-1", proposal, ParticipantContext(
        anne, "email"), "for", "Parce que c'est plus sûr pour tout le monde."), SYSTEM)
    async with session_client(p, None) as anonymous:

        async def searchable() -> bool:
            found = await anonymous.get("/api/search", params={"q": "pistes"})
            arguments = await anonymous.get(f"/api/contributions/{proposal}/arguments")
            # a 404 until the proposal reaches the read models: not there yet
            return (found.json()["total"] == 1 and arguments.status_code == 200
                    and len(arguments.json()["items"]) == 1)
        await until(searchable, timeout=15)
        assert "Rencontre de velo" in (await anonymous.get("/evenements")).text  # kept now
        assert set((await public_answers(anonymous, "velo")).values()) == {200}
        document = await anonymous.get("/documents/velo/d-velo")
        assert document.headers["cache-control"] == PUBLIC  # not a day, `immutable`
        again = await anonymous.get("/documents/velo/d-velo",
                                    headers={"If-None-Match": document.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"] == PUBLIC

        await p.container.handle(UnpublishConsultation("velo"), SYSTEM)

        async def unpublished() -> bool:
            doc = await p.container.store.get("consultation_detail", "all", "velo")
            return doc is not None and not doc["published"]
        await until(unpublished)
        assert "Rencontre de velo" not in (await anonymous.get("/evenements")).text
        assert set((await public_answers(anonymous, "velo")).values()) == {404}
        gone = await anonymous.get(f"/api/contributions/{proposal}/arguments")
        assert gone.status_code == 404
        assert (await anonymous.get("/api/search", params={"q": "pistes"})).json()["total"] == 0
    assert await registration(p, anne, "r-velo") == 404
    admin = await admin_client(p)  # the analysts' search keeps it
    analysed = await admin.get("/api/search/analyse",
                               params={"consultation_id": "velo", "q": "pistes"})
    assert analysed.status_code == 200 and analysed.json()["total"] == 1
