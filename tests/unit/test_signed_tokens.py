"""Signed tokens (services/web/security.py) are verified once and remembered by
their whole text (ADR 0075): what is remembered never lets a changed token
through, never outlives the token's expiry, and a caller's change to the claims
it got never reaches the next caller."""

from __future__ import annotations

from services.web.security import Csrf, Sessions, Signer


def test_a_remembered_session_still_expires_and_a_changed_one_is_refused() -> None:
    sessions = Sessions("secret", hours=1)
    token = sessions.issue("p-1", now=1000.0, kind="participant", level="email")
    assert sessions.user(token, now=1000.0) == "p-1"
    assert sessions.user(token, now=1000.0) == "p-1"  # remembered
    assert sessions.user(token, now=1000.0 + 3601) is None  # expired all the same
    other = sessions.issue("p-2", now=1000.0, kind="participant", level="email")
    forged = token.partition(".")[0] + "." + other.partition(".")[2]  # p-1 with p-2's MAC
    assert sessions.user(forged, now=1000.0) is None
    assert Sessions("another secret", hours=1).user(token, now=1000.0) is None


def test_claims_handed_out_are_copies() -> None:
    signer = Signer("secret", "session")
    token = signer.sign({"u": "p-1", "level": "email"})
    first = signer.unsign(token)
    assert first is not None
    first["level"] = "verified"
    assert signer.unsign(token) == {"u": "p-1", "level": "email"}


def test_the_memory_is_bounded() -> None:
    signer = Signer("secret", "csrf")
    tokens = [signer.sign({"b": str(n)}) for n in range(Signer.VERIFIED_MAX + 10)]
    for token in tokens:
        assert signer.unsign(token) is not None
    assert len(signer._verified) <= Signer.VERIFIED_MAX
    csrf = Csrf("secret")
    assert csrf.valid("b-1", csrf.token_for("b-1")) and not csrf.valid("b-2", csrf.token_for("b-1"))
