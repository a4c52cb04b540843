"""Participatory budget (ADR 0067): envelopes per territory, projects' costs, the
budget ballot that keeps within its envelope, and the results (by votes, and the
projects that fit the envelope). Pure functions; `budget_handlers.py` loads and
appends.

The budget of a consultation is one stream, `budget-<consultation_id>`, holding
its envelopes and its projects' costs: a ballot is decided on that stream and on
the participant's ballot stream `budget-ballot-<phase>-<participant>`, both read
from the log (ADR 0030), so a cost changed a second ago is the one checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from services.core.envelope import Envelope
from services.core.errors import DomainError
from services.core.values import fold, text
from services.vote.commands import CastBudgetBallot, SetBudgetEnvelope, SetProjectCost
from services.vote.events import BudgetBallotCast, BudgetEnvelopeSet, ProjectCostSet
from services.vote.items import HIDDEN, PUBLISHED, WITHDRAWN, PublishedItem

ACTION = "vote_budget"  # the phase action of a budget vote
WHOLE = "ensemble"  # the envelope id of a consultation-wide envelope (no territory)
AMOUNT_MAX = 10_000_000_000  # ten billion euros: a national budget's order
TERRITORY_MAX = 80
ENVELOPES_MAX = 50
BALLOT_MAX = 100  # projects in one ballot

Doc = Mapping[str, Any]


def budget_stream(consultation_id: str) -> str:
    return f"budget-{consultation_id}"


def ballot_stream(phase_id: str, participant_id: str) -> str:
    return f"budget-ballot-{phase_id}-{participant_id}"


def euros(amount: int) -> str:
    """« 500 000 € »: French grouping by thousands (a narrow no-break space)."""
    return f"{amount:,}".replace(",", "\u202f") + "\u00a0€"


def envelope_id(territory: str) -> str:
    """A stable id from the territory's name: « Paris 11e » -> "paris-11e"."""
    if not territory:
        return WHOLE
    slug = re.sub(r"[^a-z0-9]+", "-", fold(territory)).strip("-")[:60]
    return slug or WHOLE


def budget_of(history: Iterable[Envelope]) -> dict[str, Any]:
    """{envelopes: {id: {envelope_id, territory, amount}}, costs: {project_id:
    {cost, envelope_id}}, version}: the budget stream folded."""
    envelopes: dict[str, dict[str, Any]] = {}
    costs: dict[str, dict[str, Any]] = {}
    version = 0
    for e in history:
        version = e.stream_version
        d = e.data
        if e.type == BudgetEnvelopeSet.TYPE:
            envelopes[d["envelope_id"]] = {"envelope_id": d["envelope_id"],
                                           "territory": d["territory"], "amount": d["amount"]}
        elif e.type == ProjectCostSet.TYPE:
            costs[d["project_id"]] = {"cost": d["cost"], "envelope_id": d["envelope_id"]}
    return {"envelopes": envelopes, "costs": costs, "version": version}


def ballot_of(history: Sequence[Envelope]) -> dict[str, Any] | None:
    """The budget ballot a ballot stream ends in: {version, envelope_id, projects,
    identity_level}; None when none was ever cast."""
    if not history:
        return None
    d = history[-1].data
    return {"version": history[-1].stream_version, "envelope_id": d["envelope_id"],
            "projects": d["projects"], "identity_level": d["identity_level"]}


def _amount(value: int, field: str, what: str) -> int:
    if not 1 <= value <= AMOUNT_MAX:
        raise DomainError("invalid_amount", f"{what} est un nombre entier d'euros entre 1 et "
                          f"{euros(AMOUNT_MAX)}.", field=field)
    return value


def decide_envelope(cmd: SetBudgetEnvelope, budget: Doc) -> BudgetEnvelopeSet | None:
    territory = text(cmd.territory, "territory", label="Le territoire",
                     max_len=TERRITORY_MAX)
    amount = _amount(cmd.amount, "amount", "Le montant de l'enveloppe")
    eid = envelope_id(territory)
    known = budget["envelopes"].get(eid)
    if known is None and len(budget["envelopes"]) >= ENVELOPES_MAX:
        raise DomainError("too_many_envelopes", f"Un budget compte au plus {ENVELOPES_MAX} "
                          "enveloppes.", field="territory")
    if known is not None and known["amount"] == amount and known["territory"] == territory:
        return None
    dearest = max((c["cost"] for c in budget["costs"].values() if c["envelope_id"] == eid),
                  default=0)
    if amount < dearest:
        raise DomainError("envelope_under_a_project", f"Un projet de cette enveloppe coûte "
                          f"{euros(dearest)} : l'enveloppe ne peut pas être plus petite.",
                          field="amount")
    return BudgetEnvelopeSet(item_id=budget_stream(cmd.consultation_id),
                             consultation_id=cmd.consultation_id, envelope_id=eid,
                             territory=territory, amount=amount)


def decide_cost(cmd: SetProjectCost, budget: Doc, project: PublishedItem | None
                ) -> ProjectCostSet | None:
    if project is None or project.consultation_id != cmd.consultation_id \
            or project.status != PUBLISHED:
        raise DomainError("unknown_project", "Ce projet n'est pas une proposition publiée de "
                          "cette consultation.", field="project_id")
    if cmd.envelope_id not in budget["envelopes"]:
        raise DomainError("unknown_envelope", "Choisissez une enveloppe de ce budget.",
                          field="envelope_id")
    cost = _amount(cmd.cost, "cost", "Le coût du projet")
    envelope = budget["envelopes"][cmd.envelope_id]
    if cost > envelope["amount"]:  # no ballot could ever hold it
        raise DomainError("cost_over_envelope", f"Ce projet ({euros(cost)}) coûte plus que "
                          f"toute l'enveloppe « {envelope['territory']} » "
                          f"({euros(envelope['amount'])}) : aucun vote ne pourrait le retenir.",
                          field="cost")
    if budget["costs"].get(cmd.project_id) == {"cost": cost, "envelope_id": cmd.envelope_id}:
        return None
    return ProjectCostSet(item_id=budget_stream(cmd.consultation_id),
                          consultation_id=cmd.consultation_id, project_id=cmd.project_id,
                          envelope_id=cmd.envelope_id, cost=cost)


def check_ballot(cmd: CastBudgetBallot, budget: Doc,
                 projects: Mapping[str, PublishedItem | None]) -> int:
    """The ballot's total cost, or a French refusal: an unknown envelope, a
    project of another envelope, hidden or withdrawn, or a total over the
    envelope (« Votre sélection (620 000 €) dépasse l'enveloppe de 500 000 € »)."""
    envelope = budget["envelopes"].get(cmd.envelope_id)
    if envelope is None:
        raise DomainError("unknown_envelope", "Cette enveloppe n'existe pas dans ce budget.",
                          field="envelope_id")
    if len(set(cmd.projects)) != len(cmd.projects) or len(cmd.projects) > BALLOT_MAX:
        raise DomainError("invalid_selection", "Chaque projet ne peut être choisi qu'une "
                          f"fois, {BALLOT_MAX} au plus.", field="projects")
    total = 0
    for i, pid in enumerate(cmd.projects):
        cost = budget["costs"].get(pid)
        item = projects.get(pid)
        if cost is None or cost["envelope_id"] != cmd.envelope_id or item is None \
                or item.consultation_id != cmd.consultation_id:
            raise DomainError("not_in_envelope", "Ce projet n'est pas proposé dans cette "
                              "enveloppe.", field=f"projects.{i}")
        if item.status in (HIDDEN, WITHDRAWN):
            raise DomainError("project_unavailable", "Ce projet n'est plus publié : on ne peut "
                              "plus voter pour lui.", field=f"projects.{i}")
        total += int(cost["cost"])
    if total > envelope["amount"]:
        raise DomainError("over_budget", f"Votre sélection ({euros(total)}) dépasse "
                          f"l'enveloppe de {euros(envelope['amount'])}.", field="projects")
    return total


def decide_ballot(cmd: CastBudgetBallot, current: Doc | None, phase: Doc,
                  total: int) -> BudgetBallotCast | None:
    """The event, or None when the ballot is already exactly this (a no-op). A
    participant holds one budget ballot per phase: choosing in another envelope
    replaces it (an envelope per territory: one votes where one lives)."""
    projects = sorted(cmd.projects)
    if current is None and not projects:
        return None
    if current is not None and current["envelope_id"] == cmd.envelope_id \
            and sorted(current["projects"]) == projects:
        return None
    previous = None if current is None else {
        "envelope_id": current["envelope_id"], "projects": list(current["projects"]),
        "identity_level": current["identity_level"]}
    return BudgetBallotCast(
        item_id=f"budget-{phase['phase_id']}", consultation_id=cmd.consultation_id,
        phase_id=phase["phase_id"], phase_ends_at=phase["ends_at"],
        participant_id=cmd.participant.participant_id, envelope_id=cmd.envelope_id,
        projects=projects, total=total, identity_level=cmd.participant.identity_level,
        previous=previous)


def empty_votes() -> dict[str, Any]:
    """Per envelope of one phase: {envelope_id: {ballots, projects: {id: votes}}}."""
    return {}


def count_ballot(votes: dict[str, Any], ballot: Doc, step: int) -> None:
    """Move the phase's counts by one ballot ({envelope_id, projects}), +1 or -1.
    An empty ballot (withdrawn) counts for nothing."""
    if not ballot["projects"]:
        return
    envelope = votes.setdefault(ballot["envelope_id"], {"ballots": 0, "projects": {}})
    envelope["ballots"] += step
    for pid in ballot["projects"]:
        envelope["projects"][pid] = envelope["projects"].get(pid, 0) + step


def results(budget: Doc, votes: Doc) -> list[dict[str, Any]]:
    """Per envelope, its projects by votes (ties: the cheaper first, then by id)
    and which are selected by fitting: in that order, a project is selected when
    its cost still fits what the envelope has left, else skipped (the greedy rule
    of Decidim and the Stanford PB platform)."""
    out = []
    for eid, envelope in sorted(budget["envelopes"].items(),
                                key=lambda kv: kv[1]["territory"]):
        counts = (votes.get(eid) or {}).get("projects", {})
        projects = [(pid, c["cost"]) for pid, c in budget["costs"].items()
                    if c["envelope_id"] == eid]
        ranked = sorted(projects, key=lambda pc: (-counts.get(pc[0], 0), pc[1], pc[0]))
        left = int(envelope["amount"])
        rows = []
        for pid, cost in ranked:
            fits = counts.get(pid, 0) > 0 and cost <= left
            if fits:
                left -= cost
            rows.append({"project_id": pid, "cost": cost, "votes": counts.get(pid, 0),
                         "selected": fits})
        out.append({"envelope_id": eid, "territory": envelope["territory"],
                    "amount": envelope["amount"], "ballots": (votes.get(eid) or {}).get(
                        "ballots", 0), "rows": rows, "spent": envelope["amount"] - left})
    return out
