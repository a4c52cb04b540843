"""The data folder is its user's alone (ADR 0133): events.db, read.db,
identity.db, answers.db and ratelimit.db were 0644 in a 0755 folder. A real
`parlons serve` on a folder left open by an earlier version: the folder and what
lies in it are tightened at start, and every file and folder the server creates,
SQLite's -wal and -shm included, is 0600 or 0700."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import httpx
import pytest
from harness.forms import csrf_of
from harness.processes import Parlons, start_serve

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_data_folder_and_what_parlons_writes_in_it_are_private(
        tmp_path: Path, processes: list[Parlons], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARLONS_READ_STORE", "PARLONS_EVENT_LOG", "PARLONS_RATE_LIMIT_STORE"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "before.db").write_bytes(b"")  # a file an earlier version left open
    (data / "before.db").chmod(0o644)
    (data / "blobs").mkdir(mode=0o755)
    (data / "blobs").chmod(0o755)
    env = {"PARLONS_DATA_DIR": str(data), "PARLONS_LOG_LEVEL": "WARNING"}

    server, url = start_serve(processes, env, tmp_path / "serve.out")
    with httpx.Client(base_url=url, timeout=10) as client:  # the vault and the counters
        page = client.get("/inscription")
        r = client.post("/inscription", data={"csrf_token": csrf_of(page.text),
                                              "email": "aline@exemple.fr",
                                              "pseudonym": "Aline", "postcode": "69001"})
        assert r.status_code == 200, r.text[:500]
        assert re.search(r"jeton=", client.get("/dev/courriels").text)
        names = {p.name for p in data.iterdir()}
        for expected in ("events.db", "events.db-wal", "events.db-shm", "read.db",
                         "identity.db", "answers.db", "ratelimit.db", "secrets"):
            assert expected in names, (expected, sorted(names))
        opened = {p: mode(p) for p in [data, *data.rglob("*")]}
    assert server.stop() == 0

    assert opened.pop(data) == 0o700
    assert opened.pop(data / "before.db") == 0o600 and opened.pop(data / "blobs") == 0o700
    loose = {str(p.relative_to(data)): oct(m) for p, m in opened.items() if m & 0o077}
    assert not loose, loose
    assert {m for p, m in opened.items() if p.is_file()} == {0o600}
