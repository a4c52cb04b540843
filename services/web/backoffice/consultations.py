"""Back office: consultations (create, edit, preview, publish) and their phases
(each with its actions and, for a vote phase, its method: phase_method.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import commands as cc
from services.consultation.phases import KINDS, VOTE_ACTIONS, validate_phases
from services.core.errors import DomainError
from services.core.ids import new_id
from services.core.values import instant, iso, parse_iso
from services.identity.queries import Capability, consultations_with_role, may
from services.vote import model as vote_model
from services.vote.projections import BUDGET_VOTES, RANKINGS, TALLIES
from services.web import views
from services.web.backoffice import phase_method as method_form
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import (
    FormError,
    admin_page,
    checked_form,
    located,
    read_field,
    require_organiser,
    submit,
    text,
)
from services.web.rendering import private_page
from services.web.session import visitor

PARIS = ZoneInfo("Europe/Paris")  # organisers type local times; events store UTC
BLANK_PHASE_ROWS = 3

router = APIRouter(dependencies=BACK_OFFICE)


def parse_local(value: str, field: str) -> datetime:
    """A form's Paris time, an instant `iso` can write (year 0001 in Paris is not:
    refused here, before anything of the form compares it)."""
    try:
        return instant(datetime.fromisoformat(value).replace(tzinfo=PARIS), field)
    except ValueError:
        raise FormError(field, "Date et heure invalides (format attendu : jj/mm/aaaa hh:mm).") \
            from None
    except DomainError as refused:
        raise FormError(field, refused.message) from None


def to_local_input(iso: str | None) -> str:
    if not iso:
        return ""
    local = parse_iso(iso).astimezone(PARIS)
    # Seconds only when there are some: saving the form again must not move a phase
    # set to the second (an end by the CLI or API) back to its minute.
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def _themes(raw: str) -> tuple[cc.ThemeSpec, ...]:
    lines = [t.strip() for t in raw.splitlines() if t.strip()]
    return tuple(cc.ThemeSpec(f"theme-{i + 1}", title) for i, title in enumerate(lines))


def _consultation_fields(form: FormData) -> dict[str, Any]:
    return {"title": text(form, "title"), "summary": text(form, "summary"),
            "organiser": text(form, "organiser"),
            "identity_level": text(form, "identity_level") or "anonymous",
            "moderation": text(form, "moderation") or "post",
            "themes": _themes(text(form, "themes")),
            "territories": _territory_codes(form)}


def _territory_codes(form: FormData) -> tuple[str, ...]:
    """The territories picked in the list (codes typed with commas still read)."""
    return tuple(dict.fromkeys(code.strip() for v in form.getlist("territories")
                               if isinstance(v, str) for code in v.split(",") if code.strip()))


def _as_form_field(field: str, message: str) -> tuple[str, str]:
    """`territories.<i>` (a code refused) is said on the list of territories,
    `themes.<i>.title` on the text area of themes (one a line, blank lines
    skipped: named by its number)."""
    if field.startswith("territories."):
        return "territories", message
    parts = field.split(".")
    if parts[0] == "themes" and len(parts) > 1 and parts[1].isdecimal():
        return "themes", f"Thème {int(parts[1]) + 1} : {message}"
    return field, message


def _values_of(doc: dict[str, Any]) -> dict[str, Any]:
    return {**{k: doc.get(k, "") for k in ("title", "slug", "summary", "organiser",
                                           "identity_level", "moderation")},
            "themes": "\n".join(t["title"] for t in doc.get("themes", [])),
            "territories": doc.get("territories", [])}


def _phase_rows(form: FormData | None, phases: list[dict[str, Any]]) -> int:
    if form is not None:
        return sum(1 for k in form if k.endswith(".kind"))
    return max(len(phases) + BLANK_PHASE_ROWS, 3)


def _row_field(field: str, rows: list[int]) -> str:
    """The domain names `phases.<index in the command>.<field>`; the organiser sees
    rows, some of them blank: point at the row (a checkbox's group for a list)."""
    parts = method_form.list_field(field).split(".")
    if len(parts) >= 2 and parts[0] == "phases" and parts[1].isdecimal() \
            and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


def phases_context(doc: dict[str, Any], form: FormData | None) -> dict[str, Any]:
    phases = doc.get("phases", [])
    rows = _phase_rows(form, phases)
    values: dict[str, str] = {}
    checked: dict[str, list[str]] = {}
    for i in range(rows):
        ph = phases[i] if i < len(phases) else None
        method_values, method_checked = method_form.saved_values(f"phases.{i}", ph)
        values.update(method_values)
        checked.update(method_checked)
        if ph is None:
            continue
        values.update({f"phases.{i}.kind": ph["kind"], f"phases.{i}.title": ph["title"],
                       f"phases.{i}.phase_id": ph["phase_id"],
                       f"phases.{i}.description": ph.get("description", ""),
                       f"phases.{i}.starts_at": to_local_input(ph["starts_at"]),
                       f"phases.{i}.ends_at": to_local_input(ph["ends_at"])})
    if form is not None:
        checked = method_form.typed_checks(form, rows)
    return {"c": doc, "values": values, "rows": rows, "checked": checked,
            "kinds": list(KINDS.items()), **method_form.form_choices(doc)}


def _phase_specs(form: FormData, rows: list[int], found: list[FormError]) -> list[cc.PhaseSpec]:
    """The phases typed in the form, blank rows skipped wherever they are; `rows`
    receives the form row each spec came from. A field that cannot be read (a
    malformed date or number) is added to `found` and its row left out, the other
    rows still read (ADR 0144)."""
    specs: list[cc.PhaseSpec] = []
    for row in range(_phase_rows(form, [])):
        at = f"phases.{row}"
        title = text(form, f"{at}.title")
        if not (title or text(form, f"{at}.starts_at") or text(form, f"{at}.ends_at")
                or text(form, f"{at}.description")):
            continue
        kind, actions = text(form, f"{at}.kind"), method_form.actions_of(form, at)
        votes = kind == "vote" or bool(set(actions or ()) & set(VOTE_ACTIONS))
        unread = len(found)
        starts_at = read_field(found, parse_local, text(form, f"{at}.starts_at"),
                               f"{at}.starts_at")
        ends_at = read_field(found, parse_local, text(form, f"{at}.ends_at"), f"{at}.ends_at")
        vote = read_field(found, method_form.method_of, form, at) if votes else None
        if starts_at is None or ends_at is None or len(found) > unread:
            continue
        rows.append(row)
        specs.append(cc.PhaseSpec(
            phase_id=text(form, f"{at}.phase_id") or new_id(),
            kind=kind, title=title, description=text(form, f"{at}.description"),
            starts_at=starts_at, ends_at=ends_at, actions=actions, vote=vote))
    return specs


# A phase row's fields in the form's order, for the summary (ADR 0144).
_ROW_ORDER = ("phase_id", "kind", "title", "starts_at", "ends_at", "description", "actions",
              "vote.sources", "vote.support_threshold", "vote.qualifications",
              "vote.ranking_max", "vote.identity_level")


def _form_order(error: FormError) -> tuple[int, int]:
    """Where a row's field is in the form: (row, rank in the row)."""
    parts = error.field.split(".", 2)
    if len(parts) < 3 or not parts[1].isdecimal():
        return (-1, 0)
    rest = parts[2]
    return int(parts[1]), next((n for n, name in enumerate(_ROW_ORDER)
                                if rest == name or rest.startswith(name + ".")),
                               len(_ROW_ORDER))


def _with_refusals(found: list[FormError], specs: list[cc.PhaseSpec],
                   rows: list[int]) -> list[FormError]:
    """The fields that cannot be read and, beside them in the form's order, what
    the consultation's rules refuse in the rows that could (the same pure
    validation the handler runs): one round trip shows them all."""
    try:
        validate_phases(specs)
    except DomainError as refused:
        found = found + [FormError(_row_field(field, rows), message)
                         for field, message in located(refused)]
    return sorted(found, key=_form_order)


FROZEN_PHASE = ("Les résultats de cette phase de vote sont figés : elle ne peut plus être "
                "rouverte, prolongée ni retirée.")
FROZEN_METHOD = ("Les résultats de cette phase de vote sont figés : sa méthode de vote (types "
                 "de vote, seuil, qualificatifs, classement, niveau d'identité, phases "
                 "sources) ne change plus.")
BALLOTS_METHOD = ("Des votes ont déjà été exprimés dans cette phase : sa méthode de vote (types "
                  "de vote, seuil, qualificatifs, classement, niveau d'identité, phases "
                  "sources) ne change plus, ses dates si.")


async def _frozen_changed(web: Web, doc: dict[str, Any], specs: list[cc.PhaseSpec],
                          rows: list[int]) -> FormError | None:
    """A vote phase whose results are frozen (the log says so) keeps its dates:
    re-opening it would let ballots in that the frozen results do not count (the
    vote service refuses them anyway). It keeps its method too, and so does a
    phase in which ballots were cast: a threshold or a kind of vote changed under
    them would count them otherwise than they were cast, and rewrite results
    published as final."""
    typed = {spec.phase_id: (n, spec) for n, spec in enumerate(specs)}
    typed_methods = _methods(specs)
    for phase in doc.get("phases", []):
        n, spec = typed.get(phase["phase_id"], (None, None))
        at = f"phases.{rows[n]}" if n is not None else ""
        stream = vote_model.results_stream(doc["id"], phase["phase_id"])
        frozen = bool(await web.log.stream_version(stream))
        if frozen and (spec is None or (_minute(spec.starts_at), _minute(spec.ends_at)) != (
                _minute(parse_iso(phase["starts_at"])), _minute(parse_iso(phase["ends_at"])))):
            return FormError(f"{at}.ends_at" if at else "__all__", FROZEN_PHASE)
        if not _method(phase) or typed_methods is None or \
                typed_methods.get(phase["phase_id"]) == _method(phase):
            continue
        if frozen:
            return FormError(f"{at}.title" if at else "__all__", FROZEN_METHOD)
        if await _has_ballots(web, doc["id"], phase["phase_id"]):
            return FormError(f"{at}.title" if at else "__all__", BALLOTS_METHOD)
    return None


def _method(phase: dict[str, Any]) -> tuple[Any, ...] | None:
    """What counts a phase's ballots: its kinds of vote and its method (None for a
    phase without a vote)."""
    kinds = tuple(a for a in phase.get("actions", ()) if a in VOTE_ACTIONS)
    return (kinds, phase.get("vote")) if kinds else None


def _methods(specs: list[cc.PhaseSpec]) -> dict[str, tuple[Any, ...] | None] | None:
    """Each typed phase's method as the consultation will store it; None when the
    phases do not validate (the handler then says why, field by field)."""
    try:
        docs = validate_phases(specs)
    except DomainError:
        return None
    return {d["phase_id"]: _method(d) for d in docs}


async def _has_ballots(web: Web, cid: str, phase_id: str) -> bool:
    """A ballot was cast in the phase, as the vote service's read models know:
    an item's tally, a ranking or a budget ballot."""
    store = web.store
    return bool(await store.list(TALLIES, f"{cid}|{phase_id}", limit=1)
                or await store.get(RANKINGS, cid, phase_id)
                or await store.get(BUDGET_VOTES, cid, phase_id))


def _minute(at: datetime) -> str:
    """An instant as the form shows it (to the minute), in UTC."""
    return iso(at.replace(second=0, microsecond=0))


DASHBOARD_PAGE = 50  # consultations a page, the latest created first


@router.get("/admin")
async def dashboard(request: Request, web: WebDep) -> Response:
    """Every consultation, a page at a time (the latest 200 only were listed: an
    older one was reachable by its address alone)."""
    require_organiser(web, request)
    who = visitor(web, request)
    if who is not None and not who.is_admin:
        return await my_roles(request, web, who.id)
    listed = await views.paged(web.store, "consultations", "all", views.page_number(request),
                               DASHBOARD_PAGE, reverse=True)
    return admin_page(web, request, "backoffice/dashboard.html",
                      {"consultations": listed.items, "page": listed})


# What each role opens in the back office, in the order a page lists it.
ROLE_PAGES = (
    (("organiser", "admin"), "/admin/consultations/{cid}", "Organiser la consultation"),
    (("moderator", "admin"), "/admin/moderation/{cid}", "File de modération"),
    (("organiser", "admin"), "/admin/moderation/{cid}/charte", "Charte de modération"),
    (("analyst", "organiser", "admin"), "/admin/analyse/{cid}", "Espace d\u2019analyse"),
    (("analyst", "organiser", "admin"), "/admin/analyse/{cid}/groupes-opinion",
     "Groupes d\u2019opinion"),
    (("analyst", "organiser", "admin"), "/admin/analyse/{cid}/synthese",
     "Synthèse : analyses thématiques"),
    (("analyst", "organiser", "admin"), "/admin/analyse/{cid}/statistiques",
     "Statistiques des questionnaires"),
    (("analyst", "organiser", "admin"), "/admin/analyse/{cid}/participation", "Participation"),
    (("organiser", "admin"), "/admin/consultations/{cid}/budget", "Budget participatif"),
    (("organiser", "admin"), "/admin/consultations/{cid}/suites", "Suites données"),
    (("organiser", "admin"), "/admin/donnees-ouvertes/{cid}", "Données ouvertes"),
    (("organiser", "admin"), "/admin/equipe/{cid}", "Équipe et rôles"),
)
ROLE_LABELS = {"organiser": "organisateur", "moderator": "modérateur", "analyst": "analyste",
               "admin": "administrateur", "participant": "participant"}


async def my_roles(request: Request, web: Web, participant_id: str) -> Response:
    """A participant's back office: the consultations their roles reach, each with
    the pages those roles open (every link one the guard lets them through)."""
    roles = await consultations_with_role(web.store, participant_id)
    details = await web.store.get_many("consultation_detail", "all", sorted(roles))
    entries = []
    for cid, held in sorted(roles.items(), key=lambda kv: details.get(kv[0], {}).get(
            "title", kv[0])):
        pages = [(href.format(cid=cid), label) for allowed, href, label in ROLE_PAGES
                 if held & set(allowed)]
        if pages:
            entries.append({"title": details.get(cid, {}).get("title", cid),
                            "roles": sorted(ROLE_LABELS.get(r, r) for r in held),
                            "pages": pages})
    return admin_page(web, request, "backoffice/my_roles.html", {"entries": entries})


@router.get("/admin/consultations/nouvelle")
async def new_form(request: Request, web: WebDep) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/consultation_form.html",
                      {"values": {}, "creating": True,
                       "territory_choices": views.territory_choices(),
                       "territories_picked": [], "consultation_key": new_id()})


@router.post("/admin/consultations/nouvelle")
async def create(request: Request, web: WebDep) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    # The form's one-time token is the consultation's id: the same form sent again,
    # through any front, is answered the consultation it created (ADR 0078).
    cid = text(form, "cle") or new_id()
    command = cc.CreateConsultation(consultation_id=cid, slug=text(form, "slug"),
                                    **_consultation_fields(form))
    return await submit(web, request, form, command,
                        template="backoffice/consultation_form.html",
                        context={"creating": True, "territory_choices": views.territory_choices(),
                                 "territories_picked": _territory_codes(form)},
                        success=f"/admin/consultations/{cid}", locate=_as_form_field)


# `{cid:ref}`: never "nouvelle", the creation form's page beside it.
@router.get("/admin/consultations/{cid:ref}")
async def edit_form(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    doc = await views.consultation_or_404(web.store, cid)
    who = visitor(web, request)
    # An organiser does not moderate: no link to a queue that would refuse them.
    moderates = who is not None and (who.is_admin or await may(
        web.store, who.id, cid, Capability.MODERATE))
    return admin_page(web, request, "backoffice/consultation.html",
                      {"c": doc, "values": _values_of(doc), "creating": False,
                       "territory_choices": views.territory_choices(),
                       "territories_picked": doc.get("territories", []),
                       "moderates": moderates})


@router.post("/admin/consultations/{cid:ref}")
async def update(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    doc = await views.consultation_or_404(web.store, cid)
    command = cc.UpdateConsultation(consultation_id=cid, **_consultation_fields(form))
    return await submit(web, request, form, command, template="backoffice/consultation.html",
                        context={"c": doc, "creating": False,
                                 "territory_choices": views.territory_choices(),
                                 "territories_picked": _territory_codes(form)},
                        success=f"/admin/consultations/{cid}", locate=_as_form_field)


@router.post("/admin/consultations/{cid}/publication")
async def publication(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    await views.consultation_or_404(web.store, cid)
    command: object = (cc.PublishConsultation(cid) if text(form, "action") == "publier"
                       else cc.UnpublishConsultation(cid))
    await web.deps.send(command)
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}", status_code=303)


@router.get("/admin/consultations/{cid}/apercu")
async def preview(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    doc = await views.consultation_or_404(web.store, cid)
    ctx = await views.consultation_page(web.store, doc["slug"], published_only=False)
    if ctx is None:
        raise HTTPException(404)
    return private_page(request, web.env, "public/consultation.html", {**ctx, "preview": True})


@router.get("/admin/consultations/{cid}/phases")
async def phases_form(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/phases.html",
                      phases_context(await views.consultation_or_404(web.store, cid), None))


@router.post("/admin/consultations/{cid}/phases")
async def schedule(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    doc = await views.consultation_or_404(web.store, cid)
    rows: list[int] = []  # the form row each spec came from (blank rows are skipped)
    found: list[FormError] = []
    specs = _phase_specs(form, rows, found)
    if found:
        found = _with_refusals(found, specs, rows)
    else:
        frozen = await _frozen_changed(web, doc, specs, rows)
        found = [frozen] if frozen is not None else []
    command = cc.SchedulePhases(cid, tuple(specs))
    return await submit(web, request, form, command, template="backoffice/phases.html",
                        context=phases_context(doc, form), success=f"/admin/consultations/{cid}",
                        parse_error=found, locate=lambda f, m: (_row_field(f, rows), m))
