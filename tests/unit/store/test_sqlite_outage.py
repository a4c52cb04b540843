"""The SQLite read store's port boundary (ADR 0031, ADR 0095): the driver's
"cannot do it now" errors and a damaged file become `StoreUnavailable`; anything
else passes through unchanged."""

from __future__ import annotations

import sqlite3

import pytest

from services.core.errors import StoreUnavailable
from services.store.sqlite import _outage


def _database_error(code: int) -> sqlite3.DatabaseError:
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database is locked"),
                                   OSError("disk I/O error"),
                                   _database_error(sqlite3.SQLITE_CORRUPT),
                                   _database_error(sqlite3.SQLITE_NOTADB)])
def test_an_outage_is_translated(error: Exception) -> None:
    with pytest.raises(StoreUnavailable) as raised, _outage():
        raise error
    assert raised.value.__cause__ is error


@pytest.mark.parametrize("error", [_database_error(sqlite3.SQLITE_CONSTRAINT),
                                   KeyError("x")])
def test_anything_else_passes_unchanged(error: Exception) -> None:
    with pytest.raises(type(error)) as raised, _outage():
        raise error
    assert raised.value is error


def test_nothing_raised_nothing_changed() -> None:
    with _outage():
        value = 1
    assert value == 1
