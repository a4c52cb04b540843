"""The synthesis input (projection `synthesis.corpus` behind the `SynthesisSource`
port): only what the public sees, whatever the delivery order; one doc per open
answer; campaigns from moderation; erased authors' texts leave."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from services.core.envelope import Actor, Envelope
from services.core.events import DomainEvent, Meta, wrap
from services.deposit.events import ContributionWithdrawn, ProposalSubmitted, ResponseSubmitted
from services.identity.events import ParticipantErased
from services.moderation.events import ContributionChecked, DecisionMade
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.runs.corpus import CorpusProjection, StoreSynthesisSource

META = Meta(actor=Actor.system())
AT = datetime(2026, 11, 28, 9, tzinfo=UTC)


def ev(event: DomainEvent, stream: str, version: int = 1) -> Envelope:
    return wrap(event, stream=stream, stream_version=version, meta=META, occurred_at=AT,
                consultation_id="c1")


def proposal(cid: str, author: str, moderation: str = "post") -> Envelope:
    return ev(ProposalSubmitted(cid, "c1", author, f"Titre {cid}", f"Texte {cid}", "", "",
                                moderation), f"contribution-{cid}")


EVENTS = [
    proposal("shown", "p-a"),
    proposal("pre-pending", "p-a", "pre"),
    proposal("pre-approved", "p-b", "pre"),
    ev(DecisionMade("pre-approved", "c1", "m", "approved", "", ""), "moderation-pre-approved"),
    proposal("hidden", "p-b"),
    ev(DecisionMade("hidden", "c1", "m", "hidden", "hors_sujet", ""), "moderation-hidden"),
    proposal("gone", "p-a"),
    ev(ContributionWithdrawn("gone", "c1"), "contribution-gone", 2),
    ev(ResponseSubmitted("resp", "c1", "q1", "p-b", [
        {"question_id": "q1", "option_ids": [], "other_text": "", "text": "Plus de bus"},
        {"question_id": "q2", "option_ids": ["o1"], "other_text": "", "text": ""},
        {"question_id": "q3", "option_ids": ["autre"], "other_text": "Un tram", "text": ""}],
        "post"), "contribution-resp"),
    proposal("copy1", "p-c"),
    proposal("copy2", "p-d"),
    ev(ContributionChecked("copy2", "c1", 1, [], 2, "g1", ["copy1", "copy2"]), "modcheck-copy2"),
    proposal("erased", "p-e"),
    ev(ParticipantErased("p-e"), "identity-p-e", 2),
]
EXPECTED = {"shown", "pre-approved", "resp~q1", "resp~q3", "copy1", "copy2"}


async def corpus_after(events: list[Envelope]) -> dict[str, dict[str, object]]:
    store = MemoryReadStore()
    for event in events:  # one event per batch, as a worker may deliver them
        await project_batch(CorpusProjection(), [event], store)
    snapshot = await StoreSynthesisSource(store).snapshot("c1")
    return {d["id"]: d for d in snapshot.docs}


async def test_only_published_texts_enter_the_synthesis() -> None:
    docs = await corpus_after(EVENTS)
    assert set(docs) == EXPECTED
    assert docs["resp~q3"]["text"] == "Un tram" and docs["resp~q1"]["kind"] == "answer"
    assert docs["copy1"]["campaign"] == docs["copy2"]["campaign"] == "g1"
    assert docs["shown"]["text"] == "Titre shown\nTexte shown"


async def test_any_order_of_streams_gives_the_same_input() -> None:
    # deposit, moderation and identity events of different streams may interleave
    # in any order in the distributed topology (a stream's own order is kept)
    streams: dict[str, list[Envelope]] = {}
    for e in EVENTS:
        streams.setdefault(e.stream if not e.stream.startswith("identity") else "id", []
                           ).append(e)
    orders = [list(itertools.chain(*reversed(list(streams.values())))),
              sorted(EVENTS, key=lambda e: (e.type.startswith("deposit"), e.stream))]
    for order in orders:
        got = await corpus_after(order)
        # erasure arriving before the submission still hides it
        assert set(got) == EXPECTED, order


async def test_an_answer_names_its_questionnaire_for_scoped_runs() -> None:
    # question ids are unique within a questionnaire only (ADR 0143)
    docs = await corpus_after(EVENTS)
    assert docs["resp~q1"]["questionnaire_id"] == docs["resp~q3"]["questionnaire_id"] == "q1"
    assert docs["shown"]["questionnaire_id"] == ""
