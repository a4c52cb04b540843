"""Commissions (working groups with members and reports) as pure decide/evolve
functions, on the commission's own stream `commission-<id>`.

A commission may be renamed and redescribed, and removed with its members and
reports; once removed its stream takes nothing more (ADR 0140). Every command
on an existing commission (edit, removal, members, reports) names the
consultation the caller's role was checked on, and is refused for a commission
of another one (ADR 0133 amended)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from services.consultation import content_events as ev
from services.consultation.content_commands import (
    AddCommissionMember,
    CreateCommission,
    EditCommission,
    PublishCommissionReport,
    RemoveCommission,
    RemoveCommissionMember,
)
from services.core.errors import DomainError, Refusals
from services.core.events import DomainEvent
from services.core.values import ident, text

NAME_MAX, DESCRIPTION_MAX = 200, 5000


@dataclass(frozen=True, slots=True)
class Commission:
    version: int = 0
    consultation_id: str = ""
    name: str = ""
    description: str = ""
    removed: bool = False
    members: frozenset[str] = frozenset()
    # What it was created as, each member id added as and each report last
    # published as: a form sent again (its id the form's one-time key, or derived
    # from it) finds its own write and writes nothing (ADR 0081).
    created: tuple[str, str, str] | None = None  # consultation, name, description
    added: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    reports: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.version > 0 and not self.removed


def commission_stream(commission_id: str) -> str:
    return f"commission-{commission_id}"


def _name(value: str) -> str:
    if not value.strip():  # « at least 3 characters » said of an empty field puzzles
        raise DomainError("required", "Le nom est obligatoire.", field="name")
    return text(value, "name", label="Le nom", max_len=NAME_MAX, min_len=3)


def _description(value: str) -> str:
    return text(value, "description", label="La description", max_len=DESCRIPTION_MAX)


def commission_fields(name: str, description: str) -> tuple[str, str]:
    """A commission's name and description as kept, both refused together (ADR
    0144); the web checks them too beside what its form cannot read."""
    with Refusals() as refused:
        kept_name, kept_description = (refused.check(_name, name),
                                       refused.check(_description, description))
    assert kept_name is not None and kept_description is not None
    return kept_name, kept_description


def decide_create_commission(state: Commission, cmd: CreateCommission) -> list[DomainEvent]:
    ident(cmd.commission_id, "commission_id")
    created = ev.CommissionCreated(cmd.commission_id, cmd.consultation_id,
                                   *commission_fields(cmd.name, cmd.description))
    if state.created == (created.consultation_id, created.name, created.description):
        return []  # the same form again: already done
    if state.version:  # removed since, its id is still taken
        raise DomainError("already_exists", "Cette commission existe déjà.",
                          field="commission_id")
    return [created]


def decide_edit(state: Commission, cmd: EditCommission) -> list[DomainEvent]:
    _commission_of(state, cmd.consultation_id)
    edited = ev.CommissionEdited(cmd.commission_id, state.consultation_id,
                                 *commission_fields(cmd.name, cmd.description))
    if (state.name, state.description) == (edited.name, edited.description):
        return []  # unchanged (the same form sent again)
    return [edited]


def decide_remove(state: Commission, cmd: RemoveCommission) -> list[DomainEvent]:
    if state.removed:
        _same_consultation(state, cmd.consultation_id)
        return []  # removed already (a retry): nothing to do
    _commission_of(state, cmd.consultation_id)
    return [ev.CommissionRemoved(cmd.commission_id, state.consultation_id)]


def decide_add_member(state: Commission, cmd: AddCommissionMember) -> list[DomainEvent]:
    _commission_of(state, cmd.consultation_id)
    ident(cmd.member_id, "member_id")
    with Refusals() as refused:  # the name and the role together (ADR 0144)
        name = refused.check(text, cmd.display_name, "display_name", label="Le nom",
                             max_len=200, min_len=1)
        role = refused.check(text, cmd.role, "role", label="Le rôle", max_len=200, min_len=1)
    assert name is not None and role is not None
    added = ev.CommissionMemberAdded(cmd.commission_id, state.consultation_id, cmd.member_id,
                                     name, role)
    if state.added.get(cmd.member_id) == (added.display_name, added.role):
        return []  # the same request again: already done
    if cmd.member_id in state.members:
        raise DomainError("already_member", "Ce membre fait déjà partie de la commission.",
                          field="member_id")
    return [added]


def decide_remove_member(state: Commission, cmd: RemoveCommissionMember) -> list[DomainEvent]:
    _commission_of(state, cmd.consultation_id)
    if cmd.member_id not in state.members:
        raise DomainError("not_member", "Ce membre ne fait pas partie de la commission.",
                          field="member_id")
    return [ev.CommissionMemberRemoved(cmd.commission_id, state.consultation_id,
                                       cmd.member_id)]


def decide_report(state: Commission, cmd: PublishCommissionReport) -> list[DomainEvent]:
    _commission_of(state, cmd.consultation_id)
    ident(cmd.report_id, "report_id")
    with Refusals() as refused:  # the title and the text together (ADR 0144)
        title = refused.check(text, cmd.title, "title", label="Le titre", max_len=200,
                              min_len=3)
        body = refused.check(text, cmd.body_markdown, "body_markdown", label="Le rapport",
                             max_len=100_000, min_len=1)
    assert title is not None and body is not None
    published = ev.CommissionReportPublished(
        cmd.commission_id, state.consultation_id, cmd.report_id, title, body)
    if state.reports.get(cmd.report_id) == (published.title, published.body_markdown):
        return []  # unchanged (the same form sent again)
    return [published]


def _commission_exists(state: Commission) -> None:
    if not state.exists:
        raise DomainError("not_found", "Commission introuvable.", field="commission_id")


def _same_consultation(state: Commission, consultation_id: str) -> None:
    if state.consultation_id != consultation_id:
        raise DomainError("wrong_consultation", "Cette commission appartient à une autre "
                          "consultation.", field="consultation_id")


def _commission_of(state: Commission, consultation_id: str) -> None:
    _commission_exists(state)
    _same_consultation(state, consultation_id)


def evolve_commission(state: Commission, event: DomainEvent) -> Commission:
    state = replace(state, version=state.version + 1)
    if isinstance(event, ev.CommissionCreated):
        return replace(state, consultation_id=event.consultation_id, name=event.name,
                       description=event.description,
                       created=(event.consultation_id, event.name, event.description))
    if isinstance(event, ev.CommissionEdited):
        return replace(state, name=event.name, description=event.description)
    if isinstance(event, ev.CommissionRemoved):
        return replace(state, removed=True)
    if isinstance(event, ev.CommissionMemberAdded):
        return replace(state, members=state.members | {event.member_id}, added={
            **state.added, event.member_id: (event.display_name, event.role)})
    if isinstance(event, ev.CommissionMemberRemoved):
        return replace(state, members=state.members - {event.member_id})
    if isinstance(event, ev.CommissionReportPublished):
        return replace(state, reports={
            **state.reports, event.report_id: (event.title, event.body_markdown)})
    return state
