"""A participant's account: registration, magic-link and OpenID Connect login,
anonymous sessions, the account page, data export and erasure; and the session
behind the JSON APIs (who participates, moderates, analyses)."""

from __future__ import annotations

from fastapi import FastAPI

from services.identity.service import IdentityPorts
from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.account.wiring import install_identity_web

    identity = web.deps.port("identity", IdentityPorts)
    if identity is not None and web.deps.bus is not None:
        install_identity_web(app, web, identity, web.deps.bus, web.providers)
