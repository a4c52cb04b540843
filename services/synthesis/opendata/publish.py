"""Writing a consultation's open data to a directory, all under one export key
and named `<consultation slug>-<what>-<day>` (names.py): for each questionnaire
`...-reponses-<title>-<day>.csv`, `.json` and `-dictionnaire.md`; then the
published proposals, arguments and vote counts (`...-propositions-<day>.csv`,
`...-arguments-<day>.csv`, `...-votes-<day>.csv`), each with its dictionary.
Files are written beside their final name and renamed into place, so a reader
never sees half a file; the previous day's files leave once the new set is
written. The daily job (`parlons export opendata --daily`, run every hour by
`parlons serve` or the scheduler, ADR 0034) publishes every consultation whose
organiser turned it on and that has no file of the day yet; the public page
serves the directory
(services/web/synthesis/stats_pages.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.consultation import queries as consultations
from services.core.errors import NotFound
from services.store.port import Doc, ReadStore
from services.synthesis.opendata.contributions import arguments_csv, proposals_csv, votes_csv
from services.synthesis.opendata.dictionary import dictionary_markdown, table_dictionary
from services.synthesis.opendata.export import OpenDataExport
from services.synthesis.opendata.kanonymity import min_cell_setting
from services.synthesis.opendata.names import FILE_NAME, base_name, questionnaire_parts
from services.synthesis.opendata.settings import daily_consultations

__all__ = ["FILE_NAME", "Written", "publish_daily", "questionnaires_of", "write_open_data"]


@dataclass(frozen=True, slots=True)
class Written:
    name: str
    size: int


async def questionnaires_of(store: ReadStore, consultation_id: str) -> list[Doc]:
    rows = await store.list(consultations.QUESTIONNAIRES, consultation_id, limit=500)
    return sorted((doc for _, doc in rows), key=lambda q: (q.get("position", 0),
                                                            q["questionnaire_id"]))


async def write_open_data(store: ReadStore, consultation_id: str, out_dir: Path, *,
                          min_cell: int | None = None, day: str | None = None
                          ) -> list[Written]:
    """`min_cell`: the k of territory x date k-anonymity checked before anything
    is written (PARLONS_OPENDATA_MIN_CELL by default, ADR 0047); `day`: the
    export's, in the names (today, UTC, by default)."""
    consultation = await consultations.consultation(store, consultation_id)
    if consultation is None:
        raise NotFound("Consultation")
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    k = min_cell_setting() if min_cell is None else min_cell
    day = day or datetime.now(UTC).date().isoformat()
    export = OpenDataExport(store, min_cell=k)
    slug = consultation.get("slug") or consultation_id
    written = []
    questionnaires = await questionnaires_of(store, consultation_id)
    parts = questionnaire_parts([(q["questionnaire_id"], q.get("title", ""))
                                 for q in questionnaires])
    for qn in questionnaires:
        base = out_dir / base_name(slug, parts[qn["questionnaire_id"]], day)
        written.append(await _write(base.with_name(base.name + ".csv"), export.csv(qn)))
        written.append(await _write(base.with_name(base.name + ".json"), export.json(qn)))
        written.append(await _write(base.with_name(base.name + "-dictionnaire.md"),
                                    _once(dictionary_markdown(consultation, qn, k=k).encode())))
    # the proposals last: their file says the day's export is whole (_written_on)
    for what, body in (("arguments", arguments_csv(store, consultation_id, k)),
                       ("votes", votes_csv(store, consultation)),
                       ("propositions", proposals_csv(store, consultation_id, k))):
        base = out_dir / base_name(slug, what, day)
        written.append(await _write(base.with_name(base.name + ".csv"), body))
        written.append(await _write(base.with_name(base.name + "-dictionnaire.md"),
                                    _once(table_dictionary(consultation, what, k=k).encode())))
    await asyncio.to_thread(_prune, out_dir, {w.name for w in written})
    return written


async def publish_daily(store: ReadStore, root: Path, *, day: str | None = None
                        ) -> dict[str, list[Written]]:
    """Every consultation that publishes daily and has no file of `day` yet (today,
    UTC): the job may run every hour, so a publication turned on shows its files
    within the hour, and each consultation is still written once a day."""
    day = day or datetime.now(UTC).date().isoformat()
    return {cid: await write_open_data(store, cid, root / cid, day=day)
            for cid in await daily_consultations(store) if not _written_on(root / cid, day)}


def _written_on(out_dir: Path, day: str) -> bool:
    """The proposals' file, written last of every export, names its day."""
    return out_dir.is_dir() and any(out_dir.glob(f"*-propositions-{day}.csv"))


def _prune(out_dir: Path, kept: set[str]) -> None:
    """The files of earlier exports (another day, a renamed questionnaire) leave:
    the page lists one current set."""
    for path in out_dir.iterdir():
        if path.name not in kept and FILE_NAME.match(path.name) and path.is_file():
            path.unlink()


async def _write(path: Path, chunks: AsyncIterator[bytes]) -> Written:
    partial = path.with_name(path.name + ".partiel")
    size = 0
    with partial.open("wb") as f:
        async for chunk in chunks:
            f.write(chunk)
            size += len(chunk)
    os.replace(partial, path)
    return Written(path.name, size)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
