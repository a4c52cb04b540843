"""A Pol.is export's files through the blob store (ADR 0081): whoever asks for an
import (`parlons polis import`, the analysts' upload form) puts the export's files
in the blob store, shared storage in the distributed topology, and the command
names them by their SHA-256;
the synthesis replica deciding the import reads them back into a private folder.
A conversation's files (hundreds of thousands of votes) never travel in a
command, and no process reads a folder of another's."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from services.core.errors import DomainError
from services.synthesis.polis.model import (
    COMMENTS_FILE,
    PARTICIPANTS_FILE,
    SUMMARY_FILE,
    VOTES_FILE,
)

# The only names an export's files are written under: a name off the wire is
# never a path.
EXPORT_FILES = (COMMENTS_FILE, VOTES_FILE, PARTICIPANTS_FILE, SUMMARY_FILE)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Blobs(Protocol):
    """The blob store's port as the import uses it (content-addressed bytes)."""

    async def put(self, content: bytes) -> str: ...
    async def get(self, sha256: str) -> bytes | None: ...


async def stage_export(directory: Path, blobs: Blobs) -> dict[str, str]:
    """The export's files found in `directory`, put in the blob store: file name ->
    SHA-256. A missing file is left out (the import says what it lacks)."""
    return await stage_files({name: (directory / name).read_bytes()
                              for name in EXPORT_FILES if (directory / name).is_file()}, blobs)


async def stage_files(contents: Mapping[str, bytes], blobs: Blobs) -> dict[str, str]:
    """The export's files as bytes (an upload's), put in the blob store: file name
    (one of EXPORT_FILES) -> SHA-256."""
    unknown = sorted(set(contents) - set(EXPORT_FILES))
    if unknown:
        raise ValueError(f"not a Pol.is export file: {unknown[0]}")
    return {name: await blobs.put(content) for name, content in contents.items()}


async def unstage_export(files: Mapping[str, str], blobs: Blobs, directory: Path) -> None:
    """Write the staged files into `directory` (an empty private folder), each
    checked against its digest."""
    for name, digest in files.items():
        if name not in EXPORT_FILES:
            raise DomainError("polis_file_unknown", f"Fichier inattendu : {name[:100]}.")
        content = await blobs.get(digest) if _SHA256.fullmatch(digest) else None
        if content is None or hashlib.sha256(content).hexdigest() != digest:
            raise DomainError("polis_file_missing",
                              f"{name} : fichier introuvable dans le stockage partagé.")
        (directory / name).write_bytes(content)
