#!/bin/bash
# Server CPU time per request (utime+stime of the server process, /proc/PID/stat), iris: REST V2 JSON
# driven by wrk vs gRPC ModelInfer (typed) driven by h2load, both C clients with one request in flight
# per connection. Server pinned to CPU 1, clients to CPU 0; 127.0.0.1 only, ports 38300/38301; stops
# by itself. Both protocols are warmed up WARMUP s first (the JIT compiles the HTTP/2 path late), then
# ROUNDS rounds run each client for DURATION s at each of CONNECTIONS. Each line also splits the µs by
# thread: the network threads (Undertow's I/O threads, gRPC's event loops), the model's execution
# threads, the JIT compilers, the rest.
# Usage: server_cpu_per_request.sh [JAR]   settings: ROUNDS=2 DURATION=8 WARMUP=25 CONNECTIONS="1 8"
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JAR="${1:-$ROOT/kubeserve-server/target/kubeserve-server.jar}"
BENCH="$ROOT/kubeserve-bench/target/benchmarks.jar"
ROUNDS="${ROUNDS:-2}" DURATION="${DURATION:-8}" WARMUP="${WARMUP:-25}" CONNECTIONS="${CONNECTIONS:-1 8}"
command -v h2load >/dev/null || { echo "h2load is needed: apt-get install -y nghttp2-client" >&2; exit 1; }
OUT=$(mktemp -d); REPO=$OUT/repo; mkdir -p $REPO; cp -r "$ROOT/examples/models/iris" $REPO/
java -cp "$BENCH" io.kubeserve.bench.GrpcLoad --input iris --model iris --write-grpc-body $OUT/iris.grpc || exit 1
taskset -c 1 java -jar $JAR --model-repository $REPO --host 127.0.0.1 --port 38300 --grpc-port 38301 > $OUT/server.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf $OUT' EXIT
for i in $(seq 1 240); do curl -sf 127.0.0.1:38300/v2/models/iris/ready >/dev/null && break; sleep 0.5; done
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
# CPU ticks by kind of thread: "net=N model=N jit=N other=N" (comm may hold spaces: fields counted from the end)
threads() {
  for t in /proc/$PID/task/*; do printf '%s\t%s\n' "$(cat $t/comm 2>/dev/null)" "$(awk '{print $(NF-38)+$(NF-37)}' $t/stat 2>/dev/null)"; done |
    awk -F'\t' '{ k = "other"
      if ($1 ~ /I\/O-|^grpc-io-|grpc-default-wo/) k = "net"; else if ($1 ~ /^kubeserve-/) k = "model"
      else if ($1 ~ /Compiler/) k = "jit"
      c[k] += $2 } END { printf "net=%d model=%d jit=%d other=%d", c["net"], c["model"], c["jit"], c["other"] }'
}
per_call() {  # BEFORE AFTER CALLS: µs a call by kind of thread
  awk -v a="$1" -v b="$2" -v n="$3" -v hz=$HZ 'BEGIN { split(a, x, " "); split(b, y, " ")
    for (i in x) { split(x[i], p, "="); A[p[1]] = p[2] }
    for (i in y) { split(y[i], p, "="); printf "%s %.1f  ", p[1], (p[2] - A[p[1]]) / hz * 1e6 / n } }'
}
cat > $OUT/post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"inputs":[{"name":"float_input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'
wrk.headers["Content-Type"] = "application/json"
LUA
rest() { taskset -c 0 wrk -t1 -c$1 -d$2s -s $OUT/post.lua http://127.0.0.1:38300/v2/models/iris/infer | awk '/requests in/{print $1}'; }
grpc() { taskset -c 0 h2load -D $2 -c $1 -m 1 -H 'content-type: application/grpc' -H 'te: trailers' -d $OUT/iris.grpc \
  http://127.0.0.1:38301/inference.GRPCInferenceService/ModelInfer | awk '/^requests:/{print $8}'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rest 8 $WARMUP >/dev/null; grpc 8 $WARMUP >/dev/null
for round in $(seq 1 $ROUNDS); do for c in $CONNECTIONS; do for p in rest grpc; do
  t0=$(threads); c0=$(cpu); n=$($p $c $DURATION); c1=$(cpu); t1=$(threads)
  [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]] || { echo "$p made no calls" >&2; exit 1; }
  printf '%-4s c=%d: %d calls (%d/s), server CPU %d ms -> %s us a call; by thread: %s\n' $p $c $n $((n / DURATION)) \
    $(( (c1 - c0) * 1000 / HZ )) "$(awk -v d=$((c1 - c0)) -v n=$n -v hz=$HZ 'BEGIN{printf "%.1f", d / hz * 1e6 / n}')" \
    "$(per_call "$t0" "$t1" $n)"
done; done; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
