"""Upload checks: the type is decided by the file's bytes (magic numbers, and the
package inside for ODT/DOCX), never by its name alone; the name's extension must
agree with what the bytes are. Size is bounded by a setting.

An upload crosses two processes in the distributed topology (ADR 0081): the
front that received it checks it and puts the bytes in the blob store (shared
storage), `store_upload`; the command names them by their SHA-256, and the
replica deciding it reads them back, `stored_upload`, and checks them again. The
bytes never travel in a command."""

from __future__ import annotations

import io
import re
import zipfile

from services.consultation.blobstore import BlobStore, sha256_of
from services.core.errors import DomainError
from services.core.values import text

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"

EXTENSIONS = {PDF: {"pdf"}, PNG: {"png"}, JPEG: {"jpg", "jpeg"}, ODT: {"odt"},
              DOCX: {"docx"}, CSV: {"csv"}}
# Each accepted type: its name in a list of formats, and what the public reads.
FORMATS = {PDF: ("PDF", "PDF"), PNG: ("PNG", "image PNG"), JPEG: ("JPEG", "image JPEG"),
           ODT: ("ODT", "texte OpenDocument (ODT)"), DOCX: ("DOCX", "texte Word (DOCX)"),
           CSV: ("CSV", "tableau CSV")}
_NAMES = [name for name, _ in FORMATS.values()]
ACCEPTED = f"{', '.join(_NAMES[:-1])} ou {_NAMES[-1]}"  # "PDF, PNG, JPEG, ODT, DOCX ou CSV"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


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


async def store_upload(filename: str, content: bytes, *, blobs: BlobStore,
                       max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Check the file, then store its bytes; their SHA-256. A refused file is not
    stored (DomainError in French)."""
    check_upload(filename, content, max_bytes=max_bytes)
    return await blobs.put(content)


async def stored_upload(sha256: str, *, blobs: BlobStore) -> bytes:
    """The bytes a front stored under `sha256`, checked against it."""
    content = await blobs.get(sha256) if _SHA256.fullmatch(sha256) else None
    if content is None or sha256_of(content) != sha256:
        raise DomainError("file_missing", "Le fichier n'a pas été reçu : envoyez-le à nouveau.",
                          field="file")
    return content


def media_label(media_type: str) -> str:
    """What a stored document is, in French (« image PNG »), for the public."""
    return FORMATS[media_type][1] if media_type in FORMATS else "fichier"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} Mo"
    return f"{n / 1024:g} Ko"


def document_title(value: str) -> str:
    """A document's title as kept; the web checks it too when the file is refused
    before any command is sent, so that both are said at once (ADR 0144)."""
    return text(value, "title", label="Le titre", max_len=200, min_len=1)
