"""`parlons serve --workers N` (ADR 0070): one supervisor, N HTTP processes and
one projections process over the same data folder.

The supervisor binds the listening socket once and hands it to each HTTP
process (the kernel gives each connection to one of the processes blocked in
accept), so every process serves the same address; none of them accepts before
all are ready, so the first one up does not take every connection (ADR 0115).
Each HTTP process appends to the SQLite log with its own group commit (the log's
uniqueness keys hold across processes), reads the read models and the search
index, and never projects. The projections process runs every projection, process manager and
the search indexer (tantivy's one writer), the periodic jobs and the demo seed:
all of them exactly once. A process that dies is started again after a pause;
SIGTERM or SIGINT stops them all, each finishing what it has in hand.

The supervisor itself imports no service: it only starts, watches and stops
processes (`python -m services.runtime serve --child ...`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.runtime.secrets import identity_secret, secret_key
from services.runtime.settings import Settings
from services.runtime.start_gate import StartGate

log = logging.getLogger("parlons.supervisor")

TICK_S = 0.2
RESTART_PAUSE_S = 1.0  # a process that keeps dying is not restarted in a tight loop
LOG_BEHIND_EXIT = 3  # the projections stopped on a log that lost events: do not restart
_PR_SET_PDEATHSIG = 1


def worker_count(settings: Settings, asked: int | None) -> int:
    """How many HTTP processes: `--workers`, else PARLONS_SERVE_WORKERS, else one
    per core. One process for everything when the platform cannot be shared
    between processes: the log or the read store in memory, or a distributed
    topology (there, `serve --no-workers` and `parlons worker` scale instead)."""
    n = asked if asked is not None else settings.serve_workers
    if n <= 0:
        n = usable_cores()
    if settings.event_log != "sqlite" or settings.read_store != "sqlite":
        return 1
    return n


def usable_cores(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The cores this process may run on (a container's cpuset), else all; no more
    than its CPU quota (a Kubernetes pod's CPU limit), which the cpuset does not
    show: a pod limited to 2 CPUs on a 32-core node would otherwise start 32
    processes that take turns on 2."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    quota = cpu_quota(cgroup)
    return max(1, min(cores, math.ceil(quota))) if quota is not None else cores


def cpu_quota(cgroup: Path) -> float | None:
    """The CPUs' worth of time the process's cgroup may use (cgroup v2 `cpu.max`,
    or v1 `cpu.cfs_quota_us` over `cpu.cfs_period_us`); None when unlimited or
    unknown."""
    try:
        limit, _, every = (cgroup / "cpu.max").read_text().partition(" ")
        return None if limit == "max" else int(limit) / int(every)
    except (OSError, ValueError):
        pass
    try:
        quota = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


@dataclass
class _Child:
    role: str  # "http" or "projections"
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    died_at: float | None = None
    pass_fds: tuple[int, ...] = field(default_factory=tuple)
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        # our own interpreter and arguments: no untrusted input reaches the command
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "services.runtime", *self.args],
            pass_fds=self.pass_fds, env={**os.environ, **self.env})
        self.died_at = None
        log.info("process started", extra={"role": self.role, "pid": self.proc.pid})


def supervise(settings: Settings, *, workers: int, host: str, port: int,
              demo: bool) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (3: the projections
    stopped because the log lost what they had seen, ADR 0032)."""
    # Resolved here first: the processes then all read the same files (ADR 0050).
    secret_key(settings)
    identity_secret(settings)
    env = _shared_admin_password()
    sock = _listening(host, port)
    fd = sock.fileno()
    gate = StartGate(settings.serve_ready_wait_s)
    ready_fd, go_fd = gate.child_fds
    role = ["serve", "--supervisor", str(os.getpid()), "--child"]
    children = [_Child("projections", [*role, "projections", *(["--demo"] if demo else [])])]
    children += [_Child("http", [*role, "http", "--fd", str(fd), "--ready-fd", str(ready_fd),
                                 "--go-fd", str(go_fd)],
                        pass_fds=(fd, ready_fd, go_fd), env=env)
                 for _ in range(workers)]
    stopping: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _: stopping.append(signum))
                for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("serving", extra={"host": host, "port": sock.getsockname()[1],
                               "http_processes": workers})
    code = 0
    try:
        for child in children:
            child.start()
        while not stopping:
            code = _tend(children)
            if code:
                break
            _open_when_ready(gate, children)
            # a tick, cut short by an HTTP process's report
            select.select([gate.reader], [], [], TICK_S)
    finally:
        _stop_all(children, settings.worker_shutdown_timeout + 5.0)
        sock.close()
        gate.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _tend(children: Sequence[_Child]) -> int:
    """Restart the processes that died (after a pause); a non-zero return stops
    the platform."""
    now = time.monotonic()
    for child in children:
        assert child.proc is not None
        returned = child.proc.poll()
        if returned is None:
            continue
        if child.role == "projections" and returned == LOG_BEHIND_EXIT:
            log.error("projections stopped: the event log lost what they had seen; "
                      "stopping (ADR 0032)")
            return LOG_BEHIND_EXIT
        if child.died_at is None:
            child.died_at = now
            log.error("process died; restarting it", extra={
                "role": child.role, "pid": child.proc.pid, "returncode": returned})
        elif now - child.died_at >= RESTART_PAUSE_S:
            child.restarts += 1
            child.start()
    return 0


def _open_when_ready(gate: StartGate, children: Sequence[_Child]) -> None:
    """Reads the HTTP processes' reports (those of processes started again too,
    so the pipe never fills) and opens the gate once it is time."""
    running = {c.proc.pid for c in children
               if c.role == "http" and c.proc is not None and c.proc.poll() is None}
    known = set(gate.reported)
    opened = gate.poll(running, time.monotonic())
    for pid in sorted(gate.reported - known):
        log.info("HTTP process ready", extra={"pid": pid})
    if opened:
        every = running <= gate.reported
        (log.info if every else log.warning)(
            "HTTP processes accepting" if every else
            "HTTP processes accepting before every one was ready",
            extra={"ready": len(gate.reported & running), "running": len(running)})


def _stop_all(children: Sequence[_Child], timeout: float) -> None:
    """SIGTERM to every process, the HTTP ones first (no request is accepted by a
    process about to lose its projections); SIGKILL past `timeout`."""
    ordered = sorted(children, key=lambda c: c.role != "http")
    for child in ordered:
        if child.proc is not None and child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in ordered:
        if child.proc is None:
            continue
        try:
            child.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("process did not stop in time; killed",
                      extra={"role": child.role, "pid": child.proc.pid})
            child.proc.kill()
            child.proc.wait()


def _shared_admin_password() -> dict[str, str]:
    """Development without an admin password: each process would make its own,
    and the one printed would open the back office on one process in N. One is
    made here, said once, and its hash given to every HTTP process."""
    from services.web.passwords import hash_password
    from services.web.settings import WebSettings

    web = WebSettings()
    if web.admin_password_hash or not web.is_development:
        return {}
    password = secrets.token_urlsafe(12)
    log.warning("Espace organisateur : utilisateur %r, mot de passe de développement %s",
                web.admin_user, password)
    print(f"Espace organisateur : {web.admin_user} / {password}", flush=True)
    return {"PARLONS_ADMIN_PASSWORD_HASH": hash_password(password)}


def _listening(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def die_with_parent(supervisor: int) -> None:
    """A child of the supervisor ends when the supervisor is gone, even killed
    (Linux: the parent-death signal; elsewhere a best effort only)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != supervisor:  # it died before the signal was set
        os.kill(os.getpid(), signal.SIGTERM)
