"""JSON Schemas of the operators' custom resources, for the fields Parlons sets,
written from each operator's documented API (the CRDs are not shipped here):

- Strimzi 0.45, `kafka.strimzi.io/v1beta2`: Kafka, KafkaNodePool, KafkaTopic
  (strimzi.io/docs/operators/latest/configuring, "Schema reference");
- K8ssandra operator 1.x, `k8ssandra.io/v1alpha1`: K8ssandraCluster
  (docs.k8ssandra.io, "K8ssandraCluster API reference");
- OpenSearch Kubernetes operator 2.x, `opensearch.opster.io/v1`:
  OpenSearchCluster (its docs/designs/crd.md);
- Prometheus Operator, `monitoring.coreos.com/v1`: ServiceMonitor and
  PrometheusRule (prometheus-operator.dev, "API reference").

Closed where Parlons writes (additionalProperties false), so a misspelt field is
caught; the operators accept more than is listed here."""

from __future__ import annotations

from typing import Any

QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"}
CPU = {"anyOf": [QUANTITY, {"type": "integer", "minimum": 1}]}
RESOURCES = {
    "type": "object", "additionalProperties": False,
    "properties": {k: {"type": "object", "additionalProperties": False,
                       "properties": {"cpu": CPU, "memory": QUANTITY}}
                   for k in ("requests", "limits")},
    "required": ["requests", "limits"],
}
NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
SECRET_REF = {"type": "object", "additionalProperties": False, "required": ["name"],
              "properties": {"name": NAME}}


def _resource(api_version: str, kind: str, spec: dict[str, Any],
              metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object", "additionalProperties": False,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version}, "kind": {"const": kind},
            "metadata": metadata or {"type": "object", "required": ["name", "namespace"],
                                     "properties": {"name": NAME, "namespace": NAME}},
            "spec": spec,
        },
    }


def _closed(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": properties}


_STRIMZI_CLUSTER_LABEL = {
    "type": "object", "required": ["name", "namespace", "labels"],
    "properties": {"name": NAME, "namespace": NAME, "labels": {
        "type": "object", "required": ["strimzi.io/cluster"],
        "properties": {"strimzi.io/cluster": NAME}}},
}

KAFKA = _resource("kafka.strimzi.io/v1beta2", "Kafka", _closed(
    ["kafka", "entityOperator"],
    kafka=_closed(
        ["listeners"],
        version={"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        metadataVersion={"type": "string", "pattern": r"^\d+\.\d+-IV\d+$"},
        listeners={"type": "array", "minItems": 1, "items": _closed(
            ["name", "port", "type", "tls"],
            name={"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
            port={"type": "integer", "minimum": 9092},
            type={"enum": ["internal", "route", "loadbalancer", "nodeport", "ingress",
                           "cluster-ip"]},
            tls={"type": "boolean"})},
        config={"type": "object", "additionalProperties": {
            "type": ["string", "integer", "boolean", "number"]}}),
    entityOperator=_closed([], topicOperator={"type": "object"},
                           userOperator={"type": "object"}),
    kafkaExporter=_closed([], groupRegex={"type": "string"}, topicRegex={"type": "string"}),
), metadata={
    "type": "object", "required": ["name", "namespace", "annotations"],
    "properties": {"name": NAME, "namespace": NAME, "annotations": {
        "type": "object", "required": ["strimzi.io/node-pools", "strimzi.io/kraft"],
        "properties": {"strimzi.io/node-pools": {"const": "enabled"},
                       "strimzi.io/kraft": {"const": "enabled"}}}},
})

KAFKA_NODE_POOL = _resource("kafka.strimzi.io/v1beta2", "KafkaNodePool", _closed(
    ["replicas", "roles", "storage"],
    replicas={"type": "integer", "minimum": 0},
    roles={"type": "array", "minItems": 1, "uniqueItems": True,
           "items": {"enum": ["controller", "broker"]}},
    storage=_closed(
        ["type"], type={"enum": ["jbod", "ephemeral", "persistent-claim"]},
        volumes={"type": "array", "minItems": 1, "items": _closed(
            ["id", "type"], id={"type": "integer", "minimum": 0},
            type={"enum": ["persistent-claim", "ephemeral"]}, size=QUANTITY,
            deleteClaim={"type": "boolean"}, kraftMetadata={"enum": ["shared"]},
            **{"class": {"type": "string"}})}),
    resources=RESOURCES,
), metadata=_STRIMZI_CLUSTER_LABEL)

KAFKA_TOPIC = _resource("kafka.strimzi.io/v1beta2", "KafkaTopic", _closed(
    ["topicName", "partitions", "replicas", "config"],
    topicName={"type": "string", "pattern": r"^[a-zA-Z0-9._-]{1,249}$"},
    partitions={"type": "integer", "minimum": 1},
    replicas={"type": "integer", "minimum": 1, "maximum": 32767},
    config={"type": "object", "additionalProperties": {
        "type": ["string", "integer", "boolean", "number"]}},
), metadata=_STRIMZI_CLUSTER_LABEL)

K8SSANDRA_CLUSTER = _resource("k8ssandra.io/v1alpha1", "K8ssandraCluster", _closed(
    ["cassandra"],
    cassandra=_closed(
        ["serverVersion", "datacenters"],
        serverVersion={"type": "string", "pattern": r"^[345]\.\d+\.\d+$"},
        superuserSecretRef=SECRET_REF,
        datacenters={"type": "array", "minItems": 1, "items": _closed(
            ["metadata", "size"],
            metadata=_closed(["name"], name=NAME),
            size={"type": "integer", "minimum": 1},
            storageConfig=_closed(["cassandraDataVolumeClaimSpec"],
                                  cassandraDataVolumeClaimSpec={"type": "object"}),
            resources=RESOURCES,
            config=_closed([], jvmOptions=_closed([], heapSize=QUANTITY)))}),
))

OPENSEARCH_CLUSTER = _resource("opensearch.opster.io/v1", "OpenSearchCluster", _closed(
    ["general", "nodePools"],
    general=_closed(["serviceName"], serviceName=NAME,
                    version={"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
                    httpPort={"type": "integer"}, setVMMaxMapCount={"type": "boolean"}),
    security=_closed(
        [], config=_closed([], adminCredentialsSecret=SECRET_REF),
        tls=_closed([], transport=_closed([], generate={"type": "boolean"}),
                    http=_closed([], generate={"type": "boolean"}))),
    dashboards=_closed([], enable={"type": "boolean"}, version={"type": "string"}),
    nodePools={"type": "array", "minItems": 1, "items": _closed(
        ["component", "replicas", "roles"],
        component=NAME, replicas={"type": "integer", "minimum": 1}, diskSize=QUANTITY,
        roles={"type": "array", "minItems": 1, "items": {
            "enum": ["cluster_manager", "master", "data", "ingest", "search", "ml",
                     "remote_cluster_client"]}},
        resources=RESOURCES, jvm={"type": "string"})},
))

_LABELLED = {"type": "object", "required": ["name", "labels"],
             "properties": {"name": NAME, "namespace": NAME,
                            "labels": {"type": "object",
                                       "additionalProperties": {"type": "string"}}}}
_DURATION = {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w|y))+$"}
SERVICE_MONITOR = _resource("monitoring.coreos.com/v1", "ServiceMonitor", _closed(
    ["selector", "endpoints"],
    jobLabel={"type": "string"},
    selector=_closed(["matchLabels"], matchLabels={
        "type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}),
    endpoints={"type": "array", "minItems": 1, "items": _closed(
        ["port", "path"], port=NAME, path={"type": "string", "pattern": "^/"},
        interval=_DURATION, scrapeTimeout=_DURATION,
        authorization=_closed(["type", "credentials"], type={"const": "Bearer"},
                              credentials=_closed(["name", "key"], name=NAME,
                                                  key={"type": "string"})))},
), metadata=_LABELLED)
PROMETHEUS_RULE = _resource("monitoring.coreos.com/v1", "PrometheusRule", _closed(
    ["groups"],
    groups={"type": "array", "minItems": 1, "items": _closed(
        ["name", "rules"], name={"type": "string"}, interval=_DURATION,
        rules={"type": "array", "minItems": 1, "items": _closed(
            ["alert", "expr"], alert={"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            expr={"type": "string", "minLength": 1}, **{"for": _DURATION},
            labels={"type": "object", "additionalProperties": {"type": "string"}},
            annotations={"type": "object", "additionalProperties": {"type": "string"}})})},
), metadata=_LABELLED)

SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    (s["properties"]["apiVersion"]["const"], s["properties"]["kind"]["const"]): s
    for s in (KAFKA, KAFKA_NODE_POOL, KAFKA_TOPIC, K8SSANDRA_CLUSTER, OPENSEARCH_CLUSTER,
              SERVICE_MONITOR, PROMETHEUS_RULE)
}
