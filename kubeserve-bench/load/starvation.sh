#!/usr/bin/env bash
# Starvation run: does a saturated slow model hold up a fast one?
#
#   kubeserve-bench/load/starvation.sh [SERVER_JAR]   (default kubeserve-server/target/kubeserve-server.jar)
#
# One server, one repository (make_slow_model.py): `slow` (about 1 s a call, dynamic batching max 4,
# one instance) and `iris`. First iris alone: wrk, IRIS_CONNS connections for MEASURE; then the
# same while SLOW_CONNS clients keep `slow` saturated (started SETTLE before, so its queue is full).
# Prints iris p50/p99 both ways and their ratio, and what `slow` answered meanwhile.
#
# Settings (environment): IRIS_CONNS=4 SLOW_CONNS=150 MEASURE=15s SETTLE=5 PORT=38190
#   SLOW_QUEUE=256 (max_queue_size of slow: at least SLOW_CONNS, so every client waits in the queue;
#   0 keeps the server's default, and the clients beyond it get 503 at once and retry)
# Needs wrk, curl and /usr/bin/python3 with python3-onnx. Only 127.0.0.1 is targeted; the server
# and the load are stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
JAR="${1:-kubeserve-server/target/kubeserve-server.jar}"
IRIS_CONNS="${IRIS_CONNS:-4}"
SLOW_CONNS="${SLOW_CONNS:-150}"
MEASURE="${MEASURE:-15s}"
SETTLE="${SETTLE:-5}"
PORT="${PORT:-38190}"
SLOW_QUEUE="${SLOW_QUEUE:-256}"
[[ -f "$JAR" ]] || { echo "no server jar at $JAR; build with: mvn -q -B install -DskipTests" >&2; exit 1; }

LOAD_BEFORE="$(cut -d" " -f1-3 /proc/loadavg)"
WORK="$(mktemp -d -t kubeserve-starve.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

/usr/bin/python3 kubeserve-bench/load/make_slow_model.py "$WORK/repo" examples/models/iris/1/model.onnx \
  --max-queue-size "$SLOW_QUEUE" >/dev/null
echo '{"inputs": [{"name": "float_input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}]}' > "$WORK/iris.json"
echo '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 1], "data": [1.0]}]}' > "$WORK/slow.json"

OPT_OUT_TRACKING=true java -jar "$JAR" --model-repository "$WORK/repo" --port "$PORT" --host 127.0.0.1 \
  > "$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/v2/models/slow/ready" >/dev/null || { echo "slow is not ready" >&2; exit 1; }

iris() {  # wrk on iris; prints "p50_ms p99_ms rps non2xx timeouts"
  BODY_FILE="$WORK/iris.json" wrk -t1 -c"$IRIS_CONNS" -d"$MEASURE" --latency -s kubeserve-bench/load/post.lua \
    "http://127.0.0.1:$PORT/v2/models/iris/infer" > "$WORK/iris.txt"
  awk '
    function ms(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); if (u == "us") n /= 1000; else if (u == "s") n *= 1000; return n }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF } /Socket errors/ { timeouts = $NF }
    END { printf "%.3f %.3f %.0f %d %d\n", p50, p99, rps, bad, timeouts }' "$WORK/iris.txt"
}

iris >/dev/null   # warm-up
read -r IDLE_P50 IDLE_P99 IDLE_RPS IDLE_BAD IDLE_TIMEOUTS < <(iris)

SLOW_SECONDS=$(( ${MEASURE%s} + SETTLE + 5 ))
BODY_FILE="$WORK/slow.json" wrk -t1 -c"$SLOW_CONNS" -d"${SLOW_SECONDS}s" --timeout 120s -s kubeserve-bench/load/post.lua \
  "http://127.0.0.1:$PORT/v2/models/slow/infer" > "$WORK/slow.txt" 2>&1 &
PIDS+=("$!")
SLOW_WRK=$!
sleep "$SETTLE"
DEPTH="$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^model_queue_depth\{.*model="slow"/ {print $2}')"
read -r BUSY_P50 BUSY_P99 BUSY_RPS BUSY_BAD BUSY_TIMEOUTS < <(iris)
wait "$SLOW_WRK" || true
SLOW_DONE="$(awk '/requests in/ {print $1}' "$WORK/slow.txt")"
SLOW_BAD="$(awk '/Non-2xx/ {print $NF}' "$WORK/slow.txt")"

echo "iris alone:            p50 ${IDLE_P50} ms  p99 ${IDLE_P99} ms  ${IDLE_RPS} req/s  non-2xx ${IDLE_BAD}  timeouts (2 s) ${IDLE_TIMEOUTS}"
echo "iris, slow saturated:  p50 ${BUSY_P50} ms  p99 ${BUSY_P99} ms  ${BUSY_RPS} req/s  non-2xx ${BUSY_BAD}  timeouts (2 s) ${BUSY_TIMEOUTS}"
echo "slow: ${SLOW_CONNS} clients, queue depth ${DEPTH:-?} after ${SETTLE} s, ${SLOW_DONE:-0} answers, non-2xx ${SLOW_BAD:-0}"
awk -v a="$IDLE_P99" -v b="$BUSY_P99" -v n="$BUSY_RPS" 'BEGIN {
  if (n == 0) print "iris p99 saturated / alone: no iris request was answered within wrk'"'"'s 2 s timeout"
  else printf "iris p99 saturated / alone: %.2f (target <= 2)\n", b / a }'
echo "($(nproc) CPUs, load average before: ${LOAD_BEFORE}, jar $(basename "$JAR"))"
