"""`make loadtest`: a bounded headless locust run of every scenario, one after
the other, with locust's HTML and CSV reports in `--out` and a summary table
(requests/s, p50/p95/p99, failures per scenario) printed and written to
`--out`/summary.md. Exit 1 if any request failed.

Without `--host`, it starts the embedded platform itself on a fresh data folder
(`loadtests/seed.py`'s consultation plus the demo), with the proof of work at
LOADTEST_POW_BITS bits (12: the browser's work is not what is measured; the
load generator would pay it for every simulated participant) and the per-client
contribution limit lifted (every simulated user shares one client address).
With `--host`, it aims at that platform (a `make run`, a cluster): the write
scenarios then need LOADTEST_CONSULTATION (see loadtests/seed.py), and the
platform's rate limits apply.

    python -m loadtests.run [--host URL] [--scenarios a,b] [--users N] [--seconds S]
                            [--out DIR] [--data DIR]

LOADTEST_SCALE and the other settings of loadtests/parlons_load.py pass through
the environment to locust.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = ("browsing", "participant", "grand_debat", "vote_spike")
SHAPED = {"grand_debat", "vote_spike"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Embedded:
    """`parlons serve --demo` on a fresh data folder holding the load-test
    consultation."""

    def __init__(self, data: Path, log: Path) -> None:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "loadtests.seed", str(data)], cwd=ROOT,
                       check=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PARLONS_DATA_DIR": str(data),
               "PARLONS_POW_DIFFICULTY_BITS": os.environ.get("LOADTEST_POW_BITS", "12"),
               "PARLONS_RATE_ACTION_PER_MINUTE": "1000000",
               "PARLONS_RATE_LOGIN_PER_HOUR": "1000000",
               "PARLONS_RATE_ANONYMOUS_PER_HOUR": "1000000"}
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.runtime", "serve", "--demo", "--port",
             str(self.port)], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait(lambda: httpx.get(f"{self.url}/readyz").status_code == 200, "readiness")
        # the demo's consultations, written a few seconds after start
        self._wait(lambda: len(httpx.get(f"{self.url}/api/consultations").json()["items"]) >= 3,
                   "the demo")

    def _wait(self, check: object, what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the platform stopped ({self.proc.returncode}): see its log")
            try:
                if check():  # type: ignore[operator]
                    return
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"timed out waiting for {what}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


def run_scenario(name: str, host: str, out: Path, users: int, seconds: int) -> None:
    cmd = [sys.executable, "-m", "locust", "-f", str(HERE / f"{name}.py"), "--headless",
           "-H", host, "--csv", str(out / name), "--html", str(out / f"{name}.html"),
           "--only-summary", "--loglevel", "WARNING"]
    if name not in SHAPED:
        cmd += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s"]
    print(f"== {name}", flush=True)
    subprocess.run(cmd, cwd=HERE, check=False, timeout=seconds * 10 + 600)


def summary(out: Path, names: list[str]) -> tuple[str, int]:
    rows = ["| scenario | requests | failures | requests/s | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    failures = 0
    for name in names:
        stats = out / f"{name}_stats.csv"
        if not stats.exists():
            rows.append(f"| {name} | no report | | | | | |")
            failures += 1
            continue
        with stats.open() as f:
            total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
        failures += int(total["Failure Count"])
        rows.append(f"| {name} | {total['Request Count']} | {total['Failure Count']} | "
                    f"{float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} | "
                    f"{total['99%']} |")
    return "\n".join(rows), failures


def main() -> int:
    p = argparse.ArgumentParser(description="Parlons load tests (locust, headless).")
    p.add_argument("--host", default=os.environ.get("LOADTEST_HOST", ""),
                   help="platform to aim at (default: start the embedded platform)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "20")),
                   help="simulated users of browsing and participant")
    p.add_argument("--seconds", type=int,
                   default=int(os.environ.get("LOADTEST_SECONDS", "30")),
                   help="duration of browsing and participant (the shaped ones set theirs)")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest" / "reports")
    p.add_argument("--data", type=Path, default=ROOT / "var" / "loadtest" / "data",
                   help="data folder of the embedded platform (emptied first)")
    args = p.parse_args()
    args.out, args.data = args.out.resolve(), args.data.resolve()  # locust runs in loadtests/
    names = [n for n in args.scenarios.split(",") if n]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {sorted(unknown)} (known: {SCENARIOS})")
    args.out.mkdir(parents=True, exist_ok=True)
    platform = None
    if not args.host:
        platform = Embedded(args.data, args.out / "platform.log")
    host = args.host or platform.url  # type: ignore[union-attr]
    try:
        for name in names:
            run_scenario(name, host, args.out, args.users, args.seconds)
        with contextlib.suppress(httpx.HTTPError):  # the server's view of the same run
            (args.out / "metrics.txt").write_text(httpx.get(f"{host}/metrics").text)
    finally:
        if platform is not None:
            platform.stop()
    table, failures = summary(args.out, names)
    (args.out / "summary.md").write_text(table + "\n")
    print(table)
    print(f"reports: {args.out} ({'no failure' if not failures else f'{failures} failures'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
