"""The BlobStore port: uploaded bytes, content-addressed by their SHA-256.

Content addressing makes writes idempotent (the same bytes twice are stored
once) and lets events carry only the hash. Adapters: `MemoryBlobStore` (fake for
tests) and `FilesystemBlobStore` (a directory, written atomically).

`stored`, `delete` and `sweep_abandoned` serve `parlons blobs prune` (ADR 0089): a
blob's age is the time since its last `put` (storing bytes already there starts it
over), so bytes an upload in flight names are young whatever their first upload's
date.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.core.clock import Clock, SystemClock

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UPLOAD_PREFIX = ".upload-"  # bytes being written; left behind by a crash mid-write
_TOMB_PREFIX = ".prune-"  # a blob set aside by `delete` while its age is checked


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    stored_at: datetime  # the last `put` of these bytes (UTC)


class BlobStore(ABC):
    @abstractmethod
    async def put(self, content: bytes) -> str:
        """Store durably; return the SHA-256 hex digest that names the bytes."""

    @abstractmethod
    async def get(self, sha256: str) -> bytes | None: ...

    @abstractmethod
    async def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def stored(self) -> AsyncIterator[StoredBlob]:
        """Every blob held, with its size and the time it was last stored."""

    @abstractmethod
    async def delete(self, sha256: str, *, stored_before: datetime) -> bool:
        """Delete the blob if it was last stored before `stored_before` (a `put`
        since the listing keeps it); True if deleted."""

    async def sweep_abandoned(self, *, stored_before: datetime) -> int:
        """Clean what an interrupted write or prune left behind; the count of partial
        uploads deleted. Stores whose writes cannot be interrupted have nothing."""
        return 0


class MemoryBlobStore(BlobStore):
    def __init__(self, clock: Clock | None = None) -> None:
        self.blobs: dict[str, bytes] = {}
        self.stored_at: dict[str, datetime] = {}
        self._clock = clock or SystemClock()

    async def put(self, content: bytes) -> str:
        digest = sha256_of(content)
        self.blobs[digest] = content
        self.stored_at[digest] = self._clock.now()
        return digest

    async def stored(self) -> AsyncIterator[StoredBlob]:
        for digest, content in list(self.blobs.items()):
            yield StoredBlob(digest, len(content), self.stored_at[digest])

    async def delete(self, sha256: str, *, stored_before: datetime) -> bool:
        if sha256 not in self.blobs or self.stored_at[sha256] >= stored_before:
            return False
        del self.blobs[sha256], self.stored_at[sha256]
        return True

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
        try:  # same name, same bytes: only its age starts over (see the module)
            os.utime(path)
            return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_UPLOAD_PREFIX)
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

    async def stored(self) -> AsyncIterator[StoredBlob]:
        # One fan-out directory at a time, off the event loop.
        for directory in await asyncio.to_thread(self._fan_out):
            for blob in await asyncio.to_thread(self._listed, directory):
                yield blob

    def _fan_out(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(d for d in self.root.iterdir() if len(d.name) == 2 and d.is_dir())

    @staticmethod
    def _listed(directory: Path) -> list[StoredBlob]:
        found = []
        with os.scandir(directory) as entries:
            for entry in entries:
                digest = directory.name + entry.name
                if not _SHA256.match(digest):  # an upload being written (.upload-*)
                    continue
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # deleted meanwhile
                    continue
                found.append(StoredBlob(digest, stat.st_size,
                                        datetime.fromtimestamp(stat.st_mtime, UTC)))
        return found

    async def delete(self, sha256: str, *, stored_before: datetime) -> bool:
        return await asyncio.to_thread(self._delete, self._path(sha256), stored_before)

    @staticmethod
    def _delete(path: Path, stored_before: datetime) -> bool:
        # Set aside first, then check the age: a `put` of the same bytes either
        # touched the file before the rename (its new age is seen below and the file
        # goes back) or finds no file after it and writes the bytes anew. Checking the
        # age before unlinking the file in place would lose the bytes of a `put` that
        # touched it in between.
        tomb = path.with_name(_TOMB_PREFIX + path.name)
        try:
            os.rename(path, tomb)
        except FileNotFoundError:
            return False
        stored_again = os.stat(tomb).st_mtime >= stored_before.timestamp()
        if stored_again:  # since it was listed: it goes back
            _put_back(tomb, path)
        else:
            tomb.unlink()
        return not stored_again

    async def sweep_abandoned(self, *, stored_before: datetime) -> int:
        return await asyncio.to_thread(self._sweep, stored_before.timestamp())

    def _sweep(self, before: float) -> int:
        """Partial uploads older than `before` are deleted (a write in flight is
        seconds old); a blob a crash left set aside by `delete` is put back, its
        age checked again by the next prune."""
        deleted = 0
        for directory in self._fan_out():
            with os.scandir(directory) as entries:
                leftovers = [e for e in entries
                             if e.name.startswith((_UPLOAD_PREFIX, _TOMB_PREFIX))]
            for entry in leftovers:
                path = Path(entry.path)
                try:
                    if entry.name.startswith(_TOMB_PREFIX):
                        _put_back(path, directory / entry.name.removeprefix(_TOMB_PREFIX))
                    elif entry.stat().st_mtime < before:
                        path.unlink()
                        deleted += 1
                except FileNotFoundError:  # finished or cleaned meanwhile
                    continue
        return deleted


def _put_back(tomb: Path, path: Path) -> None:
    """A blob set aside returns under its name, unless a `put` wrote the same bytes
    there meanwhile: that newer file (and its age) is kept."""
    with contextlib.suppress(FileExistsError):
        os.link(tomb, path)
    tomb.unlink()
