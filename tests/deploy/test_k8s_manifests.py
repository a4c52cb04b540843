"""k8s/: every overlay renders with `kubectl kustomize`, and every object it
renders validates -- core kinds against Kubernetes' own OpenAPI schemas
(kubernetes-validate), the operators' kinds against tests/deploy/operator_schemas.py
-- and keeps the rules of issue #17: probes, requests and limits, non-root,
read-only root filesystem, secrets by reference only, one worker per service,
topics as schemas/topics.yaml says, network reach per service."""

from __future__ import annotations

import re
import subprocess
import sys

import jsonschema
import kubernetes_validate
import pytest
import yaml
from k8s_render import OVERLAYS, ROOT, kubectl, pod_specs, rendered, version
from operator_schemas import SCHEMAS
from settings_names import PENDING_ISSUE_16, settings

KUBERNETES_VERSION = "1.31.0"  # the oldest minor the manifests are meant for
needs_kubectl = pytest.mark.skipif(kubectl()[0] is None, reason=kubectl()[1])
SECRET_LIKE = re.compile(r"SECRET|PASSWORD|TOKEN|HASH|_KEY$|USERNAME|_URL$")
NOT_SECRET = {"PARLONS_PUBLIC_URL"}
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _workers() -> list[str]:
    out = subprocess.run([sys.executable, "-m", "services.runtime.list_services",
                          "--with-projections"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_generated_manifests_are_in_sync_with_the_code() -> None:
    check = subprocess.run([sys.executable, "k8s/generate.py", "--check"], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_one_kafka_topic_per_entry_of_topics_yaml_replicated_3_in_sync_2() -> None:
    spec = yaml.safe_load((ROOT / "schemas" / "topics.yaml").read_text())
    topics = {d["spec"]["topicName"]: d for d in yaml.safe_load_all(
        (ROOT / "k8s" / "base" / "kafka" / "topics.yaml").read_text())}
    declared = {**spec["topics"], **spec["commands"]}
    assert set(topics) == set(declared)
    for name, own in declared.items():
        want = {**spec["defaults"], **(own or {})}
        got = topics[name]["spec"]
        assert got["partitions"] == want["partitions"], name
        assert got["replicas"] == 3 and got["config"]["min.insync.replicas"] == 2, name
        assert got["config"]["retention.ms"] == want["retention_ms"], name


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(overlay: str) -> None:
    objects = rendered(f"overlays/{overlay}")
    core = custom = 0
    for o in objects:
        key = (o["apiVersion"], o["kind"])
        where = f"{overlay}: {o['kind']}/{o['metadata']['name']}"
        if key in SCHEMAS:
            errors = [e.message for e in jsonschema.Draft202012Validator(
                SCHEMAS[key]).iter_errors(o)]
            assert not errors, f"{where}: {errors}"
            custom += 1
        else:
            try:
                kubernetes_validate.validate(o, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as e:
                pytest.fail(f"{where}: {e.message} at {list(e.path)}")
            core += 1
    print(f"{overlay}: {core} core + {custom} operator objects valid "
          f"({version()})")
    assert core > 20 and custom >= 12


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_bounded_probed_and_unprivileged(overlay: str) -> None:
    for name, pod in pod_specs(rendered(f"overlays/{overlay}")):
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for c in pod["containers"]:
            where = f"{name}/{c['name']}"
            for bound in ("requests", "limits"):
                assert set(c["resources"][bound]) >= {"cpu", "memory"}, where
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["runAsNonRoot"] is True and sc["capabilities"]["drop"] == ["ALL"], where
            mounts = {m["mountPath"] for m in c["volumeMounts"]}
            assert {"/tmp", "/var/lib/parlons"} <= mounts, where  # its only writable paths
            if name.startswith("Deployment/"):  # jobs serve no HTTP: their deadline bounds them
                assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", where
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", where


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_only_by_reference(overlay: str) -> None:
    objects = rendered(f"overlays/{overlay}")
    assert not [o for o in objects if o["kind"] == "Secret"]
    for o in objects:
        if o["kind"] == "ConfigMap":
            assert not [k for k in o["data"] if SECRET_LIKE.search(k) and k not in NOT_SECRET]
    for name, pod in pod_specs(objects):
        for c in pod["containers"]:
            for env in c.get("env", []):
                if SECRET_LIKE.search(env["name"]) and env["name"] not in NOT_SECRET:
                    assert "value" not in env, f"{name}: {env['name']} inline"
                    assert "secretKeyRef" in env["valueFrom"], f"{name}: {env['name']}"
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:  # a Secret's name is a DNS subdomain, which the schemas don't check
                    assert DNS_NAME.match(ref["name"]), f"{name}: Secret {ref['name']}"


@needs_kubectl
def test_every_setting_named_in_the_manifests_exists() -> None:
    known = set(settings()) | PENDING_ISSUE_16
    named = set()
    for overlay in OVERLAYS:
        for o in rendered(f"overlays/{overlay}"):
            if o["kind"] == "ConfigMap":
                named |= set(o["data"])
        for _, pod in pod_specs(rendered(f"overlays/{overlay}")):
            named |= {e["name"] for c in pod["containers"] for e in c.get("env", [])}
    assert named - known == set()


@needs_kubectl
def test_a_worker_deployment_per_service_reaching_only_kafka_and_its_store() -> None:
    objects = rendered("overlays/prod")
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    assert set(deployments) == {"front"} | {"worker-" + s.replace("_", "-") for s in _workers()}
    for service in _workers():
        d = deployments["worker-" + service.replace("_", "-")]
        c = d["spec"]["template"]["spec"]["containers"][0]
        assert c["args"][:2] == ["worker", service]
        reach = {k.split("reaches-")[1] for k, v in d["spec"]["template"]["metadata"]["labels"]
                 .items() if "reaches-" in k and v == "true"}
        assert reach == ({"kafka", "cassandra", "opensearch"} if service == "search"
                         else {"kafka", "cassandra"}), service
        keyspace = {e["name"]: e.get("value") for e in c["env"]}["PARLONS_CASSANDRA_KEYSPACE"]
        assert keyspace == f"parlons_{service}"
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
    deny = policies["parlons-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "egress" not in deny
    for store, port in (("kafka", 9092), ("cassandra", 9042), ("opensearch", 9200)):
        egress = policies[f"parlons-to-{store}"]["spec"]["egress"]
        assert [p["port"] for rule in egress for p in rule["ports"]] == [port]


@needs_kubectl
def test_prod_autoscales_within_partitions_and_keeps_a_replica_through_disruptions() -> None:
    objects = rendered("overlays/prod")
    deployments = {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"}
    hpas = {o["metadata"]["name"]: o["spec"] for o in objects
            if o["kind"] == "HorizontalPodAutoscaler"}
    pdbs = {o["metadata"]["name"] for o in objects if o["kind"] == "PodDisruptionBudget"}
    assert set(hpas) == deployments == pdbs
    partitions = {d["spec"]["topicName"]: d["spec"]["partitions"]
                  for d in objects if d["kind"] == "KafkaTopic"}
    read = {f"worker-{name.replace('_', '-')}": topics.split(",") for name, topics in (
        line.split(" ", 1) for line in subprocess.run(
            [sys.executable, "-m", "services.runtime.list_services", "--topics"], cwd=ROOT,
            capture_output=True, text=True, check=True).stdout.splitlines())}
    assert read["worker-search"] and "deposit.events" in read["worker-search"]
    for name, hpa in hpas.items():
        kinds = {m["type"] for m in hpa["metrics"]}
        if name == "front":
            assert kinds == {"Resource"}
            continue
        assert kinds == {"Resource", "Pods"}, name  # CPU and consumer lag
        lag = next(m for m in hpa["metrics"] if m["type"] == "Pods")
        assert lag["pods"]["metric"]["name"] == "parlons_consumer_lag"
        # up to the partitions of the largest topic its groups read, not beyond
        assert hpa["maxReplicas"] == max(partitions[t] for t in read[name]), name
        assert hpa["minReplicas"] >= 2, name
    for o in objects:
        if o["kind"] == "KafkaTopic":
            assert o["spec"]["replicas"] == 3 and o["spec"]["config"]["min.insync.replicas"] == 2


@needs_kubectl
def test_dev_runs_one_replica_of_everything() -> None:
    objects = rendered("overlays/dev")
    assert {o["spec"]["replicas"] for o in objects if o["kind"] == "Deployment"} == {1}
    assert not [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    pool = next(o for o in objects if o["kind"] == "KafkaNodePool")
    assert pool["spec"]["replicas"] == 1
    assert {o["spec"]["replicas"] for o in objects if o["kind"] == "KafkaTopic"} == {1}


@needs_kubectl
def test_the_jobs_are_the_real_parlons_commands() -> None:
    from services.runtime.cli import _parser

    commands = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    jobs = {o["metadata"]["name"]: o for o in rendered("overlays/prod")
            if o["kind"] in ("CronJob", "Job")}
    assert set(jobs) >= {"freeze-results", "synthesis-jobs", "retention", "opendata",
                         "topics-create"}
    for name, pod in pod_specs(list(jobs.values())):
        args = pod["containers"][0]["args"]
        assert args[0] in commands, name
        _parser().parse_args(args)  # exits on arguments the command does not take
    for o in jobs.values():
        if o["kind"] == "CronJob":
            assert o["spec"]["concurrencyPolicy"] == "Forbid"


@needs_kubectl
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_service_monitor_scrapes_services_that_exist(overlay: str) -> None:
    """The ServiceMonitors select Services by labels: a selector that matches
    nothing scrapes nothing, silently (the alerts would then never fire)."""
    objects = rendered(f"overlays/{overlay}")
    services = [o for o in objects if o["kind"] == "Service"]
    monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
    assert {m["metadata"]["name"] for m in monitors} == {"parlons-front", "parlons-workers"}
    for monitor in monitors:
        wanted = monitor["spec"]["selector"]["matchLabels"]
        chosen = [s for s in services
                  if wanted.items() <= s["metadata"].get("labels", {}).items()]
        assert chosen, monitor["metadata"]["name"]
        ports = {e["port"] for e in monitor["spec"]["endpoints"]}
        for service in chosen:
            assert ports <= {p.get("name") for p in service["spec"]["ports"]}, service
        assert all(monitor["spec"]["jobLabel"] in s["metadata"]["labels"] for s in chosen)


def test_the_cluster_runs_the_routed_topology() -> None:
    """The fronts and the workers read PARLONS_COMMAND_BUS=kafka from the shared
    config, every command topic is declared, and each service with routed commands
    has a worker to serve them (ADR 0035, 0038, 0078, 0081)."""
    from services.runtime.command_routing import routes

    base = ROOT / "k8s" / "base"
    config = yaml.safe_load((base / "config.yaml").read_text())
    assert config["data"]["PARLONS_COMMAND_BUS"] == "kafka"
    objects = [*yaml.safe_load_all((base / "front.yaml").read_text()),
               *yaml.safe_load_all((base / "workers.yaml").read_text())]
    deployments = {o["metadata"]["name"]: o for o in objects if o and o["kind"] == "Deployment"}
    for name, d in deployments.items():
        for c in d["spec"]["template"]["spec"]["containers"]:
            assert {"configMapRef": {"name": "parlons-config"}} in c["envFrom"], name
    topics = {d["spec"]["topicName"] for d in yaml.safe_load_all(
        (base / "kafka" / "topics.yaml").read_text())}
    table = routes()
    assert {r.topic for r in table.values()} | {"runtime.replies"} <= topics
    for service in {r.service for r in table.values()}:
        worker = deployments["worker-" + service.replace("_", "-")]
        assert worker["spec"]["template"]["spec"]["containers"][0]["args"][:2] == [
            "worker", service]
    # a document's bytes and a Pol.is export's files are read back from the blob
    # store by the replica deciding them (ADR 0081): the shared volume's blobs/
    for service in ("consultation", "synthesis_themes"):
        pod = deployments["worker-" + service.replace("_", "-")]["spec"]["template"]["spec"]
        assert {"name": "files", "mountPath": "/var/lib/parlons/blobs",
                "subPath": "blobs"} in pod["containers"][0]["volumeMounts"], service
        assert {"name": "files", "persistentVolumeClaim": {"claimName": "parlons-files"}} \
            in pod["volumes"], service
