"""Writing a consultation's open data to a directory: for each questionnaire
`<questionnaire>.csv`, `<questionnaire>.json` and `<questionnaire>-dictionnaire.md`,
all under one export key. Files are written beside their final name and renamed
into place, so a reader never sees half a file. The daily job (`parlons export
opendata --daily`, run by cron or a Kubernetes CronJob like `parlons retention`)
publishes every consultation whose organiser turned it on; the public page
serves the directory (services/web/synthesis_stats_pages.py)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from services.consultation import queries as consultations
from services.core.errors import NotFound
from services.store.port import Doc, ReadStore
from services.synthesis.opendata.dictionary import dictionary_markdown
from services.synthesis.opendata.export import OpenDataExport
from services.synthesis.opendata.kanonymity import min_cell_setting
from services.synthesis.opendata.settings import daily_consultations

FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\.csv|\.json|-dictionnaire\.md)$")


@dataclass(frozen=True, slots=True)
class Written:
    name: str
    size: int


async def questionnaires_of(store: ReadStore, consultation_id: str) -> list[Doc]:
    rows = await store.list(consultations.QUESTIONNAIRES, consultation_id, limit=500)
    return sorted((doc for _, doc in rows), key=lambda q: (q.get("position", 0),
                                                            q["questionnaire_id"]))


async def write_open_data(store: ReadStore, consultation_id: str, out_dir: Path, *,
                          min_cell: int | None = None) -> list[Written]:
    """`min_cell`: the k of territory x date k-anonymity checked before anything
    is written (PARLONS_OPENDATA_MIN_CELL by default, ADR 0047)."""
    consultation = await consultations.consultation(store, consultation_id)
    if consultation is None:
        raise NotFound("Consultation")
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    export = OpenDataExport(store, min_cell=min_cell_setting() if min_cell is None else min_cell)
    written = []
    for qn in await questionnaires_of(store, consultation_id):
        qid = qn["questionnaire_id"]
        written.append(await _write(out_dir / f"{qid}.csv", export.csv(qn)))
        written.append(await _write(out_dir / f"{qid}.json", export.json(qn)))
        written.append(await _write(out_dir / f"{qid}-dictionnaire.md",
                                    _once(dictionary_markdown(consultation, qn).encode())))
    return written


async def publish_daily(store: ReadStore, root: Path) -> dict[str, list[Written]]:
    return {cid: await write_open_data(store, cid, root / cid)
            for cid in await daily_consultations(store)}


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
