"""OpenID Connect login with authlib, FranceConnect-compatible: the issuer,
client id and secret, scopes and `acr_values` are settings (IdentitySettings).

Authorization code flow: `start` builds the provider URL with a random `state`
and `nonce` (kept by the caller in a signed cookie); `finish` exchanges the
code, verifies the ID token (signature against the provider's JWKS, issuer,
audience, nonce, expiry) and reads the user info.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.core.errors import DomainError
from services.identity.settings import IdentitySettings

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

REFUSED = DomainError("oidc_failed", "La connexion auprès du fournisseur d'identité a échoué. "
                      "Réessayez.", field="oidc")
TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class OidcStart:
    url: str
    state: str
    nonce: str


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    issuer: str
    subject: str
    email: str
    claims: dict[str, Any]


class OidcClient:
    def __init__(self, settings: IdentitySettings) -> None:
        self._s = settings
        self._metadata: dict[str, Any] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._s.oidc_issuer and self._s.oidc_client_id)

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        # imported when a login is configured and used: ~0.2 s of every start-up
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        return AsyncOAuth2Client(client_id=self._s.oidc_client_id,
                                 client_secret=self._s.oidc_client_secret,
                                 scope=self._s.oidc_scopes, redirect_uri=redirect_uri,
                                 token_endpoint_auth_method="client_secret_post",  # noqa: S106
                                 timeout=TIMEOUT)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self._s.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with self._client("") as client:
                response = await client.request("GET", url, withhold_token=True)
                response.raise_for_status()
                self._metadata = dict(response.json())
        return self._metadata

    async def start(self, redirect_uri: str) -> OidcStart:
        meta = await self.metadata()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"], state=state, nonce=nonce,
                acr_values=self._s.oidc_acr_values)
        return OidcStart(url, state, nonce)

    async def finish(self, *, code: str, redirect_uri: str, nonce: str) -> OidcIdentity:
        meta = await self.metadata()
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(meta["token_endpoint"], code=code,
                                                 grant_type="authorization_code")
                jwks = await client.request("GET", meta["jwks_uri"], withhold_token=True)
                keys = KeySet.import_key_set(jwks.json())
                decoded = jwt.decode(token["id_token"], keys)
                jwt.JWTClaimsRegistry(
                    iss={"essential": True, "value": meta["issuer"]},
                    aud={"essential": True, "value": self._s.oidc_client_id},
                    nonce={"essential": True, "value": nonce},
                    sub={"essential": True}, exp={"essential": True},
                ).validate(decoded.claims)
                info = (await client.get(meta["userinfo_endpoint"])).json()
        except (JoseError, KeyError, ValueError, OSError) as exc:
            raise REFUSED() from exc
        claims = {**decoded.claims, **info}
        if info.get("sub") != decoded.claims["sub"] or not claims.get("email"):
            raise REFUSED()
        return OidcIdentity(str(meta["issuer"]), str(claims["sub"]), str(claims["email"]),
                            claims)
