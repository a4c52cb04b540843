"""The two server secrets, resolved once by the composition root (ADR 0050).

- `PARLONS_SECRET_KEY` signs the session and CSRF cookies (web);
- `PARLONS_IDENTITY_SECRET` keys the identity vault's key-encryption key and
  every keyed hash (e-mail lookups, pseudonyms, IP hashes); unset, it falls back
  to `PARLONS_SECRET_KEY`.

A restart must keep both, or every visitor is logged out and every account's
data becomes unreadable. In production both come from the environment (a
Kubernetes Secret) and a missing one stops the process at start with a clear
message. In development, a missing one is generated once and kept in
`<data_dir>/secrets/` (directory 0700, files 0600), so `make run` twice on the
same data folder keeps sessions and accounts. A throwaway platform (read store
in memory) keeps nothing on disk: it gets a fresh secret per process, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from services.runtime.settings import Settings

log = logging.getLogger("parlons.secrets")
SECRETS_DIR = "secrets"


class MissingSecret(RuntimeError):
    """A production process started without a secret it needs."""


def secret_key(settings: Settings) -> str:
    """PARLONS_SECRET_KEY ("" for a throwaway platform: the front end then makes
    one per process)."""
    return _resolved(settings, "PARLONS_SECRET_KEY", settings.secret_key.get_secret_value(),
                     "secret_key")


def identity_secret(settings: Settings) -> str:
    """PARLONS_IDENTITY_SECRET, else PARLONS_SECRET_KEY ("" for a throwaway
    platform: the identity service then makes one per process)."""
    given = (settings.identity_secret.get_secret_value()
             or settings.secret_key.get_secret_value())
    return _resolved(settings, "PARLONS_IDENTITY_SECRET", given, "identity_secret")


def _resolved(settings: Settings, variable: str, given: str, file_name: str) -> str:
    if given:
        return given
    if settings.environment == "production":
        raise MissingSecret(
            f"{variable} est obligatoire en production (PARLONS_ENVIRONMENT=production). "
            "Donnez une valeur aléatoire d'au moins 32 caractères, gardée d'un redémarrage "
            "à l'autre (un Secret Kubernetes) : la changer déconnecte tout le monde ou rend "
            "illisibles les données des comptes (docs/operations.md, « Secrets »).")
    if settings.read_store == "memory":  # throwaway platform: nothing kept on disk
        return ""
    return persisted_secret(settings.data_dir / SECRETS_DIR / file_name)


def persisted_secret(path: Path) -> str:
    """The secret kept in `path`, created (0600, in a 0700 directory) if absent.
    Two processes starting together on one data folder read the same value: the
    file appears complete or not at all (written aside, then hard-linked)."""
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:  # another process won the race: theirs it is
            return _read(path)
    finally:
        aside.unlink(missing_ok=True)
    log.warning("development secret generated and kept for the next starts",
                extra={"file": str(path)})
    return value


def _read(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise MissingSecret(f"{path} est vide : supprimez-le ou donnez-lui une valeur.")
    return value
