"""A consultation's document as a response, for the public's address and the
back office's alike (each says how it may be cached)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

# Types a browser shows itself without running anything of ours; everything else
# (CSV, office files) is downloaded, never rendered, whatever it contains.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def document_response(doc: dict[str, Any], content: bytes, cache_control: str) -> Response:
    """The bytes with the type sniffed at upload (never the uploader's claim);
    `nosniff` (SecurityHeaders) forbids the browser from guessing another."""
    disposition = "inline" if doc["media_type"] in INLINE_TYPES else "attachment"
    name = doc["filename"]
    return Response(content, media_type=doc["media_type"], headers={
        "Content-Disposition": f'{disposition}; filename="{_ascii(name)}"; '
                               f"filename*=UTF-8''{quote(name[:200], safe='')}",
        "Cache-Control": cache_control, "ETag": f'"{doc["sha256"]}"'})


def _ascii(name: str) -> str:
    kept = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in name)
    return kept[:100] or "document"
