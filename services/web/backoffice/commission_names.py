"""One rule for a commission's name: no two commissions of a consultation bear
the same one, in whatever letters or spacing (ADR 0140). A form rule, checked on
the consultation's list of commissions (its detail read model) by the creation
and the edit forms: a name is what the public tells commissions apart by, and a
race of two organisers leaves two names that either can change, nothing broken."""

from __future__ import annotations

from typing import Any

from services.web.forms import FormError

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
