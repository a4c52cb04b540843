"""The image installs `pyproject.toml`'s dependencies without the dev extras:
every module of `services` must import with only those. Found by running the
Dockerfile's steps by hand: authlib's httpx client needed httpx, which only the
dev extras brought, and `parlons serve` died at import in production."""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import tomllib

from k8s_render import ROOT
from packaging.markers import default_environment
from packaging.requirements import Requirement

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(requirement).name).lower()


def _closure(names: set[str]) -> set[str]:
    """The distributions `names` need, themselves included (no extras)."""
    env = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for r in requires:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(_name(r))
    return seen


def test_every_module_imports_without_the_dev_extras() -> None:
    runtime = _closure({_name(r) for r in PROJECT["dependencies"]})
    dev_only = _closure({_name(r) for r in PROJECT["optional-dependencies"]["dev"]}) - runtime
    blocked = sorted({module for module, dists in md.packages_distributions().items()
                      if all(re.sub(r"[-_.]+", "-", d).lower() in dev_only for d in dists)
                      and not module.startswith("_")})
    assert "httpx" not in blocked and "pytest" in blocked
    script = f"""
import importlib, importlib.abc, pkgutil, sys
BLOCKED = set({blocked!r})
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{{name}} comes only with the dev extras")
        return None
sys.meta_path.insert(0, Block())
import services
for m in pkgutil.walk_packages(services.__path__, "services."):
    if m.name.endswith(".__main__"):
        continue  # runs the command
    importlib.import_module(m.name)
print("imported")
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "imported" in out.stdout, out.stderr[-3000:]
