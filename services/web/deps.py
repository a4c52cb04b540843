"""What the web layer needs from the rest of Parlons: ports only. The runtime's
container builds one `WebDeps`; tests build one over the memory fakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from jinja2 import Environment

from services.store.port import ReadStore
from services.web.security import Csrf, Sessions
from services.web.settings import WebSettings


class CommandSender(Protocol):
    """Hands a command to its handler; raises DomainError (French message) on refusal."""

    def __call__(self, command: Any) -> Awaitable[Any]: ...


class BlobReader(Protocol):
    """Reads an uploaded file's bytes by its content address (for downloads)."""

    def __call__(self, address: str) -> Awaitable[bytes | None]: ...


async def _nothing_to_wait_for() -> None:
    return None


@dataclass
class WebDeps:
    store: ReadStore
    send: CommandSender
    settings: WebSettings = field(default_factory=WebSettings)
    read_blob: BlobReader | None = None
    # Waits until projections have applied what was just written, so the page the
    # organiser is redirected to shows their change (read-your-writes).
    settle: Callable[[], Awaitable[None]] = _nothing_to_wait_for


@dataclass
class Web:
    """Everything a route needs, built once at start."""

    deps: WebDeps
    env: Environment
    sessions: Sessions
    csrf: Csrf
    admin_password_hash: str
