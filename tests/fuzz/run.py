"""`python tests/fuzz/run.py TARGET [libFuzzer options...]`: one fuzz target
(tests/fuzz/targets.py) from its seed corpus (tests/fuzz/corpus/TARGET, read
only: new inputs go to a temporary folder), e.g. `-max_total_time=10`. Exit 0:
no crash in the time given; a crash is written as crash-<sha1> in the current
folder, to become a regression test."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import TARGETS

CORPUS = Path(__file__).parent / "corpus"


def main() -> None:
    name, options = sys.argv[1], sys.argv[2:]
    work = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    shutil.copytree(CORPUS / name, work, dirs_exist_ok=True)
    atheris.Setup([sys.argv[0], *options, str(work)], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
