#!/usr/bin/env bash
# The Python engine against the seed design, side by side: the same RandomForest-100 iris joblib
# (the peers' iris_rf.joblib, pickled by this machine's scikit-learn), the same body
# ({"data": [[5.1, 3.5, 1.4, 0.2]]} on POST /predict), the same pinning, one run each of
# ../shared/peers/bench.sh:
#
#   kubeserve-bench/load/python_vs_fastapi.sh [SERVER_JAR]   (default kubeserve-server/target/kubeserve-server.jar)
#
#   kubeserve_python: KubeServe, model iris_rf served by the Python engine (model.joblib in a temporary
#                     repository; WORKERS Python workers, /usr/bin/python3, dynamic batching up to BATCH
#                     rows with no added delay: requests that queue while the worker is busy go as
#                     one predict_proba call), seed API /predict
#   fastapi_rf:       FastAPI + uvicorn, 1 worker (MODEL=rf ../shared/peers/fastapi_sklearn/start.sh 1 PORT)
#
# Builds nothing: package the server jar first (mvn -o -q -B -pl kubeserve-server -am package -DskipTests).
# Prints both RESULT lines and a side-by-side table (rps, p50, p99, RSS of the server's process tree,
# foreign CPU: a large value means another tenant's load contaminated that run), plus the RSS of
# each Python worker of KubeServe measured just before the run ends.
#
# Settings (environment): PEERS_DIR=../shared/peers  PEERS_WORK=~/.cache/kubeserve-peers
#   WORKERS=1 (Python workers of the model; the pinned server has one core)  BATCH=32 (0: no batching)
#   PORT_KS=38300  PORT_FA=38301
#   PYTHON=/usr/bin/python3  and bench.sh's own: DURATION CONNS THREADS WARMUP PIN (default split)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SERVER_JAR="$(readlink -f "${1:-kubeserve-server/target/kubeserve-server.jar}")"
PEERS_DIR="$(readlink -f "${PEERS_DIR:-$ROOT/../shared/peers}")"
export PEERS_WORK="${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeserve-peers}"
WORKERS="${WORKERS:-1}"
BATCH="${BATCH:-32}"
PORT_KS="${PORT_KS:-38300}"
PORT_FA="${PORT_FA:-38301}"
PYTHON="${PYTHON:-/usr/bin/python3}"
MODEL="$PEERS_WORK/fastapi_sklearn/models/iris_rf.joblib"

die() { echo "python_vs_fastapi.sh: $*" >&2; exit 1; }
[[ -f "$SERVER_JAR" ]] || die "no server jar at $SERVER_JAR; build: mvn -o -q -B -pl kubeserve-server -am package -DskipTests"
[[ -x "$PEERS_DIR/bench.sh" ]] || die "no $PEERS_DIR/bench.sh (set PEERS_DIR)"
[[ -f "$MODEL" ]] || die "no $MODEL: run $PEERS_DIR/setup.sh first"
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "WORKERS must be a positive integer"
[[ "$BATCH" =~ ^[0-9]+$ ]] || die "BATCH must be a whole number"

WORK="$(mktemp -d)"
MONITOR=""
cleanup() { [[ -n "$MONITOR" ]] && kill "$MONITOR" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/repo/iris_rf/1"
cp "$MODEL" "$WORK/repo/iris_rf/1/model.joblib"
if [[ "$BATCH" -gt 0 ]]; then
  printf '{"backend": "python", "instance_group": [{"count": %d}], "max_batch_size": %d, "dynamic_batching": {}}\n' \
    "$WORKERS" "$BATCH" >"$WORK/repo/iris_rf/config.json"
else
  printf '{"backend": "python", "instance_group": [{"count": %d}]}\n' "$WORKERS" >"$WORK/repo/iris_rf/config.json"
fi
BODY="$PEERS_DIR/bodies/fastapi_b1.json"

# RSS of each Python worker (kB), sampled once a second while the server runs; the last sample is reported
( while sleep 1; do
    pids=$(pgrep -f "worker.py $WORK/repo/iris_rf/1/model.joblib" || true)
    [[ -n "$pids" ]] && ps -o rss= -p "$(tr '\n' ',' <<<"$pids" | sed 's/,$//')" | tr '\n' ' ' >"$WORK/worker_rss"
  done ) &
MONITOR=$!

KS=$("$PEERS_DIR/bench.sh" kubeserve_python "http://127.0.0.1:$PORT_KS/v2/health/ready" \
      "http://127.0.0.1:$PORT_KS/predict" "$BODY" -- \
      java -jar "$SERVER_JAR" --model-repository "$WORK/repo" --default-model iris_rf --port "$PORT_KS" \
      --grpc-port 0 --python "$PYTHON" | grep '^RESULT')
WORKER_RSS="$(cat "$WORK/worker_rss" 2>/dev/null || echo "?")"
FA=$(MODEL=rf "$PEERS_DIR/bench.sh" fastapi_rf "http://127.0.0.1:$PORT_FA/health" \
      "http://127.0.0.1:$PORT_FA/predict" "$BODY" -- \
      "$PEERS_DIR/fastapi_sklearn/start.sh" 1 "$PORT_FA" | grep '^RESULT')

echo "$KS"
echo "$FA"
field() { sed -nE "s/.* $2=([^ ]*).*/\1/p" <<<"$1"; }
printf '\n%-18s %10s %9s %9s %8s %10s\n' run rps p50_ms p99_ms rss_mb foreign_s
for line in "$KS" "$FA"; do
  printf '%-18s %10s %9s %9s %8s %10s\n' "$(field "$line" name)" "$(field "$line" rps)" "$(field "$line" p50_ms)" \
    "$(field "$line" p99_ms)" "$(field "$line" rss_mb)" "$(field "$line" foreign_cpu_s)"
done
echo "KubeServe Python worker RSS (kB, each): $WORKER_RSS"
