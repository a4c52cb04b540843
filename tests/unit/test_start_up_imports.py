"""What a process imports to start (ADR 0084): scikit-learn, datasketch, jsonschema
and authlib cost ~4 s of CPU together, paid by every front, worker and CLI command
(the distributed topology starts a dozen of them, each restart pays it again).
They are imported where they work; a start-up must not pull them in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "datasketch", "jsonschema", "authlib")


def test_a_started_front_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    script = f"""
import sys
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings
from services.runtime.app import create_app
container = bootstrap(Settings(data_dir={str(tmp_path)!r}))
create_app(container)
print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                       "PARLONS_SECRET_KEY": "imports"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
