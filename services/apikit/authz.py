"""Authorization as route dependencies, so that the route table says who may
change what (ADR 0040). A dependency that authorizes is marked with what it
checks -- the caller's role, the anti-forgery token (CSRF) of a browser's
session, or a machine client's bearer token -- and a test walks every
state-changing route of the app for them (tests/unit/test_route_authorization.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__parlons_authorizes__"


class Checks(StrEnum):
    ROLE = "role"  # who is calling may do this (a session's role, a participant)
    CSRF = "csrf"  # a browser's request carries this site's anti-forgery token
    TOKEN = "token"  # noqa: S105 -- a machine client's bearer token (no cookie: no CSRF to fear)


def authorizes(*checks: Checks) -> Callable[[F], F]:
    """Marks a dependency with what it refuses to let through."""

    def mark(fn: F) -> F:
        setattr(fn, MARK, frozenset(checks))
        return fn

    return mark


def checks_of(fn: object) -> frozenset[Checks]:
    found: object = getattr(fn, MARK, None)
    return frozenset(c for c in found if isinstance(c, Checks)) \
        if isinstance(found, frozenset) else frozenset()


def bearer_matches(authorization: str, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time; an unset token
    matches nothing."""
    return bool(token) and hmac.compare_digest(authorization.encode(),
                                               f"Bearer {token}".encode())
