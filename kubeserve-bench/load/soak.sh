#!/usr/bin/env bash
# Soak: the standalone server under steady moderate load for a long time, watching its memory.
#
#   kubeserve-bench/load/soak.sh [SERVER_JAR]     (default kubeserve-server/target/kubeserve-server.jar)
#
# Builds nothing: run `mvn -q -B install -DskipTests` first. Starts the server on examples/models
# (127.0.0.1 only), drives V2 JSON iris requests with wrk at CONNECTIONS for WARMUP + DURATION
# seconds, and every SAMPLE_EVERY seconds records RSS (/proc/PID/status) and heap in use (the sum
# of jvm_memory_used_bytes{area="heap"} from /metrics) into a CSV. Reports the growth from the
# end of the warm-up to the last sample: heap after a full GC (jcmd GC.run at both ends, so the
# heap's sawtooth does not decide the figure), and RSS (from the sample after that first GC, since
# the GC hands committed heap back for a few seconds). Writes bench-results/soak-<date>.csv
# and .md and prints the summary. Exits 3 when a growth is at or over GOAL_PERCENT or a request
# failed, so CI can run it (e.g. DURATION=60 WARMUP=15).
#
# Settings (environment; JAVA_OPTS="-Xms256m -Xmx256m" fixes the heap, so RSS growth is native):
#   DURATION=600  WARMUP=30  SAMPLE_EVERY=10  CONNECTIONS=8  WRK_THREADS=1  GOAL_PERCENT=5
#   SERVER_PORT=38190  JAVA_OPTS=  MODELS=examples/models  STARTUP_TIMEOUT=60
#
# Only 127.0.0.1 is targeted; the server and wrk are stopped on exit, whatever happens.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

SERVER_JAR="${1:-kubeserve-server/target/kubeserve-server.jar}"
MODELS="${MODELS:-examples/models}"
DURATION="${DURATION:-600}"
WARMUP="${WARMUP:-30}"
SAMPLE_EVERY="${SAMPLE_EVERY:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
WRK_THREADS="${WRK_THREADS:-1}"
GOAL_PERCENT="${GOAL_PERCENT:-5}"
SERVER_PORT="${SERVER_PORT:-38190}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
JAVA_OPTS="${JAVA_OPTS:-}"
HOST=127.0.0.1
LUA="$ROOT/kubeserve-bench/load/post.lua"

die() { echo "soak.sh: $*" >&2; exit 1; }

[[ -f "$SERVER_JAR" ]] || die "no server jar at $SERVER_JAR; build with: mvn -q -B install -DskipTests"
[[ -d "$MODELS" ]] || die "no model repository at $MODELS"
[[ "$DURATION" =~ ^[0-9]+$ && "$WARMUP" =~ ^[0-9]+$ && "$SAMPLE_EVERY" =~ ^[1-9][0-9]*$ ]] \
  || die "DURATION, WARMUP and SAMPLE_EVERY are whole seconds"
(( DURATION >= 3 * SAMPLE_EVERY )) || die "DURATION must cover at least three samples (${SAMPLE_EVERY}s each)"
if ! command -v wrk >/dev/null; then
  echo "wrk is missing; installing the Debian package" >&2
  apt-get install -y -qq wrk >/dev/null || die "cannot install wrk; apt-get install -y wrk"
fi
command -v curl >/dev/null || die "curl is needed"
if curl -s -o /dev/null -m 1 "http://$HOST:$SERVER_PORT/"; then
  die "something already listens on $HOST:$SERVER_PORT; set SERVER_PORT"
fi
HAVE_JCMD=0
command -v jcmd >/dev/null && HAVE_JCMD=1

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d -t kubeserve-soak.XXXXXX)"
SERVER_PID=""
WRK_PID=""
cleanup() {
  local pid
  for pid in "$WRK_PID" "$SERVER_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# one JVM memory figure from /metrics, bytes, all pools of an area summed (values are floats like 1.2E7):
# jvm_bytes used|committed heap|nonheap
jvm_bytes() {
  curl -s -m 5 "http://$HOST:$SERVER_PORT/metrics" \
    | awk -v m="jvm_memory_$1_bytes{" -v a="area=\"$2\"" 'index($0, m) == 1 && index($0, a) {sum += $NF} END {printf "%.0f", sum}'
}
heap_bytes() { jvm_bytes used heap; }
# what the CSV records besides RSS: heap used and committed, non-heap used (RSS growth beyond the
# committed heap and non-heap is native memory outside the JVM's accounting: the engines, malloc)
jvm_columns() { echo "$(jvm_bytes used heap),$(jvm_bytes committed heap),$(jvm_bytes used nonheap)"; }
GC_FAILED=0
full_gc() {
  if (( HAVE_JCMD )); then
    # under load the attach can fail; then the heap figure is a plain sample, and the report says so
    timeout 20 jcmd "$SERVER_PID" GC.run >/dev/null 2>&1 || GC_FAILED=1
    sleep 1
  fi
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (a > 0) printf "%.2f", 100 * (b - a) / a; else print "n/a"}'; }

# ---- server
BODY="$WORK/iris-v2.json"
printf '%s' '{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}' > "$BODY"
URL="http://$HOST:$SERVER_PORT/v2/models/iris/infer"
echo "== starting KubeServe ($SERVER_JAR) on $HOST:$SERVER_PORT with $MODELS" >&2
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$SERVER_JAR" --model-repository "$MODELS" --host "$HOST" --port "$SERVER_PORT" \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
deadline=$(( $(date +%s) + STARTUP_TIMEOUT ))
until curl -s -m 2 -H 'Content-Type: application/json' --data-binary "@$BODY" "$URL" 2>/dev/null | grep -q setosa; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server died before answering"; }
  (( $(date +%s) < deadline )) || die "no correct answer within ${STARTUP_TIMEOUT}s"
  sleep 0.2
done

# ---- load and samples
TOTAL=$(( WARMUP + DURATION ))
echo "== wrk: $CONNECTIONS connections, ${WARMUP}s warm-up + ${DURATION}s measured; a sample every ${SAMPLE_EVERY}s" >&2
BODY_FILE="$BODY" wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${TOTAL}s" --timeout 5s --latency -s "$LUA" "$URL" \
  > "$WORK/wrk.txt" 2>&1 &
WRK_PID=$!

mkdir -p bench-results
STAMP="$(date -u +%Y%m%d-%H%M%S)"
CSV="bench-results/soak-$STAMP.csv"
REPORT="bench-results/soak-$STAMP.md"
echo "seconds,rss_kb,heap_used_bytes,heap_committed_bytes,nonheap_used_bytes,threads,fds,load1" > "$CSV"
START="$(date +%s)"
BASE_RSS=""; BASE_HEAP_GC=""; BASE_T=""
elapsed=0
while kill -0 "$WRK_PID" 2>/dev/null && (( elapsed < TOTAL + 30 )); do
  elapsed=$(( $(date +%s) - START ))
  if [[ -n "$BASE_HEAP_GC" && -z "$BASE_T" ]]; then
    # RSS baseline one interval after that GC: a full GC makes G1 give back committed heap, which
    # it takes again within seconds under load; measured at once, RSS growth would be that regrowth
    BASE_T="$elapsed"; BASE_RSS="$(rss_kb "$SERVER_PID")"
  fi
  if [[ -z "$BASE_HEAP_GC" ]] && (( elapsed >= WARMUP )); then
    # the end of the warm-up: heap measured after a full GC
    full_gc
    BASE_HEAP_GC="$(heap_bytes)"
  fi
  echo "$elapsed,$(rss_kb "$SERVER_PID"),$(jvm_columns),$(threads "$SERVER_PID"),$(fds "$SERVER_PID"),$(cut -d' ' -f1 /proc/loadavg)" >> "$CSV"
  # the last sample is taken while wrk still runs: sleep no longer than what is left
  left=$(( TOTAL - ( $(date +%s) - START ) - 1 ))
  (( left > 0 )) || break
  sleep $(( left < SAMPLE_EVERY ? left : SAMPLE_EVERY ))
done
# the end: same measurement as the baseline, still under load
LAST_T=$(( $(date +%s) - START ))
LAST_RSS="$(rss_kb "$SERVER_PID")"
full_gc
LAST_HEAP_GC="$(heap_bytes)"
echo "$LAST_T,$LAST_RSS,$(jvm_columns),$(threads "$SERVER_PID"),$(fds "$SERVER_PID"),$(cut -d' ' -f1 /proc/loadavg)" >> "$CSV"
wait "$WRK_PID" || true
WRK_PID=""
[[ -n "$BASE_T" ]] || die "wrk ended before the warm-up did; see $WORK/wrk.txt"

REQUESTS="$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")"
RPS="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$WORK/wrk.txt")"
P50="$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")"
P99="$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")"
ERRORS="$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$WORK/wrk.txt")"
RSS_GROWTH="$(pct "$BASE_RSS" "$LAST_RSS")"
HEAP_GROWTH="$(pct "$BASE_HEAP_GC" "$LAST_HEAP_GC")"
MAX_RSS="$(awk -F, 'NR > 1 && $2 > m {m = $2} END {print m}' "$CSV")"
MAX_HEAP="$(awk -F, 'NR > 1 && $3 > m {m = $3} END {print m}' "$CSV")"
MAX_COMMITTED="$(awk -F, 'NR > 1 && $4 > m {m = $4} END {print m}' "$CSV")"
LAST_NONHEAP="$(tail -n 1 "$CSV" | cut -d, -f5)"
VERDICT="met"
for g in "$RSS_GROWTH" "$HEAP_GROWTH"; do
  awk -v g="$g" -v goal="$GOAL_PERCENT" 'BEGIN {exit !(g == "n/a" || g >= goal)}' && VERDICT="missed"
done
(( ERRORS == 0 )) || VERDICT="missed (errors)"

{
  echo "# KubeServe soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- JDK: $(java -version 2>&1 | head -n 1); JAVA_OPTS: '${JAVA_OPTS}'; models: $MODELS"
  echo "- load: wrk, $WRK_THREADS thread(s), $CONNECTIONS connections, V2 JSON iris, ${WARMUP}s warm-up + ${DURATION}s; a sample every ${SAMPLE_EVERY}s"
  echo "- requests: $REQUESTS ($RPS/s), p50 $P50, p99 $P99, failed (non-2xx or socket errors): $ERRORS"
  echo "- samples: $CSV"
  echo
  echo "| measure | baseline (t=${BASE_T}s) | last (t=${LAST_T}s) | growth | goal |"
  echo "|---|---:|---:|---:|---:|"
  echo "| RSS (KiB) | $BASE_RSS | $LAST_RSS | $RSS_GROWTH % | < $GOAL_PERCENT % |"
  echo "| heap after full GC (bytes)$( (( HAVE_JCMD && ! GC_FAILED )) || echo ', GC.run failed or no jcmd: as sampled') | $BASE_HEAP_GC | $LAST_HEAP_GC | $HEAP_GROWTH % | < $GOAL_PERCENT % |"
  echo
  echo "Peaks over the run: RSS $MAX_RSS KiB, heap in use $MAX_HEAP bytes (sampled, before any GC), heap committed"
  echo "$MAX_COMMITTED bytes; non-heap in use at the end $LAST_NONHEAP bytes. RSS beyond committed heap + non-heap is"
  echo "native memory the JVM does not account for (engines, malloc)."
  echo
  echo "Goal: **$VERDICT**."
} > "$REPORT"
cat "$REPORT"
echo "written to $REPORT" >&2
[[ "$VERDICT" == "met" ]] || exit 3
