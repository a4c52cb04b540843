"""The BlobStore port: uploaded bytes, content-addressed by their SHA-256.

Content addressing makes writes idempotent (the same bytes twice are stored
once) and lets events carry only the hash. Adapters: `MemoryBlobStore` (fake for
tests) and `FilesystemBlobStore` (a directory, written atomically).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class BlobStore(ABC):
    @abstractmethod
    async def put(self, content: bytes) -> str:
        """Store durably; return the SHA-256 hex digest that names the bytes."""

    @abstractmethod
    async def get(self, sha256: str) -> bytes | None: ...

    @abstractmethod
    async def exists(self, sha256: str) -> bool: ...


class MemoryBlobStore(BlobStore):
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, content: bytes) -> str:
        digest = sha256_of(content)
        self.blobs[digest] = content
        return digest

    async def get(self, sha256: str) -> bytes | None:
        return self.blobs.get(sha256)

    async def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs


class FilesystemBlobStore(BlobStore):
    """`<root>/ab/cdef...`: two-level fan-out keeps directories small."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:]

    async def put(self, content: bytes) -> str:
        digest = sha256_of(content)
        await asyncio.to_thread(self._write, self._path(digest), content)
        return digest

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if path.exists():
            return  # same name, same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # atomic: readers see all the bytes or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()
