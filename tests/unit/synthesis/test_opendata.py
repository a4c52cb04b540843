"""Open-data export in the Grand Débat format: the header of the imported Grand
Débat questionnaires equals the one built from the real file, rows and values,
per-export pseudonyms, no direct identifier in the bytes, streaming (peak
memory on 50,000 rows, and a page read only once the previous one is out)."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest
from harness.stats_world import (
    CONSULTATION,
    QUESTIONNAIRE,
    QUESTIONNAIRE_DOC,
    Log,
    seed_definitions,
    world,
)

from services.consultation.granddebat import import_granddebat
from services.consultation.questionnaire import validate_questionnaire
from services.store.memory import MemoryReadStore
from services.store.port import Doc, ReadStore
from services.store.projection import project_batch
from services.store.sqlite import SqliteReadStore
from services.synthesis.opendata.columns import BASE_COLUMNS, header
from services.synthesis.opendata.dictionary import dictionary_markdown
from services.synthesis.opendata.export import OpenDataExport
from services.synthesis.opendata.kanonymity import Shown, coarsen, plan
from services.synthesis.opendata.publish import write_open_data
from services.synthesis.stats.projection import ROWS, ClosedStatsProjection

ROOT = Path(__file__).resolve().parents[3]
# The shipped copy of the real questionnaire (data/README.md says where it comes from).
QUESTIONS_CSV = ROOT / "data" / "granddebat" / "questions.csv"
DAY = "2026-12-05"
ANSWERS = f"{CONSULTATION}-reponses-mobilite-et-energie-{DAY}"  # no slug: the id
GD_HEADER = ["id", "reference", "title", "createdAt", "publishedAt", "updatedAt", "trashed",
             "trashedStatus", "authorId", "authorType", "authorZipCode"]


def expected_gd_header(debate_id: str) -> list[str]:
    """From the real questionnaire file, independently of the importer: every id of
    the theme in the file's order, `[Autres]` parts included, as `Q<id> - <text>`."""
    with QUESTIONS_CSV.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter=";") if r["debate_id"] == debate_id]
    rows.sort(key=lambda r: int(r["order"]))
    return GD_HEADER + [f"Q{r['id']} - {r['text'].strip()}" for r in rows]


async def csv_bytes(export: OpenDataExport, qn: Doc) -> bytes:
    return b"".join([c async for c in export.csv(qn)])


async def json_bytes(export: OpenDataExport, qn: Doc) -> bytes:
    return b"".join([c async for c in export.json(qn)])


async def projected(events: Sequence[object]) -> MemoryReadStore:
    store = MemoryReadStore()
    await seed_definitions(store)
    await project_batch(ClosedStatsProjection(), events, store)  # type: ignore[arg-type]
    return store


def test_base_columns_are_the_grand_debat_ones() -> None:
    assert list(BASE_COLUMNS) == GD_HEADER


async def test_csv_header_of_the_imported_grand_debat_matches_the_real_file() -> None:
    gd = import_granddebat("c1")
    assert len(gd.questionnaires) == 4
    total = 0
    for n, cmd in enumerate(gd.questionnaires, start=1):
        qn = validate_questionnaire(cmd)
        expected = expected_gd_header(str(n))
        assert header(qn) == expected, n
        store = MemoryReadStore()
        first_line = (await csv_bytes(OpenDataExport(store), qn)).decode().splitlines()[0]
        assert next(csv.reader([first_line])) == expected
        total += len(expected) - len(GD_HEADER)
    assert total == 97  # every question id of the file has its column


async def test_rows_values_and_what_trashed_means() -> None:
    store = await projected(world().events)
    export = OpenDataExport(store)
    rows = list(csv.DictReader(io.StringIO((await csv_bytes(export, QUESTIONNAIRE_DOC)).decode())))
    assert [r["id"] for r in rows] == ["r1", "r2", "r3", "r4", "r8"]  # published only
    assert {r["trashed"] for r in rows} == {"false"} and {r["trashedStatus"] for r in rows} == {""}
    by_id = {r["id"]: r for r in rows}
    r1 = by_id["r1"]
    assert r1["Qtransport - Comment venez-vous au travail ?"] == "À vélo"
    assert r1["Qenergie - Quelles énergies développer ?"] == "Solaire|Éolien"
    assert r1["Qidees - Vos idées ?"] == "Des pistes cyclables partout."
    assert r1["authorZipCode"] == "35" and r1["createdAt"] == "2026-03-01 09:00:00"
    r4 = by_id["r4"]
    assert r4["Qtransport - Comment venez-vous au travail ?"] == "Autre"
    assert r4["Qtransport-autre - Comment venez-vous au travail ? [Autres]"] == "La marche à pied"
    assert r4["Qenergie - Quelles énergies développer ?"] == ""
    assert [r["reference"] for r in rows] == ["1-1", "1-2", "1-3", "1-4", "1-5"]
    # JSON: the same rows, keyed by the CSV's column names
    data = orjson.loads(await json_bytes(export, QUESTIONNAIRE_DOC))
    assert [{k: str(v) for k, v in d.items()} for d in data] == rows


async def test_author_ids_are_per_export_and_consistent_within_one() -> None:
    store = await projected(world().events)
    one, two = OpenDataExport(store), OpenDataExport(store)
    a = [r["authorId"] async for r in one.rows(QUESTIONNAIRE_DOC)]
    again = [r["authorId"] async for r in one.rows(QUESTIONNAIRE_DOC)]
    b = [r["authorId"] async for r in two.rows(QUESTIONNAIRE_DOC)]
    assert a == again  # one export: the same person has the same id in every file
    assert len(set(a)) == 5 and not set(a) & set(b)  # two exports cannot be joined
    assert all(re.fullmatch(r"[0-9a-f]{32}", x) for x in a)


async def test_no_direct_identifier_in_any_exported_byte(tmp_path: Path) -> None:
    log = Log()
    people = {f"p-0192f0c4-6a4e-7000-8000-00000000{i:04d}": (f"Pseudo{i}", f"nom{i}@exemple.fr")
              for i in range(6)}
    for i, pid in enumerate(people):
        log.respond(f"r{i}", pid, level="email", territory="35", transport="autre",
                    other=f"Écrivez-moi à {people[pid][1]} ou au 06 12 34 56 78",
                    idee=f"Mon serveur est 192.168.1.{i}, ma boîte nom{i}@exemple.fr")
    store = await projected(log.events)
    written = await write_open_data(store, CONSULTATION, tmp_path, day=DAY)
    assert sorted(w.name for w in written) == sorted(
        [f"{ANSWERS}.csv", f"{ANSWERS}.json", f"{ANSWERS}-dictionnaire.md",
         *(f"{CONSULTATION}-{what}-{DAY}{ext}" for what in ("propositions", "arguments", "votes")
           for ext in (".csv", "-dictionnaire.md"))])
    blobs = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert all(b"masqu" in blobs[n] for n in (f"{ANSWERS}.csv", f"{ANSWERS}.json"))
    for name, raw in blobs.items():
        assert not re.search(rb"[\w.+-]+@[\w-]+\.\w+", raw), name  # an e-mail address
        assert not re.search(rb"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", raw), name
        assert b"06 12 34" not in raw, name
        for pid, (pseudonym, email) in people.items():
            for secret in (pid, pid.split("-")[-1], pseudonym, email):
                assert secret.encode() not in raw, (name, secret)


async def test_the_dictionary_describes_every_column() -> None:
    text = dictionary_markdown({"title": "C"}, QUESTIONNAIRE_DOC, k=5)
    for column in header(QUESTIONNAIRE_DOC):
        assert f"| `{column}` |" in text, column
    assert "trashed" in text and "INVISIBLE" in text


async def test_the_dictionary_says_one_label_or_several_by_the_kind_of_question() -> None:
    rows = {line.split("|")[1].strip(" `"): line
            for line in dictionary_markdown({"title": "C"}, QUESTIONNAIRE_DOC, k=5).splitlines()
            if line.startswith("| `Q")}
    single = next(v for k, v in rows.items() if "Comment venez-vous" in k and "autre" not in k)
    multiple = next(v for k, v in rows.items() if "Quelles énergies" in k)
    assert "choix unique) : libellé de l'option choisie." in single
    assert "choix multiples) : libellés des options choisies, séparés par « | »." in multiple
    assert "(s)" not in single + multiple


class CountingStore(MemoryReadStore):
    """Records each page read, to show the export reads a page only once the
    previous one has left."""

    def __init__(self) -> None:
        super().__init__()
        self.pages = 0

    async def list(self, table: str, partition: str, *, limit: int = 50,
                   after: str | None = None, reverse: bool = False) -> list[tuple[str, Doc]]:
        if table == ROWS:
            self.pages += 1
        return await super().list(table, partition, limit=limit, after=after, reverse=reverse)


async def fill(store: ReadStore, n: int) -> None:
    async with store.transaction() as tx:
        for i in range(n):
            cid = f"0192f0c4-{i:012d}"
            await tx.put(ROWS, QUESTIONNAIRE, cid, {
                "id": cid, "consultation_id": CONSULTATION, "questionnaire_id": QUESTIONNAIRE,
                "author_id": f"p-{i % 9000:06d}", "identity_level": "email", "territory": "35",
                "submitted_at": "2026-03-01T09:00:00Z", "published_at": "2026-03-01T09:00:00Z",
                "updated_at": None, "masked": False, "answers": [
                    {"question_id": "transport", "option_ids": ["velo"], "other_text": "",
                     "text": ""},
                    {"question_id": "energie", "option_ids": ["solaire", "eolien"],
                     "other_text": "", "text": ""},
                    {"question_id": "idees", "option_ids": [], "other_text": "",
                     "text": f"Idée numéro {i} : plus de pistes cyclables et de bus."}]})


async def test_the_export_is_consumed_page_by_page() -> None:
    store = CountingStore()
    await fill(store, 2_000)
    chunks = OpenDataExport(store, page=500).csv(QUESTIONNAIRE_DOC)
    first = await chunks.__anext__()
    assert store.pages == 1 and first.count(b"\n") == 501  # header + one page of rows
    rest = [c async for c in chunks]
    assert store.pages == 5 and sum(c.count(b"\n") for c in [first, *rest]) == 2_001


@pytest.mark.slow  # ~5 s under tracemalloc
async def test_peak_memory_of_an_export_is_bounded_by_its_page_not_its_rows(
        tmp_path: Path) -> None:
    """On the SQLite read store (the memory fake sorts every key on each page).
    Pages of 100 rows over 10,000 rows: what the streaming proves is the same as
    with the default 500 over 50,000 (the peak follows the page, ~0.7 MB here,
    ~3 MB at 500), at a fifth of the rows traced by tracemalloc."""
    store = SqliteReadStore(tmp_path / "read.db")
    await store.start()
    try:
        await fill(store, 10_000)
        export = OpenDataExport(store, page=100)
        size = rows = 0
        tracemalloc.start()
        try:
            async for chunk in export.csv(QUESTIONNAIRE_DOC):
                size += len(chunk)
                rows += chunk.count(b"\n")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            async for _chunk in export.json(QUESTIONNAIRE_DOC):
                pass
            _, json_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        await store.close()
    assert rows == 10_001
    # The CSV weighs ~2.4 MB and the 10,000 decoded rows would take ~60 MB: holding
    # either would break the bound. One page of 100 rows (decoded docs, text) is ~0.7 MB.
    assert size > 2_000_000
    assert peak < 1_500_000, peak
    assert json_peak < 1_500_000, json_peak



async def test_identifiers_the_old_scrub_missed_are_masked_in_exports(tmp_path: Path) -> None:
    """Obfuscated e-mails, IPv6, NIR, IBAN and postal addresses were published
    as typed (issue #19 item 7)."""
    log = Log()
    typed = ["jean (at) exemple (dot) fr", "2001:db8:85a3::8a2e:370:7334",
             "1 85 05 78 006 084 91", "FR76 3000 6000 0112 3456 7890 189",
             "12 rue de la Paix, 75002 Paris"]
    for i, text in enumerate(typed):
        log.respond(f"r{i}", f"p-{i}", level="email", territory="35", transport="autre",
                    other=f"Voici : {text} merci", idee=f"Encore : {text}")
    store = await projected(log.events)
    written = await write_open_data(store, CONSULTATION, tmp_path, min_cell=1, day=DAY)
    assert written
    for path in tmp_path.iterdir():
        raw = path.read_text()
        for text in typed:
            assert text not in raw, (path.name, text)
    csv_text = (tmp_path / f"{ANSWERS}.csv").read_text()
    assert "[courriel masqué]" in csv_text and "[adresse IP masquée]" in csv_text
    assert "[IBAN masqué]" in csv_text and "[numéro de sécurité sociale masqué]" in csv_text
    assert "[adresse postale masquée]" in csv_text


async def test_cells_of_territory_and_day_below_k_are_coarsened_before_publication(
        tmp_path: Path) -> None:
    """k-anonymity of territory x date (ADR 0047): every (département, date)
    a published file shows is shared by at least k rows."""
    log = Log()
    n = 0
    for territory, count in (("35", 6), ("29", 2), ("75", 1)):
        for _ in range(count):
            log.respond(f"r{n}", f"p-{n}", level="email", territory=territory,
                        transport="velo")  # every response on the same day
            n += 1
    store = await projected(log.events)
    await write_open_data(store, CONSULTATION, tmp_path, min_cell=5, day=DAY)
    rows = list(csv.DictReader(io.StringIO((tmp_path / f"{ANSWERS}.csv").read_text())))
    shown = Counter((r["authorZipCode"], r["createdAt"]) for r in rows)
    # the rows that could not join a group of 5 show neither territory nor date
    assert all(count >= 5 for cell, count in shown.items() if cell != ("", "")), shown
    assert shown[("", "")] == 3
    assert sorted(r["authorZipCode"] for r in rows) == [""] * 3 + ["35"] * 6
    assert all(not re.search(r"\d{2}:\d{2}", r[c]) for r in rows
               for c in ("createdAt", "publishedAt", "updatedAt"))  # never to the second
    data = orjson.loads((tmp_path / f"{ANSWERS}.json").read_bytes())
    assert Counter((d["authorZipCode"], d["createdAt"]) for d in data) == shown


def test_the_plan_coarsens_step_by_step() -> None:
    counts = {("35", "2026-03-01"): 7, ("29", "2026-03-01"): 3, ("29", "2026-03-02"): 3,
              ("", "2026-03-02"): 1, ("75", "2026-04-09"): 1}
    shown = plan(counts, 5)
    assert shown[("35", "2026-03-01")] == Shown("35", "day")
    assert shown[("29", "2026-03-01")] == Shown("", "month")  # 3 that day, 7 that month
    assert shown[("29", "2026-03-02")] == Shown("", "month")
    assert shown[("", "2026-03-02")] == Shown("", "month")
    assert shown[("75", "2026-04-09")] == Shown("", "none")  # alone in its month
    assert coarsen("2026-03-01 09:00:00", "month") == "2026-03"
    assert plan(counts, 1)[("75", "2026-04-09")] == Shown("75", "second")
