"""Validation of what callers send, shared by every service's model. Each helper
raises a `DomainError` with a stable code, a French message and the field at fault."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from services.core.errors import DomainError

# Ids come from callers (UUIDs, or short readable ids for imports): bounded and plain.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


def text(value: str, field: str, *, label: str, max_len: int, min_len: int = 0) -> str:
    """The stripped text, or a DomainError if too short or too long."""
    value = value.strip()
    if len(value) < min_len:
        if min_len == 1:
            raise DomainError("required", f"{label} est obligatoire.", field=field)
        raise DomainError("too_short",
                          f"{label} doit compter au moins {min_len} caractères.", field=field)
    if len(value) > max_len:
        raise DomainError("too_long",
                          f"{label} ne peut dépasser {max_len} caractères "
                          f"({len(value)} saisis).", field=field)
    return value


def ident(value: str, field: str) -> str:
    if not _ID.match(value):
        raise DomainError("invalid_id", "Identifiant invalide.", field=field)
    return value


def choice(value: str, allowed: dict[str, str], field: str, *, label: str) -> str:
    if value not in allowed:
        names = ", ".join(allowed.values())
        raise DomainError("invalid_choice", f"{label} doit être l'une des valeurs : {names}.",
                          field=field)
    return value


def aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise DomainError("naive_datetime", "La date doit préciser son fuseau horaire.",
                          field=field)
    return value


def https_url(value: str, field: str, *, label: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(value) > 500:
        raise DomainError("invalid_url", f"{label} doit être une adresse web (https://…).",
                          field=field)
    return value
