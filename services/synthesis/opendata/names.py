"""Readable names of the published files: `<consultation slug>-<what>-<day>`,
e.g. `grand-debat-propositions-2026-12-05.csv`, `grand-debat-reponses-
fiscalite-2026-12-05.csv`, each with `-dictionnaire.md` beside it. The day is
the export's (UTC): a download keeps saying when it was made. Names hold only
[a-z0-9-], so the public route's allowlist (`FILE_NAME`) is also its guard
against paths."""

from __future__ import annotations

import re
import unicodedata

FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}(\.csv|\.json|-dictionnaire\.md)$")
MAX_PART = 60


def name_part(text: str, *, fallback: str) -> str:
    """« Fiscalité & dépenses » -> `fiscalite-depenses` (ASCII, lower case)."""
    return _dashed(text) or _dashed(fallback) or "donnees"


def _dashed(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_PART].strip("-")


def base_name(consultation_slug: str, what: str, day: str) -> str:
    return f"{name_part(consultation_slug, fallback='consultation')}-{what}-{day}"


def questionnaire_parts(questionnaires: list[tuple[str, str]]) -> dict[str, str]:
    """{questionnaire id: `reponses-<title>`}, unique: a title met twice gets its
    position after it."""
    out: dict[str, str] = {}
    for n, (qid, title) in enumerate(questionnaires, start=1):
        part = f"reponses-{name_part(title, fallback=qid)}"
        out[qid] = part if part not in out.values() else f"{part}-{n}"
    return out
