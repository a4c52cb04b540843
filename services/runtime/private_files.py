"""The data folder is its user's alone (ADR 0133): the event log, the read models,
the identity vault, the rate-limit counters, uploads and the search index hold what
participants wrote and who they are, and were created 0644 in a 0755 folder.

Every `parlons` process starts with the umask 077, so whatever it creates (SQLite's
files, their `-wal` and `-shm`, which take the database's mode, tantivy's segments,
uploads, open-data files, folders) is 0600, or 0700 for a folder, wherever it is.
A data folder from before is tightened at start: the folder itself and what lies
directly in it lose their group and other bits (a file inside a subfolder keeps its
mode, but nobody else can reach it through a 0700 folder). Only what this user owns
is changed: a mount point owned by root (a Kubernetes volume, whose group is
Parlons's own `fsGroup`) is left as it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
log = logging.getLogger("parlons.files")


def keep_private(data_dir: Path) -> None:
    """Set the process umask to 077 and tighten an existing data folder."""
    os.umask(PRIVATE_UMASK)
    if not data_dir.is_dir():
        return  # made later by whoever writes first, under the umask
    loosened = [data_dir]
    with contextlib.suppress(OSError):
        loosened += list(data_dir.iterdir())
    for path in loosened:
        _tighten(path)


def _tighten(path: Path) -> None:
    try:
        found = path.lstat()
        if stat.S_ISLNK(found.st_mode) or found.st_uid != os.geteuid():
            return
        mode = stat.S_IMODE(found.st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError as refused:  # gone meanwhile, or a file system without modes
        log.warning("could not make %s private: %s", path.name, refused.strerror)
