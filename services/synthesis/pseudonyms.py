"""Stable pseudonymous ids for imported data. Derived from the consultation so
the same source id in two consultations cannot be linked."""

from __future__ import annotations

import hashlib


def pseudonym(prefix: str, consultation_id: str, source_id: str) -> str:
    digest = hashlib.sha256(f"{consultation_id}\x1f{source_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:20]}"
