#!/usr/bin/env bash
# Proves the metrics behind the dashboard with a real Prometheus, all on 127.0.0.1:
# starts the server jar on the example models, a Prometheus scraping it every second into a
# throwaway storage dir, drives ~40 s of mixed good and bad requests, then runs the two headline
# queries and every expression of grafana-dashboard.json through Prometheus' HTTP API.
# Fails if any of them returns no data. Everything it starts is stopped on exit.
#
#   examples/observability/verify-metrics.sh [path/to/kubeserve-server.jar]
#
# Needs: java 17, prometheus (apt-get install prometheus), curl, python3; wrk is used if present.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
jar="${1:-$repo/kubeserve-server/target/kubeserve-server.jar}"
load_seconds="${LOAD_SECONDS:-40}"
[[ -f "$jar" ]] || { echo "no server jar at $jar (build with: mvn -q -B install -DskipTests)" >&2; exit 2; }
command -v prometheus >/dev/null || { echo "prometheus not found (apt-get install prometheus)" >&2; exit 2; }

work="$(mktemp -d -t kubeserve-verify.XXXXXX)"
pids=()
cleanup() {
    # only the processes this script started, by pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for() {  # url, seconds, what
    local deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || { echo "$3 did not come up within $2 s; logs in $work" >&2; tail -20 "$work"/*.log >&2; exit 1; }
        sleep 0.5
    done
}

server_port="$(free_port)"
# A container-sized heap, so that young collections (and jvm_gc_pause_seconds) happen during
# the short load instead of never on a large machine.
java -Xmx256m -jar "$jar" --model-repository "$repo/examples/models" --host 127.0.0.1 --port "$server_port" \
    >"$work/server.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$server_port/v2/health/ready" 180 "the server"
echo "server ready on 127.0.0.1:$server_port"

prom_port="$(free_port)"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kubeserve
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:$server_port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$prom_port/-/ready" 60 "Prometheus"
echo "prometheus ready on 127.0.0.1:$prom_port, scraping every 1 s"

base="http://127.0.0.1:$server_port"
good_v2='{"inputs": [{"name": "float_input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}]}'
bad_v2='{"inputs": [{"name": "float_input", "datatype": "FP32", "shape": [1, 3], "data": [5.1, 3.5, 1.4]}]}'
echo "load: ${load_seconds} s of good requests, with bad ones mixed in"
end=$((SECONDS + load_seconds))
if command -v wrk >/dev/null; then
    # the bulk of the traffic: valid V2 requests, 2 connections, bounded by time
    cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$good_v2]]
EOF
    wrk -t1 -c2 -d"${load_seconds}s" -s "$work/post.lua" "$base/v2/models/iris/infer" >"$work/wrk.log" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
fi
# alongside: every protocol, plus errors the dashboard should show (invalid input, unknown model)
sent=0
while ((SECONDS < end)); do
    curl -s -o /dev/null "$base/v2/models/iris/infer" -H 'Content-Type: application/json' -d "$good_v2"
    curl -s -o /dev/null "$base/v1/models/iris:predict" -H 'Content-Type: application/json' -d '{"instances": [[6.7, 3.0, 5.2, 2.3]]}'
    curl -s -o /dev/null "$base/v2/models/mlp/infer" -H 'Content-Type: application/json' \
        -d '{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}]}'
    curl -s -o /dev/null "$base/v2/models/iris/infer" -H 'Content-Type: application/json' -d "$bad_v2"
    curl -s -o /dev/null "$base/v2/models/no-such-model/infer" -H 'Content-Type: application/json' -d "$good_v2"
    sent=$((sent + 5))
    sleep 0.05
done
[[ -n "${wrk_pid:-}" ]] && { wait "$wrk_pid" 2>/dev/null || true; }
[[ -f "$work/wrk.log" ]] && grep -E 'Requests/sec|requests in' "$work/wrk.log" | sed 's/^ */wrk: /'
echo "curl: $sent requests"
sleep 3   # two more scrapes, so the last second of load is in the range windows

# The headline queries, then every expression of the dashboard, in panel order.
python3 - "$here/grafana-dashboard.json" >"$work/queries.txt" <<'EOF'
import json, sys
print('histogram_quantile(0.95, rate(inference_request_duration_seconds_bucket[1m]))')
print('rate(inference_requests_total{status="success"}[1m])')
for panel in json.load(open(sys.argv[1]))["panels"]:
    for target in panel.get("targets", []):
        print(target["expr"])
EOF

python3 - "http://127.0.0.1:$prom_port" "$work/queries.txt" <<'EOF'
import json, math, sys, urllib.parse, urllib.request
base, queries = sys.argv[1], [q for q in open(sys.argv[2]).read().splitlines() if q]
width, empty = max(len(q) for q in queries), 0
print(f"{'query':<{width}}  series  value(s)")
for query in queries:
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    result = json.load(urllib.request.urlopen(url, timeout=10))["data"]["result"]
    # NaN (e.g. a quantile over zero requests) is no data as far as a dashboard is concerned
    values = [(r["metric"], float(r["value"][1])) for r in result if not math.isnan(float(r["value"][1]))]
    values.sort(key=lambda mv: -mv[1])   # the busiest series first; zeros last
    shown = ", ".join(
        ("{" + ",".join(f"{k}={v}" for k, v in sorted(m.items()) if k not in ("__name__", "instance", "job")) + "} " if len(values) > 1 else "")
        + f"{v:.4g}" for m, v in values[:4]) + (" ..." if len(values) > 4 else "")
    print(f"{query:<{width}}  {len(values):>6}  {shown or 'NO DATA'}")
    empty += not values
print(f"{len(queries) - empty} of {len(queries)} queries returned data")
sys.exit(1 if empty else 0)
EOF
