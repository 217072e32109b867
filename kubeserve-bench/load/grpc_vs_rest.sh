#!/usr/bin/env bash
# gRPC against REST, side by side in one run, on the same server process and the same tensors:
#
#   kubeserve-bench/load/grpc_vs_rest.sh [SERVER_JAR]   (default kubeserve-server/target/kubeserve-server.jar)
#
#   iris:  ModelInfer, FP32 [1,4] typed contents      vs  POST /v2/models/iris/infer, V2 JSON
#   wide:  ModelInfer, FP32 [64,256] raw contents      vs  POST /v2/models/wide_mlp/infer, V2 binary
#          (make_wide_mlp.py's 256->1024->1024->10 MLP)     (binary tensor data extension, binary answer)
#
# Builds nothing: run `mvn -q -B install -DskipTests` first (server jar and benchmarks.jar). One
# server serves iris (copied from examples/models) and wide_mlp (generated into a temp directory:
# needs /usr/bin/python3 with python3-torch and python3-onnx), pinned to CPU 1 with REST on
# SERVER_PORT and gRPC on GRPC_PORT (--grpc-port); the clients run on CPU 0. The load: wrk (one
# request in flight per connection) and h2load --h1 (the same C client as for gRPC, over HTTP/1.1, so
# one pair of rows compares the protocols with the client held equal) against REST; against gRPC both h2load (nghttp2's C client: one
# HTTP/2 connection per connection and one call in flight on each, the same closed loop as wrk, so
# neither protocol's figure is bound by a Java client sharing the machine), h2load again with all
# the calls in flight on one HTTP/2 connection (as a gRPC client multiplexes its calls on one
# channel; the REST clients need a connection per call in flight) and
# io.kubeserve.bench.GrpcLoad from benchmarks.jar (grpc-java's async stubs: one channel per
# connection, as many calls in flight as connections), at the same counts of calls in flight. h2load cannot
# read gRPC trailers: every call is checked once with curl first (grpc-status 0), and a call that
# fails under load is counted from the bytes received (a failed call has no message).
# The REST bodies come from GrpcLoad --write-rest-body, so both protocols carry the same values.
# Each target is warmed up once; then RUNS rounds, each running every target once (interleaved,
# so drift on a shared machine hits both protocols alike). Writes bench-results/grpc-vs-rest-<date>.md
# with the median of the rounds per target and the gRPC/REST ratios, and prints it; beside each
# wrk and h2load figure, the server's CPU time a call and how busy it was (from /proc/PID/stat), which
# tell whether a ratio compares the servers or the clients.
#
# Settings (environment):
#   RUNS=3  DURATION=10  WARMUP=30 (per target and client: the JIT compiles the HTTP/2 path late)  CLIENT_WARMUP=3 (GrpcLoad's own JIT warm-up in every run, seconds)
#   CONNECTIONS="1 8"  SERVER_PORT=38200  GRPC_PORT=38201  STARTUP_TIMEOUT=120  JAVA_OPTS=
#   CLIENT_JAVA_OPTS=  BENCH_JAR=kubeserve-bench/target/benchmarks.jar  WIDE_REPO=DIR (a repository
#   make_wide_mlp.py wrote before; skips generating it)  SERVER_CPU=1  CLIENT_CPU=0 (empty: no pinning)
#
# Only 127.0.0.1 is targeted; every process started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

SERVER_JAR="${1:-kubeserve-server/target/kubeserve-server.jar}"
BENCH_JAR="${BENCH_JAR:-kubeserve-bench/target/benchmarks.jar}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-30}"
CLIENT_WARMUP="${CLIENT_WARMUP:-3}"
CONNECTIONS="${CONNECTIONS:-1 8}"
SERVER_PORT="${SERVER_PORT:-38200}"
GRPC_PORT="${GRPC_PORT:-38201}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-120}"
JAVA_OPTS="${JAVA_OPTS:-}"
CLIENT_JAVA_OPTS="${CLIENT_JAVA_OPTS:-}"
WIDE_REPO="${WIDE_REPO:-}"
SERVER_CPU="${SERVER_CPU-1}"
CLIENT_CPU="${CLIENT_CPU-0}"
HOST=127.0.0.1
LUA="$ROOT/kubeserve-bench/load/post.lua"

die() { echo "grpc_vs_rest.sh: $*" >&2; exit 1; }

[[ -f "$SERVER_JAR" ]] || die "no server jar at $SERVER_JAR; build with: mvn -q -B install -DskipTests"
[[ -f "$BENCH_JAR" ]] || die "no bench jar at $BENCH_JAR; build with: mvn -q -B install -DskipTests"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ "$DURATION" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ && "$CLIENT_WARMUP" =~ ^[0-9]+$ ]] \
  || die "DURATION, WARMUP and CLIENT_WARMUP are whole seconds (DURATION at least 1)"
for c in $CONNECTIONS; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers, got '$c'"; done
if ! command -v wrk >/dev/null; then
  echo "wrk is missing; installing the Debian package" >&2
  apt-get install -y -qq wrk >/dev/null || die "cannot install wrk; apt-get install -y wrk"
fi
if ! command -v h2load >/dev/null; then
  echo "h2load is missing; installing the Debian package nghttp2-client" >&2
  apt-get install -y -qq nghttp2-client >/dev/null || die "cannot install h2load; apt-get install -y nghttp2-client"
fi
command -v curl >/dev/null || die "curl is needed"
for port in "$SERVER_PORT" "$GRPC_PORT"; do
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
    die "something already listens on $HOST:$port; set SERVER_PORT/GRPC_PORT"
  fi
done
# pinning: the server on SERVER_CPU, the clients on CLIENT_CPU, when there are two CPUs to pin to
SERVER_PIN=() CLIENT_PIN=()
if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
  [[ -n "$SERVER_CPU" ]] && SERVER_PIN=(taskset -c "$SERVER_CPU")
  [[ -n "$CLIENT_CPU" ]] && CLIENT_PIN=(taskset -c "$CLIENT_CPU")
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
WORK="$(mktemp -d -t kubeserve-grpc-rest.XXXXXX)"
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

# ---- the model repository: iris and the wide MLP (ONNX copy only: no PyTorch in the server)
REPO="$WORK/models"
mkdir -p "$REPO"
cp -r examples/models/iris "$REPO/iris"
if [[ -n "$WIDE_REPO" ]]; then
  [[ -f "$WIDE_REPO/wide_mlp/1/model.onnx" ]] || die "WIDE_REPO=$WIDE_REPO has no wide_mlp/1/model.onnx"
  cp -r "$WIDE_REPO/wide_mlp" "$REPO/wide_mlp"
else
  echo "== generating the wide MLP (make_wide_mlp.py)" >&2
  /usr/bin/python3 kubeserve-bench/load/make_wide_mlp.py "$WORK/wide" >/dev/null \
    || die "make_wide_mlp.py failed (apt-get install -y python3-torch python3-onnx), or set WIDE_REPO"
  mv "$WORK/wide/wide_mlp" "$REPO/wide_mlp"
fi

# ---- the REST bodies, from the same generator as GrpcLoad's requests
grpc_load() {
  # shellcheck disable=SC2086
  "${CLIENT_PIN[@]}" java $CLIENT_JAVA_OPTS -cp "$BENCH_JAR" io.kubeserve.bench.GrpcLoad "$@"
}
grpc_load --input iris --write-rest-body "$WORK/iris.json" >/dev/null
grpc_load --input iris --model iris --write-grpc-body "$WORK/iris.grpc"
grpc_load --input wide --model wide_mlp --write-grpc-body "$WORK/wide.grpc"
WIDE_HEADER="$(grpc_load --input wide --write-rest-body "$WORK/wide.bin")"
[[ "$WIDE_HEADER" =~ ^[0-9]+$ ]] || die "GrpcLoad printed no header length for the binary body: '$WIDE_HEADER'"

# ---- the server
echo "== starting KubeServe ($SERVER_JAR) on $HOST:$SERVER_PORT (REST) and :$GRPC_PORT (gRPC)${SERVER_PIN[*]:+, ${SERVER_PIN[*]}}" >&2
# shellcheck disable=SC2086
OPT_OUT_TRACKING=true "${SERVER_PIN[@]}" java $JAVA_OPTS -jar "$SERVER_JAR" --model-repository "$REPO" \
  --host "$HOST" --port "$SERVER_PORT" --grpc-port "$GRPC_PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
deadline=$(( $(date +%s) + STARTUP_TIMEOUT ))
until curl -sf "http://$HOST:$SERVER_PORT/v2/models/wide_mlp/ready" >/dev/null \
    && curl -sf "http://$HOST:$SERVER_PORT/v2/models/iris/ready" >/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    if grep -qiE "unknown option.*grpc-port|grpc-port.*(unknown|unmatched)" "$WORK/server.log"; then
      die "this server jar has no --grpc-port option yet"
    fi
    tail -n 20 "$WORK/server.log" >&2
    die "the server died before both models were ready"
  fi
  (( $(date +%s) < deadline )) || die "iris and wide_mlp not ready within ${STARTUP_TIMEOUT}s; log: $(tail -n 5 "$WORK/server.log")"
  sleep 0.2
done
curl -sf -H 'Content-Type: application/json' --data-binary "@$WORK/iris.json" \
  "http://$HOST:$SERVER_PORT/v2/models/iris/infer" | grep -q setosa || die "iris over REST did not answer setosa"

INFER_PATH="/inference.GRPCInferenceService/ModelInfer"
# the size of one answer's DATA (length prefix + ModelInferResponse), from one checked call
declare -A ANSWER_BYTES
for w in iris wide; do
  headers="$(curl -sS --http2-prior-knowledge -H 'Content-Type: application/grpc' -H 'TE: trailers' \
    --data-binary "@$WORK/$w.grpc" -D - -o "$WORK/$w.answer" "http://$HOST:$GRPC_PORT$INFER_PATH")"
  grep -qi '^grpc-status: 0' <<<"$headers" || die "gRPC ModelInfer of $w failed: $(tr -d '\r' <<<"$headers" | grep -i grpc-)"
  ANSWER_BYTES[$w]="$(wc -c < "$WORK/$w.answer")"
done

IRIS_URL="http://$HOST:$SERVER_PORT/v2/models/iris/infer"
WIDE_URL="http://$HOST:$SERVER_PORT/v2/models/wide_mlp/infer"

# to_ms VALUE: wrk latency (123.45us, 1.20ms, 1.01s) in milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

# rest WORKLOAD C SECONDS: one wrk run; prints "rps p50 p90 p99 max errors"
rest() {
  local workload="$1" c="$2" seconds="$3" out body url header=""
  if [[ "$workload" == iris ]]; then body="$WORK/iris.json" url="$IRIS_URL"
  else body="$WORK/wide.bin" url="$WIDE_URL" header="$WIDE_HEADER"; fi
  out="$(BODY_FILE="$body" BINARY_HEADER_LENGTH="$header" "${CLIENT_PIN[@]}" wrk -t1 -c "$c" -d "${seconds}s" \
    --timeout 5s --latency -s "$LUA" "$url")"
  echo "$out" >> "$WORK/wrk.txt"
  printf '%s %s %s %s %s %s\n' \
    "$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")" \
    "$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
    "$(to_ms "$(awk '$1 == "90%" {print $2}' <<<"$out")")" \
    "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" \
    "$(to_ms "$(awk '$1 == "Latency" {print $4; exit}' <<<"$out")")" \
    "$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")"
}

# h1 WORKLOAD C SECONDS: REST through h2load --h1 (the gRPC rows' client, over HTTP/1.1); prints
# "rps mean sd max errors" like h2 (errors: answers other than 2xx, and requests not done)
h1() {
  local workload="$1" c="$2" seconds="$3" out
  local args=(-H 'content-type: application/json' -d "$WORK/iris.json" "$IRIS_URL")
  if [[ "$workload" == wide ]]; then
    args=(-H 'content-type: application/octet-stream' -H "Inference-Header-Content-Length: $WIDE_HEADER"
          -d "$WORK/wide.bin" "$WIDE_URL")
  fi
  out="$("${CLIENT_PIN[@]}" h2load --h1 -D "$seconds" -c "$c" -m 1 "${args[@]}" 2>&1)"
  echo "$out" >> "$WORK/h2load-h1.txt"
  awk '
    function ms(v) { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; return n }
    /^finished in/ { rps = $4 }
    /^requests:/ { total = $2 }
    /^status codes:/ { ok = $3 }
    /^time for request:/ { mean = ms($6); sd = ms($7); max = ms($5) }
    END { printf "%.0f %.3f %.3f - %.3f %d\n", rps, mean, sd, max, (total > ok ? total - ok : 0) }' <<<"$out"
}

# grpc WORKLOAD C SECONDS CLIENT_WARMUP: one GrpcLoad run; prints "rps p50 p90 p99 max errors"
grpc() {
  local workload="$1" c="$2" seconds="$3" warm="$4" row args
  if [[ "$workload" == iris ]]; then args=(--model iris --input iris)
  else args=(--model wide_mlp --input wide); fi
  row="$(grpc_load --port "$GRPC_PORT" --connections "$c" --concurrency "$c" --duration "$seconds" \
    --warmup "$warm" "${args[@]}" 2>>"$WORK/grpcload.log")" || die "GrpcLoad failed: $(tail -n 3 "$WORK/grpcload.log")"
  echo "$row" >> "$WORK/grpcload.log"
  # | label | connections | in flight | req/s | p50 | p90 | p99 | max | errors (by status) |
  awk -F'|' '{ split($10, e, " "); gsub(/ /, "", $5); printf "%s %s %s %s %s %s\n", $5, $6 + 0, $7 + 0, $8 + 0, $9 + 0, e[1] }' <<<"$row"
}

# h2load WORKLOAD C SECONDS [STREAMS]: one h2load run, C connections with STREAMS calls in flight
# on each (default 1); prints "rps mean sd max errors" (h2load gives no percentiles: its mean
# request time stands in the p50 column, marked)
h2() {
  local workload="$1" c="$2" seconds="$3" streams="${4:-1}" out
  out="$("${CLIENT_PIN[@]}" h2load -D "$seconds" -c "$c" -m "$streams" -H 'content-type: application/grpc' -H 'te: trailers' \
    -d "$WORK/$workload.grpc" "http://$HOST:$GRPC_PORT$INFER_PATH" 2>&1)"
  echo "$out" >> "$WORK/h2load.txt"
  awk -v size="${ANSWER_BYTES[$workload]}" '
    function ms(v) { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; return n }
    /^finished in/ { rps = $4 }
    /^requests:/ { done = $8 }
    /^traffic:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^data/) { data = $i; gsub(/[(),]/, "", data) } }
    /^time for request:/ { mean = ms($6); sd = ms($7); max = ms($5) }
    END {
      ok = size > 0 ? int(data / size + 0.5) : done
      printf "%.0f %.3f %.3f - %.3f %d\n", rps, mean, sd, max, (done > ok ? done - ok : 0) }' <<<"$out"
}

declare -A LABEL=([iris:rest]="iris, REST V2 JSON (wrk)" [iris:h1]="iris, REST V2 JSON (h2load --h1)"
                  [iris:grpc]="iris, gRPC typed (GrpcLoad)" [iris:h2]="iris, gRPC typed (h2load)"
                  [iris:mux]="iris, gRPC typed (h2load, all on 1 connection)"
                  [wide:mux]="wide 64x256, gRPC raw (h2load, all on 1 connection)"
                  [wide:rest]="wide 64x256, REST V2 binary (wrk)" [wide:h1]="wide 64x256, REST V2 binary (h2load --h1)"
                  [wide:grpc]="wide 64x256, gRPC raw (GrpcLoad)" [wide:h2]="wide 64x256, gRPC raw (h2load)")
WORKLOADS=(iris wide)

# the server's CPU time so far (utime + stime), in clock ticks
CLOCK_TICKS="$(getconf CLK_TCK)"
server_ticks() {
  [[ -r "/proc/$SERVER_PID/stat" ]] || die "the server (pid $SERVER_PID) is gone; log: $(tail -n 5 "$WORK/server.log")"
  awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"
}
# server_share TICKS_BEFORE WALL_NS_BEFORE CALLS_A_SECOND: "µs-a-call busy-%" of the server since then,
# "- -" when the run made no calls. The calls: the client's rate times DURATION; the CPU time and the
# wall time: the whole run, the client's start and end included (the server idles then). Busy well
# under 100 % (on its one CPU, when pinned) means the client, not the server, set the pace.
server_share() {
  awk -v t0="$1" -v t1="$(server_ticks)" -v w0="$2" -v w1="$(date +%s%N)" -v rps="${3:-0}" -v d="$DURATION" \
      -v hz="$CLOCK_TICKS" 'BEGIN {
    if (rps + 0 <= 0) { print "- -"; exit }
    cpu = (t1 - t0) / hz; wall = (w1 - w0) / 1e9
    printf "%.1f %.0f", cpu / (rps * d) * 1e6, cpu / wall * 100 }'
}

for w in "${WORKLOADS[@]}"; do
  echo "== warm-up ${WARMUP}s: $w over REST, then over gRPC, at 8 connections, then 8 calls on one connection" >&2
  (( WARMUP > 0 )) && rest "$w" 8 "$WARMUP" >/dev/null
  (( WARMUP > 0 )) && h1 "$w" 8 "$WARMUP" >/dev/null
  (( WARMUP > 0 )) && grpc "$w" 8 1 "$WARMUP" >/dev/null
  (( WARMUP > 0 )) && h2 "$w" 8 "$WARMUP" >/dev/null
  (( WARMUP > 0 )) && h2 "$w" 1 "$WARMUP" 8 >/dev/null
done

for (( r = 1; r <= RUNS; r++ )); do
  for c in $CONNECTIONS; do
    for w in "${WORKLOADS[@]}"; do
      for p in rest h1 h2 mux grpc; do
        [[ "$p" == mux && "$c" == 1 ]] && continue # one connection with one call in flight: the h2 row
        ticks_before="$(server_ticks)" wall_before="$(date +%s%N)"
        case "$p" in
          rest) result="$(rest "$w" "$c" "$DURATION")" ;;
          h1) result="$(h1 "$w" "$c" "$DURATION")" ;;
          h2) result="$(h2 "$w" "$c" "$DURATION")" ;;
          mux) result="$(h2 "$w" 1 "$DURATION" "$c")" ;;
          *) result="$(grpc "$w" "$c" "$DURATION" "$CLIENT_WARMUP")" ;;
        esac
        if [[ "$p" == grpc ]]; then
          result="$result - -" # GrpcLoad's own warm-up and start-up fall inside the measured span
        else
          result="$result $(server_share "$ticks_before" "$wall_before" "${result%% *}")"
        fi
        echo "$result" >> "$WORK/results-$w-$p-$c.txt"
        echo "   round $r/$RUNS ${LABEL[$w:$p]} c=$c: rps p50 p90 p99 max errors server-µs-a-call server-busy% = $result" >&2
      done
    done
  done
done

# median COLUMN FILE [FORMAT]: the median of a column (1-based) over the rounds (default %.3f),
# of its numbers only ("-": not measured in that round); "-" when there are none
median() {
  cut -d' ' -f"$1" "$2" | grep -E '^-?[0-9.]+$' | sort -g | awk -v fmt="${3:-%.3f}" '{ v[NR] = $1 } END {
    if (NR == 0) { printf "-"; exit }
    printf fmt, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mkdir -p bench-results
REPORT="bench-results/grpc-vs-rest-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "# gRPC vs REST, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
  echo "- JDK: $(java -version 2>&1 | head -n 1); server JAVA_OPTS: '${JAVA_OPTS}'; server ${SERVER_PIN[*]:-not pinned}, clients ${CLIENT_PIN[*]:-not pinned}"
  echo "- clients: $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2) (1 thread, one request in flight per connection) and h2load --h1 (one request in flight per connection; mean request time in the p50 column) for REST; for gRPC $(h2load --version 2>&1 | head -n 1) (one call in flight per connection, and in the rows marked 'all on 1 connection' every call in flight on one connection; its mean request time is shown in the p50 column, marked ~, it has no percentiles) and GrpcLoad (one channel per connection, as many calls in flight as connections, ${CLIENT_WARMUP}s client warm-up per run)"
  echo "- each figure: the median of $RUNS runs of ${DURATION}s, after a ${WARMUP}s warm-up per target; ratios are of those medians"
  echo "- bodies: iris V2 JSON $(wc -c < "$WORK/iris.json") bytes; wide V2 binary $(wc -c < "$WORK/wide.bin") bytes ($WIDE_HEADER of JSON header); gRPC message sizes: $(grep -o 'message [0-9]* bytes' "$WORK/grpcload.log" | sort -u | paste -sd ',' - | sed 's/,/, /g')"
  echo
  echo "- server µs a call: the server's CPU time (utime + stime) over the run's calls; busy: that CPU time over the run's wall time, on its one CPU when pinned (well under 100 %: the client, not the server, set the pace); not for GrpcLoad, whose warm-up falls inside the run"
  echo
  echo "| target | calls in flight | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | gRPC/REST req/s | gRPC/REST p50 | server µs a call | server busy % |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for w in "${WORKLOADS[@]}"; do
    for c in $CONNECTIONS; do
      for p in rest h1 h2 mux grpc; do
        f="$WORK/results-$w-$p-$c.txt"
        [[ -f "$f" ]] || continue
        rps="$(median 1 "$f" %.0f)" p50="$(median 2 "$f")"
        server="- | -"
        [[ "$p" != grpc ]] && server="$(median 7 "$f" %.1f) | $(median 8 "$f" %.0f)"
        errors="$(awk '{ n += $6 } END { print n + 0 }' "$f")"
        ratios="- | -"
        if [[ "$p" == h1 ]]; then
          echo "| ${LABEL[$w:$p]} | $c | $rps | ~$p50 (mean) | - | - | $(median 5 "$f") | $errors | - | - | $server |"
          continue
        fi
        if [[ "$p" != rest ]]; then
          rest_f="$WORK/results-$w-rest-$c.txt"
          ratios="$(awk -v g="$rps" -v r="$(median 1 "$rest_f")" -v gp="$([[ "$p" == h2 || "$p" == mux ]] && echo - || echo "$p50")" -v rp="$(median 2 "$rest_f")" 'BEGIN {
            printf "%s | %s", (r > 0 ? sprintf("%.2f", g / r) : "-"), (rp > 0 && gp != "-" ? sprintf("%.2f", gp / rp) : "-") }')"
        fi
        if [[ "$p" == h2 || "$p" == mux ]]; then
          # against wrk's REST figure, then against the same client's (h2load --h1)
          same="$(awk -v g="$rps" -v r="$(median 1 "$WORK/results-$w-h1-$c.txt")" 'BEGIN { printf "%.2f", (r > 0 ? g / r : 0) }')"
          ratios="${ratios%% |*} (wrk), $same (h2load --h1) | -"
          echo "| ${LABEL[$w:$p]} | $c | $rps | ~$p50 (mean) | - | - | $(median 5 "$f") | $errors | $ratios | $server |"
        else
          echo "| ${LABEL[$w:$p]} | $c | $rps | $p50 | $(median 3 "$f") | $(median 4 "$f") | $(median 5 "$f") | $errors | $ratios | $server |"
        fi
      done
    done
  done
} > "$REPORT"
cat "$REPORT"
echo "written to $REPORT" >&2
