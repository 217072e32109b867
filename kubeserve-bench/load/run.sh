#!/usr/bin/env bash
# Load harness: KubeServe's server against a bare Undertow floor, over loopback, with wrk.
#
#   kubeserve-bench/load/run.sh [SERVER_JAR]     (default kubeserve-server/target/kubeserve-server.jar)
#
# Builds nothing: run `mvn -q -B install -DskipTests` first (it makes both jars). Measures, for
# examples/models: start -> first correct V2 prediction (ms), then requests/s, p50, p99, RSS and
# CPU at each concurrency, for the server and for io.kubeserve.bench.BareUndertowServer answering
# the server's own response bytes. Writes bench-results/load-<date>.md and prints it.
#
# Settings (environment):
#   DURATION=10s  WARMUP=15s  CONCURRENCY="1 8 32 64"  WRK_THREADS=1
#   SERVER_PORT=38180  BARE_PORT=38181  SECOND_PORT=38182  JAVA_OPTS=  STARTUP_TIMEOUT=60
#   BENCH_JAR=kubeserve-bench/target/benchmarks.jar  MODELS=examples/models
#   SKIP_BARE=1 leaves out the bare Undertow floor (when comparing server settings only)
# An optional second model, served alone by a second server process, driven the same way (e.g. a
# compute-heavy model from make_wide_mlp.py, once with batching off and once on, to compare):
#   SECOND_MODEL_REPO=DIR  SECOND_MODEL=NAME  [SECOND_MODEL_INPUT=input SECOND_MODEL_FEATURES=256
#   SECOND_LABEL=NAME]
#
# Only 127.0.0.1 is ever targeted; every process started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

SERVER_JAR="${1:-kubeserve-server/target/kubeserve-server.jar}"
BENCH_JAR="${BENCH_JAR:-kubeserve-bench/target/benchmarks.jar}"
MODELS="${MODELS:-examples/models}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-15s}"
CONCURRENCY="${CONCURRENCY:-1 8 32 64}"
WRK_THREADS="${WRK_THREADS:-1}"
SERVER_PORT="${SERVER_PORT:-38180}"
BARE_PORT="${BARE_PORT:-38181}"
SECOND_PORT="${SECOND_PORT:-38182}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
JAVA_OPTS="${JAVA_OPTS:-}"
SECOND_MODEL_REPO="${SECOND_MODEL_REPO:-}"
SECOND_MODEL="${SECOND_MODEL:-}"
SECOND_MODEL_INPUT="${SECOND_MODEL_INPUT:-input}"
SECOND_MODEL_FEATURES="${SECOND_MODEL_FEATURES:-256}"
SECOND_LABEL="${SECOND_LABEL:-$SECOND_MODEL}"
SKIP_BARE="${SKIP_BARE:-0}"
HOST=127.0.0.1
LUA="$ROOT/kubeserve-bench/load/post.lua"

die() { echo "run.sh: $*" >&2; exit 1; }

[[ -f "$SERVER_JAR" ]] || die "no server jar at $SERVER_JAR; build with: mvn -q -B install -DskipTests"
[[ -f "$BENCH_JAR" ]] || die "no bench jar at $BENCH_JAR; build with: mvn -q -B install -DskipTests"
[[ -d "$MODELS" ]] || die "no model repository at $MODELS"
if [[ -n "$SECOND_MODEL_REPO" || -n "$SECOND_MODEL" ]]; then
  [[ -d "$SECOND_MODEL_REPO" && -n "$SECOND_MODEL" ]] || die "SECOND_MODEL_REPO must be a directory and SECOND_MODEL a model in it"
fi
if ! command -v wrk >/dev/null; then
  echo "wrk is missing; installing the Debian package" >&2
  apt-get install -y -qq wrk >/dev/null || die "cannot install wrk; apt-get install -y wrk"
fi
command -v curl >/dev/null || die "curl is needed"
for port in "$SERVER_PORT" "$BARE_PORT" "$SECOND_PORT"; do
  if curl -s -o /dev/null -m 1 "http://$HOST:$port/"; then
    die "something already listens on $HOST:$port; set SERVER_PORT/BARE_PORT/SECOND_PORT"
  fi
done

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d -t kubeserve-load.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
CLK_TCK="$(getconf CLK_TCK)"

# stop_pid PID: SIGTERM, wait for it to go, and forget it
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${PIDS[@]}"; do [[ "$pid" != "$1" ]] && kept+=("$pid"); done
  PIDS=("${kept[@]:-}")
}

# wait_for_answer PID URL BODY EXPECT: polls until the answer contains EXPECT; prints ms since START_NS
wait_for_answer() {
  local pid="$1" url="$2" body="$3" expect="$4" deadline answer
  deadline=$(( $(date +%s) + STARTUP_TIMEOUT ))
  while true; do
    answer="$(curl -s -m 2 -H 'Content-Type: application/json' --data-binary "@$body" "$url" || true)"
    if [[ "$answer" == *"$expect"* ]]; then
      echo $(( ($(now_ns) - START_NS) / 1000000 ))
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || die "process $pid died before answering; its log: $WORK/*.log"
    (( $(date +%s) < deadline )) || die "no correct answer from $url within ${STARTUP_TIMEOUT}s"
    sleep 0.005
  done
}

# to_ms VALUE: wrk latency (123.45us, 1.20ms, 1.01s) in milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

ROWS=()
declare -A RPS

# drive LABEL PID URL BODY: warm-up, then one wrk run per concurrency, one table row each.
# The warm-up is long because C2 still took a third of a core 5 s into a run of the server.
drive() {
  local label="$1" pid="$2" url="$3" body="$4" c out t0 t1 c0 c1 rps p50 p99 errors cpu
  echo "== $label: warm-up $WARMUP at 8 connections" >&2
  BODY_FILE="$body" wrk -t "$WRK_THREADS" -c 8 -d "$WARMUP" -s "$LUA" "$url" >/dev/null
  for c in $CONCURRENCY; do
    c0="$(cpu_ticks "$pid")"; t0="$(now_ns)"
    out="$(BODY_FILE="$body" wrk -t "$(( c < WRK_THREADS ? c : WRK_THREADS ))" -c "$c" -d "$DURATION" \
      --timeout 5s --latency -s "$LUA" "$url")"
    t1="$(now_ns)"; c1="$(cpu_ticks "$pid")"
    echo "$out" > "$WORK/wrk-${label// /_}-$c.txt"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    errors="$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")"
    cpu="$(awk -v d="$((c1 - c0))" -v hz="$CLK_TCK" -v ns="$((t1 - t0))" 'BEGIN {printf "%.0f", 100 * d / hz / (ns / 1e9)}')"
    RPS["$label:$c"]="$rps"
    ROWS+=("$label|$c|$rps|$p50|$p99|$errors|$(rss_mb "$pid")|$cpu")
    echo "   $label c=$c: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $errors, CPU $cpu%" >&2
  done
}

# ---- KubeServe on examples/models
IRIS_BODY="$WORK/iris-v2.json"
printf '%s' '{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}' > "$IRIS_BODY"
IRIS_URL="http://$HOST:$SERVER_PORT/v2/models/iris/infer"

echo "== starting KubeServe ($SERVER_JAR) on $HOST:$SERVER_PORT with $MODELS" >&2
START_NS="$(now_ns)"
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$SERVER_JAR" --model-repository "$MODELS" --host "$HOST" --port "$SERVER_PORT" \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
FIRST_MS="$(wait_for_answer "$SERVER_PID" "$IRIS_URL" "$IRIS_BODY" setosa)"
echo "   first correct prediction after $FIRST_MS ms" >&2
curl -s -H 'Content-Type: application/json' --data-binary "@$IRIS_BODY" -o "$WORK/iris-response.json" "$IRIS_URL"
drive "kubeserve iris" "$SERVER_PID" "$IRIS_URL" "$IRIS_BODY"
stop_pid "$SERVER_PID"

# ---- bare Undertow, answering the server's own bytes
BARE_FIRST_MS="skipped"
if [[ "$SKIP_BARE" != 1 ]]; then
  echo "== starting bare Undertow on $HOST:$BARE_PORT" >&2
  START_NS="$(now_ns)"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -cp "$BENCH_JAR" io.kubeserve.bench.BareUndertowServer "$BARE_PORT" "$WORK/iris-response.json" \
    > "$WORK/bare.log" 2>&1 &
  BARE_PID=$!
  PIDS+=("$BARE_PID")
  BARE_FIRST_MS="$(wait_for_answer "$BARE_PID" "http://$HOST:$BARE_PORT/" "$IRIS_BODY" setosa)"
  drive "bare undertow" "$BARE_PID" "http://$HOST:$BARE_PORT/v2/models/iris/infer" "$IRIS_BODY"
  stop_pid "$BARE_PID"
fi

# ---- optional second model
SECOND_FIRST_MS=""
if [[ -n "$SECOND_MODEL" ]]; then
  SECOND_BODY="$WORK/second-v2.json"
  awk -v n="$SECOND_MODEL_FEATURES" -v input="$SECOND_MODEL_INPUT" 'BEGIN {
    srand(42); printf "{\"inputs\":[{\"name\":\"%s\",\"shape\":[1,%d],\"datatype\":\"FP32\",\"data\":[", input, n
    for (i = 0; i < n; i++) printf "%s%.5f", (i ? "," : ""), rand() * 2 - 1
    printf "]}]}" }' > "$SECOND_BODY"
  SECOND_URL="http://$HOST:$SECOND_PORT/v2/models/$SECOND_MODEL/infer"
  echo "== starting KubeServe on $HOST:$SECOND_PORT with $SECOND_MODEL_REPO ($SECOND_LABEL)" >&2
  START_NS="$(now_ns)"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$SERVER_JAR" --model-repository "$SECOND_MODEL_REPO" --host "$HOST" \
    --port "$SECOND_PORT" > "$WORK/second.log" 2>&1 &
  SECOND_PID=$!
  PIDS+=("$SECOND_PID")
  SECOND_FIRST_MS="$(wait_for_answer "$SECOND_PID" "$SECOND_URL" "$SECOND_BODY" '"outputs"')"
  drive "$SECOND_LABEL" "$SECOND_PID" "$SECOND_URL" "$SECOND_BODY"
  stop_pid "$SECOND_PID"
fi

# ---- report
mkdir -p bench-results
REPORT="bench-results/load-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "# KubeServe load run, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
  echo "- JDK: $(java -version 2>&1 | head -n 1); JAVA_OPTS: '${JAVA_OPTS}'"
  echo "- $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2); $WRK_THREADS thread(s), $DURATION per run after a $WARMUP warm-up at 8 connections; client and server share the cores"
  echo "- request: V2 JSON iris, one row (POST /v2/models/iris/infer), $(wc -c < "$IRIS_BODY") bytes; response $(wc -c < "$WORK/iris-response.json") bytes"
  echo "- start -> first correct prediction (JVM launch to first answer naming setosa): **$FIRST_MS ms** (bare Undertow's first answer: $BARE_FIRST_MS ms)"
  [[ -n "$SECOND_FIRST_MS" ]] && echo "- $SECOND_LABEL: $SECOND_MODEL from $SECOND_MODEL_REPO, $SECOND_MODEL_FEATURES features; first answer after $SECOND_FIRST_MS ms"
  echo
  echo "Server log at start (its own timings):"
  echo
  echo '```'
  grep -E "listening on|ready on|READY|FAILED|ready in|NOT ready" "$WORK/server.log" | cut -c1-200 || true
  echo '```'
  echo
  echo "| target | connections | req/s | p50 ms | p99 ms | errors | RSS MB | CPU % (100 = 1 core) | server/bare |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r label c rps p50 p99 errors rss cpu <<<"$row"
    ratio="-"
    if [[ "$label" == "kubeserve iris" && -n "${RPS["bare undertow:$c"]:-}" && "${RPS["bare undertow:$c"]}" != 0 ]]; then
      ratio="$(awk -v a="$rps" -v b="${RPS["bare undertow:$c"]}" 'BEGIN {printf "%.2f", a / b}')"
    fi
    echo "| $label | $c | $rps | $p50 | $p99 | $errors | $rss | $cpu | $ratio |"
  done
} > "$REPORT"
cat "$REPORT"
echo "written to $REPORT" >&2
