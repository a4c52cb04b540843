"""Video links: a provider and a video id parsed from a URL. Pages render a
click-to-load placeholder and build the embed URL only when the visitor asks,
so nothing is requested from a third party before the click (DESIGN §6)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from services.core.errors import DomainError

PROVIDERS = {"youtube": "YouTube", "dailymotion": "Dailymotion", "vimeo": "Vimeo",
             "peertube": "PeerTube"}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PEERTUBE_PATH = re.compile(r"^/(?:w|videos/watch|videos/embed)/([A-Za-z0-9_-]{1,64})/?$")


@dataclass(frozen=True, slots=True)
class VideoRef:
    provider: str
    video_id: str
    url: str  # the canonical https URL, for the "watch on the provider" link

    @property
    def embed_url(self) -> str:
        return embed_url(self.provider, self.video_id, self.url)


def parse_video_url(url: str) -> VideoRef:
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname  # raises on a bad port or a bracket left open
        parts.port  # noqa: B018 - parsed lazily: "https://exemple.fr:99999/" raises here
    except ValueError:
        raise _unsupported() from None
    host = (hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if parts.scheme not in ("http", "https") or not host:
        raise _unsupported()
    vid: str | None = None
    provider = ""
    if host in ("youtube.com", "youtube-nocookie.com"):
        provider = "youtube"
        if parts.path == "/watch":
            vid = parse_qs(parts.query).get("v", [""])[0]
        elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
            vid = parts.path.split("/")[2]
    elif host == "youtu.be":
        provider, vid = "youtube", parts.path.lstrip("/")
    elif host in ("dailymotion.com", "dai.ly"):
        provider = "dailymotion"
        vid = parts.path.rsplit("/", 1)[-1].split("_", 1)[0] if "/video/" in parts.path or \
            host == "dai.ly" else None
    elif host in ("vimeo.com", "player.vimeo.com"):
        provider = "vimeo"
        last = parts.path.rstrip("/").rsplit("/", 1)[-1]
        vid = last if last.isdecimal() else None
    elif (m := _PEERTUBE_PATH.match(parts.path)) is not None:
        # PeerTube is federated: any host; recognised by its URL shape.
        provider, vid = "peertube", m.group(1)
    if not vid or not _VIDEO_ID.match(vid):
        raise _unsupported()
    host_part = parts.hostname or host
    canonical = {
        "youtube": f"https://www.youtube.com/watch?v={vid}",
        "dailymotion": f"https://www.dailymotion.com/video/{vid}",
        "vimeo": f"https://vimeo.com/{vid}",
        "peertube": f"https://{host_part}/w/{vid}",
    }[provider]
    return VideoRef(provider, vid, canonical)


def embed_url(provider: str, video_id: str, url: str) -> str:
    """The iframe URL, used only after the visitor clicked (privacy-enhanced hosts)."""
    if provider == "youtube":
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if provider == "dailymotion":
        return f"https://www.dailymotion.com/embed/video/{video_id}"
    if provider == "vimeo":
        return f"https://player.vimeo.com/video/{video_id}?dnt=1"
    host = urlsplit(url).hostname
    return f"https://{host}/videos/embed/{video_id}"


def _unsupported() -> DomainError:
    return DomainError("unsupported_video",
                       "Lien vidéo non reconnu : utilisez un lien PeerTube, YouTube, "
                       "Dailymotion ou Vimeo.", field="url")
