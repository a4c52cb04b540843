# Sourced by run_distributed.sh (and its test): `supervise NAME CMD...` runs CMD
# and restarts it when it dies, instead of stopping the whole topology.
# - a pause of PARLONS_RESTART_PAUSE seconds (default 2) before each restart;
# - at most PARLONS_RESTART_MAX restarts (default 5) within
#   PARLONS_RESTART_WINDOW seconds (default 60): beyond that it is a crash loop,
#   and supervise gives up with the command's exit code (no hot loop);
# - exit code 0 (asked to stop) and 3 are final: 3 means the event log lost what
#   the worker had already seen (ADR 0032), which no restart can fix: an operator
#   decides, after `parlons verify`;
# - SIGTERM/SIGINT stop the command and the supervisor.

supervise() {
  local name=$1; shift
  local pause=${PARLONS_RESTART_PAUSE:-2} max=${PARLONS_RESTART_MAX:-5}
  local window=${PARLONS_RESTART_WINDOW:-60}
  local child="" code now recent restarts=()
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while :; do
    "$@" &
    child=$!
    code=0
    wait "$child" || code=$?  # (the caller may run under set -e)
    child=""
    if [ "$code" -eq 0 ]; then
      return 0
    fi
    if [ "$code" -eq 3 ]; then
      echo "supervise: $name stopped: the event log is behind what it had seen (exit 3); not restarted, run \`parlons verify\`" >&2
      return 3
    fi
    now=$(date +%s)
    recent=()
    for t in "${restarts[@]}"; do
      if [ $((now - t)) -lt "$window" ]; then recent+=("$t"); fi
    done
    restarts=("${recent[@]}")
    if [ "${#restarts[@]}" -ge "$max" ]; then
      echo "supervise: $name exited with $code, ${#restarts[@]} restarts in ${window}s: giving up" >&2
      return "$code"
    fi
    restarts+=("$now")
    echo "supervise: $name exited with $code; restart ${#restarts[@]}/$max in ${pause}s" >&2
    sleep "$pause"
  done
}
