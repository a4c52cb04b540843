"""Upload checks: the type is decided by the file's bytes (magic numbers, and the
package inside for ODT/DOCX), never by its name alone; the name's extension must
agree with what the bytes are. Size is bounded by a setting."""

from __future__ import annotations

import io
import re
import zipfile

from services.core.errors import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"

EXTENSIONS = {PDF: {"pdf"}, PNG: {"png"}, JPEG: {"jpg", "jpeg"}, ODT: {"odt"},
              DOCX: {"docx"}, CSV: {"csv"}}
ACCEPTED = "PDF, PNG, JPEG, ODT, DOCX ou CSV"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def sniff(content: bytes) -> str | None:
    """The media type the bytes are, among the accepted ones, or None."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _office(content)
    if _is_text(content):
        return CSV
    return None


def _office(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            names = set(z.namelist())
            if "mimetype" in names and z.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                return DOCX
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    return None


def _is_text(content: bytes) -> bool:
    head = content[:65536]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte character cut by the 64 KiB window is still text
        if e.start < len(head) - 4:
            return False
    return True


def check_upload(filename: str, content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> tuple[str, str]:
    """(media type, cleaned file name), or a DomainError in French."""
    if not content:
        raise DomainError("empty_file", "Le fichier est vide.", field="file")
    if len(content) > max_bytes:
        raise DomainError("file_too_large",
                          f"Le fichier dépasse la taille maximale de {_size(max_bytes)}.",
                          field="file")
    media_type = sniff(content)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if media_type is None or extension not in EXTENSIONS[media_type]:
        raise DomainError("unsupported_file_type",
                          f"Type de fichier non accepté : formats acceptés {ACCEPTED} (le "
                          "contenu du fichier doit correspondre à son extension).",
                          field="file")
    name = _SAFE_NAME.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "fichier"
    return media_type, name[-255:]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} Mo"
    return f"{n / 1024:g} Ko"
