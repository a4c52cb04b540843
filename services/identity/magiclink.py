"""Magic links: signed, single-use, short-lived login tokens.

A token is `payload.mac` (HMAC-SHA256 under a key derived from the server
secret). It names the participant, a random token id and an expiry (10 minutes
at most). Using it records the token id in the `TokenLedger`: a second use is
refused even within the validity window. Sending a new link makes it the
participant's current one: an older link, even unused and unexpired, is refused
(ADR 0041). The token itself is never stored.
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
USED = DomainError("used_link", "Ce lien de connexion a déjà servi. Demandez-en un nouveau.",
                   field="jeton")
REPLACED = DomainError("replaced_link", "Ce lien de connexion a été remplacé par un plus "
                       "récent : utilisez le dernier lien reçu.", field="jeton")
MAX_MINUTES = 10  # issue #19: a link lives 10 minutes at most


@dataclass(frozen=True, slots=True)
class LinkClaims:
    participant_id: str
    token_id: str
    expires_at: datetime
    extra: str = ""  # what the link carries besides (an address change: the sealed address)


class MagicLinks:
    def __init__(self, secret: str, *, ledger: TokenLedger, clock: Clock,
                 minutes: int = MAX_MINUTES, purpose: str = "magic-link") -> None:
        """`purpose`: what the links are for, each its own key and current link per
        participant (sign-in; an address change, ADR 0145 amended)."""
        self._purpose = purpose
        self._key = sub_key(secret, purpose)
        self._ledger = ledger
        self._clock = clock
        self.minutes = min(minutes, MAX_MINUTES)
        self._ttl = timedelta(minutes=self.minutes)

    async def issue(self, participant_id: str, extra: str = "") -> str:
        """A new link for the participant; their previous one stops working.
        `extra`: signed with it, never in clear personal data (seal it first)."""
        expires = self._clock.now() + self._ttl
        nonce = secrets.token_urlsafe(16)
        claims: dict[str, object] = {"p": participant_id, "n": nonce,
                                     "e": int(expires.timestamp())}
        if extra:
            claims["x"] = extra
        payload = _b64e(json.dumps(claims, separators=(",", ":")).encode())
        await self._ledger.make_current(self._subject(participant_id), nonce, expires)
        return f"{payload}.{self._mac(payload)}"

    def check(self, token: str) -> LinkClaims:
        """Signature and expiry only (to show the confirmation page)."""
        payload, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise INVALID()
        try:
            data = json.loads(_b64d(payload))
            claims = LinkClaims(str(data["p"]), str(data["n"]),
                                datetime.fromtimestamp(int(data["e"]), self._clock.now().tzinfo),
                                str(data.get("x", "")))
        except (ValueError, KeyError, TypeError):
            raise INVALID() from None
        if claims.expires_at <= self._clock.now():
            raise DomainError("expired_link", "Ce lien de connexion a expiré (il est valable "
                              f"{self.minutes} minutes). Demandez-en un nouveau.", field="jeton")
        return claims

    async def consume(self, token: str) -> LinkClaims:
        claims = self.check(token)
        if not await self._ledger.is_current(self._subject(claims.participant_id),
                                             claims.token_id):
            raise REPLACED()
        if not await self._ledger.consume(claims.token_id, claims.expires_at):
            raise USED()
        return claims

    def _mac(self, payload: str) -> str:
        return _b64e(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def _subject(self, participant_id: str) -> str:
        return f"{self._purpose}:{participant_id}"


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
