"""The table of routed commands (ADR 0035, 0038, 0078, 0081, 0085), on memory fakes: every
command of a routed service is routed, to a command topic that schemas/topics.yaml
declares with its event topic's partitions; each is keyed as every event its
handler writes (the replica deciding it owns the partition it writes), except the
few the service names, whose key still names every stream they write; a replica
reads other writers' topics up to their end only before a batch holding a command
that reads them."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness.command_batches import Batches, Received
from harness.deposit_world import CID as DEPOSIT_CID
from harness.deposit_world import World as DepositWorld
from harness.deposit_world import participant
from harness.events import ValidatingLog
from harness.planted_polis import planted_conversation
from vote.world import CID, VOTE_ENDS, World, voter

from services.consultation import handlers as ch
from services.consultation import service as consultation
from services.consultation.blobstore import MemoryBlobStore
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.consultation.content_commands import (
    AddCommissionMember,
    AttachDocument,
    AttachVideo,
    CreateCommission,
    EditCommission,
    PublishArticle,
    RegisterForMeeting,
    RemoveCommission,
    ScheduleMeeting,
    WriteArticle,
)
from services.consultation.uploads import store_upload
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.errors import DomainError
from services.core.events import Meta
from services.core.participants import ModeratorContext
from services.core.schema_registry import SchemaRegistry
from services.deposit.commands import SubmitProposal
from services.eventlog.port import Position
from services.identity import service as identity
from services.identity.commands import (
    ChangeEmail,
    ChangeProfile,
    EraseParticipant,
    GrantRole,
    RaiseIdentityLevel,
    RecordProfileChange,
    RecordSignIn,
    RegisterParticipant,
    RevokeRole,
    RevokeSessions,
    SetAnonymousProofOfWork,
)
from services.identity.memory import MemoryOutbox, MemoryVault
from services.moderation import service as moderation
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    FlagContribution,
    LodgeAppeal,
    MaskPersonalData,
    SetCharter,
)
from services.moderation.process import AutoModeration
from services.moderation.queue import QueueProjection
from services.runtime.command_codec import decode_command, encode_command
from services.runtime.command_routing import CommandServer, routes
from services.runtime.services import SERVICES
from services.search import service as search
from services.search.saved import DeleteSavedSearch, SaveSearch
from services.synthesis import service as synthesis
from services.synthesis.conversations.handlers import ImportConversation, PublishOpinionGroups
from services.synthesis.followup.model import PublishResponse
from services.synthesis.followup.tables import stream_of as followup_stream
from services.synthesis.opendata.settings import SetOpenDataPublication
from services.synthesis.polis.staging import stage_export
from services.synthesis.runs.commands import ExecuteThemeRun, RequestThemeRun
from services.vote import service as vote
from services.vote.commands import (
    CastBallot,
    CastBudgetBallot,
    CastRanking,
    ConfigureVote,
    FreezeResults,
    SetBudgetEnvelope,
    SetProjectCost,
)

META = Meta(actor=Actor(id="organiser-1", role="organiser"), correlation_id="corr-1")
REGISTRY = SchemaRegistry()
ROUTED_SERVICES = ("consultation", "deposit", "moderation", "vote", "synthesis_stats",
                   "synthesis_themes", "search", "identity")
# Run where they arrive, with the reason in their service's routing table.
NOT_ROUTED = {ExecuteThemeRun, RegisterParticipant, ChangeProfile, ChangeEmail}
ANNE, BRUNO = ModeratorContext("p-anne"), ModeratorContext("p-bruno")


@pytest.mark.parametrize("service", ROUTED_SERVICES)
def test_every_command_of_a_routed_service_is_routed_to_it(service: str) -> None:
    spec = SERVICES[service]()
    table = routes([service])
    assert set(table) == set(spec.handlers) - NOT_ROUTED
    events = "synthesis.events" if service.startswith("synthesis") else f"{service}.events"
    assert {(r.topic, r.events) for r in table.values()} == {(f"{service}.commands", events)}


def test_every_command_topic_is_declared_with_its_event_topic_s_partitions() -> None:
    for kind, route in routes().items():
        assert REGISTRY.command_topics[route.topic].partitions == \
            REGISTRY.topics[route.events].partitions, kind


def test_every_routed_command_survives_the_trip() -> None:
    """Through JSON, as the broker carries it (datetimes, nested specs, None)."""
    who = voter("p-alice")
    known = {f"{k.__module__.split('.')[1]}.{k.__name__}": k for k in routes()}
    for command in (CastRanking(CID, who, ("item-0", "item-1")),
                    CastBudgetBallot(CID, who, "paris-11e", ("item-0",)),
                    SetCharter(CID, (("injure", "Injure"), ("hors-sujet", "Hors sujet"))),
                    ClaimItem("k1", DEPOSIT_CID, ANNE),
                    Decide("k1", DEPOSIT_CID, ANNE, "hidden", "injure", deposit_version=2),
                    MaskPersonalData("k1", DEPOSIT_CID, ANNE, body="[nom masqué]"),
                    DecideAppeal("k1", DEPOSIT_CID, BRUNO, "upheld", "injure"),
                    SchedulePhases(CID, (PhaseSpec("vote", "vote", "Vote", VOTE_ENDS, VOTE_ENDS,
                                                   actions=("vote_ranking",)),)),
                    ScheduleMeeting("r-1", CID, "Réunion", VOTE_ENDS, VOTE_ENDS, latitude=45.7),
                    AttachDocument("d-1", CID, "Dossier", "dossier.pdf", "ab" * 32),
                    ImportConversation(CID, {"comments.csv": "cd" * 32}),
                    PublishOpinionGroups(CID, {"st-1": "Un vote"}),
                    SaveSearch("s-1", CID, "p-alice", "Les parcs", "q=parcs"),
                    GrantRole("p-alice", CID, "analyst"), RevokeSessions("admin:orga"),
                    RecordProfileChange("p-alice", ("pseudonym", "postcode"))):
        body = json.loads(json.dumps(encode_command(command, META)))
        assert decode_command(body, known) == (command, META)


async def written(world: World, command: object) -> list[Envelope]:
    """The vote events `command`'s handler appends (ports as the runtime binds them)."""
    handler = vote.HANDLERS[type(command)]
    ports = {"log": world.log, "store": world.store, "clock": world.clock, "meta": world.meta,
             "items": world.items, "vote_options": world.options}
    wanted = inspect.signature(handler).parameters
    before = len(await world.events())
    await handler(command, **{k: v for k, v in ports.items() if k in wanted})
    await world.project()
    after = await world.events()
    assert len(after) > before, command
    return list(after[before:])


def keyed_as_written(route_key: str, events: list[Envelope]) -> bool:
    return {REGISTRY.key(e) for e in events} == {route_key}


async def test_each_vote_command_is_keyed_as_the_events_it_writes() -> None:
    world = await World().setup()
    table = routes(["vote"])
    sent: list[object] = [
        ConfigureVote(CID, support_threshold=2, ranking_max=3, new_share=0.2),
        CastBallot("item-0", voter("p-alice"), "support", "support"),
        CastRanking(CID, voter("p-alice"), ("item-1", "item-0")),
    ]
    for command in sent:
        events = await written(world, command)
        key = table[type(command)].key(command)
        if type(command) in vote.NOT_CO_PARTITIONED:
            # keyed by consultation and participant, which its every stream names
            assert not keyed_as_written(key, events)
            assert {e.stream for e in events} == {"ranking-vote-p-alice"}
        else:
            assert keyed_as_written(key, events), command
    world.clock.advance(VOTE_ENDS - world.clock.now() + timedelta(minutes=1))
    freeze = FreezeResults(CID, "vote")
    assert keyed_as_written(table[FreezeResults].key(freeze),
                            await written(world, freeze))


async def test_each_budget_command_is_keyed_as_the_events_it_writes() -> None:
    world = await World().setup()
    table = routes(["vote"])
    await ch.schedule_phases(SchedulePhases(CID, (
        PhaseSpec("vote", "vote", "Vote du budget", world.clock.now() - timedelta(days=1),
                  VOTE_ENDS, actions=("vote_budget",)),)),
        log=world.log, clock=world.clock, meta=world.meta)
    await world.project()
    for command in (SetBudgetEnvelope(CID, "Paris 11e", 500_000),
                    SetProjectCost(CID, "item-0", "paris-11e", 300_000)):
        assert keyed_as_written(table[type(command)].key(command),
                                await written(world, command)), command
    ballot = CastBudgetBallot(CID, voter("p-alice"), "paris-11e", ("item-0",))
    events = await written(world, ballot)
    assert {e.stream for e in events} == {"budget-ballot-vote-p-alice"}
    assert table[CastBudgetBallot].key(ballot) == f"budget-ballot-{CID}-p-alice"


async def test_each_moderation_command_is_keyed_as_the_events_it_writes() -> None:
    world = DepositWorld()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection()]
    await world.setup(moderation="post")
    await world.handle(SubmitProposal("k1", DEPOSIT_CID, participant("p-alice"),
                                      "Une proposition", "Le maire est un connard."))
    await world.project()
    await world.project()  # the checks appended by the process manager
    table = routes(["moderation"])

    async def run(command: object) -> list[Envelope]:
        handler = moderation.HANDLERS[type(command)]
        ports = {"log": world.log, "store": world.store, "clock": world.clock,
                 "meta": world.meta}
        wanted = inspect.signature(handler).parameters
        before = len(await world.events("moderation.events"))
        await handler(command, **{k: v for k, v in ports.items() if k in wanted})
        await world.project()
        return (await world.events("moderation.events"))[before:]

    for command in (
        SetCharter(DEPOSIT_CID, (("injure", "Injure"), ("conforme", "Conforme"))),
        ClaimItem("k1", DEPOSIT_CID, ANNE),
        Decide("k1", DEPOSIT_CID, ANNE, "hidden", "injure"),
        FlagContribution("k1", participant("p-bob"), "Insultant."),
        LodgeAppeal("k1", participant("p-alice"), "Je critiquais sa politique."),
        DecideAppeal("k1", DEPOSIT_CID, BRUNO, "upheld", "injure"),
    ):
        events = await run(command)
        assert events and keyed_as_written(table[type(command)].key(command), events), command
    assert set(table) >= moderation.NOT_CO_PARTITIONED


async def test_a_replica_reads_other_writers_topics_only_for_a_command_reading_them() -> None:
    order: list[str] = []

    async def take_over(topic: str) -> None:
        order.append(f"read {topic}")

    async def handle(command: Any, meta: Meta) -> str:
        order.append(f"decide {type(command).__name__}")
        return "ok"

    server = CommandServer(handle, routes(["vote"]), take_over)
    ballot = encode_command(CastBallot("item-0", voter(), "support", "support"), META)
    freeze = encode_command(FreezeResults(CID, "vote"), META)
    await server.serve(Batches(server, {0: [Received(0, 0, ballot)]},
                               {3: [Received(3, 0, freeze)], 0: [Received(0, 1, ballot)]}))
    assert order == ["decide CastBallot", "read vote.events", "decide FreezeResults",
                     "decide CastBallot"]


async def test_each_consultation_command_is_keyed_as_the_events_it_writes() -> None:
    log, clock = ValidatingLog(key_for=REGISTRY.key), FixedClock(VOTE_ENDS)
    blobs = MemoryBlobStore()  # shared storage: the front stores a document's bytes
    table = routes(["consultation"])
    later = VOTE_ENDS + timedelta(days=3)
    sent: list[object] = [
        CreateConsultation("c-vert", "Une ville plus verte", "ville-verte"),
        SchedulePhases("c-vert", (PhaseSpec("depot", "deposit", "Dépôt", VOTE_ENDS, later,
                                            actions=("deposit", "register_meeting")),)),
        PublishConsultation("c-vert"),
        WriteArticle("a-1", "c-vert", "Le contexte", "Les **arbres** de la ville."),
        PublishArticle("a-1", "c-vert"),
        AttachVideo("v-1", "c-vert", "Présentation", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        CreateCommission("com-1", "c-vert", "Commission des parcs"),
        AddCommissionMember("com-1", "c-vert", "m1", "Mme la maire", "Présidente"),
        EditCommission("com-1", "c-vert", "Commission des parcs et jardins"),
        CreateCommission("com-2", "c-vert", "Commission créée par erreur"),
        RemoveCommission("com-2", "c-vert"),
        ScheduleMeeting("r-1", "c-vert", "Réunion publique", later, later + timedelta(hours=2),
                        address="Place de la mairie", postcode="69001", capacity=50),
        RegisterForMeeting("r-1", "p-alice"),
        AttachDocument("d-1", "c-vert", "Dossier", "dossier.pdf",
                       await store_upload("dossier.pdf", b"%PDF-1.7\n", blobs=blobs)),
    ]
    for command in sent:
        handler = consultation.HANDLERS[type(command)]
        before = len(await log.read("consultation.events", limit=1_000_000))
        ports = {"log": log, "clock": clock, "meta": META, "blobs": blobs}
        await handler(command, **{k: v for k, v in ports.items()
                                  if k in inspect.signature(handler).parameters})
        events = [r.event for r in await log.read("consultation.events",
                                                   limit=1_000_000)][before:]
        key = table[type(command)].key(command)
        if type(command) in consultation.NOT_CO_PARTITIONED:
            # the contested slug on the key; the new consultation's stream beside it
            assert {REGISTRY.key(e) for e in events} == {key, "consultation-c-vert"}
        else:
            assert events and keyed_as_written(key, events), command


async def test_a_consultation_created_again_under_its_id_is_answered_its_id() -> None:
    log, clock = ValidatingLog(key_for=REGISTRY.key), FixedClock(VOTE_ENDS)
    create = consultation.HANDLERS[CreateConsultation]
    first = CreateConsultation("c-vert", "Une ville plus verte", "ville-verte")
    assert await create(first, log=log, clock=clock, meta=META) == "c-vert"
    assert await create(first, log=log, clock=clock, meta=META) == "c-vert"
    with pytest.raises(DomainError) as caught:  # another consultation: the slug is taken
        await create(CreateConsultation("c-autre", "Une autre", "ville-verte"), log=log,
                     clock=clock, meta=META)
    assert caught.value.code == "slug_taken"
    assert len(await log.read("consultation.events", limit=1_000_000)) == 2


async def test_each_synthesis_command_is_keyed_as_the_events_it_writes() -> None:
    world = await World().setup()  # the consultation, as its catalogue shows it
    log, store, clock = world.log, world.store, world.clock
    table = routes(["synthesis_stats", "synthesis_themes"])
    handlers = {**synthesis.STATS_HANDLERS, **synthesis.THEMES_HANDLERS}
    for command in (SetOpenDataPublication(CID, daily=True),
                    RequestThemeRun("run-1", CID, "analyste-1", n_themes=4)):
        handler = handlers[type(command)]
        ports = {"log": log, "store": store, "clock": clock, "meta": META}
        wanted = inspect.signature(handler).parameters
        before = len(await log.read("synthesis.events", limit=1_000_000))
        await handler(command, **{k: v for k, v in ports.items() if k in wanted})
        events = [r.event for r in await log.read("synthesis.events",
                                                   limit=1_000_000)][before:]
        assert events and keyed_as_written(table[type(command)].key(command), events), command
    # a response (linked to a published theme or proposal) is one stream's append
    response = PublishResponse("rep-1", CID, "Notre réponse", "Deux parcs.", "adopted")
    assert table[PublishResponse].key(response) == followup_stream("rep-1")


class NoModel:
    """No worker feeds the opinions' model here: a publication reads the log."""

    async def holds(self, consumer: str, upto: Mapping[str, Position], *,
                    within: float) -> bool:
        return False


async def test_a_conversation_and_its_groups_are_keyed_by_their_streams(tmp_path: Path) -> None:
    """An import is keyed by its conversation's stream (the contested append,
    `expect=0`) and also writes the statements' and opinions' streams, which nobody
    else writes; the same import or the same groups sent again write nothing."""
    world = await World().setup()
    blobs = MemoryBlobStore()
    ports = {"log": world.log, "store": world.store, "clock": world.clock, "meta": META,
             "blobs": blobs, "progress": NoModel()}
    table = routes(["synthesis_themes"])

    async def run(command: object) -> tuple[Any, list[Envelope]]:
        handler = synthesis.THEMES_HANDLERS[type(command)]
        wanted = inspect.signature(handler).parameters
        before = len(await world.log.read("synthesis.events", limit=1_000_000))
        result = await handler(command, **{k: v for k, v in ports.items() if k in wanted})
        return result, [r.event for r in await world.log.read(
            "synthesis.events", limit=1_000_000)][before:]

    planted_conversation(tmp_path, participants=60, statements=8, groups=2)
    files = await stage_export(tmp_path, blobs)
    assert set(files) == {"comments.csv", "votes.csv"}
    imported = ImportConversation(CID, files)
    report, events = await run(imported)
    key = table[ImportConversation].key(imported)
    assert ImportConversation in synthesis.THEMES_NOT_CO_PARTITIONED
    assert [e.stream for e in events if REGISTRY.key(e) == key] == [key]
    assert {e.stream.split("-")[0] for e in events} == {"conversation", "statement", "opinion"}
    again, written_again = await run(imported)
    assert written_again == [] and again == {**report, "already_imported": True}

    publish = PublishOpinionGroups(CID)
    _, events = await run(publish)
    assert events and keyed_as_written(table[PublishOpinionGroups].key(publish), events)
    assert (await run(publish))[1] == []  # the same groups: nothing more
    assert set(table[PublishOpinionGroups].reads) == {"synthesis.events", "vote.events"}


async def test_search_and_identity_commands_are_keyed_as_the_events_they_write() -> None:
    """Saved searches by their stream; identity's commands by the participant's,
    the consultation setting's or the session subject's stream. The same saved
    search sent again writes nothing; a participant's registration (not routed)
    comes first, from the front."""
    log, clock = ValidatingLog(key_for=REGISTRY.key), FixedClock(VOTE_ENDS)
    vault = MemoryVault("secret")
    ports = {"log": log, "clock": clock, "meta": META, "vault": vault,
             "outbox": MemoryOutbox()}
    table = routes(["search", "identity"])
    handlers = {**search.HANDLERS, **identity.HANDLERS}

    async def logged() -> list[Envelope]:
        return [r.event for topic in ("search.events", "identity.events")
                for r in await ports["log"].read(topic, limit=1_000_000)]  # type: ignore[attr-defined]

    async def run(command: object) -> list[Envelope]:
        handler = handlers[type(command)]
        wanted = inspect.signature(handler).parameters
        before = await logged()
        await handler(command, **{k: v for k, v in ports.items() if k in wanted})
        return [e for e in await logged() if e not in before]

    pid = "p-01a24580-1fa3-700e-8477-2d71933e04eb"
    await run(RegisterParticipant(pid, "aude@exemple.fr", "Aude"))
    # the front's change (not routed) writes the new pseudonym's reservation only
    assert [e.type for e in await run(ChangeProfile(pid, "Aude B", "69001"))] == [
        "identity.PseudonymReserved"]
    save = SaveSearch("s-1", CID, "p-alice", "Les parcs", "q=parcs")
    for command in (save, RaiseIdentityLevel(pid, "email", "magic_link"),
                    RecordSignIn(pid, "magic_link"), GrantRole(pid, CID, "analyst"),
                    RevokeRole(pid, CID, "analyst"), SetAnonymousProofOfWork(CID, True),
                    RevokeSessions("admin:orga"), DeleteSavedSearch("s-1", CID),
                    RecordProfileChange(pid, ("pseudonym", "postcode"))):
        events = await run(command)
        assert events and keyed_as_written(table[type(command)].key(command), events), command
    assert await run(RaiseIdentityLevel(pid, "email", "magic_link")) == []  # read from the log
    erase = EraseParticipant(pid)
    assert keyed_as_written(table[EraseParticipant].key(erase), await run(erase))
    ports["log"] = ValidatingLog(key_for=REGISTRY.key)
    assert await run(save) and await run(save) == []  # the same form again: nothing
    assert set(table) == set(search.ROUTED) | set(identity.ROUTED)
    assert not set(table) & identity.NOT_ROUTED and not any(r.reads for r in table.values())
