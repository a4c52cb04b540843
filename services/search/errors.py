"""Typed errors of the search port: the API turns them into a 400 with the message."""

from __future__ import annotations

from services.core.errors import Unavailable


class SearchError(Exception):
    """Bad search input; the message is in French, for the person who typed it."""


class QuerySyntaxError(SearchError):
    pass


class UnknownField(SearchError):
    pass


class SearchUnavailable(Unavailable):
    """The index cannot do its job right now: a distributed adapter's server is down
    or overloaded, the embedded index cannot write its files (disk full, I/O error)
    or another process holds its writer. A worker retries it (ADR 0031)."""
