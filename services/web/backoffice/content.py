"""Back office: what a consultation contains. Each kind is a list plus a form;
one generic template renders them (fields described here), errors in French
next to the field. Each kind has its own routes (no `{kind}` parameter that
would also catch the other pages of a consultation, such as `/suites` or
`/recomptage`); `ContentKind` tells a handler which kind its route is about."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from services.consultation import content_commands as k
from services.consultation.blobstore import BlobStore
from services.consultation.content import ANSWERED_NOT_REMOVED
from services.consultation.questionnaire import questionnaire_description, questionnaire_title
from services.consultation.uploads import ACCEPTED, document_title, store_upload
from services.consultation.videos import parse_video_url
from services.core.errors import DomainError
from services.core.ids import new_id
from services.deposit.queries import has_responses
from services.web import views
from services.web.backoffice import questionnaire_text
from services.web.backoffice.commission_names import check_name_free, commission_form_errors
from services.web.backoffice.consultations import parse_local
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import (
    FormError,
    admin_page,
    checked_form,
    form_errors,
    located,
    raise_unreadable,
    read_field,
    require_organiser,
    submit,
    text,
)
from services.web.paths import route_segment
from services.web.settings import WebSettings


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | textarea | datetime-local | number | file | url | code
    hint: str = ""


@dataclass(frozen=True)
class Kind:
    segment: str
    heading: str
    table: str
    id_key: str
    fields: tuple[Field, ...]
    title_key: str = "title"


MEMBER_TEXT_MAX = 200
CONTENT_PAGE = 50  # elements of a kind a page of the back office's list
QUESTIONNAIRE_HINT = ("Une question par ligne, numérotée ; options précédées d'un tiret ; "
                      "étiquettes {unique} {multiple} {libre} {obligatoire} {autre} "
                      "{si 1 = Oui}. Gardez l'étiquette {réf …} d'une question ou d'une option "
                      "quand vous la déplacez ou la reformulez : elle la relie aux réponses "
                      "déjà reçues.")
KINDS = {
    "questionnaires": Kind("questionnaires", "Questionnaires", "questionnaires",
                           "questionnaire_id", (
        Field("title", "Titre"), Field("description", "Présentation", "textarea"),
        Field("questions", "Questions", "code", QUESTIONNAIRE_HINT))),
    "articles": Kind("articles", "Articles et actualités", "articles", "article_id", (
        Field("title", "Titre"), Field("summary", "Chapeau", "textarea"),
        Field("body_markdown", "Texte (Markdown)", "code",
              "Titres, listes, liens, gras, italique. Le HTML est filtré."))),
    "documents": Kind("documents", "Documents", "documents", "document_id", (
        Field("title", "Titre"),
        Field("file", "Fichier", "file", f"Formats acceptés : {ACCEPTED}."))),
    "videos": Kind("videos", "Vidéos", "videos", "video_id", (
        Field("title", "Titre"),
        Field("url", "Adresse de la vidéo", "url", "PeerTube, YouTube, Dailymotion, Vimeo."))),
    "rencontres": Kind("rencontres", "Rencontres", "meetings_by_consultation", "meeting_id", (
        Field("title", "Titre"), Field("description", "Description", "textarea"),
        Field("starts_at", "Début", "datetime-local"), Field("ends_at", "Fin", "datetime-local"),
        Field("address", "Adresse"), Field("postcode", "Code postal"),
        Field("latitude", "Latitude", "text", "Facultatif, pour la carte (ex. 45.76)."),
        Field("longitude", "Longitude", "text", "Facultatif (ex. 4.83)."),
        Field("capacity", "Nombre de places", "number"),
        Field("online_url", "Lien de participation en ligne", "url"))),
    "commissions": Kind("commissions", "Commissions", "commissions", "commission_id", (
        Field("name", "Nom"), Field("description", "Description", "textarea"),
        Field("members", "Membres", "textarea", "Un membre par ligne : Nom — rôle.")),
        title_key="name"),
}

router = APIRouter(dependencies=BACK_OFFICE)


def content_kind(request: Request) -> Kind:
    """The kind the matched route is about: the segment of its path that names
    one (`/admin/consultations/{cid}/articles/...`)."""
    return KINDS[route_segment(request, KINDS)]


ContentKind = Annotated[Kind, Depends(content_kind)]


def float_field(form: FormData, name: str) -> float | None:
    raw = text(form, name).replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FormError(name, "Nombre décimal attendu (ex. 45.76).") from None


def int_field(form: FormData, name: str) -> int | None:
    raw = text(form, name)
    if not raw:
        return None
    if not raw.isdecimal():
        raise FormError(name, "Nombre entier attendu.")
    return int(raw)


def _members(form: FormData, found: list[FormError]) -> list[tuple[str, str]]:
    """Checked here, before anything is sent: a commission is created, then its
    members one command each, and a bad member line must not leave half of it.
    Each bad line is added to `found` (all of them said at once, ADR 0144)."""
    members = []
    for n, line in enumerate(text(form, "members").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"\s[—-]\s", line, maxsplit=1)]
        name, role = parts[0], parts[1] if len(parts) > 1 else ""
        if not name or len(name) > MEMBER_TEXT_MAX or len(role) > MEMBER_TEXT_MAX:
            found.append(FormError("members", f"Ligne {n} : « Nom — rôle », "
                                              f"{MEMBER_TEXT_MAX} caractères au plus chacun."))
            continue
        members.append((name, role or "membre"))
    return members


def question_field(field: str, message: str) -> tuple[str, str]:
    """The domain names `questions.<i>.<field>`; the editor is one text area."""
    parts = field.split(".")
    if parts[0] == "questions" and len(parts) > 1 and parts[1].isdecimal():
        return "questions", f"Question {int(parts[1]) + 1} : {message}"
    return field, message


def _framed(url: str, settings: WebSettings) -> None:
    """A video whose player the pages' CSP would block never plays: refused here,
    where the frame sources are known (the consultation service parses the URL
    and says why one is not a video link)."""
    try:
        player = parse_video_url(url).embed_url
    except DomainError:
        return
    if not settings.frames_video(player):
        host = urlsplit(player).hostname
        raise FormError("url", f"Les vidéos de {host} ne peuvent pas être lues sur ce site : "
                               "l'administrateur de la plateforme doit d'abord ajouter "
                               f"https://{host} à PARLONS_VIDEO_FRAME_HOSTS.")


def _refused_texts(form: FormData,
                   *checks: tuple[str, Callable[[str], str]]) -> list[FormError]:
    """What the consultation service would refuse of these fields, as the form's
    errors: said beside a field the form could not read, when no command is sent."""
    found = []
    for name, check in checks:
        try:
            check(text(form, name))
        except DomainError as refused:
            found.append(FormError(refused.field or name, refused.message))
    return found


async def _stored_file(form: FormData, blobs: BlobStore | None,
                       max_bytes: int) -> tuple[str, str]:
    """The upload's name and its digest once stored (FormError on `file` otherwise)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError("file", "Choisissez un fichier.")
    filename = upload.filename
    content = await upload.read(max_bytes + 1)  # never more than the limit in memory
    if blobs is None:
        raise FormError("file", "Ce serveur ne reçoit pas de fichiers.")
    try:  # the bytes go to the blob store here, the command names them (ADR 0081)
        digest = await store_upload(filename, content, blobs=blobs,
                                    max_bytes=max_bytes)
    except DomainError as refused:
        raise FormError(refused.field or "file", refused.message) from None
    return filename, digest


async def _command(kind: str, cid: str, item_id: str, form: FormData, settings: WebSettings,
                   existing: dict[str, Any] | None = None, blobs: BlobStore | None = None,
                   *, answered: bool = False,
                   consultation: dict[str, Any] | None = None) -> list[object]:
    """The command(s) a submitted form means (FormError if a field cannot be read).
    `existing`: the item's read model when editing (what the form does not show
    is kept from it); `answered`: the questionnaire has answers; `consultation`:
    its detail (a new commission's name must be free in it)."""
    old = existing or {}
    max_bytes = settings.upload_max_bytes
    if kind == "questionnaires":
        try:
            questions = questionnaire_text.parse(text(form, "questions"),
                                                 previous=old.get("questions", ()))
        except FormError as unread:  # said with the title's and description's (ADR 0144)
            raise_unreadable([*_refused_texts(form, ("title", questionnaire_title),
                                              ("description", questionnaire_description)),
                              unread])
            raise
        return [k.SaveQuestionnaire(item_id, cid, text(form, "title"), questions,
                                    description=text(form, "description"),
                                    theme_id=old.get("theme_id"),
                                    position=old.get("position", 0), answered=answered)]
    if kind == "articles":
        return [k.WriteArticle(item_id, cid, text(form, "title"), text(form, "body_markdown"),
                               summary=text(form, "summary"),
                               kind=old.get("kind", "article"))]
    if kind == "documents":
        try:
            filename, digest = await _stored_file(form, blobs, max_bytes)
        except FormError as unread:  # the title is said with it (ADR 0144)
            raise_unreadable([*_refused_texts(form, ("title", document_title)), unread])
            raise
        return [k.AttachDocument(item_id, cid, text(form, "title"), filename, digest)]
    if kind == "videos":
        _framed(text(form, "url"), settings)
        return [k.AttachVideo(item_id, cid, text(form, "title"), text(form, "url"))]
    if kind == "rencontres":
        meeting = k.UpdateMeeting if existing else k.ScheduleMeeting
        found: list[FormError] = []  # every field that cannot be read, at once (ADR 0144)
        starts_at = read_field(found, parse_local, text(form, "starts_at"), "starts_at")
        ends_at = read_field(found, parse_local, text(form, "ends_at"), "ends_at")
        latitude = read_field(found, float_field, form, "latitude")
        longitude = read_field(found, float_field, form, "longitude")
        capacity = read_field(found, int_field, form, "capacity")
        raise_unreadable(found)
        assert starts_at is not None and ends_at is not None  # unreadable otherwise
        return [meeting(
            item_id, cid, text(form, "title"), starts_at=starts_at, ends_at=ends_at,
            description=text(form, "description"), address=text(form, "address"),
            postcode=text(form, "postcode"), latitude=latitude, longitude=longitude,
            capacity=capacity, online_url=text(form, "online_url"),
            commission_id=old.get("commission_id"))]
    bad: list[FormError] = []  # the name taken and every bad member line (ADR 0144)
    read_field(bad, check_name_free, consultation or {}, text(form, "name"), item_id)
    members = _members(form, bad)
    commission_form_errors(bad, text(form, "name"), text(form, "description"))
    return [k.CreateCommission(item_id, cid, text(form, "name"), text(form, "description")),
            *(k.AddCommissionMember(item_id, cid, f"m{i + 1}", name, role)
              for i, (name, role) in enumerate(members))]


async def send_form(web: Web, request: Request, form: FormData, kind: str, cid: str,
                    item_id: str, *, template: str, context: dict[str, Any], success: str,
                    existing: dict[str, Any] | None = None,
                    answered: bool | None = None) -> Response:
    """Turn the form into commands and send them; French errors next to the field.
    Whether a questionnaire has answers is read from the deposit service's read
    model, on any route that names it (an added form's key may name a saved one),
    unless the caller read it already (`answered`, the edit page's)."""
    if answered is None:
        answered = kind == "questionnaires" and await has_responses(web.store, item_id)
    try:
        commands = await _command(kind, cid, item_id, form, web.deps.settings, existing,
                                  web.deps.port("blobs", BlobStore), answered=answered,
                                  consultation=context.get("c"))
    except FormError as e:
        return await submit(web, request, form, None, template=template, context=context,
                            success=success, parse_error=e)
    locate = question_field if kind == "questionnaires" else (lambda f, m: (f, m))
    for command in commands[:-1]:  # a commission, then its members
        try:
            await web.deps.send(command)
        except DomainError as e:
            return form_errors(web, request, form, template, context, located(e, locate))
    return await submit(web, request, form, commands[-1], template=template, context=context,
                        success=success, locate=locate)


async def list_context(web: Web, cid: str, spec: Kind, number: int = 1) -> dict[str, Any]:
    """Page `number` of the kind's elements: a national consultation's meetings are
    thousands (10,134 for the Grand Débat), where the first 100 only were listed."""
    c = await views.consultation_or_404(web.store, cid)
    page = await views.paged(web.store, spec.table, cid, number, CONTENT_PAGE)
    # meetings take registrations only while a phase offers it (ADR 0139): say so
    # where they are scheduled when none does
    no_registrations = spec.segment == "rencontres" and not any(
        "register_meeting" in (p.get("actions") or ()) for p in c.get("phases", []))
    return {"c": c, "spec": spec, "items": page.items, "page": page, "values": {},
            "item_key": new_id(), "no_registrations": no_registrations}


# A removal refused, said on the list it came back to (`?refus=<code>`): a refusal
# answered as an error page was swapped in by nobody when htmx sent the form.
REMOVAL_REFUSALS = {"questionnaire_answered": ANSWERED_NOT_REMOVED}


async def content(request: Request, web: WebDep, cid: str, spec: ContentKind) -> Response:
    require_organiser(web, request)
    ctx = await list_context(web, cid, spec, views.page_number(request))
    ctx["refused"] = REMOVAL_REFUSALS.get(request.query_params.get("refus", ""), "")
    ctx["error"] = ctx["refused"]  # the title says « Erreur » too (base.html)
    return admin_page(web, request, "backoffice/content.html", ctx)


async def add(request: Request, web: WebDep, cid: str, spec: ContentKind) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await list_context(web, cid, spec)
    here = f"/admin/consultations/{cid}/{spec.segment}"
    # The form's one-time token is the new item's id: the same form sent again,
    # through any front, names the same item (decided by its partition's replica,
    # ADR 0078) instead of making a second one.
    return await send_form(web, request, form, spec.segment, cid, text(form, "cle") or new_id(),
                           template="backoffice/content.html", context=ctx, success=here)


for _segment in KINDS:  # the list of each kind and its form
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}", content, methods=["GET"])
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}", add, methods=["POST"])
