"""CSV cells a spreadsheet will not run (CSV or formula injection, CWE-1236).

Every CSV file Parlons writes goes through `csv_writer` (ADR 0133): participants'
texts end up in files an analyst or an organiser opens in Excel or LibreOffice,
which run a cell starting with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)`
leaks the sheet, `=cmd|' /C calc'!A0` starts a program). Such a cell gets a leading
apostrophe, which the spreadsheet shows as text and does not display; a plain
number (`-3`, `+1.5`) is left alone, as no spreadsheet runs it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

# =, +, -, @; tab, carriage return, line feed and NUL, which some spreadsheets skip
# before reading a formula; and the full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20)
# some of them fold to these.
FORMULA_STARTS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?", re.ASCII)


def inert(value: object) -> object:
    """The cell as a spreadsheet will show it without running it: a text starting
    like a formula gets a leading apostrophe; numbers and other texts are kept."""
    return inert_text(value) if isinstance(value, str) else value


def inert_text(value: str) -> str:
    """`inert` for a text."""
    if value[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restored(value: str) -> str:
    """A cell read back from a file Parlons wrote: without the apostrophe `inert` added."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `inert` (the header row too)."""

    def __init__(self, out: TextIO, **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([inert(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **fmtparams: Any) -> SafeCsvWriter:
    """The CSV writer of every export: `csv.writer(out, **fmtparams)`, cells made inert."""
    return SafeCsvWriter(out, **fmtparams)
