"""An analyst imports a Pol.is export from the opinion groups page (ADR 0125),
embedded on SQLite: the report (counts, lines left out) on the page, the groups
after it; the same files again write nothing; another conversation, a file past
the limit, no file, a form without its CSRF token and a participant without the
role are refused with nothing written; a large import goes on after the page
answered, which then shows it arriving until it is whole; an interrupted one is
finished by « Reprendre l'import », without its files (ADR 0127), offered once
nothing has arrived for minutes (ADR 0130). An import sent answers with a
redirection to the groups page, which shows what it did (Post/Redirect/Get): a
refresh shows it again and sends nothing; refusals stay on the form."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_of, post_form
from harness.interrupted_imports import log_gone_after
from harness.platform import (
    SYSTEM,
    Platform,
    granted,
    open_platform,
    participant,
    session_client,
    until,
)

from services.core.errors import EventLogUnavailable
from services.synthesis.conversations.handlers import ImportConversation
from services.synthesis.conversations.opinions_model import opinions_changed
from services.synthesis.opinions import TOPIC
from services.synthesis.polis.staging import stage_export
from services.web.synthesis import import_pace, polis_upload

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis"
BREXIT = POLIS / "brexit-consensus"
ADMIN = "/admin/analyse/c1/groupes-opinion"
UPLOAD = ADMIN + "/import"
RESUME = UPLOAD + "/reprise"


def export(directory: Path = BREXIT, **override: bytes) -> dict[str, tuple[str, bytes, str]]:
    """The upload form's files, from a Pol.is export folder."""
    names = {"comments": "comments.csv", "votes": "votes.csv",
             "participants": "participants-votes.csv", "summary": "summary.csv"}
    contents = {field: (directory / name).read_bytes() for field, name in names.items()}
    contents.update(override)
    return {field: (names[field], content, "text/csv") for field, content in contents.items()}


async def _analyst(p: Platform) -> str:
    await open_consultation(p, "c1", level="email")
    ana = await participant(p, "Ana")
    await granted(p, ana, "c1", "analyst")
    return ana


async def followed(client: httpx.AsyncClient, sent: httpx.Response) -> httpx.Response:
    """The page an import's POST redirects to (303), as a browser shows it."""
    assert sent.status_code == 303, sent.text[:500]
    location = sent.headers["location"]
    assert location.startswith(ADMIN + "?import="), location
    shown = await client.get(location)
    assert shown.status_code == 200, shown.text[:500]
    return shown


async def _imported_events(p: Platform) -> int:
    return len([r for r in await p.container.log.read(TOPIC, limit=1_000_000)
                if r.event.data.get("consultation_id") == "c1"])


async def test_an_analyst_imports_an_export_and_sees_its_groups(platform: Platform) -> None:
    p = platform
    ana = await _analyst(p)
    async with session_client(p, ana) as client:
        page = await client.get(ADMIN)
        assert 'action="/admin/analyse/c1/groupes-opinion/import"' in page.text
        votes = (BREXIT / "votes.csv").read_text().splitlines()
        votes[3] = votes[3].rsplit(",", 1)[0] + ",oui"  # one line that cannot be used
        sent = await post_form(client, ADMIN, UPLOAD,
                               files=export(votes=("\n".join(votes) + "\n").encode()))
        done = await followed(client, sent)
        assert "Conversation importée." in done.text
        assert "50 propositions, 5311 votes, 204 participants ; 1 ligne écartée." in done.text
        assert "votes.csv, ligne 4, colonne « vote »" in done.text
        # the import is whole: not said to be arriving while the groups take it in
        assert 'id="import-en-cours"' not in done.text and 'id="import-polis"' not in done.text
        assert await _imported_events(p) == 1 + 50 + 5311
        # refreshed: the same report, and nothing sent again
        again = await client.get(sent.headers["location"])
        assert again.status_code == 200 and "Conversation importée." in again.text
        assert "votes.csv, ligne 4, colonne « vote »" in again.text
        assert await _imported_events(p) == 1 + 50 + 5311
        # a report no import wrote is not shown: the link is signed
        forged = sent.headers["location"][:-3] + ("abc" if sent.headers["location"][-3:] != "abc"
                                                  else "abd")
        assert "Conversation importée." not in (await client.get(forged)).text

        async def modelled() -> bool:
            return await opinions_changed(p.container.store, "c1") == 1 + 50 + 5311
        await until(modelled)
        page = await client.get(ADMIN)
        assert "Groupe A" in page.text and 'id="import-polis"' not in page.text

        again = await followed(client, await post_form(client, ADMIN, UPLOAD, files=export(
            votes=("\n".join(votes) + "\n").encode())))
        assert "étaient déjà importés" in again.text
        other = await post_form(client, ADMIN, UPLOAD, files=export())
        assert other.status_code == 409 and "Une autre conversation" in other.text
    assert await _imported_events(p) == 1 + 50 + 5311


async def test_refusals_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 5000  # comments.csv (7.8 kB) is past it, the form's body still under 413's
    async with open_platform(tmp_path, monkeypatch,
                             env={"UPLOAD_MAX_BYTES": str(limit)}) as p:
        ana = await _analyst(p)
        simple = await participant(p, "Simple")
        files = {"comments": ("comments.csv", (BREXIT / "comments.csv").read_bytes(),
                              "text/csv")}
        async with session_client(p, ana) as client:
            large = await post_form(client, ADMIN, UPLOAD, files=files)
            assert large.status_code == 400
            assert "comments.csv dépasse" in large.text and "parlons polis import c1" in large.text
            empty = await post_form(client, ADMIN, UPLOAD, files={
                "comments": ("", b"", "application/octet-stream")})
            assert empty.status_code == 400 and "Choisissez les fichiers" in empty.text
            unreadable = await post_form(client, ADMIN, UPLOAD, files={
                "comments": ("comments.csv", b"comment-id,comment-body\n0,Un\n", "text/csv")})
            assert unreadable.status_code == 400 and "votes.csv" in unreadable.text
            no_token = await client.post(UPLOAD, files=files)
            assert no_token.status_code == 403
        async with session_client(p, simple) as client:
            account = await client.get("/compte")  # a page of theirs with a form
            refused = await client.post(UPLOAD, data={"csrf_token": csrf_of(account.text)},
                                        files=files)
            assert refused.status_code == 403 and "rôle" in refused.text
        assert await _imported_events(p) == 0


async def test_a_long_import_goes_on_after_the_page_answered(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform
    ana = await _analyst(p)
    monkeypatch.setattr(polis_upload, "IMPORT_WAIT_S", 0.0)
    async with session_client(p, ana) as client:
        sent = await post_form(client, ADMIN, UPLOAD, files=export())
        answered = await followed(client, sent)
        assert "import-continue" in answered.text and "import continue" in answered.text

        async def whole() -> bool:
            return await opinions_changed(p.container.store, "c1") == 1 + 50 + 5312
        await until(whole)
        while polis_upload._GOING_ON:  # the import's task, held until it ended
            await asyncio.sleep(0.01)
        page = await client.get(ADMIN)
        assert "Import en cours" not in page.text and "Groupe A" in page.text
        # the page it redirected to, refreshed: no longer « L'import continue »
        page = await client.get(sent.headers["location"])
        assert "import-continue" not in page.text and 'id="import-termine"' in page.text


async def test_an_interrupted_upload_is_finished_from_the_page_without_its_files(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log goes away after two chunks of an uploaded import (ADR 0124): the
    page offers « Reprendre l'import », which sends the files the import's first
    event names (ADR 0127), and every event is then in the log once; with nothing
    left to finish it is refused, as it is without CSRF, for a participant without
    the role, and with the files gone from the blob store."""
    p = platform
    ana = await _analyst(p)
    simple = await participant(p, "Simple")
    async with session_client(p, ana) as client:
        with log_gone_after(monkeypatch, p.container.log, chunks=2):
            interrupted = await post_form(client, ADMIN, UPLOAD, files=export())
        assert interrupted.status_code == 503 and "est interrompu" in interrupted.text
        assert await _imported_events(p) == 2000

        async def arrived() -> bool:
            return await opinions_changed(p.container.store, "c1") == 2000
        await until(arrived)
        # just written: still taken as going on, nothing offered to resume it
        page = await client.get(ADMIN)
        assert 'id="import-en-cours"' in page.text
        assert "dernier lot pris en compte arrivé il y a" in page.text
        assert 'id="reprendre-import"' not in page.text and 'id="import-polis"' not in page.text
        with log_gone_after(monkeypatch, p.container.log, chunks=0):
            again = await post_form(client, ADMIN, RESUME)
        # the page saw it stop: interrupted, whatever the time since
        assert again.status_code == 503 and 'id="import-interrompu"' in again.text
        assert 'id="reprendre-import"' in again.text and 'id="import-polis"' in again.text
        monkeypatch.setattr(import_pace, "STALLED_AFTER_S", 0.0)  # minutes later
        page = await client.get(ADMIN)
        assert 'id="import-interrompu"' in page.text and "37 % arrivé" in page.text
        assert 'id="reprendre-import"' in page.text and 'id="import-polis"' in page.text
        no_token = await client.post(RESUME)
        assert no_token.status_code == 403
        async with session_client(p, simple) as other:
            account = await other.get("/compte")
            refused = await other.post(RESUME, data={"csrf_token": csrf_of(account.text)})
            assert refused.status_code == 403
        assert await _imported_events(p) == 2000

        finished = await followed(client, await post_form(client, ADMIN, RESUME))
        assert "import interrompu de ces fichiers est terminé." in finished.text
        assert "50 propositions, 5312 votes" in finished.text
        assert await _imported_events(p) == 1 + 50 + 5312  # each event once

        async def whole() -> bool:
            return await opinions_changed(p.container.store, "c1") == 1 + 50 + 5312
        await until(whole)
        page = await client.get(ADMIN)
        assert 'id="reprendre-import"' not in page.text and "Groupe A" in page.text
        nothing_left = await post_form(client, ADMIN, RESUME)
        assert nothing_left.status_code == 409 and "Aucun import à reprendre" in nothing_left.text


async def test_a_resumption_whose_files_were_pruned_asks_for_them_again(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform
    ana = await _analyst(p)
    files = await stage_export(BREXIT, p.container.blobs)
    with log_gone_after(monkeypatch, p.container.log, chunks=1), \
            pytest.raises(EventLogUnavailable):
        await p.container.handle(ImportConversation("c1", files), SYSTEM)
    later = datetime.now(UTC) + timedelta(days=1)
    for digest in files.values():  # what `parlons blobs prune` does past its grace
        assert await p.container.blobs.delete(digest, stored_before=later)

    async def arrived() -> bool:
        return await opinions_changed(p.container.store, "c1") == 1000
    await until(arrived)
    async with session_client(p, ana) as client:
        refused = await post_form(client, ADMIN, RESUME)
        assert refused.status_code == 409
        assert "introuvable" in refused.text and "Envoyez à nouveau les fichiers" in refused.text
        assert 'id="import-polis"' in refused.text  # the form to send them
        finished = await followed(client, await post_form(client, ADMIN, UPLOAD, files=export()))
        assert "est terminé" in finished.text
    assert await _imported_events(p) == 1 + 50 + 5312
