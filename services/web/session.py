"""Who is browsing: the session cookie's claims, for every page, the back-office
guard and the JSON APIs' providers. One cookie for everybody; `kind` says admin
or participant."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.core.envelope import Actor
from services.core.participants import ParticipantContext
from services.identity.queries import (
    CONSULTATION_SETTINGS,
    Capability,
    admin_subject,
    may,
    session_generation,
)
from services.store.port import ReadStore
from services.web.deps import Web

MAX_PROVEN = 20  # bounds the cookie; an older proof is asked again
POW_SCAN_LIMIT = 10_000
# Per store: the consultations asking for the proof, and the store's `changes()`
# they were read at (ADR 0107). Weak: a store closed and dropped (tests make
# many) takes its entry with it, and a new one never meets an old entry.
_POW_ASKED: WeakKeyDictionary[ReadStore, tuple[int, frozenset[str]]] = WeakKeyDictionary()

# Who the back office is acting for during this request, set by the guard once
# it let a participant in: their commands are recorded under their own
# pseudonymous id, not the settings-configured admin's.
_acting: ContextVar[Actor | None] = ContextVar("parlons_back_office_actor", default=None)


def back_office_actor() -> Actor | None:
    return _acting.get()


def acting_as(actor: Actor | None) -> Token[Actor | None]:
    """Set for the rest of this request; returns the token to reset it."""
    return _acting.set(actor)


def stop_acting(token: Token[Actor | None]) -> None:
    _acting.reset(token)


@dataclass(frozen=True, slots=True)
class Visitor:
    id: str
    kind: str  # admin | participant
    level: str  # anonymous | email | verified ("" for the admin)
    # Consultations where this anonymous session solved the anti-robot proof.
    proven: tuple[str, ...] = ()  # oldest first

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


# Scope key: (session token, its visitor), read once per request.
_VISITOR = "parlons.visitor"


def visitor(web: Web, request: Request) -> Visitor | None:
    """The session's visitor, None without a valid one. A ballot asks three times
    (its rate limit, the login and CSRF check, the participant): the answer is kept
    in the request's scope with the token it was read from, so the claims are
    copied and checked once per request (the gate in front checked the token's
    generation already)."""
    token = request.cookies.get(web.sessions.cookie)
    known = request.scope.get(_VISITOR)
    if known is not None and known[0] == token:
        return known[1]  # type: ignore[no-any-return]
    claims = web.sessions.claims(token)
    who = None if claims is None else Visitor(
        # Sessions issued before roles existed carry no kind: only the admin had one.
        str(claims["u"]), str(claims.get("kind") or "admin"), str(claims.get("level", "")),
        tuple(str(claims.get("pow", "")).split()))
    request.scope[_VISITOR] = (token, who)
    return who


# How a refusal names the role a capability asks for (the roles are identity's policy).
ROLE_NAMES = {Capability.ANALYSE: "d'analyste", Capability.MANAGE: "d'organisateur",
              Capability.MODERATE: "de modérateur"}


async def holder_of(web: Web, request: Request, consultation_id: str,
                    capability: Capability) -> str:
    """The id of this browser's visitor when they may use `capability` on the
    consultation (the platform admin may use all), else a French 403. The
    back-office guard asks the same first; the routes ask again, so they stay
    closed on an app built without the guard."""
    who = visitor(web, request)
    role = ROLE_NAMES[capability]
    if who is None:
        raise HTTPException(403, f"Connectez-vous avec un rôle {role}.")
    if not who.is_admin and not await may(web.store, who.id, consultation_id, capability):
        raise HTTPException(403, f"Il faut le rôle {role} sur cette consultation.")
    return who.id


def subject_of(claims: dict[str, Any]) -> str:
    """Whose sessions these claims are: a participant id, or `admin:<user>`."""
    user = str(claims["u"])
    return admin_subject(user) if str(claims.get("kind") or "admin") == "admin" else user


async def open_session(web: Web, response: Response, participant_id: str, level: str,
                       proven: Iterable[str] = ()) -> None:
    """`proven`: consultations where an anonymous session solved the anti-robot
    proof, kept in the signed cookie (space-separated ids, the latest
    MAX_PROVEN), so a proof made for one consultation never opens another."""
    kept = " ".join(list(dict.fromkeys(proven))[-MAX_PROVEN:])
    generation = await session_generation(web.store, participant_id)
    response.set_cookie(web.sessions.cookie,
                        web.sessions.issue(participant_id, kind="participant", level=level,
                                           pow=kept, generation=generation),
                        httponly=True, samesite="lax", secure=web.sessions.secure,
                        max_age=web.sessions.max_age, path="/")


async def end_session(web: Web, request: Request, response: Response) -> None:
    """Logout: the session ends server-side (every cookie of its subject, ADR 0041),
    then in this browser."""
    claims = web.sessions.claims(request.cookies.get(web.sessions.cookie))
    if claims is not None and web.deps.bus is not None and web.deps.ports.get("identity"):
        admin = str(claims.get("kind") or "admin") == "admin"
        await web.identity.end_sessions(subject_of(claims), actor_id=str(claims["u"]),
                                        role="organiser" if admin else "participant")
    close_session(web, response)


def close_session(web: Web, response: Response) -> None:
    response.delete_cookie(web.sessions.cookie, path="/", secure=web.sessions.secure,
                           httponly=True, samesite="lax")


async def unproven(store: ReadStore, who: Visitor, level: str) -> frozenset[str]:
    """The consultations asking anonymous participants for an anti-robot proof
    that this session has not made; empty above the anonymous level. Few
    consultations ever turn the proof on, so the settings table stays small."""
    if level != "anonymous":
        return frozenset()
    return await proof_asked(store) - set(who.proven)


async def proof_asked(store: ReadStore) -> frozenset[str]:
    """The consultations whose switch asks anonymous sessions for the proof. Read
    again only once the store has committed something since the last read (its
    `changes()`, which moves with any commit of any process, as the public page
    cache's key does, ADR 0071): never stale, and under load one read for the
    requests between two commits instead of one each (ADR 0107)."""
    version = store.changes()  # before the read: a commit meanwhile makes the next call read
    known = _POW_ASKED.get(store) if version is not None else None
    if known is not None and known[0] == version:
        return known[1]
    rows = await store.list(CONSULTATION_SETTINGS, "all", limit=POW_SCAN_LIMIT)
    asked = frozenset(cid for cid, doc in rows if doc.get("proof_of_work"))
    if version is not None:
        _POW_ASKED[store] = (version, asked)
    return asked


async def session_participant(web: Web, request: Request) -> ParticipantContext | None:
    """The participant of this browser's session (pages and the JSON APIs alike;
    forms check their CSRF token themselves). The bootstrap admin is not a
    participant."""
    who = visitor(web, request)
    if who is None or who.kind != "participant":
        return None
    level = who.level or "anonymous"
    return ParticipantContext(who.id, level, unproven=await unproven(web.store, who, level))
