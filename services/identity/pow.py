"""A self-hosted proof-of-work challenge (hashcash-style) for anonymous actions.

The server signs a challenge (random salt, difficulty, expiry); the browser
finds a nonce such that SHA-256(challenge ":" nonce) starts with `bits` zero
bits (static/js/pow.js) and posts both. Verification is one hash and one HMAC;
a solved challenge is single-use through the token ledger.
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

REFUSED = DomainError("pow_failed", "La vérification anti-robot a échoué ou expiré. "
                      "Rechargez la page et recommencez.", field="pow")


TOO_EARLY = DomainError("pow_too_early", "Patientez encore quelques secondes, puis "
                        "cliquez à nouveau sur « Continuer ».", field="pow")


class ProofOfWork:
    def __init__(self, secret: str, *, ledger: TokenLedger, clock: Clock, bits: int,
                 ttl_seconds: int, wait_seconds: int = 30) -> None:
        self._key = sub_key(secret, "proof-of-work")
        self._ledger, self._clock = ledger, clock
        self.bits, self._ttl = bits, timedelta(seconds=ttl_seconds)
        self.wait_seconds = wait_seconds

    def challenge(self) -> str:
        exp = int((self._clock.now() + self._ttl).timestamp())
        body = f"{secrets.token_hex(8)}.{self.bits}.{exp}"
        return f"{body}.{self._mac(body)}"

    async def verify(self, challenge: str, nonce: str) -> None:
        body, _, mac = challenge.rpartition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)) or len(nonce) > 32:
            raise REFUSED()
        parts = body.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise REFUSED()
        _, bits, exp = parts
        expires = datetime.fromtimestamp(int(exp), self._clock.now().tzinfo)
        if expires <= self._clock.now() or not solves(challenge, nonce, int(bits)):
            raise REFUSED()
        if not await self._ledger.consume("pow:" + body, expires):
            raise REFUSED()

    def wait_ticket(self) -> str:
        """The no-JavaScript path: a signed ticket valid from `wait_seconds` from now
        until the challenge's expiry. Waiting costs a bot time as the hash does."""
        now = self._clock.now()
        not_before = int(now.timestamp()) + self.wait_seconds
        exp = int((now + self._ttl).timestamp()) + self.wait_seconds
        body = f"w{secrets.token_hex(8)}.{not_before}.{exp}"
        return f"{body}.{self._mac(body)}"

    async def verify_wait(self, ticket: str) -> None:
        body, _, mac = ticket.rpartition(".")
        if not body.startswith("w") or not hmac.compare_digest(mac, self._mac(body)):
            raise REFUSED()
        _, not_before, exp = body.split(".")
        now = self._clock.now().timestamp()
        if now < int(not_before):
            raise TOO_EARLY()
        expires = datetime.fromtimestamp(int(exp), self._clock.now().tzinfo)
        if now >= int(exp) or not await self._ledger.consume("pow:" + body, expires):
            raise REFUSED()

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
