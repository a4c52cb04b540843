"""Magic links: signed, single-use, short-lived login tokens.

A token is `payload.mac` (HMAC-SHA256 under a key derived from the server
secret). It names the participant, a random token id and an expiry. Using it
records the token id in the `TokenLedger`: a second use is refused even within
the validity window. The token itself is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.core.clock import Clock
from services.core.errors import DomainError
from services.identity.crypto import sub_key
from services.identity.ports import TokenLedger

INVALID = DomainError("invalid_link", "Ce lien de connexion n'est pas valide. "
                      "Demandez-en un nouveau.", field="jeton")
EXPIRED = DomainError("expired_link", "Ce lien de connexion a expiré (il est valable "
                      "15 minutes). Demandez-en un nouveau.", field="jeton")
USED = DomainError("used_link", "Ce lien de connexion a déjà servi. Demandez-en un nouveau.",
                   field="jeton")


@dataclass(frozen=True, slots=True)
class LinkClaims:
    participant_id: str
    token_id: str
    expires_at: datetime


class MagicLinks:
    def __init__(self, secret: str, *, ledger: TokenLedger, clock: Clock,
                 minutes: int = 15) -> None:
        self._key = sub_key(secret, "magic-link")
        self._ledger = ledger
        self._clock = clock
        self._ttl = timedelta(minutes=minutes)

    def issue(self, participant_id: str) -> str:
        exp = int((self._clock.now() + self._ttl).timestamp())
        payload = _b64e(json.dumps({"p": participant_id, "n": secrets.token_urlsafe(16),
                                    "e": exp}, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def check(self, token: str) -> LinkClaims:
        """Signature and expiry only (to show the confirmation page)."""
        payload, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise INVALID()
        try:
            data = json.loads(_b64d(payload))
            claims = LinkClaims(str(data["p"]), str(data["n"]),
                                datetime.fromtimestamp(int(data["e"]), self._clock.now().tzinfo))
        except (ValueError, KeyError, TypeError):
            raise INVALID() from None
        if claims.expires_at <= self._clock.now():
            raise EXPIRED()
        return claims

    async def consume(self, token: str) -> LinkClaims:
        claims = self.check(token)
        if not await self._ledger.consume(claims.token_id, claims.expires_at):
            raise USED()
        return claims

    def _mac(self, payload: str) -> str:
        return _b64e(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
