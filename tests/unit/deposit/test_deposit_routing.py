"""Deposit commands routed to the deposit replicas (ADR 0038), on memory fakes:
every command of the service is routed, keyed as every event its handler
writes (so the replica deciding it owns the partition it writes), over a command
topic co-partitioned with its event topic; a new contribution's id is the same
for every attempt of one submission; a replica reads the other partitions up to
their end before each batch of deposit commands."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from harness.command_batches import Batches, Received
from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import Answer
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.core.schema_registry import SchemaRegistry
from services.deposit import commands
from services.deposit.commands import (
    EditContribution,
    SetContributionPolicy,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.ids import response_id, submission_id
from services.runtime.command_codec import command_name, decode_command, encode_command
from services.runtime.command_routing import CommandServer, routes

META = Meta(actor=Actor(id="p-alice", role="participant"), correlation_id="corr-1")
ANSWERS = {"impots": Answer(option_ids=("oui",)), "lesquels": Answer(text="La taxe foncière.")}


def test_every_deposit_command_is_routed_to_the_deposit_service() -> None:
    declared = {kind for _, kind in inspect.getmembers(commands, inspect.isclass)
                if kind.__module__ == commands.__name__ and dataclasses.is_dataclass(kind)}
    table = routes(["deposit"])
    assert set(table) == declared
    assert {(r.topic, r.events, r.reads_others) for r in table.values()} == {
        ("deposit.commands", "deposit.events", True)}


def test_every_command_topic_is_co_partitioned_with_its_event_topic() -> None:
    registry = SchemaRegistry()
    for kind, route in routes().items():
        assert registry.command_topics[route.topic].partitions == \
            registry.topics[route.events].partitions, kind


async def test_each_command_is_keyed_as_every_event_its_handler_writes(world: World) -> None:
    registry, route = SchemaRegistry(), routes(["deposit"])
    alice = participant()
    sent: list[object] = [
        SetContributionPolicy(CID, edit_minutes=30, withdraw_allowed=True),
        SubmitProposal("k1", CID, alice, "Des pistes cyclables",
                       "Relier les communes par des pistes sécurisées.", request_key="clé"),
        SubmitArgument("k2", "k1", alice, "for", "Parce que c'est plus sûr pour tous."),
        SubmitComment("k3", "k2", alice, "D'accord avec cet argument."),
        SubmitResponse(response_id(QID, "p-alice"), CID, QID, alice, ANSWERS, request_key="r"),
        EditContribution("k1", alice, "Relier les communes par des pistes éclairées.",
                         "Des pistes cyclables"),
        WithdrawContribution("k3", alice),
    ]
    for command in sent:
        before = len(await world.events())
        await world.handle(command)
        await world.project()  # the next one's reference data
        written = (await world.events())[before:]
        assert written, command
        assert {registry.key(e) for e in written} == {route[type(command)].key(command)}, command


def test_a_submission_id_is_the_same_for_every_attempt_and_the_participant_s_own() -> None:
    key = new_id()
    first = submission_id("p-alice", key)
    assert submission_id("p-alice", key) == first
    assert submission_id("p-bob", key) != first
    assert submission_id("p-alice", new_id()) != first
    # a UUIDv7 key keeps its time prefix: ids still sort by creation time
    assert first[:13] == key[:13] and first[14] == "7"
    assert submission_id("p-alice", "clé-1")[14] == "7"  # any key: shaped as a UUIDv7


def test_a_response_id_is_the_participant_s_one_for_the_questionnaire() -> None:
    assert response_id(QID, "p-alice") == response_id(QID, "p-alice")
    assert len({response_id(QID, "p-alice"), response_id(QID, "p-bob"),
                response_id("q-autre", "p-alice")}) == 3


def test_a_response_with_its_answers_survives_the_trip() -> None:
    command = SubmitResponse("r1", CID, QID, participant(), ANSWERS, request_key="k")
    known = {command_name(kind): kind for kind in routes(["deposit"])}
    assert decode_command(encode_command(command, META), known) == (command, META)


async def test_a_deposit_replica_reads_the_log_to_its_end_before_a_batch() -> None:
    order: list[str] = []

    async def take_over(topic: str) -> None:
        order.append(f"read {topic}")

    async def handle(command: Any, meta: Meta) -> str:
        order.append("decide")
        return "k1"

    server = CommandServer(handle, routes(["deposit"]), take_over)
    body = encode_command(WithdrawContribution("k1", participant()), META)
    await server.serve(Batches(server, {0: [Received(0, 0, body)]}))
    assert order == ["read deposit.events", "decide"]
