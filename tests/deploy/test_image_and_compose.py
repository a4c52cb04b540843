"""deploy/Dockerfile and deploy/compose.yaml, read as files (no container engine
here: the image is built where one exists, docs/operations.md), and the code
run as the image runs it: on a read-only tree, writing only PARLONS_DATA_DIR."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from k8s_render import ROOT
from settings_names import PENDING_ISSUE_16, settings

DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, re.M)


def test_the_image_is_multi_stage_non_root_with_declared_writable_paths() -> None:
    stages = _instructions("FROM")
    assert len(stages) == 3 and all(":" in s.split()[0] for s in stages)  # pinned tags
    assert _instructions("USER") == ["10001:10001"]  # numeric: runAsNonRoot can check it
    assert _instructions("VOLUME") == ['["/var/lib/parlons", "/tmp"]']
    assert _instructions("ENTRYPOINT") == ['["parlons"]']
    assert "build_assets.sh" in DOCKERFILE  # DSFR, htmx and Leaflet built in
    ignored = (ROOT / ".dockerignore").read_text()
    assert "**" in ignored.split() and "!services/" in ignored


def _workers() -> list[str]:
    out = subprocess.run([sys.executable, "-m", "services.runtime.list_services",
                          "--with-projections"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_compose_runs_every_role_of_the_one_image_locked_down() -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    parlons = {n: s for n, s in services.items() if s.get("image", "").startswith("parlons:")}
    workers = {s["command"][1] for s in parlons.values() if s["command"][0] == "worker"}
    assert workers == set(_workers())
    assert {"front", "topics", "freeze-results", "synthesis-jobs", "retention",
            "opendata"} <= set(parlons)
    for name, s in parlons.items():
        assert s["read_only"] is True and s["user"] == "10001:10001", name
        assert s["cap_drop"] == ["ALL"] and s["tmpfs"] == ["/tmp:size=256m"], name
        env = s["environment"]
        for secret in ("PARLONS_SECRET_KEY", "PARLONS_IDENTITY_SECRET"):
            assert env[secret].startswith(f"${{{secret}:?"), name  # required, never inline
        assert set(env) - set(settings()) - PENDING_ISSUE_16 == set(), name
    for image in ("apache/kafka:", "cassandra:", "opensearchproject/opensearch:"):
        assert [n for n, s in services.items() if s.get("image", "").startswith(image)]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="needs root and unshare(1) to mount the tree read-only")
def test_parlons_serves_from_a_read_only_tree_writing_only_its_data_dir(
        tmp_path: Path) -> None:
    """As in the image (readOnlyRootFilesystem): the checkout and its venv
    mounted read-only in a private mount namespace, production settings, the
    data folder the only writable place."""
    data = tmp_path / "data"
    data.mkdir()
    port = _free_port()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PARLONS_ENVIRONMENT": "production",
           "PARLONS_DATA_DIR": str(data), "PARLONS_SECRET_KEY": "k" * 32,
           "PARLONS_IDENTITY_SECRET": "i" * 32, "PARLONS_HTTP_PORT": str(port),
           "PARLONS_LOG_LEVEL": "WARNING"}
    script = (f"mount --bind {ROOT} {ROOT} && mount -o remount,ro,bind {ROOT} && "
              f"exec {sys.executable} -m services.runtime serve")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m refused here: {probe.stderr.decode().strip()}")
    out = (tmp_path / "serve.out").open("wb")
    proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.out").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "not ready in 60 s"
            time.sleep(0.2)
        assert httpx.get(f"{url}/").status_code == 200
        assert httpx.get(f"{url}/inscription").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        out.close()
    assert proc.returncode == 0, (tmp_path / "serve.out").read_text()[-3000:]
    assert (data / "events.db").exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
