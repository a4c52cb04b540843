"""Closed-question statistics: figures per option, département, région and
identity level on a hand-built set; the same figures whatever the delivery
(duplicates, any interleaving of streams, a failed batch retried); "Autre"
texts fed to the open-text theme pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from harness.delivery import shuffled_per_stream
from harness.stats_world import (
    CONSULTATION,
    QUESTIONNAIRE,
    QUESTIONNAIRE_DOC,
    Log,
    seed_definitions,
    world,
)

from services.core.envelope import Envelope
from services.core.errors import NotFound
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.opendata.export import OpenDataExport
from services.synthesis.stats.projection import ROWS, ClosedStatsProjection
from services.synthesis.stats.read import closed_question_stats, other_texts, other_texts_page
from services.synthesis.themes.model import RunParameters
from services.synthesis.themes.pipeline import synthesise_themes


async def figures(events: list[Envelope],
                  batch: int = 3) -> tuple[dict[str, Any], MemoryReadStore]:
    store = MemoryReadStore()
    await seed_definitions(store)
    projection = ClosedStatsProjection()
    for i in range(0, len(events), batch):
        await project_batch(projection, events[i:i + batch], store)
    return await closed_question_stats(store, CONSULTATION, QUESTIONNAIRE), store


def option(stats: dict[str, Any], question: str, option_id: str) -> dict[str, Any]:
    q = next(q for q in stats["questions"] if q["question_id"] == question)
    return next(o for o in q["options"] if o["option_id"] == option_id)


def answered(stats: dict[str, Any], question: str) -> int:
    return int(next(q for q in stats["questions"] if q["question_id"] == question)["answered"])


async def test_counts_and_percentages_per_option_on_a_hand_built_set() -> None:
    stats, _ = await figures(world().events)
    assert stats["respondents"]["total"] == 5  # r5 pending, r6 withdrawn, r7 hidden
    assert [q["question_id"] for q in stats["questions"]] == ["transport", "energie"]
    assert answered(stats, "transport") == 5
    got = {o["option_id"]: (o["count"], o["percent"])
           for o in next(q for q in stats["questions"]
                         if q["question_id"] == "transport")["options"]}
    assert got == {"velo": (2, 40.0), "bus": (2, 40.0), "voiture": (0, 0.0),
                   "autre": (1, 20.0)}
    # multiple choice: percentages of the 4 who answered, summing above 100
    assert answered(stats, "energie") == 4
    assert [(option(stats, "energie", o)["count"], option(stats, "energie", o)["percent"])
            for o in ("solaire", "eolien", "nucleaire")] == [(2, 50.0), (2, 50.0), (1, 25.0)]


async def test_breakdowns_by_departement_region_and_identity_level() -> None:
    stats, _ = await figures(world().events)
    velo, bus = option(stats, "transport", "velo"), option(stats, "transport", "bus")
    other = option(stats, "transport", "autre")
    assert velo["by_departement"] == {"35": {"count": 1, "percent": 50.0},
                                      "75": {"count": 1, "percent": 50.0}}
    assert bus["by_departement"] == {"35": {"count": 1, "percent": 50.0},
                                     "13": {"count": 1, "percent": 100.0}}
    assert other["by_departement"] == {"75": {"count": 1, "percent": 50.0}}
    # Bretagne (53) = 35; Île-de-France (11) = 75; PACA (93) = 13
    assert velo["by_region"] == {"11": {"count": 1, "percent": 50.0},
                                 "53": {"count": 1, "percent": 50.0}}
    assert bus["by_region"]["93"] == {"count": 1, "percent": 100.0}
    assert velo["by_level"] == {"email": {"count": 1, "percent": 50.0},
                                "verified": {"count": 1, "percent": 50.0}}
    assert bus["by_level"] == {"anonymous": {"count": 1, "percent": 100.0},
                               "verified": {"count": 1, "percent": 50.0}}
    assert stats["respondents"]["by_level"] == {"anonymous": 1, "email": 2, "verified": 2}
    assert stats["respondents"]["by_departement"] == {"13": 1, "35": 2, "75": 2}


async def test_older_events_without_level_or_territory_count_as_unknown() -> None:
    log = Log()
    log.respond("r1", "u1", level=None, territory=None, transport="velo")
    stats, _ = await figures(log.events)
    velo = option(stats, "transport", "velo")
    assert velo["count"] == 1
    assert velo["by_level"] == {"inconnu": {"count": 1, "percent": 100.0}}
    assert velo["by_departement"] == {"inconnu": {"count": 1, "percent": 100.0}}
    assert velo["by_region"] == {"inconnu": {"count": 1, "percent": 100.0}}


async def test_same_figures_under_duplicates_and_any_interleaving() -> None:
    events = world().events
    expected, store = await figures(events)
    expected_rows = await store.list(ROWS, QUESTIONNAIRE, limit=100)
    for seed in range(20):
        got, store = await figures(shuffled_per_stream(events, seed), batch=1 + seed % 5)
        assert got == expected, seed
        assert await store.list(ROWS, QUESTIONNAIRE, limit=100) == expected_rows
    replayed, _ = await figures(events + events, batch=4)  # the whole log delivered twice
    assert replayed == expected


async def test_a_failed_batch_is_not_counted_when_retried() -> None:
    events = world().events
    expected, _ = await figures(events)
    store = MemoryReadStore()
    await seed_definitions(store)
    projection = ClosedStatsProjection()
    broken = Envelope(type="deposit.ResponseSubmitted", schema_version=1, stream="broken",
                      stream_version=1, data={"contribution_id": "x"},
                      actor=events[0].actor, occurred_at=events[0].occurred_at,
                      correlation_id="c")
    with pytest.raises(KeyError):  # the first half applied, then the batch fails
        await project_batch(projection, [*events[:6], broken], store)
    for e in events:  # redelivered from the checkpoint, one by one
        await project_batch(projection, [e], store)
    assert await closed_question_stats(store, CONSULTATION, QUESTIONNAIRE) == expected


async def test_unknown_consultation_or_questionnaire_is_not_found() -> None:
    _, store = await figures(world().events)
    with pytest.raises(NotFound):
        await closed_question_stats(store, "nope", QUESTIONNAIRE)
    with pytest.raises(NotFound):
        await closed_question_stats(store, CONSULTATION, "nope")


async def test_autre_texts_go_to_the_theme_pipeline() -> None:
    log = Log()
    texts = ["La marche à pied", "Marcher à pied chaque jour", "À pied, la marche",
             "Le covoiturage entre voisins", "Covoiturage avec des collègues",
             "Le covoiturage organisé"]
    for i, text in enumerate(texts):
        log.respond(f"r{i}", f"u{i}", level="email", territory="35", transport="autre",
                    other=text)
    log.respond("r9", "u9", level="email", territory="35", transport="autre",
                other="Hidden text")
    log.decide("r9", "hidden")
    _, store = await figures(log.events)
    found = [c async for c in other_texts(store, QUESTIONNAIRE, "transport")]
    assert sorted(c.text for c in found) == sorted(texts)
    run = synthesise_themes(found, RunParameters(seed=1, n_themes=2))
    assert sorted(sorted(t.contribution_ids) for t in run.themes) == [
        ["r0", "r1", "r2"], ["r3", "r4", "r5"]]


async def test_autre_texts_a_page_at_a_time_in_the_order_sent() -> None:
    log = Log()
    for i in range(5):
        log.respond(f"r{i}", f"u{i}", level="email", territory="35", transport="autre",
                    other=f"Texte {i}")
    _, store = await figures(log.events)
    first = await other_texts_page(store, QUESTIONNAIRE, "transport", limit=2)
    assert [c.text for c in first] == ["Texte 0", "Texte 1"]
    rest = await other_texts_page(store, QUESTIONNAIRE, "transport",
                                  after=first[-1].contribution_id, limit=10)
    assert [c.text for c in rest] == ["Texte 2", "Texte 3", "Texte 4"]


async def test_an_erased_author_keeps_counting_without_free_texts() -> None:
    """Erasure before or after the response (any delivery order): the closed answers
    still count, the "Autre" and open texts leave the row and the theme input."""
    for erase_first in (False, True):
        log = Log()
        if erase_first:
            log.erase("u1")
        log.respond("r1", "u1", level="email", territory="35", transport="autre",
                    other="Mon voisin Jean Dupont", idee="J'habite au 3 rue des Lilas")
        log.respond("r2", "u2", level="email", territory="35", transport="autre",
                    other="La marche à pied")
        if not erase_first:
            log.erase("u1")
        stats, store = await figures(log.events)
        assert option(stats, "transport", "autre")["count"] == 2, erase_first
        texts = [c.text async for c in other_texts(store, QUESTIONNAIRE, "transport")]
        assert texts == ["La marche à pied"], erase_first
        rows = dict(await store.list(ROWS, QUESTIONNAIRE, limit=10))
        assert rows["r1"]["masked"] and not rows["r2"]["masked"], erase_first
        exported = {r["id"]: r async for r in OpenDataExport(store).rows(QUESTIONNAIRE_DOC)}
        r1 = exported["r1"]
        assert r1["Qtransport - Comment venez-vous au travail ?"] == "Autre"
        assert r1["Qtransport-autre - Comment venez-vous au travail ? [Autres]"] == ""
        assert r1["Qidees - Vos idées ?"] == ""
