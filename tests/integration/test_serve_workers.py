"""`parlons serve --workers 2` as a real process (ADR 0070): a supervisor, two
HTTP processes on one listening socket and one projections process over one
SQLite log. Neither HTTP process accepts before both are ready, and a burst of
connections is spread over both; both HTTP processes answer; the back office's creator sees the
created consultation at once whichever process answers the redirect; a
deposit and ballots through the HTTP processes are projected once; a killed
HTTP process is replaced; SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness.forms import csrf_of
from harness.processes import SEEDED_VOTE, Parlons, free_port, seed_vote, wait_until

pytestmark = pytest.mark.slow  # three processes start on 2 shared cores
START = 120.0


def children(supervisor: int) -> dict[int, str]:
    """{pid: role} of the supervisor's processes, read from /proc."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and b"--child" in command:
            found[int(entry.name)] = command[command.index(b"--child") + 1].decode()
    return found


def http_pids(supervisor: int) -> set[int]:
    return {pid for pid, role in children(supervisor).items() if role == "http"}


@contextlib.contextmanager
def paused(pids: set[int]) -> Iterator[None]:
    """SIGSTOP `pids` for the block: only the other processes can accept."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def reported_ready(serve: Parlons, pid: int) -> bool:
    return any('"message":"HTTP process ready"' in line and f'"pid":{pid}' in line
               for line in serve.output().splitlines())


def connections_held(port: int, pids: set[int], count: int) -> dict[int, int]:
    """Opens `count` connections at once (made in the kernel's backlog before any
    process accepts), one request on each, kept open; how many of them each of
    `pids` holds."""
    conns = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(count)]
    try:
        for conn in conns:
            conn.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for conn in conns:
            assert conn.recv(4096).startswith(b"HTTP/1.1 200 ")
        served = _established_inodes(port)
        return {pid: len(served & _socket_inodes(pid)) for pid in pids}
    finally:
        for conn in conns:
            conn.close()


def _established_inodes(port: int) -> set[int]:
    """The inodes of the established TCP sockets whose local port is `port`: the
    server's ends of the connections (Linux's /proc/net/tcp, IPv4)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], int(fields[9])
        if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
            inodes.add(inode)
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[len("socket:["):-1]))
    return inodes


def sign_up(client: httpx.Client, email: str, pseudonym: str) -> None:
    page = client.get("/inscription")
    r = client.post("/inscription", data={"csrf_token": csrf_of(page.text), "email": email,
                                          "pseudonym": pseudonym, "postcode": "69001"})
    assert r.status_code == 200, r.text[:500]
    token = re.search(r"jeton=([A-Za-z0-9_.-]+)", client.get("/dev/courriels").text)
    assert token, "no magic link in the development outbox"
    link = client.get(f"/connexion/lien?jeton={token.group(1)}")
    r = client.post("/connexion/lien", data={"csrf_token": csrf_of(link.text),
                                             "jeton": token.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/compte"
    assert pseudonym in client.get("/compte").text


def admin_password(serve: Parlons) -> str:
    said = wait_until(lambda: re.findall(r"Espace organisateur : admin / (\S+)", serve.output()),
                      "the development admin password", [serve])
    assert len(set(said)) == 1, "each process made its own admin password"
    return str(said[0])


def test_serve_with_two_http_processes_and_one_projections_process(
        tmp_path: Path, processes: list[Parlons]) -> None:
    items = asyncio.run(seed_vote(tmp_path, 3))
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_VOTE_TRUST_PARTICIPANT_HEADER": "1",
           "PARLONS_LOG_LEVEL": "INFO", "PARLONS_WORKER_METRICS_PORT": "0",
           "PARLONS_WORKER_POLL_TIMEOUT": "0.1", "PARLONS_SERVE_READY_WAIT_S": "600"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = Parlons(["serve", "--port", str(port), "--workers", "2"], env,
                    tmp_path / "serve.log")
    processes.append(serve)
    supervisor = serve.proc.pid

    # No HTTP process accepts before both are ready (ADR 0115): one is held back
    # from the start (importing takes seconds), the other gets ready and waits.
    held = wait_until(lambda: next(iter(http_pids(supervisor)), None), "an HTTP process",
                      [serve], START)
    os.kill(held, signal.SIGSTOP)
    try:
        wait_until(lambda: len(http_pids(supervisor)) == 2, "two HTTP processes", [serve], START)
        [other] = http_pids(supervisor) - {held}
        # three processes importing everything at once on 2 shared cores: a longer start
        wait_until(lambda: reported_ready(serve, other), "the other HTTP process ready",
                   [serve], START)
        assert not reported_ready(serve, held)
        with pytest.raises(httpx.ReadTimeout):  # in the backlog, accepted by none
            httpx.get(f"{url}/readyz", timeout=2)
    finally:
        os.kill(held, signal.SIGCONT)
    wait_until(lambda: httpx.get(f"{url}/readyz").status_code == 200, "readiness", [serve],
               START)
    assert '"message":"HTTP processes accepting"' in serve.output()
    wait_until(lambda: sorted(children(supervisor).values()) == ["http", "http", "projections"],
               "two HTTP processes and one projections process", [serve], START)

    # a burst of connections kept open is spread over both processes, not mostly
    # taken by the first to wake (ADR 0115): with uvloop's own accept the second
    # held 3, 7 and 3 of 32 in three runs, with one a turn 10 to 12
    owners = connections_held(port, http_pids(supervisor), 32)
    assert sum(owners.values()) == 32 and min(owners.values()) >= 4, owners

    # each HTTP process answers alone while the other is paused
    both = http_pids(supervisor)
    for pid in both:
        with paused(both - {pid}):
            for _ in range(3):  # a new connection each time
                assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200

    # read-your-writes across processes: the redirect after the creation shows the
    # consultation, whichever process answers it (each settles on the projections)
    with httpx.Client(base_url=url, timeout=20) as admin:
        page = admin.get("/admin/connexion")
        r = admin.post("/admin/connexion", data={
            "csrf_token": csrf_of(page.text), "utilisateur": "admin",
            "mot_de_passe": admin_password(serve), "suite": "/admin"})
        assert r.status_code == 303, r.text[:500]
        for n in range(4):
            form = admin.get("/admin/consultations/nouvelle")
            r = admin.post("/admin/consultations/nouvelle", data={
                "csrf_token": csrf_of(form.text), "title": f"Consultation {n}",
                "slug": f"consultation-{n}"})
            assert r.status_code == 303, r.text[:500]
            shown = admin.get(r.headers["location"])
            assert shown.status_code == 200 and f"Consultation {n}" in shown.text

    # a participant signs up on one process and deposits on any (one session key),
    # then ballots through both, each request twice: all projected once
    with httpx.Client(base_url=url, timeout=20) as person:
        sign_up(person, "aline@exemple.fr", "Aline")
        csrf = person.get("/api/session").json()["csrf_token"]
        deposited = person.post(f"/api/consultations/{SEEDED_VOTE}/proposals",
                                json={"title": "Des bancs à l'ombre",
                                      "body": "Sur chaque place, des bancs sous les arbres."},
                                headers={"X-CSRF-Token": csrf, "Idempotency-Key": "deposit-1"})
        assert deposited.status_code == 201, deposited.text
    for n, item in enumerate(items):
        for copy in range(2):  # the same request twice: one ballot
            r = httpx.post(f"{url}/api/items/{item}/ballot",
                           json={"kind": "agree", "choice": "agree"},
                           headers={"X-Participant-Id": f"voter-{n}",
                                    "Idempotency-Key": f"ballot-{n}-{copy}"})
            assert r.status_code == 200, r.text
    results = f"{url}/api/consultations/{SEEDED_VOTE}/phases/vote/results?limit=200"

    def tallied() -> list[int] | None:
        counts = [d["agree"]["agree"] for d in httpx.get(results).json()["items"]]
        return counts if sum(counts) >= len(items) else None
    counts = wait_until(tallied, "ballots projected", [serve])
    assert sorted(counts, reverse=True)[:len(items)] == [1] * len(items)
    assert sum(counts) == len(items)  # not twice: the projections run in one process

    def found() -> bool:
        r = httpx.get(f"{url}/api/search", params={"q": "bancs ombre"})
        return r.status_code == 200 and r.json()["total"] == 1
    wait_until(found, "the deposit indexed once and searchable", [serve])

    # a killed HTTP process is replaced, and the address keeps answering
    killed = min(both)
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: len(http_pids(supervisor) - both) == 1, "a new HTTP process", [serve])
    assert killed not in http_pids(supervisor)
    wait_until(lambda: httpx.get(f"{url}/readyz").status_code == 200, "readiness", [serve],
               START)

    every = set(children(supervisor))
    assert serve.stop() == 0
    for pid in every:  # SIGTERM stopped them all
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)


def _state(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return "gone"
