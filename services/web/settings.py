"""Settings of the web front end, read from `PARLONS_*` environment variables."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

# OpenStreetMap's tile server is a third party: it is only contacted when an
# operator sets it (or another) explicitly; the default is "no tiles", and the
# map then shows markers over the shipped département outline.
NO_TILES = ""
# Video players pages may frame, after the visitor's click (templates/public/
# _video.html). PeerTube is federated: its instances are named by the operator
# (PARLONS_VIDEO_FRAME_HOSTS), never a bare `https:` (ADR 0043).
VIDEO_FRAME_SOURCES = ("https://www.youtube-nocookie.com", "https://player.vimeo.com",
                       "https://www.dailymotion.com")


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLONS_", extra="ignore")

    environment: str = "development"
    site_name: str = "Parlons"
    # Signs session and CSRF cookies. Required outside development.
    secret_key: str = ""
    admin_user: str = "admin"
    # "scrypt$n$r$p$salt$hash" (see services.web.passwords); empty = no back office
    # login, except in development where a password is generated and printed.
    admin_password_hash: str = ""
    session_hours: int = 8
    tile_url: str = NO_TILES
    tile_attribution: str = ""
    # Cookies carry `Secure` (and the `__Host-` prefix): unset means on, except in
    # development and tests served over plain http://127.0.0.1 (see ADR 0013).
    secure_cookies: bool | None = None
    # Origins (https://host) whose video players pages may frame besides YouTube,
    # Vimeo and Dailymotion: PeerTube instances, comma-separated (ADR 0043).
    video_frame_hosts: str = ""
    page_size: int = 20
    # Public pages asked without a session (ADR 0071): how long browsers and
    # proxies may keep them, how long a stale one may be served while refetched,
    # and how many this process keeps rendered (0: none; max_age is their TTL).
    page_max_age: int = 10
    page_stale_while_revalidate: int = 30
    page_cache_entries: int = 256
    # Reverse proxies whose X-Forwarded-For names the client for rate limits:
    # addresses or CIDR blocks, comma-separated; empty = the socket peer (ADR 0045).
    trusted_proxies: str = ""
    upload_max_bytes: int = 10 * 1024 * 1024
    # Who publishes this site, for « Mentions légales » and « Données personnelles »
    # (the publishing body, its address, its director of publication, its data
    # protection officer's contact, the host).
    legal_publisher: str = ""
    legal_address: str = ""
    legal_director: str = ""
    legal_contact: str = ""  # an e-mail or a form's address
    legal_dpo_contact: str = ""
    legal_host: str = ""

    def legal(self) -> dict[str, str]:
        """The publisher's particulars; the site's name stands in for an unset
        publisher, and the pages say what is not given rather than invent it."""
        return {"site_name": self.site_name,
                "publisher": self.legal_publisher or self.site_name,
                "address": self.legal_address, "director": self.legal_director,
                "contact": self.legal_contact, "dpo": self.legal_dpo_contact,
                "host": self.legal_host}

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def video_frame_origins(self) -> list[str]:
        """Only https origins: a bare scheme would let any site be framed."""
        found = [h.strip().rstrip("/") for h in self.video_frame_hosts.split(",")]
        return [h for h in found if h.startswith("https://") and len(h) > len("https://")
                and "*" not in h and " " not in h and ";" not in h]

    @property
    def video_frame_sources(self) -> list[str]:
        """The CSP's `frame-src`: the players of YouTube, Vimeo and Dailymotion, and
        the PeerTube instances named."""
        return [*VIDEO_FRAME_SOURCES, *self.video_frame_origins]

    def frames_video(self, player_url: str) -> bool:
        """Whether pages may frame this player: its origin is a frame source (a
        PeerTube video elsewhere would be blocked by the CSP, ADR 0137)."""
        parts = urlsplit(player_url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        return parts.scheme == "https" and origin in {
            s.lower() for s in self.video_frame_sources}

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.environment not in ("development", "test")

    def resolved_secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        if self.is_development:
            return secrets.token_urlsafe(32)
        raise RuntimeError("PARLONS_SECRET_KEY est obligatoire hors développement.")
