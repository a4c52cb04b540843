"""Every process's /metrics answers, and what the dashboard
(deploy/grafana-dashboard.json) and the alerts (k8s/base/monitoring/
prometheusrule.yaml) query exists: each metric name in their PromQL is checked
against a live scrape of a running embedded platform (`parlons serve`) and of a
worker process (`parlons worker`, on its metrics port)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from harness.processes import ROOT, Parlons, free_port, start_serve, wait_until
from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = ROOT / "deploy" / "grafana-dashboard.json"
RULES = ROOT / "k8s" / "base" / "monitoring" / "prometheusrule.yaml"
# Made by Prometheus itself for each target, not by a process.
SYNTHETIC = {"up"}
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum",
                                                              "_created"),
             "summary": ("_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",)}
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "bool", "offset", "le", "inf", "nan"}


def scraped_names(text: str) -> set[str]:
    """The sample names a scrape offers, including those of families that have
    no sample yet (a counter no one incremented still has its HELP and TYPE)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(s.name for s in family.samples)
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",)))
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: identifiers that are not a
    function call, a keyword, a label name inside {} or by (...), nor a string."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values, formats)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors, durations
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "",
                  expr)
    expr = re.sub(r"\$\w+", "", expr)  # Grafana variables
    found = set()
    for m in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)\s*(\()?", expr):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        found.add(name)
    return found


def dashboard_queries() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    # Grafana's label_values(SELECTOR, LABEL): the selector is PromQL
    exprs += [re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", v["query"]["query"])
              for v in board["templating"]["list"] if isinstance(v.get("query"), dict)]
    return exprs


def rule_queries() -> list[str]:
    rule = yaml.safe_load(RULES.read_text())
    assert rule["kind"] == "PrometheusRule"
    return [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]


def test_metric_names_are_read_from_promql() -> None:
    expr = ('histogram_quantile(0.99, sum by (namespace, le) (rate('
            'parlons_event_append_seconds_bucket{status_class="5xx", x=~"a|b"}[5m])))'
            ' / on (namespace) group_left sum(up{job="parlons"}) > 0.25')
    assert metric_names(expr) == {"parlons_event_append_seconds_bucket", "up"}


@pytest.fixture
def processes() -> Iterator[list[Parlons]]:
    started: list[Parlons] = []
    yield started
    for p in started:
        p.stop()


@pytest.mark.slow
def test_every_query_of_the_dashboard_and_the_alerts_names_a_scraped_metric(
        processes: list[Parlons], tmp_path: Path) -> None:
    _, url = start_serve(processes, {"PARLONS_DATA_DIR": str(tmp_path / "embedded")},
                         tmp_path / "serve.log")
    for path in ("/", "/static/parlons.css", "/nulle-part"):
        httpx.get(url + path)
    port = free_port()
    worker = Parlons(["worker", "vote"], {"PARLONS_DATA_DIR": str(tmp_path / "worker"),
                                          "PARLONS_WORKER_METRICS_PORT": str(port)},
                     tmp_path / "worker.log")
    processes.append(worker)
    worker_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{worker_url}/readyz").status_code == 200,
               "the worker's readiness", [worker])
    assert httpx.get(f"{worker_url}/healthz").json() == {"status": "ok"}

    embedded = httpx.get(f"{url}/metrics")
    from_worker = httpx.get(f"{worker_url}/metrics")
    assert embedded.status_code == from_worker.status_code == 200
    front, back = scraped_names(embedded.text), scraped_names(from_worker.text)
    # the worker's own: its consumer group's series exist from the start, at zero
    assert 'parlons_dead_letters_total{subscription="vote.tallies"} 0.0' in from_worker.text
    assert 'parlons_ready{component="event_log"} 1.0' in from_worker.text
    # the embedded platform's HTTP histogram is labelled by route template
    assert 'route="/static/{path}"' in embedded.text and "nulle-part" not in embedded.text

    queried = {name: where for where, exprs in (("dashboard", dashboard_queries()),
                                                ("alerts", rule_queries()))
               for e in exprs for name in metric_names(e)}
    assert len(queried) >= 15 and any(n.startswith("parlons_http") for n in queried)
    missing = {n: w for n, w in queried.items() if n not in (front | back | SYNTHETIC)}
    assert not missing, f"queried but scraped from no process: {missing}"
    # a worker alone offers what the consumer alerts need
    for name in ("parlons_consumer_lag", "parlons_dead_letters_total",
                 "parlons_events_projected_total", "parlons_log_behind", "parlons_ready"):
        assert name in back, name


def test_the_monitoring_kustomization_renders_scrapes_and_alerts() -> None:
    """`kubectl kustomize k8s/base/monitoring`: two ServiceMonitors (the front's
    HTTP port, the workers' metrics port) and one PrometheusRule whose alerts
    each have a severity, a summary and cover lag, dead letters, 5xx, readiness."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (Debian package kubectl)")
    rendered = subprocess.run([kubectl, "kustomize", str(RULES.parent)], capture_output=True,
                              text=True, timeout=60, check=True).stdout
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(rendered)}
    assert set(objects) == {("ServiceMonitor", "parlons-front"),
                            ("ServiceMonitor", "parlons-workers"),
                            ("PrometheusRule", "parlons")}
    ports = {name: [e["port"] for e in o["spec"]["endpoints"]]
             for (kind, name), o in objects.items() if kind == "ServiceMonitor"}
    assert ports == {"parlons-front": ["http"], "parlons-workers": ["metrics"]}
    alerts = [r for g in objects[("PrometheusRule", "parlons")]["spec"]["groups"]
              for r in g["rules"]]
    for alert in alerts:
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}, alert
        assert alert["annotations"]["summary"], alert
    exprs = " ".join(a["expr"] for a in alerts)
    for needed in ("parlons_consumer_lag", "parlons_dead_letters_total", 'status_class="5xx"',
                   "parlons_ready", 'up{job="parlons"}'):
        assert needed in exprs, needed
