"""Instructions per request of the request path, counted by valgrind: the figure that
does not move with the machine.

On this shared machine the CPU time of one request moves by ±10 % between runs of the
same code (docs/measurements/ballot-throughput.md), so a change of a few per cent
cannot be shown in time. The number of instructions executed hardly moves: two runs
of the same code gave 1.625 and 1.602 million instructions per ballot (1.4 %).
This runs `bench/profile_api.py` (the whole app in process, projection workers off)
under valgrind's callgrind twice, sending `--base` and then `--base + --requests`
requests after the same warm-up, with the same requests built in both runs, and
divides the difference by `--requests`: start-up, seeding, warm-up and the client's
work cancel out. Every thread of the process counts (the log's COMMIT thread too).
Instructions are not time: waits for the disk, cache misses and system calls are
not in them. Use it beside the timed benches, not instead of them.

    .venv/bin/python bench/instructions.py [--what ballot|proposal|event] [--requests 400]
        [--by-library] [--served]

`--served` counts a ballot or a proposal through a real `parlons serve` instead (one
HTTP process, projections off, the client outside valgrind): the app's path above
plus uvicorn, the sockets and the commits' threads (`bench/instructions_served.py`).

`--what event` counts a single-event append of the SQLite event log instead:
`bench/eventlog.py --appends-only`, its 64 appenders appending `--base` and then
`--base + --requests` events each, from the same pools of envelopes built beforehand
(ADR 0113), on the servers' event loop.

Needs valgrind (`apt install valgrind`); about a minute per run. With `bench/ab.py`:

    .venv/bin/python bench/ab.py main --pairs 2 \\
        --metric 'instr=instructions per \\w+: ([\\d,]+)' -- instructions.py
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
EVENT_APPENDERS = 64  # bench/eventlog.py's APPENDERS


def callgrind(what: str, sent: int, built: int, out: Path) -> int:
    """Instructions of one run of profile_api sending `sent` requests of `built`
    (`event`: of bench/eventlog.py, each of its appenders appending `sent` single
    events of `built` made beforehand)."""
    # The same dict and set orders each run; and one OpenBLAS thread, whose pool
    # otherwise spins between calls and counts a varying number of instructions.
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
    if what == "event":
        shm = ["--dir", "/dev/shm"] if Path("/dev/shm").is_dir() else []
        bench = [str(ROOT / "bench" / "eventlog.py"), "--appends-only", str(sent),
                 "--pool", str(built), *shm]
    else:
        bench = [str(ROOT / "bench" / "profile_api.py"), "--what", what, "--no-profile",
                 "--requests", str(sent), "--prepare-extra", str(built - sent)]
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--cache-sim=no", f"--callgrind-out-file={out}",
         sys.executable, *bench],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return int(found.group(1))


def by_library(profile: Path) -> collections.Counter[str]:
    """Instructions per shared object (libpython, libsqlite3, ...) of a callgrind file."""
    shown = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", str(profile)],
        capture_output=True, text=True, check=True).stdout
    totals: collections.Counter[str] = collections.Counter()
    for line in shown.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
        if m is None or "PROGRAM TOTALS" in line:
            continue
        lib = re.search(r"\[([^\]]*)\]\s*$", m.group(2))
        totals[lib.group(1).rsplit("/", 1)[-1] if lib else "?"] += int(
            m.group(1).replace(",", ""))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--what", choices=("ballot", "proposal", "event"), default="ballot",
                        help="a request of the API, or a single-event append of the"
                        " event log (bench/eventlog.py's appenders, envelopes built before)")
    parser.add_argument("--requests", type=int, default=400, help="the difference of the runs"
                        " (event: appends per appender, each of bench/eventlog.py's 64)")
    parser.add_argument("--base", type=int, default=200, help="requests of the shorter run")
    parser.add_argument("--by-library", action="store_true",
                        help="also the instructions per request in each shared object")
    parser.add_argument("--served", action="store_true",
                        help="through a real `parlons serve` over HTTP (ballot, proposal)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    if args.served:
        if args.what == "event" or args.by_library:
            raise SystemExit("--served counts a ballot or a proposal, in total")
        sys.path.insert(0, str(ROOT))
        from bench.instructions_served import count

        counted = count(args.what, args.base, args.requests)
        print(f"instructions per {args.what}, served: {counted.per_request(args.requests):,.0f}"
              f" ({args.requests:,} requests after {args.base} to warm up: {counted.total:,},"
              f" less {counted.by_clock:,} done by the clock)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        built = args.base + args.requests
        short, long = Path(tmp) / "short.out", Path(tmp) / "long.out"
        fewer = callgrind(args.what, args.base, built, short)
        more = callgrind(args.what, built, built, long)
        counted = args.requests * (EVENT_APPENDERS if args.what == "event" else 1)
        per = (more - fewer) / counted
        print(f"instructions per {args.what}: {per:,.0f}"
              f" ({counted:,} {'events' if args.what == 'event' else 'requests'}:"
              f" {more:,} - {fewer:,})")
        if args.by_library:
            a, b = by_library(short), by_library(long)
            for lib in sorted(set(a) | set(b), key=lambda k: a[k] - b[k]):
                share = (b[lib] - a[lib]) / counted
                if abs(share) >= per / 1000:
                    print(f"  {share:12,.0f}  {share / per:6.1%}  {lib}")


if __name__ == "__main__":
    main()
