"""The phases form's actions and vote method (ADR 0062): what each phase opens
(the kinds of vote among them) and, for a vote phase, the deposit phases whose
items it puts to the vote, the support threshold, the qualifications offered, the
ranking's length and the identity level. Every saved value is shown again, so
saving the form keeps what was set (it used to reset every vote phase to
support-only). No JavaScript: checkboxes, number fields and a drop-down list."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from services.consultation import commands as cc
from services.consultation import phases as ph
from services.web.forms import FormError, text

VOTE_KINDS = [(a, ph.ACTIONS[a]) for a in ph.VOTE_ACTIONS]
OTHER_ACTIONS = [(a, label) for a, label in ph.ACTIONS.items() if a not in ph.VOTE_ACTIONS]
LEVELS = [("", "celui de la consultation"), *ph.IDENTITY_LEVELS.items()]
_LIST_ITEM = re.compile(r"\.(actions|sources|qualifications)\.\d+$")


def form_choices(doc: dict[str, Any]) -> dict[str, Any]:
    """The options every row offers: the deposit phases already saved are the
    possible sources (a new deposit phase can be chosen once saved)."""
    return {"vote_kinds": VOTE_KINDS, "other_actions": OTHER_ACTIONS, "levels": LEVELS,
            "qualification_options": list(ph.QUALIFICATIONS.items()),
            "source_options": [(p["phase_id"], p["title"]) for p in doc.get("phases", [])
                               if "deposit" in p.get("actions", ())]}


def saved_values(at: str, phase: dict[str, Any] | None) -> tuple[dict[str, str],
                                                                 dict[str, list[str]]]:
    """A row's method fields as saved (defaults for a phase without a method and
    for a blank row): (single values, checked boxes)."""
    method = ph.vote_method(phase or {})
    values = {f"{at}.vote.support_threshold": str(method["support_threshold"]),
              f"{at}.vote.ranking_max": str(method["ranking_max"]),
              f"{at}.vote.identity_level": method["identity_level"]}
    checked = {f"{at}.actions": list((phase or {}).get("actions", ())),
               f"{at}.vote.sources": list(method["sources"]),
               f"{at}.vote.qualifications": list(method["qualifications"])}
    return values, checked


def typed_checks(form: FormData, rows: int) -> dict[str, list[str]]:
    """The boxes as the organiser left them (the form shown again after a refusal)."""
    out: dict[str, list[str]] = {}
    for i in range(rows):
        for name in (f"phases.{i}.actions", f"phases.{i}.vote.sources",
                     f"phases.{i}.vote.qualifications"):
            out[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return out


def actions_of(form: FormData, at: str) -> tuple[str, ...] | None:
    """The actions checked; none checked: the kind's defaults."""
    actions = tuple(v for v in form.getlist(f"{at}.actions") if isinstance(v, str))
    return actions or None


def method_of(form: FormData, at: str) -> cc.VoteMethodSpec:
    """The vote method typed in a row (FormError when a number is not one). A
    form without the method's fields (sent by a page older than them) gets the
    defaults."""
    if f"{at}.vote.support_threshold" not in form:
        return cc.VoteMethodSpec()
    return cc.VoteMethodSpec(
        sources=tuple(v for v in form.getlist(f"{at}.vote.sources") if isinstance(v, str)),
        support_threshold=_integer(form, f"{at}.vote.support_threshold",
                                   "Le seuil de soutiens doit être un nombre entier."),
        qualifications=tuple(v for v in form.getlist(f"{at}.vote.qualifications")
                             if isinstance(v, str)),
        ranking_max=_integer(form, f"{at}.vote.ranking_max",
                             "La longueur du classement doit être un nombre entier."),
        identity_level=text(form, f"{at}.vote.identity_level"))


def list_field(field: str) -> str:
    """`phases.2.vote.sources.0` -> `phases.2.vote.sources`: a refused checkbox is
    shown on its group."""
    return _LIST_ITEM.sub(r".\1", field)


def _integer(form: FormData, name: str, message: str) -> int:
    raw = text(form, name)
    if not re.fullmatch(r"\d{1,9}", raw):
        raise FormError(name, message)
    return int(raw)
