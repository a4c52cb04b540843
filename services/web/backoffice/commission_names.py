"""One rule for a commission's name: no two commissions of a consultation bear
the same one, in whatever letters or spacing (ADR 0140). A form rule, checked on
the consultation's list of commissions (its detail read model) by the creation
and the edit forms: a name is what the public tells commissions apart by, and a
race of two organisers leaves two names that either can change, nothing broken."""

from __future__ import annotations

from typing import Any

from services.consultation.commissions import commission_fields
from services.core.errors import DomainError, refusals_of
from services.web.forms import FormError, raise_unreadable

NAME_TAKEN = "Une autre commission de cette consultation s'appelle déjà « {name} »."


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_name_free(consultation: dict[str, Any], name: str, commission_id: str) -> None:
    """FormError on `name` when a commission of `consultation` other than
    `commission_id` (the one being edited, or created by a form sent again)
    already bears it."""
    wanted = _folded(name)
    for other in consultation.get("commissions") or ():
        if other["commission_id"] != commission_id and _folded(other["name"]) == wanted:
            raise FormError("name", NAME_TAKEN.format(name=other["name"]))


FORM_ORDER = ("name", "description", "members")


def commission_form_errors(found: list[FormError], name: str, description: str) -> None:
    """When the form itself refused something (`found`: the name taken, a bad member
    line), raise it with what the consultation service would refuse of the name
    and description, in the form's order (ADR 0144): nothing is sent then, and
    the organiser would otherwise learn of those only on the next round trip."""
    if not found:
        return
    try:
        commission_fields(name, description)
    except DomainError as refused:
        found = [FormError(e.field or "__all__", e.message) for e in refusals_of(refused)
                 ] + found
    raise_unreadable(sorted(found, key=lambda e: FORM_ORDER.index(e.field)
                            if e.field in FORM_ORDER else len(FORM_ORDER)))
