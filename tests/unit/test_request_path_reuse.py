"""What the shared request path reads once per request (ADR 0095): the session's
visitor, kept in the request's scope with the token it was read from, and the
metrics' labelled children, kept by their label values."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from prometheus_client import REGISTRY
from starlette.requests import Request

from services.runtime.metrics import Children, Metrics
from services.web.deps import Web
from services.web.security import Sessions
from services.web.session import visitor


def _request(cookie: str, scope: dict[str, Any] | None = None) -> Request:
    base: dict[str, Any] = scope if scope is not None else {
        "type": "http", "method": "POST", "path": "/"}
    base["headers"] = [(b"cookie", cookie.encode())]
    return Request(base)


class CountingSessions(Sessions):
    def __init__(self) -> None:
        super().__init__("secret", hours=1)
        self.reads = 0

    def claims(self, token: str | None, *, now: float | None = None) -> dict[str, Any] | None:
        self.reads += 1
        return super().claims(token, now=now)


def test_a_request_reads_its_session_once() -> None:
    sessions = CountingSessions()
    web = cast(Web, SimpleNamespace(sessions=sessions))
    token = sessions.issue("p-1", kind="participant", level="anonymous", pow="c-1 c-2")
    request = _request(f"{sessions.cookie}={token}")
    first = visitor(web, request)
    assert first is not None and (first.id, first.kind, first.proven) == (
        "p-1", "participant", ("c-1", "c-2"))
    assert visitor(web, request) is first
    assert visitor(web, Request(request.scope)) is first  # another view of the same request
    assert sessions.reads == 1


def test_another_token_in_the_same_scope_is_read_again() -> None:
    sessions = CountingSessions()
    web = cast(Web, SimpleNamespace(sessions=sessions))
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/"}
    one = sessions.issue("p-1", kind="participant", level="email")
    assert visitor(web, _request(f"{sessions.cookie}={one}", scope)) is not None
    # the same scope, its cookie gone (as the session gate removes a revoked one)
    assert visitor(web, _request("other=1", scope)) is None
    two = sessions.issue("p-2", kind="participant", level="email")
    who = visitor(web, _request(f"{sessions.cookie}={two}", scope))
    assert who is not None and who.id == "p-2"
    assert sessions.reads == 3


def test_children_are_the_metrics_own() -> None:
    metrics = Metrics()
    counts = Children(metrics.commands)
    counts.of("CastBallot", "ok").inc()
    counts.of("CastBallot", "ok").inc()
    counts.of("CastBallot", "refused").inc()
    assert counts.of("CastBallot", "ok") is metrics.commands.labels(
        command="CastBallot", outcome="ok")
    sample = metrics.registry.get_sample_value
    assert sample("parlons_commands_total", {"command": "CastBallot", "outcome": "ok"}) == 2
    assert sample("parlons_commands_total",
                  {"command": "CastBallot", "outcome": "refused"}) == 1
    assert REGISTRY.get_sample_value("parlons_commands_total") is None  # its own registry


async def test_the_consultations_asking_for_a_proof_are_read_again_only_after_a_commit(
        tmp_path: Path) -> None:
    """ADR 0107: every anonymous participant's request asks which consultations
    want the anti-robot proof. The answer is kept until the store commits
    anything, by this process or another: no read between two commits, and never
    stale after one."""
    from services.identity.queries import CONSULTATION_SETTINGS
    from services.store.sqlite import SqliteReadStore
    from services.web.session import proof_asked

    store, other = SqliteReadStore(tmp_path / "read.db"), SqliteReadStore(tmp_path / "read.db")
    await store.start()
    await other.start()
    try:
        assert await proof_asked(store) == frozenset()
        reads = store.queries
        assert await proof_asked(store) == frozenset()
        assert store.queries == reads  # nothing committed: not read again
        async with other.transaction() as tx:  # another process turns the switch on
            await tx.put(CONSULTATION_SETTINGS, "all", "c-1",
                         {"consultation_id": "c-1", "proof_of_work": True})
        assert await proof_asked(store) == frozenset({"c-1"})
        async with store.transaction() as tx:  # this process turns it off
            await tx.put(CONSULTATION_SETTINGS, "all", "c-1",
                         {"consultation_id": "c-1", "proof_of_work": False})
        assert await proof_asked(store) == frozenset()
    finally:
        await store.close()
        await other.close()
