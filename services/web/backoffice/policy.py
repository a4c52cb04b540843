"""Back office: the consultation's contribution policy, the organiser's choice
(ADR 0014): may authors modify their contributions, and for how long after
sending (0: never; the edit also needs the contribution's phase open and goes
through moderation again), and may they withdraw them. Without it set, neither
(the Grand Débat's rule)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.deposit.commands import SetContributionPolicy
from services.deposit.model import DEFAULT_POLICY, EDIT_MINUTES_MAX
from services.deposit.projections import ALL, POLICIES
from services.web import views
from services.web.backoffice.content import int_field
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import WebDep
from services.web.forms import FormError, admin_page, checked_form, require_organiser, submit

router = APIRouter(dependencies=BACK_OFFICE)
PATH = "/admin/consultations/{cid}/contributions"


@router.get(PATH)
async def policy_form(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    c = await views.consultation_or_404(web.store, cid)
    policy = await web.store.get(POLICIES, ALL, c["id"]) or DEFAULT_POLICY
    return admin_page(web, request, "backoffice/policy.html", {
        "c": c, "max_minutes": EDIT_MINUTES_MAX, "saved": "enregistre" in request.query_params,
        "values": {"edit_minutes": str(policy["edit_minutes"]),
                   "withdraw_allowed": "oui" if policy["withdraw_allowed"] else ""}})


@router.post(PATH)
async def set_policy(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    c = await views.consultation_or_404(web.store, cid)
    command, error = None, None
    try:
        command = SetContributionPolicy(c["id"], int_field(form, "edit_minutes") or 0,
                                        form.get("withdraw_allowed") == "oui")
    except FormError as e:
        error = e
    return await submit(web, request, form, command, template="backoffice/policy.html",
                        context={"c": c, "max_minutes": EDIT_MINUTES_MAX},
                        success=f"/admin/consultations/{c['id']}/contributions?enregistre",
                        parse_error=error)
