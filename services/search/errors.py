"""Typed errors of the search port: the API turns them into a 400 with the message."""

from __future__ import annotations


class SearchError(Exception):
    """Bad search input; the message is in French, for the person who typed it."""


class QuerySyntaxError(SearchError):
    pass


class UnknownField(SearchError):
    pass


class SearchUnavailable(Exception):
    """The index cannot be reached (a distributed adapter's server is down)."""
