"""Open-data export of a questionnaire's published responses in the Grand Débat
format (columns in columns.py, meaning in dictionary.py, ADR 0025).

Streamed: rows come from the `synthesis_responses` read model one store page at
a time and leave as bytes page by page, so memory stays bounded by a page
whatever the number of rows (2 million included).

Pseudonymous per export: `authorId` is a keyed hash (keyed BLAKE2b, 128 bits) of the
participant id under a random key made for this export and never stored, so two
exports cannot be joined on authors and no internal id leaves. Within one
export (all questionnaires of a consultation written by one `OpenDataExport`)
the same person has the same authorId, as in the Grand Débat files.
No direct identifier is written: no e-mail, IP, pseudonym or participant id;
`authorZipCode` holds the département code recorded with the response, never a
postcode (the postcode stays in the identity vault).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import AsyncIterator

import orjson

from services.consultation.queries import OTHER, OTHER_LABEL
from services.core.personal_data import redact
from services.core.spreadsheet import csv_writer, inert_text
from services.store.port import Doc, ReadStore
from services.synthesis.opendata.columns import header, question_columns
from services.synthesis.opendata.kanonymity import Cell, Shown, cell_of, coarsen, plan
from services.synthesis.stats.projection import ROWS

PAGE = 500
JOIN = "|"


class OpenDataExport:
    """One export: one random key for its authorIds, then any number of files.
    `min_cell`: the k of territory x date k-anonymity (kanonymity.py); 1 = off."""

    def __init__(self, store: ReadStore, *, page: int = PAGE, min_cell: int = 1) -> None:
        self._store, self._page = store, page
        self._key = secrets.token_bytes(32)
        self._min_cell = min_cell
        self._plans: dict[str, dict[Cell, Shown]] = {}

    async def _docs(self, questionnaire_id: str) -> AsyncIterator[Doc]:
        after = None
        while True:
            page = await self._store.list(ROWS, questionnaire_id, limit=self._page, after=after)
            for _, doc in page:
                yield doc
            if len(page) < self._page:
                return
            after = page[-1][0]

    async def _plan_of(self, questionnaire_id: str) -> dict[Cell, Shown]:
        """Counted once per questionnaire and export (a first pass over the rows,
        keeping only a count per (département, day))."""
        if questionnaire_id not in self._plans:
            counts: dict[Cell, int] = {}
            async for doc in self._docs(questionnaire_id):
                cell = cell_of(doc.get("territory") or "", when(doc["submitted_at"]))
                counts[cell] = counts.get(cell, 0) + 1
            self._plans[questionnaire_id] = plan(counts, self._min_cell)
        return self._plans[questionnaire_id]

    def author_id(self, participant_id: str) -> str:
        # keyed BLAKE2b is a MAC (RFC 7693 §2.9) and costs a tenth of hmac's per call
        return hashlib.blake2b(participant_id.encode(), key=self._key,
                               digest_size=16).hexdigest()

    async def rows(self, questionnaire: Doc) -> AsyncIterator[dict[str, str]]:
        """The questionnaire's published responses, as {column: value}, in key order."""
        columns = _plan(questionnaire)
        k_anonymous = self._min_cell > 1
        shown = await self._plan_of(questionnaire["questionnaire_id"]) if k_anonymous else {}
        number = 0
        async for doc in self._docs(questionnaire["questionnaire_id"]):
            number += 1
            row = self._row(doc, number, questionnaire, columns)
            if not k_anonymous:
                yield row
                continue
            how = shown[cell_of(doc.get("territory") or "", row["createdAt"])]
            row["authorZipCode"] = how.territory
            for name in ("createdAt", "publishedAt", "updatedAt"):
                row[name] = coarsen(row[name], how.grain)
            yield row

    async def csv(self, questionnaire: Doc) -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\n")
        names = header(questionnaire)
        writer.writerow(names)
        count = 0
        async for row in self.rows(questionnaire):
            writer.writerow([row[n] for n in names])
            count += 1
            if count % self._page == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    async def json(self, questionnaire: Doc) -> AsyncIterator[bytes]:
        """A JSON array of objects keyed by the CSV's column names, written row by row."""
        yield b"["
        first = True
        async for row in self.rows(questionnaire):
            yield (b"\n" if first else b",\n") + orjson.dumps(row)
            first = False
        yield b"\n]\n"

    def _row(self, doc: Doc, number: int, questionnaire: Doc, plan: list[Plan]
             ) -> dict[str, str]:
        answers = {a["question_id"]: a for a in doc["answers"]}
        row = {
            "id": doc["id"], "reference": f"{questionnaire.get('position', 0) + 1}-{number}",
            "title": questionnaire.get("title", ""),
            "createdAt": when(doc["submitted_at"]),
            "publishedAt": when(doc["published_at"] or doc["submitted_at"]),
            "updatedAt": when(doc["updated_at"] or doc["published_at"] or doc["submitted_at"]),
            "trashed": "false", "trashedStatus": "",  # only published rows are exported
            "authorId": self.author_id(doc["author_id"]),
            "authorType": "", "authorZipCode": doc.get("territory") or "",
        }
        masked = bool(doc.get("masked"))
        for name, qid, field, labels in plan:
            answer = answers.get(qid)
            if answer is None:
                row[name] = ""
            elif labels is not None:  # a closed question: its options' labels
                row[name] = JOIN.join([labels.get(o, o) for o in answer["option_ids"]])
            else:  # free text: an open answer or the "Autre" part
                row[name] = "" if masked else free_text(answer.get(field) or "")
        return row


# (column name, question id, free-text field, labels of options or None for free text)
Plan = tuple[str, str, str, "dict[str, str] | None"]


def _plan(questionnaire: Doc) -> list[Plan]:
    """How each question column is filled, worked out once per file, not per row."""
    labels = {q["question_id"]: {**{o["option_id"]: o["label"].replace(JOIN, "/")
                                    for o in q["options"]}, OTHER: OTHER_LABEL}
              for q in questionnaire["questions"]}
    plan: list[Plan] = []
    for c in question_columns(questionnaire):
        if c.part == "other":
            plan.append((c.name, c.question_id, "other_text", None))
        elif c.kind == "open":
            plan.append((c.name, c.question_id, "text", None))
        else:
            plan.append((c.name, c.question_id, "", labels[c.question_id]))
    return plan


def free_text(text: str) -> str:
    """Free text without the direct identifiers a participant may have typed
    (e-mail, obfuscated too, phone number, IP address, NIR, IBAN, postal
    address: services/core/personal_data.py; moderation masks them too, but a
    post-moderated text may not be reviewed yet), and as a spreadsheet will not
    run it (services/core/spreadsheet.py: a leading =, +, -, @ gets an apostrophe,
    in the JSON files too; the CSV writers make every cell inert besides)."""
    text = redact(text)  # written redacted since ADR 0044; older texts are redacted as read
    return inert_text(text)


def when(iso: str) -> str:
    """'2019-01-22T10:30:41.123Z' -> '2019-01-22 10:30:41' (UTC), the files' format."""
    return iso[:19].replace("T", " ") if iso else ""


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
