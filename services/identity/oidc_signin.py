"""OpenID Connect sign-in (FranceConnect-compatible), as the front end calls it.

`start` gives the provider's URL and an opaque flow token (state and nonce,
sealed) that the browser must bring back: `finish` accepts only the state this
browser was sent with (the OAuth equivalent of the CSRF token).

A first sign-in does not create the account at once: the verified identity
waits, sealed (AES-GCM, never readable by the browser) and short-lived, while
the person chooses a pseudonym with the registration's own validation; the
account exists once the pseudonym is accepted (`register`)."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag

from services.identity import model
from services.identity.acting import Acting, SignedIn
from services.identity.commands import RegisterParticipant
from services.identity.crypto import open_sealed, seal, sub_key
from services.identity.oidc import REFUSED, OidcClient, OidcIdentity

FLOW_SECONDS = 600
PENDING_SECONDS = 900
FLOW_CONTEXT = b"oidc-flow"
PENDING_CONTEXT = b"oidc-new-account"


@dataclass(frozen=True, slots=True)
class OidcRedirect:
    url: str  # the provider's authorization page
    flow: str  # sealed state and nonce, for the browser to bring back


@dataclass(frozen=True, slots=True)
class PendingIdentity:
    """A person the provider vouched for, with no account yet."""

    email: str
    subject: str  # "issuer|sub": the vault's OIDC lookup
    token: str  # the same, sealed, held by the browser until the pseudonym is chosen


class OidcSignIn:
    def __init__(self, acting: Acting, client: OidcClient) -> None:
        self._acting = acting
        settings = acting.ports.settings
        self._client = client
        self._label = settings.oidc_label if settings.oidc_issuer else ""
        self._public_url = settings.public_url.rstrip("/")
        self._flow_key = sub_key(settings.resolved_secret(), "oidc-flow")
        self._pending_key = sub_key(settings.resolved_secret(), "oidc-new-account")

    @property
    def enabled(self) -> bool:
        return self._client.enabled

    @property
    def label(self) -> str:
        """The provider's name on the login page; "" when none is configured."""
        return self._label

    async def start(self, callback: str) -> OidcRedirect:
        """`callback`: the front end's path the provider sends the person back to."""
        flow = await self._client.start(self._public_url + callback)
        return OidcRedirect(flow.url, self._seal(self._flow_key, FLOW_CONTEXT, {
            "s": flow.state, "n": flow.nonce}, FLOW_SECONDS))

    async def finish(self, callback: str, *, flow: str, code: str,
                     state: str) -> SignedIn | PendingIdentity:
        """The provider's answer: a known participant signed in (verified), or a
        new person waiting for their pseudonym. Raises REFUSED (French)."""
        sent = self._open(self._flow_key, FLOW_CONTEXT, flow)
        if (sent is None or not code
                or not secrets.compare_digest(str(sent["s"]).encode(), state.encode())):
            raise REFUSED()
        who = await self._client.finish(code=code, redirect_uri=self._public_url + callback,
                                        nonce=str(sent["n"]))
        pid = await self._participant_for(who)
        if pid is not None:
            return await self._acting.sign_in(pid, "verified", "oidc")
        subject = f"{who.issuer}|{who.subject}"
        return PendingIdentity(who.email, subject, self._seal(
            self._pending_key, PENDING_CONTEXT, {"email": who.email, "subject": subject},
            PENDING_SECONDS))

    def pending(self, token: str) -> PendingIdentity | None:
        """The verified identity waiting for its pseudonym, if still fresh."""
        data = self._open(self._pending_key, PENDING_CONTEXT, token)
        if data is None:
            return None
        return PendingIdentity(str(data["email"]), str(data["subject"]), token)

    async def register(self, who: PendingIdentity, *, pseudonym: str,
                       postcode: str = "") -> SignedIn:
        """The account of a verified person, once their pseudonym is accepted (the
        registration's command: same validation, same French messages)."""
        pid = model.new_participant_id()
        await self._acting.run(RegisterParticipant(
            participant_id=pid, email=who.email, pseudonym=pseudonym, postcode=postcode,
            method="oidc", verified_subject=who.subject), actor_id=pid)
        return await self._acting.sign_in(pid, "verified", "oidc")

    async def _participant_for(self, who: OidcIdentity) -> str | None:
        """The participant this identity belongs to: known by its subject, else by
        its e-mail (an existing account becomes verified); None for a new person
        (who chooses a pseudonym: the provider's names are not made public)."""
        vault = self._acting.ports.vault
        pid = await vault.find("oidc", f"{who.issuer}|{who.subject}")
        if pid is None:
            pid = await vault.find("email", model.email_lookup_value(who.email))
        return pid

    def _seal(self, key: bytes, context: bytes, data: dict[str, Any], seconds: int) -> str:
        expires = int(self._acting.ports.clock.now().timestamp()) + seconds
        sealed = seal(key, json.dumps({**data, "exp": expires}).encode(), context=context)
        return base64.urlsafe_b64encode(sealed).decode()

    def _open(self, key: bytes, context: bytes, token: str) -> dict[str, Any] | None:
        """What `_seal` sealed, if it is intact and still fresh."""
        try:
            data = json.loads(open_sealed(key, base64.urlsafe_b64decode(token),
                                          context=context))
        except (InvalidTag, ValueError):
            return None
        now = self._acting.ports.clock.now().timestamp()
        if not isinstance(data, dict) or int(data.get("exp", 0)) < now:
            return None
        return data
