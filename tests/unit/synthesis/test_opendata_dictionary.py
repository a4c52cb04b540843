"""Each open-data dictionary describes what its file holds: under the k-anonymity
rule (ADR 0047) dates to the day, the month or empty and territories that may be
empty, the rule stated with its k in every dictionary of a file with dates; with
the rule off, dates to the second. The responses' dictionary promised
« AAAA-MM-JJ HH:MM:SS » and a département while its file held `2026-12` or
nothing, and never stated the rule the proposals' one did."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from harness.stats_world import CONSULTATION, Log, seed_definitions

from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.opendata.publish import write_open_data
from services.synthesis.stats.projection import ClosedStatsProjection

DAY = "2026-12-05"
ANSWERS = f"{CONSULTATION}-reponses-mobilite-et-energie-{DAY}"
SECONDS = "AAAA-MM-JJ HH:MM:SS"
DATED = ("reponses-mobilite-et-energie", "propositions", "arguments")


def dictionaries(folder: Path) -> dict[str, str]:
    """{what: text} of the dictionaries written in `folder` (what: « votes »...)."""
    return {re.sub(rf"^{CONSULTATION}-|-{DAY}-dictionnaire\.md$", "", p.name): p.read_text()
            for p in folder.glob("*-dictionnaire.md")}


async def written(tmp_path: Path, k: int) -> Path:
    """Three responses from three départements on one day, under `k`."""
    log = Log()
    for n, territory in enumerate(("35", "29", "75")):
        log.respond(f"r{n}", f"p-{n}", level="email", territory=territory, transport="velo")
    store = MemoryReadStore()
    await seed_definitions(store)
    await project_batch(ClosedStatsProjection(), log.events, store)  # type: ignore[arg-type]
    folder = tmp_path / f"k{k}"
    await write_open_data(store, CONSULTATION, folder, min_cell=k, day=DAY)
    return folder


@pytest.mark.parametrize("k", [5, 3])
async def test_under_the_rule_the_dictionaries_say_what_the_rule_left(
        tmp_path: Path, k: int) -> None:
    folder = await written(tmp_path, k)
    texts = dictionaries(folder)
    assert sorted(texts) == sorted([*DATED, "votes"])
    for what in DATED:
        text = texts[what]
        assert SECONDS not in text, what
        assert "au jour AAAA-MM-JJ, au mois AAAA-MM ou vide" in text, what
        assert f"au moins {k} lignes" in text and "Règle de" in text, what
    responses = texts["reponses-mobilite-et-energie"]
    zip_code = next(line for line in responses.splitlines() if "`authorZipCode`" in line)
    assert "retiré" in zip_code
    assert "Règle de territoire et de date" in texts["propositions"]
    assert "Règle de date :" in texts["arguments"]
    assert "Règle" not in texts["votes"]
    rows = list(csv.DictReader(io.StringIO((folder / f"{ANSWERS}.csv").read_text())))
    # what the dictionary says of the file: no time; départements gone when below k
    assert all(re.fullmatch(r"|\d{4}-\d{2}(-\d{2})?", r["createdAt"]) for r in rows)
    assert all(r["authorZipCode"] == "" for r in rows)


async def test_with_the_rule_off_dates_are_to_the_second(tmp_path: Path) -> None:
    folder = await written(tmp_path, 1)
    texts = dictionaries(folder)
    for what in DATED:
        assert SECONDS in texts[what] and "au mois" not in texts[what], what
        assert "aucune règle de regroupement" in texts[what], what
    rows = list(csv.DictReader(io.StringIO((folder / f"{ANSWERS}.csv").read_text())))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", r["createdAt"])
               for r in rows)
    assert sorted(r["authorZipCode"] for r in rows) == ["29", "35", "75"]
