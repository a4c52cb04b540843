"""Deposit command handlers: read what the decision needs, decide, append with the
stream's expected version. Ports only (`log`, `store`, `clock`, `meta`).

A contribution (and the one it answers, for an argument or a comment) and the
consultation's contribution policy are decided on their streams read from the log
(ADR 0030), never on the contributions read model, which lags: a withdrawal right
after a deposit finds it. The consultation's detail (phases, identity level) is
another aggregate's reference data, read from its query port.

A contribution is a new stream `contribution-<id>` expected at 0; a response is
the stream `response-<questionnaire>-<participant>` expected at 0, so a second
response is refused by the log's key even when two arrive at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.envelope import Actor
from services.core.errors import ConcurrencyConflict, DomainError
from services.core.events import DomainEvent, Meta
from services.core.participants import ParticipantContext
from services.deposit import model
from services.deposit.commands import (
    EditContribution,
    SetContributionPolicy,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.events import (
    ArgumentSubmitted,
    CommentSubmitted,
    ProposalSubmitted,
    ResponseSubmitted,
    SubmissionKeyed,
)
from services.eventlog.port import EventLog, Write, append_at, append_to
from services.store.port import Doc, ReadStore

# What `_append_new` appends: each names its contribution and its consultation.
Submission = ProposalSubmitted | ResponseSubmitted | ArgumentSubmitted | CommentSubmitted


async def submit_proposal(cmd: SubmitProposal, *, log: EventLog, store: ReadStore,
                          clock: Clock, meta: Meta) -> str:
    async def submit() -> str:
        consultation = await consultations.consultation(store, cmd.consultation_id)
        event = model.decide_proposal(consultation, cmd, clock.now())
        await _append_new(log, clock, meta, cmd.participant, event,
                          model.contribution_stream(cmd.contribution_id), cmd.request_key)
        return cmd.contribution_id

    return await _once(log, cmd.participant, cmd.request_key, cmd.contribution_id, submit)


async def submit_response(cmd: SubmitResponse, *, log: EventLog, store: ReadStore,
                          clock: Clock, meta: Meta) -> str:
    """Once refused, the response already recorded decides: the same answers sent
    again under the same key (a form sent twice, a retry) answer it; anything
    else is told the person has already answered, since nothing new is saved."""
    stream = model.response_stream(cmd.questionnaire_id, cmd.participant.participant_id)
    try:
        consultation = await consultations.consultation(store, cmd.consultation_id)
        questionnaire = await consultations.questionnaire(store, cmd.consultation_id,
                                                          cmd.questionnaire_id)
        event = model.decide_response(consultation, questionnaire, cmd, clock.now())
        await _append_new(log, clock, meta, cmd.participant, event, stream, cmd.request_key)
        return cmd.contribution_id
    except Exception:
        recorded = model.recorded_answers(await log.read_stream(stream))
        if recorded is None:
            raise
        if cmd.request_key and model.repeats_response(recorded, cmd) and await _keyed(
                log, cmd.participant, cmd.request_key) == cmd.contribution_id:
            return cmd.contribution_id
        raise DomainError("already_answered",
                          "Vous avez déjà répondu à ce questionnaire : une seule réponse "
                          "par participant.", field="questionnaire_id") from None


async def submit_argument(cmd: SubmitArgument, *, log: EventLog, store: ReadStore,
                          clock: Clock, meta: Meta) -> str:
    async def submit() -> str:
        proposal = await _contribution(log, cmd.proposal_id)
        consultation = await _consultation_of(store, proposal)
        event = model.decide_argument(consultation, proposal, cmd, clock.now())
        await _append_new(log, clock, meta, cmd.participant, event,
                          model.contribution_stream(cmd.contribution_id), cmd.request_key)
        return cmd.contribution_id

    return await _once(log, cmd.participant, cmd.request_key, cmd.contribution_id, submit)


async def submit_comment(cmd: SubmitComment, *, log: EventLog, store: ReadStore,
                         clock: Clock, meta: Meta) -> str:
    async def submit() -> str:
        parent = await _contribution(log, cmd.parent_id)
        consultation = await _consultation_of(store, parent)
        event = model.decide_comment(consultation, parent, cmd, clock.now())
        await _append_new(log, clock, meta, cmd.participant, event,
                          model.contribution_stream(cmd.contribution_id), cmd.request_key)
        return cmd.contribution_id

    return await _once(log, cmd.participant, cmd.request_key, cmd.contribution_id, submit)


async def edit_contribution(cmd: EditContribution, *, log: EventLog, store: ReadStore,
                            clock: Clock, meta: Meta) -> None:
    doc = await _contribution(log, cmd.contribution_id)
    consultation = await _consultation_of(store, doc)
    policy = await _policy(log, doc)
    event = model.decide_edit(doc, consultation, policy, cmd, clock.now())
    await _append_next(log, clock, meta, cmd.participant, event, doc)


async def withdraw_contribution(cmd: WithdrawContribution, *, log: EventLog, store: ReadStore,
                                clock: Clock, meta: Meta) -> None:
    doc = await _contribution(log, cmd.contribution_id)
    event = model.decide_withdraw(doc, await _policy(log, doc), cmd)
    await _append_next(log, clock, meta, cmd.participant, event, doc)


async def set_contribution_policy(cmd: SetContributionPolicy, *, log: EventLog,
                                  store: ReadStore, clock: Clock, meta: Meta) -> None:
    consultation = await consultations.consultation(store, cmd.consultation_id)
    event = model.decide_policy(consultation, cmd)
    stream = model.policy_stream(cmd.consultation_id)
    await append_to(log, stream, await log.stream_version(stream), [event], clock=clock,
                    meta=meta, consultation_id=cmd.consultation_id)


async def _consultation_of(store: ReadStore, contribution: Doc | None) -> Doc | None:
    if contribution is None:
        return None
    return await consultations.consultation(store, contribution["consultation_id"])


async def _contribution(log: EventLog, contribution_id: str) -> Doc | None:
    return model.contribution_of(await log.read_stream(model.contribution_stream(
        contribution_id)))


async def _policy(log: EventLog, contribution: Doc | None) -> model.Doc:
    if contribution is None:
        return model.DEFAULT_POLICY
    return model.policy_of(await log.read_stream(model.policy_stream(
        contribution["consultation_id"])))


def _as_participant(meta: Meta, participant: ParticipantContext) -> Meta:
    """The envelope's actor is the participant (pseudonymous id), whatever the caller."""
    return Meta(actor=Actor(participant.participant_id, "participant"),
                correlation_id=meta.correlation_id, causation_id=meta.causation_id)


async def _once(log: EventLog, participant: ParticipantContext, request_key: str,
                contribution_id: str, submit: Callable[[], Awaitable[str]]) -> str:
    """Run a submission once per Idempotency-Key: a retry whose first attempt
    reached the log (the answer lost to a crash or a cut connection), or a
    duplicate racing it, answers the contribution that attempt recorded. Without
    a key, the id is the form's one-time token (ADR 0038): the contribution
    already in the log under it, by this participant, is this form sent again.

    The key's stream is read only once the submission is refused (ADR 0094): a
    first attempt cannot succeed when the key is recorded (the key's stream is
    appended at version 0 with the contribution), so whatever refused a retry --
    the log's conflict, or a check that no longer passes (the phase closed since,
    a body that differs) -- is answered by the first outcome, as when the key was
    read before deciding; a first attempt, the common case, reads nothing more."""
    try:
        return await submit()
    except Exception as refused:
        if request_key and (first := await _keyed(log, participant, request_key)) is not None:
            return first
        if isinstance(refused, ConcurrencyConflict) and not request_key and contribution_id \
                and await _authored(log, participant, contribution_id):
            return contribution_id
        raise


async def _authored(log: EventLog, participant: ParticipantContext, contribution_id: str) -> bool:
    doc = await _contribution(log, contribution_id)
    return doc is not None and doc["author_id"] == participant.participant_id


async def _keyed(log: EventLog, participant: ParticipantContext, request_key: str) -> str | None:
    """The contribution recorded under this participant's key, if any."""
    history = await log.read_stream(model.key_stream(
        model.key_hash(participant.participant_id, request_key)))
    return str(history[0].data["contribution_id"]) if history else None


async def _append_new(log: EventLog, clock: Clock, meta: Meta, participant: ParticipantContext,
                      event: Submission, stream: str, request_key: str) -> None:
    """A new contribution's first event, with its Idempotency-Key in the same
    atomic append when there is one."""
    # The ids read as attributes, not through one more to_data() than wrap()'s.
    contribution_id, consultation_id = event.contribution_id, event.consultation_id
    writes: list[Write] = [(stream, 0, [event])]
    if request_key:
        key = model.key_hash(participant.participant_id, request_key)
        writes.append((model.key_stream(key), 0, [
            SubmissionKeyed(key, contribution_id, consultation_id)]))
    await append_at(log, writes, clock=clock, meta=_as_participant(meta, participant),
                    consultation_id=consultation_id)


async def _append_next(log: EventLog, clock: Clock, meta: Meta, participant: ParticipantContext,
                       event: DomainEvent, doc: Doc | None) -> None:
    # The stream folded from the log says which version the decision read; if
    # another writer moved it on since, the append refuses (409).
    assert doc is not None
    await append_to(log, doc["stream"], int(doc["version"]), [event], clock=clock,
                    meta=_as_participant(meta, participant),
                    consultation_id=doc["consultation_id"])
