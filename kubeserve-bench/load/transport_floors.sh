#!/bin/bash
# gRPC against REST with one call in flight per connection (one connection unless CONNECTIONS says
# more), the server beside the two transports' floors, all with the same client (h2load: HTTP/2 for
# gRPC, --h1 for REST):
#   kubeserve  the server (JAR) on iris: ModelInfer with typed contents, POST /v2/models/iris/infer
#   floor      io.kubeserve.bench.BareGrpcServer and BareUndertowServer (worker threads 0: answers on
#              the I/O thread, as the server does for a fast, idle model), each answering with the
#              server's own response bytes, with no parsing, model or metrics
# Each process is pinned to CPU 1, h2load to CPU 0; 127.0.0.1 only, ports 38300-38303 (free them
# first); stops by itself, and keeps its logs when it fails. Each target is checked once first (the
# floors answer exactly the server's bytes, gRPC with grpc-status 0). Every target is warmed up WARMUP s, then ROUNDS rounds run each target for DURATION s
# (interleaved, so drift on a shared machine hits all alike). Each line gives calls/s, the
# server's CPU a call (utime+stime from /proc/PID/stat) and h2load's own (bash's `time`: at one
# connection a call's round trip holds both, and HTTP/2 costs the client more than HTTP/1.1); each
# round ends with the gRPC/REST ratios.
# Usage: transport_floors.sh [JAR]   settings: ROUNDS=5 DURATION=5 WARMUP=20 CONNECTIONS=1 (several, e.g. "8 64":
# each round runs every count; the warm-up uses the first)
# Builds nothing: run `mvn -q -B install -DskipTests` first (the server jar and benchmarks.jar).
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JAR="${1:-$ROOT/kubeserve-server/target/kubeserve-server.jar}"
BENCH="$ROOT/kubeserve-bench/target/benchmarks.jar"
ROUNDS="${ROUNDS:-5}" DURATION="${DURATION:-5}" WARMUP="${WARMUP:-20}" CONNECTIONS="${CONNECTIONS:-1}"
command -v h2load >/dev/null || { echo "h2load is needed: apt-get install -y nghttp2-client" >&2; exit 1; }
OUT=$(mktemp -d); REPO=$OUT/repo; mkdir -p $REPO; cp -r "$ROOT/examples/models/iris" $REPO/
PIDS=()
# the logs stay when something failed
trap 'rc=$?; kill ${PIDS[@]} 2>/dev/null; wait 2>/dev/null; if [ $rc = 0 ]; then rm -rf $OUT; else echo "logs: $OUT" >&2; fi' EXIT
fail() { echo "$*" >&2; exit 1; }
java -cp "$BENCH" io.kubeserve.bench.GrpcLoad --input iris --model iris --write-grpc-body $OUT/iris.grpc || exit 1
echo '{"inputs":[{"name":"float_input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}' > $OUT/iris.json

taskset -c 1 java -jar "$JAR" --model-repository $REPO --host 127.0.0.1 --port 38300 --grpc-port 38301 \
  > $OUT/server.log 2>&1 &
PIDS+=($!)
for i in $(seq 1 240); do curl -sf 127.0.0.1:38300/v2/models/iris/ready >/dev/null && break; sleep 0.5; done
curl -sf 127.0.0.1:38300/v2/models/iris/ready >/dev/null || fail "the server did not become ready"
# every target answers once, and right (h2load counts any HTTP 200, a gRPC error too): the floors
# answer with the server's own bytes
grpc_once() {  # PORT FILE: the answer's body to FILE; fails unless grpc-status is 0
  curl -sf --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @$OUT/iris.grpc \
    http://127.0.0.1:$1/inference.GRPCInferenceService/ModelInfer -o $2 -D - | tr -d '\r' | grep -qx 'grpc-status: 0'
}
curl -sf -H 'content-type: application/json' --data-binary @$OUT/iris.json \
  http://127.0.0.1:38300/v2/models/iris/infer -o $OUT/rest-answer.json || fail "the server did not answer REST"
grpc_once 38301 $OUT/grpc-answer.bin || fail "the server did not answer gRPC with grpc-status 0"
# one I/O thread, as the gRPC floor has one event loop and the server one of each on its one core
taskset -c 1 java -cp "$BENCH" io.kubeserve.bench.BareUndertowServer 38302 $OUT/rest-answer.json 1 0 \
  > $OUT/bare-rest.log 2>&1 &
PIDS+=($!)
taskset -c 1 java -cp "$BENCH" io.kubeserve.bench.BareGrpcServer 38303 $OUT/grpc-answer.bin > $OUT/bare-grpc.log 2>&1 &
PIDS+=($!)
for i in $(seq 1 120); do grep -q listening $OUT/bare-rest.log && grep -q listening $OUT/bare-grpc.log && break; sleep 0.5; done
curl -sf -H 'content-type: application/json' --data-binary @$OUT/iris.json http://127.0.0.1:38302/ -o $OUT/bare-check.json \
  && cmp -s $OUT/bare-check.json $OUT/rest-answer.json || fail "the REST floor did not answer the server's bytes"
grpc_once 38303 $OUT/bare-check.bin && cmp -s $OUT/bare-check.bin $OUT/grpc-answer.bin \
  || fail "the gRPC floor did not answer the server's bytes"
declare -A PID=([kubeserve_rest]=${PIDS[0]} [kubeserve_grpc]=${PIDS[0]} [floor_rest]=${PIDS[1]} [floor_grpc]=${PIDS[2]})
declare -A PORT=([kubeserve_rest]=38300 [kubeserve_grpc]=38301 [floor_rest]=38302 [floor_grpc]=38303)
TARGETS="kubeserve_rest kubeserve_grpc floor_rest floor_grpc"
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
load() {  # TARGET CONNECTIONS SECONDS: calls made; h2load's user+system CPU seconds to $OUT/client.cpu
  local TIMEFORMAT='%3U %3S' LC_NUMERIC=C
  { time h2load_run "$@" > $OUT/h2load.out 2> $OUT/h2load.err; } 2> $OUT/client.time
  cat $OUT/h2load.err >&2
  tail -n 1 $OUT/client.time | awk '{print $1 + $2}' > $OUT/client.cpu
  awk '/^requests:/{print $8}' $OUT/h2load.out
}
h2load_run() {  # TARGET CONNECTIONS SECONDS
  local t=$1
  if [[ $t == *grpc ]]; then
    taskset -c 0 h2load -D $3 -c $2 -m 1 -H 'content-type: application/grpc' -H 'te: trailers' -d $OUT/iris.grpc \
      http://127.0.0.1:${PORT[$t]}/inference.GRPCInferenceService/ModelInfer
  else
    taskset -c 0 h2load --h1 -D $3 -c $2 -m 1 -H 'content-type: application/json' -d $OUT/iris.json \
      http://127.0.0.1:${PORT[$t]}/v2/models/iris/infer
  fi
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $TARGETS; do load $t ${CONNECTIONS%% *} $WARMUP >/dev/null; done
for round in $(seq 1 $ROUNDS); do for c in $CONNECTIONS; do
  declare -A RATE=()
  for t in $TARGETS; do
    c0=$(cpu ${PID[$t]}); n=$(load $t $c $DURATION); c1=$(cpu ${PID[$t]})
    [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]] || fail "$t made no calls"
    RATE[$t]=$((n / DURATION))
    printf '%-15s c=%d: %6d calls/s, server CPU %s us a call, client %s us\n' $t $c ${RATE[$t]} \
      "$(awk -v d=$((c1 - c0)) -v n=$n -v hz=$HZ 'BEGIN{printf "%.1f", d / hz * 1e6 / n}')" \
      "$(awk -v n=$n '{printf "%.1f", $1 * 1e6 / n}' $OUT/client.cpu)"
  done
  awk -v a=${RATE[kubeserve_grpc]} -v b=${RATE[kubeserve_rest]} -v f=${RATE[floor_grpc]} -v g=${RATE[floor_rest]} \
    'BEGIN{printf "round ratios gRPC/REST: kubeserve %.3f, floor %.3f\n", a / b, f / g}'
done; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
