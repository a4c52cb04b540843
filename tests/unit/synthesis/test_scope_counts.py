"""How many texts each run scope holds (ADR 0143, amended 2026-12-08), as the
« Nouvelle analyse » form shows them and a run request is refused on: the
`synthesis.corpus` projection keeps the counts beside its position, moved in the
same write as the docs, so they always equal a recount of its docs (whatever the
delivery order, through hides, withdrawals, campaigns and erasures). A corpus
built before it counted says it cannot tell, rather than saying 0."""

from __future__ import annotations

import itertools
from collections import Counter

from services.core.envelope import Envelope
from services.deposit.events import ResponseSubmitted
from services.moderation.events import DecisionMade
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.runs.corpus import (
    ALL,
    POSITION,
    CorpusProjection,
    MemorySynthesisSource,
    StoreSynthesisSource,
)
from services.synthesis.runs.scope import RunScope, choices

from .test_run_scope import DOCS, QUESTIONNAIRES
from .test_synthesis_corpus import EVENTS, ev, proposal

TAXES = RunScope.question("q1", "q1")


def response(cid: str, questionnaire: str, texts: dict[str, str]) -> Envelope:
    return ev(ResponseSubmitted(cid, "c1", questionnaire, f"p-{cid}", [
        {"question_id": q, "option_ids": [], "other_text": "", "text": t}
        for q, t in texts.items()], "post"), f"contribution-{cid}")


MORE = [response("r2", "q1", {"q1": "Moins de TVA", "q3": "Un bus"}),
        response("r3", "autre", {"q1": "Le RIC"}),  # same question id, another questionnaire
        response("r4", "q1", {"q1": "Caché ensuite"}),
        ev(DecisionMade("r4", "c1", "m", "hidden", "hors_sujet", ""), "moderation-r4")]


def recount(docs: list[dict[str, object]]) -> dict[str, int]:
    """What the counts must equal: the corpus's docs, each in its scopes."""
    out: Counter[str] = Counter()
    for d in docs:
        out[""] += 1
        out["propositions" if d["kind"] == "proposal" else
            f"question/{d['questionnaire_id']}/{d['question_id']}"] += 1
    return dict(out)


async def counted(events: list[Envelope]) -> tuple[dict[str, int] | None, dict[str, int]]:
    store = MemoryReadStore()
    for event in events:  # one event per batch, as a worker may deliver them
        await project_batch(CorpusProjection(), [event], store)
    source = StoreSynthesisSource(store)
    return await source.texts("c1"), recount((await source.snapshot("c1")).docs)


async def test_the_corpus_counts_its_published_texts_per_scope() -> None:
    texts, expected = await counted(EVENTS + MORE)
    assert texts == expected
    # shown, pre-approved, copy1, copy2; hidden, pending, withdrawn, erased ones not
    assert texts["propositions"] == 4
    assert texts["question/q1/q1"] == 2 and texts["question/autre/q1"] == 1
    assert texts["question/q1/q3"] == 2 and texts[""] == 9


async def test_the_counts_equal_a_recount_whatever_the_delivery_order() -> None:
    events = EVENTS + MORE
    streams: dict[str, list[Envelope]] = {}
    for e in events:
        streams.setdefault(e.stream if not e.stream.startswith("identity") else "id", []
                           ).append(e)
    orders = [list(itertools.chain(*reversed(list(streams.values())))),
              sorted(events, key=lambda e: (e.type.startswith("deposit"), e.stream))]
    for order in orders:
        texts, expected = await counted(order)
        assert texts == expected, order


async def test_a_scope_emptied_leaves_no_count_behind() -> None:
    texts, _ = await counted([response("r4", "q1", {"q1": "Caché ensuite"}),
                              ev(DecisionMade("r4", "c1", "m", "hidden", "hors_sujet", ""),
                                 "moderation-r4")])
    assert texts == {}


async def test_a_corpus_built_before_it_counted_cannot_tell() -> None:
    store = MemoryReadStore()
    async with store.transaction() as tx:  # a position as the projection kept it before
        await tx.put(POSITION, ALL, "c1", {"events": 3})
    await project_batch(CorpusProjection(), [proposal("new", "p-n")], store)
    assert await StoreSynthesisSource(store).texts("c1") is None  # not « 1 »: replay
    assert (await store.get(POSITION, ALL, "c1") or {})["events"] == 4
    # nothing projected for a consultation: nothing to tell either
    assert await StoreSynthesisSource(MemoryReadStore()).texts("c1") is None


async def test_the_memory_fake_counts_as_the_projection_does() -> None:
    source = MemorySynthesisSource({"c1": DOCS})
    assert await source.texts("c1") == recount(DOCS)
    assert await source.texts("c2") == {}
    # docs from before they named their questionnaire: it cannot tell either
    old = [{k: v for k, v in d.items() if k != "questionnaire_id"} for d in DOCS]
    assert await MemorySynthesisSource({"c1": old}).texts("c1") is None


def test_the_forms_choices_carry_their_counts() -> None:
    texts = {"": 6, "propositions": 2, "question/fiscalite/impots": 1234}
    listed = {c.key: c.texts for c in choices(QUESTIONNAIRES, texts)}
    assert listed == {"": 6, "propositions": 2, "question/fiscalite/impots": 1234,
                      "question/fiscalite/mode": 0, "question/democratie/impots": 0}
    # a corpus that cannot tell: no count, rather than a false 0
    assert {c.texts for c in choices(QUESTIONNAIRES)} == {None}
    assert {c.texts for c in choices(QUESTIONNAIRES, None)} == {None}
    assert TAXES.key == "question/q1/q1"
