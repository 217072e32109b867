#!/usr/bin/env bash
# Start-up of container images, pinned to one core, with docker's share split from the JVM's:
#
#   kubeserve-bench/load/container_start.sh [IMAGE [IMAGE_B]]     (default kubeserve/server:onnx)
#
# Each start runs the image as the container test does (read-only, user 10001, no capabilities,
# /tmp noexec) with only the iris model mounted at /models, pinned by --cpuset-cpus SERVER_CPU
# (default 0); curl polls a V2 prediction of iris every 10 ms from CLIENT_CPU (default 1) until it
# answers 200. Per start it prints
#   - run: `docker run` -> first prediction, what a user waiting on docker sees;
#   - process: the container's process start (docker's State.StartedAt, when the ENTRYPOINT's java
#     is exec'd) -> first prediction: the JVM's launch to its first prediction, without docker's
#     set-up;
#   - the server's log, "ready in N ms": from the server's own start, after the JVM's start, the
#     command line and logging.
# With two images the starts alternate A, B, B, A, ... (ROUNDS of each, default 5) so a drifting
# machine hits both alike, and the medians of each and of B - A close the output. Needs dockerd and
# the images (examples/container/build-images.sh). Only 127.0.0.1 is targeted; each container is
# removed before the next starts.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
IMAGES=("${@:-kubeserve/server:onnx}")
ROUNDS="${ROUNDS:-5}" SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}" PORT="${PORT:-38400}"
NAME="kubeserve-start-$$"
BODY='{"inputs":[{"name":"float_input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'
WORK="$(mktemp -d -t kubeserve-container-start.XXXXXX)"
trap 'docker rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/models" && cp -r "$ROOT/examples/models/iris" "$WORK/models/" && chmod -R a+rX "$WORK"

nanos() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# start INDEX: appends "run_ms process_ms server_ready_ms" to $WORK/<index>
start() {
  local index="$1" image="${IMAGES[$1]}" t0 t1 started server
  t0=$(nanos)
  docker run -d --name "$NAME" --cpuset-cpus "$SERVER_CPU" \
    --read-only --user 10001:10001 --cap-drop ALL --security-opt no-new-privileges \
    --tmpfs /tmp:noexec,size=64m --memory 1g -v "$WORK/models:/models:ro" \
    -p "127.0.0.1:$PORT:8080" "$image" --model-repository /models --port 8080 >/dev/null
  local polls=0
  until [[ "$(taskset -c "$CLIENT_CPU" curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
      -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/v2/models/iris/infer" || true)" == 200 ]]; do
    # is it still running? Asked every 50th poll only, from the client's CPU: each `docker inspect`
    # costs the docker CLI and dockerd tens of ms of CPU, which would otherwise land on the
    # server's core during the start being timed
    if (( ++polls % 50 == 0 )) && [[ "$(taskset -c "$CLIENT_CPU" docker inspect -f '{{.State.Running}}' "$NAME")" != true ]]; then
      echo "the container stopped:" >&2; docker logs "$NAME" >&2; exit 1
    fi
    sleep 0.01
  done
  t1=$(nanos)
  started=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$NAME")" +%s%N)
  server=$(docker logs "$NAME" 2>&1 | sed -n 's/.*KubeServeServer - ready in \([0-9]*\) ms.*/\1/p' | head -1)
  docker rm -f "$NAME" >/dev/null
  echo "$(( (t1 - t0) / 1000000 )) $(( (t1 - started) / 1000000 )) ${server:-0}" | tee -a "$WORK/$index" |
    awk -v image="$image" '{ printf "%s: run %d ms, process %d ms, server start -> ready %s ms\n", image, $1, $2, ($3 ? $3 : "?") }'
}

echo "${IMAGES[*]}: $ROUNDS start(s) of each image, server on CPU $SERVER_CPU, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  if [[ ${#IMAGES[@]} -eq 1 ]]; then
    start 0
  elif (( round % 2 )); then
    start 0; start 1
  else
    start 1; start 0
  fi
done
for index in "${!IMAGES[@]}"; do
  echo "medians ${IMAGES[$index]}: run $(cut -d' ' -f1 "$WORK/$index" | median) ms, process $(cut -d' ' -f2 "$WORK/$index" | median) ms," \
    "server start -> ready $(cut -d' ' -f3 "$WORK/$index" | median) ms"
done
if [[ ${#IMAGES[@]} -eq 2 ]]; then
  echo "median of B - A, process start -> first prediction: $(paste -d' ' <(cut -d' ' -f2 "$WORK/0") <(cut -d' ' -f2 "$WORK/1") |
    awk '{ print $2 - $1 }' | median) ms"
fi
