#!/usr/bin/env bash
# Start-up of two server command lines, in alternating pairs, so a machine's drift hits both alike:
#
#   kubeserve-bench/load/startup_pairs.sh PAIRS "COMMAND A" "COMMAND B"
#
# e.g. (the documented CDS recipe, docs/CONTAINER.md; $FLAGS and $J as there):
#   startup_pairs.sh 5 "java -XX:SharedArchiveFile=ks.jsa $FLAGS -jar $J" \
#                      "java -XX:SharedArchiveFile=ks.jsa $FLAGS -cp $J io.kubeserve.server.Main"
#
# Each command gets "--model-repository REPO --port 18601 --grpc-port 18602 --host 127.0.0.1"
# appended and runs pinned to CPU 0 (SERVER_CPU); curl polls from CPU 1 (CLIENT_CPU) every 10 ms:
# launch → the first 200 of /v2/health/ready, then → the first 200 of a V2 prediction of iris.
# Prints one line per start (ready ms, first prediction ms, CPU ms at that point, RSS MB) and the
# median of B - A over the pairs. REPO defaults to a copy of examples/models/iris; MODEL names the
# model to predict with (default iris, an FP32 [1,4] input). Only 127.0.0.1 is targeted; each server
# is stopped (SIGTERM) before the next starts.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[[ $# -eq 3 ]] || { sed -n '2,16p' "$0" >&2; exit 2; }
PAIRS="$1" A="$2" B="$3"
SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}" MODEL="${MODEL:-iris}"
WORK="$(mktemp -d -t kubeserve-startup.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
REPO="${REPO:-}"
if [[ -z "$REPO" ]]; then
  REPO="$WORK/models"
  mkdir -p "$REPO" && cp -r "$ROOT/examples/models/iris" "$REPO/"
fi
BODY='{"inputs":[{"name":"float_input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'
BASE=http://127.0.0.1:18601

now() { date +%s%3N; }
status() { taskset -c "$CLIENT_CPU" curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" || true; }

# start COMMAND: prints "ready_ms first_prediction_ms cpu_ms rss_mb"
start() {
  local t0 pid ready first cpu rss
  t0=$(now)
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CPU" $1 --model-repository "$REPO" --port 18601 --grpc-port 18602 --host 127.0.0.1 \
    >"$WORK/server.log" 2>&1 &
  pid=$!
  until [[ "$(status "$BASE/v2/health/ready")" == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }
    sleep 0.01
  done
  ready=$(( $(now) - t0 ))
  until [[ "$(status -X POST -H 'Content-Type: application/json' -d "$BODY" "$BASE/v2/models/$MODEL/infer")" == 200 ]]; do
    sleep 0.01
  done
  first=$(( $(now) - t0 ))
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$pid/stat")
  rss=$(awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  sleep 1
  echo "$ready $first $cpu $rss"
}

diffs=()
for pair in $(seq "$PAIRS"); do
  read -r ra fa ca ma < <(start "$A")
  read -r rb fb cb mb < <(start "$B")
  echo "pair $pair  A: ready $ra ms, first prediction $fa ms, CPU $ca ms, RSS $ma MB   B: ready $rb, first $fb, CPU $cb, RSS $mb"
  diffs+=($(( fb - fa )))
done
printf '%s\n' "${diffs[@]}" | sort -n | awk '{d[NR] = $1} END {
  m = NR % 2 ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2
  printf "first prediction, B - A: median %+d ms over %d pairs (min %+d, max %+d)\n", m, NR, d[1], d[NR] }'
