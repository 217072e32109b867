#!/bin/bash
# Server CPU time per request (utime+stime of the server process, /proc/PID/stat), iris at 8 connections:
# REST V2 JSON driven by wrk vs gRPC typed driven by GrpcLoad. Server pinned to CPU 1, clients to CPU 0;
# 127.0.0.1 only, ports 38300/38301; stops by itself. Usage: server_cpu_per_request.sh [JAR]
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JAR="${1:-$ROOT/kubeserve-server/target/kubeserve-server.jar}"
BENCH="$ROOT/kubeserve-bench/target/benchmarks.jar"
OUT=$(mktemp -d); REPO=$OUT/repo; mkdir -p $REPO; cp -r "$ROOT/examples/models/iris" $REPO/
trap 'kill $PID 2>/dev/null' EXIT
taskset -c 1 java -jar $JAR --model-repository $REPO --host 127.0.0.1 --port 38300 --grpc-port 38301 > $OUT/server.log 2>&1 &
PID=$!
for i in $(seq 1 120); do curl -sf localhost:38300/v2/health/ready >/dev/null && break; sleep 0.5; done
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
HZ=$(getconf CLK_TCK)
BODY='{"inputs":[{"name":"float_input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'
cat > $OUT/post.lua <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
# warm-up both
taskset -c 0 wrk -t1 -c8 -d8s -s $OUT/post.lua http://127.0.0.1:38300/v2/models/iris/infer >/dev/null
taskset -c 0 java -cp $BENCH io.kubeserve.bench.GrpcLoad --host 127.0.0.1 --port 38301 --connections 8 --concurrency 8 --duration 8 --warmup 2 --model iris --input iris >/dev/null 2>&1
for round in 1 2; do
  c0=$(cpu); out=$(taskset -c 0 wrk -t1 -c8 -d10s -s $OUT/post.lua http://127.0.0.1:38300/v2/models/iris/infer); c1=$(cpu)
  n=$(echo "$out" | awk '/requests in/{print $1}')
  echo "REST: $n requests, server CPU $(( (c1-c0)*1000/HZ )) ms -> $(awk -v c=$((c1-c0)) -v n=$n -v hz=$HZ 'BEGIN{printf "%.1f", c/hz*1e6/n}') us/request"
  c0=$(cpu); out=$(taskset -c 0 java -cp $BENCH io.kubeserve.bench.GrpcLoad --host 127.0.0.1 --port 38301 --connections 8 --concurrency 8 --duration 10 --warmup 0 --model iris --input iris 2>/dev/null); c1=$(cpu)
  rps=$(echo "$out" | tail -1 | awk -F'|' '{print $5}' | tr -d ' ,')
  echo "gRPC: $rps req/s for 10 s, server CPU $(( (c1-c0)*1000/HZ )) ms -> $(awk -v c=$((c1-c0)) -v n=$((rps*10)) -v hz=$HZ 'BEGIN{printf "%.1f", c/hz*1e6/n}') us/request (the client JVM's start is in the window, idle for the server)"
done
