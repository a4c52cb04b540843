"""A self-hosted proof-of-work challenge (hashcash-style) for anonymous actions.

The server signs a challenge (random salt, difficulty, expiry); the browser
finds a nonce such that SHA-256(challenge ":" nonce) starts with `bits` zero
bits (static/js/pow.js) and posts both. Verification is one hash and one HMAC;
a solved challenge is single-use through the token ledger.

Every challenge and wait ticket is bound to its scope (the action and the
consultation: `anonymous:<consultation id>`), signed into it, so a proof made
for one consultation opens no other. The no-JavaScript wait cannot be batched
(ADR 0046): a client redeems one wait ticket per `wait_seconds`, counted in the
shared rate limiter, so forty tickets fetched at once cost forty waits, not one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from services.core.clock import Clock
from services.core.errors import DomainError
from services.identity.crypto import sub_key
from services.identity.ports import TokenLedger
from services.identity.ratelimit import Budget, RateLimiter, enforce

REFUSED = DomainError("pow_failed", "La vérification anti-robot a échoué ou expiré. "
                      "Rechargez la page et recommencez.", field="pow")


TOO_EARLY = DomainError("pow_too_early", "Patientez encore quelques secondes, puis "
                        "cliquez à nouveau sur « Continuer ».", field="pow")


class ProofOfWork:
    def __init__(self, secret: str, *, ledger: TokenLedger, clock: Clock, bits: int,
                 ttl_seconds: int, wait_seconds: int = 30,
                 limiter: RateLimiter | None = None) -> None:
        """`limiter`: where a client's wait tickets queue (shared by every process
        over the same store); without one, wait tickets are refused."""
        self._key = sub_key(secret, "proof-of-work")
        self._ledger, self._clock, self._limiter = ledger, clock, limiter
        self.bits, self._ttl = bits, timedelta(seconds=ttl_seconds)
        self.wait_seconds = wait_seconds

    def challenge(self, scope: str) -> str:
        exp = int((self._clock.now() + self._ttl).timestamp())
        body = f"{secrets.token_hex(8)}.{self.bits}.{exp}.{self._scope(scope)}"
        return f"{body}.{self._mac(body)}"

    async def verify(self, challenge: str, nonce: str, scope: str) -> None:
        body, _, mac = challenge.rpartition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)) or len(nonce) > 32:
            raise REFUSED()
        parts = body.split(".")
        if (len(parts) != 4 or not parts[1].isdecimal() or not parts[2].isdecimal()
                or not hmac.compare_digest(parts[3], self._scope(scope))):
            raise REFUSED()
        _, bits, exp, _ = parts
        expires = datetime.fromtimestamp(int(exp), self._clock.now().tzinfo)
        if expires <= self._clock.now() or not solves(challenge, nonce, int(bits)):
            raise REFUSED()
        if not await self._ledger.consume("pow:" + body, expires):
            raise REFUSED()

    def wait_ticket(self, scope: str) -> str:
        """The no-JavaScript path: a signed ticket for `scope`, valid from
        `wait_seconds` from now until the challenge's expiry. Issuing one changes
        nothing (a GET shows it): the wait is spent when it is redeemed."""
        now = self._clock.now()
        not_before = int(now.timestamp()) + self.wait_seconds
        exp = int((now + self._ttl).timestamp()) + self.wait_seconds
        body = f"w{secrets.token_hex(8)}.{not_before}.{exp}.{self._scope(scope)}"
        return f"{body}.{self._mac(body)}"

    async def verify_wait(self, ticket: str, scope: str, client: str) -> None:
        """A ripe ticket for `scope`, used once; and one redemption per
        `wait_seconds` per client, counted in the shared rate limiter, so tickets
        gathered in a batch ripen together but are spent one wait apart
        (`RateLimited` with the time to the next one)."""
        body, _, mac = ticket.rpartition(".")
        if not body.startswith("w") or not hmac.compare_digest(mac, self._mac(body)):
            raise REFUSED()
        parts = body.split(".")
        if len(parts) != 4 or not hmac.compare_digest(parts[3], self._scope(scope)):
            raise REFUSED()
        _, not_before, exp, _ = parts
        now = self._clock.now().timestamp()
        if now < int(not_before):
            raise TOO_EARLY()
        expires = datetime.fromtimestamp(int(exp), self._clock.now().tzinfo)
        if now >= int(exp) or self._limiter is None:
            raise REFUSED()
        await enforce(self._limiter, [Budget(f"pow-wait:{client}", 1, self.wait_seconds)],
                      now=now)
        if not await self._ledger.consume("pow:" + body, expires):
            raise REFUSED()

    def _scope(self, scope: str) -> str:
        """What a challenge carries of its scope: a digest (no '.' nor id inside)."""
        return hmac.new(self._key, f"scope:{scope}".encode(), hashlib.sha256).hexdigest()[:16]

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]


def solves(challenge: str, nonce: str, bits: int) -> bool:
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - bits) == 0


def solve(challenge: str, bits: int) -> str:
    """What pow.js does, for tests and non-browser clients."""
    n = 0
    while not solves(challenge, str(n), bits):
        n += 1
    return str(n)
