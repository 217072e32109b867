#!/bin/bash
# What an HTTP/2 Rapid Reset (CVE-2023-44487) does to another client's gRPC calls, with the default
# reset limit (--grpc-max-rst-streams 1000 in 10 s) and without it (0). Two servers of JAR on CPU 1
# (iris; 127.0.0.1 only, ports 38400-38403), the clients on CPU 0. Both servers are warmed with
# h2load first (WARMUP s each). Each round, for each server: grpc_probe.py (Python grpcio, one call
# at a time, 2-s deadlines) alone for DURATION s, then again while rapid_reset.py (from 127.0.0.2)
# opens and cancels ModelInfer calls as fast as it can, reconnecting whenever it is sent away.
# Prints the probe's calls/s, p50/p99/max and failures by gRPC status, the attacker's streams and
# connections, and the server's CPU. Needs python3-grpcio and python3-grpc-tools. Stops by itself.
# Usage: rapid_reset.sh [JAR]   settings: ROUNDS=3 DURATION=10 WARMUP=120 (the gRPC path compiles late on one core)
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JAR="${1:-$ROOT/kubeserve-server/target/kubeserve-server.jar}"
BENCH="$ROOT/kubeserve-bench/target/benchmarks.jar"
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-10}" WARMUP="${WARMUP:-120}"
command -v h2load >/dev/null || { echo "h2load is needed: apt-get install -y nghttp2-client" >&2; exit 1; }
OUT=$(mktemp -d); REPO=$OUT/repo; mkdir -p $REPO $OUT/stubs; cp -r "$ROOT/examples/models/iris" $REPO/
/usr/bin/python3 -m grpc_tools.protoc -I "$ROOT/kubeserve-grpc/src/main/proto" --python_out=$OUT/stubs \
  --grpc_python_out=$OUT/stubs open_inference.proto || { echo "needs python3-grpcio, python3-grpc-tools" >&2; exit 1; }
java -cp "$BENCH" io.kubeserve.bench.GrpcLoad --input iris --model iris --write-grpc-body $OUT/iris.grpc || exit 1
declare -A PIDS PORTS
start() {  # NAME PORT [flags]
  local name=$1 port=$2; shift 2
  taskset -c 1 java -jar $JAR --model-repository $REPO --host 127.0.0.1 --port $port --grpc-port $((port + 1)) "$@" \
    > $OUT/server-$name.log 2>&1 &
  PIDS[$name]=$! PORTS[$name]=$((port + 1))
}
start limited 38400
start unlimited 38402 --grpc-max-rst-streams 0
trap 'kill ${PIDS[@]} 2>/dev/null; wait 2>/dev/null; rm -rf $OUT' EXIT
for port in 38400 38402; do
  for i in $(seq 1 240); do curl -sf 127.0.0.1:$port/v2/models/iris/ready >/dev/null && break; sleep 0.5; done
done
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
probe() { taskset -c 0 /usr/bin/python3 "$ROOT/kubeserve-bench/load/grpc_probe.py" $OUT/stubs "$@"; }  # PORT SECONDS LABEL
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in limited unlimited; do
  taskset -c 0 h2load -D $WARMUP -c 8 -m 1 -H 'content-type: application/grpc' -H 'te: trailers' -d $OUT/iris.grpc \
    http://127.0.0.1:${PORTS[$name]}/inference.GRPCInferenceService/ModelInfer >/dev/null
done
for round in $(seq 1 $ROUNDS); do for name in limited unlimited; do
  port=${PORTS[$name]} pid=${PIDS[$name]}
  c0=$(cpu $pid); row=$(probe $port $DURATION "round $round, $name, alone"); c1=$(cpu $pid)
  echo "$row; server CPU $(( (c1 - c0) * 1000 / HZ )) ms"
  taskset -c 0 /usr/bin/python3 "$ROOT/kubeserve-bench/load/rapid_reset.py" $port $((DURATION + 5)) $OUT/iris.grpc \
    > $OUT/attack.txt 2>&1 &
  attacker=$!
  sleep 1
  c0=$(cpu $pid); row=$(probe $port $DURATION "round $round, $name, attacked"); c1=$(cpu $pid)
  wait $attacker
  echo "$row; server CPU $(( (c1 - c0) * 1000 / HZ )) ms; $(cat $OUT/attack.txt)"
done; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in limited unlimited; do
  echo "$name: $(grep -c too_many_rststreams $OUT/server-$name.log) connections sent away for resets (server log)"
done
