"""The analysts' upload of a Pol.is export (ADR 0125), on the opinion groups page:
`POST /admin/analyse/<cid>/groupes-opinion/import`, multipart, the export's files
(`comments.csv` and `votes.csv`, `participants-votes.csv` and `summary.csv` when
there), each under the upload limit (larger exports: `parlons polis import`).

The files go to the blob store and the import is sent as `parlons polis import`
sends it (`ImportConversation`, routed to a synthesis replica in the distributed
topology). The POST waits for it IMPORT_WAIT_S at most, then redirects to the
groups page (303: a refresh sends nothing again), which shows what it did
(import_outcome.py): a small conversation's report (counts, lines left out); a
large one goes on after the answer, in this process or in the replica, and the
page shows it arriving (ADR 0124's counts). A refusal stays on the form. Sending
the same files again finishes an interrupted import, and so does « Reprendre
l'import » (`POST .../import/reprise`), which sends the files the import's first
event names, still in the blob store (ADR 0127)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation.blobstore import BlobStore
from services.core.errors import (
    CommandTimedOut,
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
)
from services.identity.queries import Capability
from services.synthesis.conversations.handlers import ImportConversation
from services.synthesis.conversations.opinions_model import import_arriving
from services.synthesis.polis.model import (
    COMMENTS_FILE,
    PARTICIPANTS_FILE,
    SUMMARY_FILE,
    VOTES_FILE,
)
from services.synthesis.polis.staging import stage_files
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import checked_form
from services.web.session import holder_of
from services.web.synthesis.import_outcome import going_on_url, report_url
from services.web.synthesis.opinion_groups import admin_base, admin_view

router = APIRouter(dependencies=BACK_OFFICE)
logger = logging.getLogger("parlons.web")

# The form's fields and the export's files they are stored as (never a name off
# the wire).
FIELDS = {"comments": COMMENTS_FILE, "votes": VOTES_FILE,
          "participants": PARTICIPANTS_FILE, "summary": SUMMARY_FILE}
# Seconds the page waits for the import before answering that it goes on: a
# conversation of ~300,000 votes takes ~12 s on SQLite.
IMPORT_WAIT_S = 20.0
# Imports still running after their page answered: kept referenced until they end.
_GOING_ON: set[asyncio.Task[Any]] = set()


@router.post("/admin/analyse/{cid}/groupes-opinion/import")
async def upload(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    await holder_of(web, request, cid, Capability.ANALYSE)
    await views.consultation_or_404(web.store, cid)
    await web.providers.check_limit(request, "polis_import")  # 429 page beyond it
    limit = web.deps.settings.upload_max_bytes
    contents: dict[str, bytes] = {}
    for field, name in FIELDS.items():
        upload = form.get(field)
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(limit + 1)  # never more than the limit in memory
            if len(content) > limit:
                return await _refused(web, request, cid, (
                    f"{name} dépasse {limit // (1024 * 1024)} Mo : importez cet export en "
                    f"ligne de commande, parlons polis import {cid} DOSSIER."))
            contents[name] = content
    if not contents:
        return await _refused(web, request, cid,
                              "Choisissez les fichiers de l'export Pol.is (au moins "
                              f"{COMMENTS_FILE} et {VOTES_FILE}).")
    blobs = web.deps.port("blobs", BlobStore)
    if blobs is None:
        raise RuntimeError("this front end was built without the blob store")
    files = await stage_files(contents, blobs)
    del contents
    return await _imported(web, request, cid, files)


@router.post("/admin/analyse/{cid}/groupes-opinion/import/reprise")
async def resume(request: Request, web: WebDep, cid: str) -> Response:
    """« Reprendre l'import »: the files an interrupted import read (named by its
    first event, ADR 0127) sent again, as sending them from the form would; never
    files named by the form."""
    await checked_form(web, request)
    await holder_of(web, request, cid, Capability.ANALYSE)
    await views.consultation_or_404(web.store, cid)
    await web.providers.check_limit(request, "polis_import")
    arriving = await import_arriving(web.store, cid)
    if arriving is None:
        return await _refused(web, request, cid, (
            "Aucun import à reprendre : la conversation importée est arrivée en entier "
            "(ou aucune ne l'est)."), status=409)
    if not arriving.files:  # an import made before its files were named
        return await _refused(web, request, cid, (
            "Cet import ne dit pas quels fichiers il a lus : envoyez à nouveau les mêmes "
            "fichiers ci-dessous pour le terminer."), status=409)
    return await _imported(web, request, cid, arriving.files)


async def _imported(web: Web, request: Request, cid: str,
                    files: dict[str, str]) -> Response:
    """The import of the staged `files` sent, and the redirection to the page
    saying what it did (its report, or that it goes on after IMPORT_WAIT_S), or
    the page saying why it was refused."""
    async def send() -> Any:
        return await web.deps.send(ImportConversation(cid, files))

    importing = _kept(asyncio.create_task(send()), cid)
    try:
        report = await asyncio.wait_for(asyncio.shield(importing), IMPORT_WAIT_S)
    except (TimeoutError, CommandTimedOut):  # goes on here, or in the replica
        return RedirectResponse(going_on_url(web, admin_base(cid), cid), status_code=303)
    except DomainError as refused:  # a file that cannot be read: nothing written
        if refused.code == "polis_file_missing":  # pruned since (ADR 0089)
            return await _refused(web, request, cid, refused.message + (
                " Envoyez à nouveau les fichiers de l'export ci-dessous."), status=409)
        return await _refused(web, request, cid, refused.message)
    except ConcurrencyConflict:
        return await _refused(web, request, cid, (
            "Une autre conversation est déjà importée dans cette consultation : une "
            "consultation n'en reçoit qu'une."), status=409)
    except EventLogUnavailable:
        return await _refused(web, request, cid, (
            "L'import s'est interrompu (le journal des événements ne répond plus) : ce qui "
            "est arrivé est gardé ; envoyez les mêmes fichiers pour le terminer."),
            status=503, interrupted=True)
    await web.deps.settle()  # the page it redirects to shows the import's effect
    return RedirectResponse(report_url(web, admin_base(cid), cid, report), status_code=303)


async def _refused(web: Web, request: Request, cid: str, message: str, *,
                   status: int = 400, interrupted: bool = False) -> Response:
    return await admin_view(web, request, cid, errors={"__all__": message},
                            status=status, interrupted=interrupted)


def _kept(importing: asyncio.Task[Any], cid: str) -> asyncio.Task[Any]:
    """The import, held until it ends (it may go on after its page answered, or
    after the browser left), and its end logged."""
    _GOING_ON.add(importing)

    def ended(task: asyncio.Task[Any]) -> None:
        _GOING_ON.discard(task)
        if task.cancelled():
            logger.warning("Pol.is import cancelled", extra={"consultation_id": cid})
        elif isinstance(task.exception(), CommandTimedOut):
            logger.info("Pol.is import goes on in its replica past the command timeout",
                        extra={"consultation_id": cid})
        elif (error := task.exception()) is not None:
            logger.info("Pol.is import refused or interrupted: %s", type(error).__name__,
                        extra={"consultation_id": cid})
        else:
            logger.info("Pol.is import done", extra={"consultation_id": cid})

    importing.add_done_callback(ended)
    return importing
