#!/usr/bin/env bash
# Makes a static AppCDS archive in two steps. (1) The training run: starts the server on a model
# repository with -XX:DumpLoadedClassList, sends a few requests over each HTTP API (V2, KServe V1,
# the seed /predict, metadata, /metrics), then SIGTERM; the JVM has listed every class it loaded
# and the lambda proxies it spun. (2) `java -Xshare:dump` archives that list, the JDK's classes and
# the jar's together. Run at image build (see Dockerfile) or by hand for `java -jar`
# (docs/CONTAINER.md). Needs bash only: the requests go over bash's /dev/tcp, so the image needs
# no curl.
#
# Why static, not JDK 17's dynamic archive (-XX:ArchiveClassesAtExit): a dynamic archive leaves
# out classes compiled for Java 5, which picocli's are (about 180 classes read from the jar and
# verified at every start); a static one keeps them. Started the same way, the static archive
# reached the first prediction 120-160 ms sooner on one core (docs/BENCHMARKS.md).
#
#   train-cds.sh ARCHIVE MODEL_REPOSITORY MODEL -- java [JVM options...] -jar kubeserve-server.jar
#
# MODEL is an FP32 [N, 4] model of the repository (iris); the server command after "--" gets
# "--model-repository ... --host 127.0.0.1 --port 0 --grpc-port P --default-model MODEL" appended:
# free ports, so a busy 8080 or another training run does not matter (HTTP's port 0 picks one, read
# back from the server's "listening on" line; gRPC's 0 would turn it off, so P is a port nothing
# answers on). The gRPC listener starts (its classes are archived) but gets no call: bash has no
# gRPC client.
set -euo pipefail

archive="$1" repo="$2" model="$3"
shift 3
[[ "${1:-}" == "--" ]] && shift
port=""

# A port on 127.0.0.1 that nothing answers on (bash's /dev/tcp is refused there).
unanswered_port() {
    local candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

classlist="$(mktemp -t kubeserve-classes.XXXXXX)"
log="$(mktemp -t kubeserve-training.XXXXXX)"
trap 'rm -f "$classlist" "$log"' EXIT
# the JVM option goes right after the java command, before -jar and the server's own options
"$1" -XX:DumpLoadedClassList="$classlist" "${@:2}" \
    --model-repository "$repo" --host 127.0.0.1 --port 0 --grpc-port "$(unanswered_port)" --default-model "$model" \
    >"$log" 2>&1 &
pid=$!

# One HTTP/1.0 request over /dev/tcp; prints the status code.
request() {
    local method="$1" path="$2" body="${3:-}" status
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf '%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$method" "$path" "${#body}" "$body" >&3
    read -r _ status _ <&3 || status=none
    cat <&3 >/dev/null || true
    exec 3<&-
    echo "$status"
}

for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "train-cds.sh: the server exited before it was ready:" >&2
        cat "$log" >&2
        exit 1
    fi
    # "listening on http://127.0.0.1:PORT (...)", in the text or the JSON log format
    [[ -n "$port" ]] || port=$(sed -n 's/.*listening on https\{0,1\}:\/\/[^ ]*:\([0-9][0-9]*\) .*/\1/p' "$log" | head -1)
    [[ -n "$port" && "$(request GET /v2/health/ready 2>/dev/null)" == 200 ]] && break
    sleep 0.1
done
if [[ -z "$port" ]]; then
    echo "train-cds.sh: the server never said where it listens; its log:" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
fi

row='[5.1, 3.5, 1.4, 0.2]'
failed=0
for round in 1 2 3; do
    for call in \
        "POST /v2/models/$model/infer {\"inputs\":[{\"name\":\"float_input\",\"datatype\":\"FP32\",\"shape\":[2,4],\"data\":[$row,[6.7,3.0,5.2,2.3]]}]}" \
        "POST /v1/models/$model:predict {\"instances\":[$row]}" \
        "POST /predict {\"features\":$row,\"request_id\":\"r$round\"}" \
        "POST /predict {\"data\":[$row]}" \
        "GET /v2/models/$model" \
        "GET /v2/models/$model/ready" \
        "GET /v1/models" \
        "GET /metrics" \
        "POST /v2/models/$model/infer {\"inputs\":[]}"; do
        read -r method path body <<<"$call"
        status=$(request "$method" "$path" "$body")
        # the last call is a bad request on purpose: the error path's classes belong in the archive too
        if [[ "$status" != 200 && "$path$body" != *'"inputs":[]'* ]]; then
            echo "train-cds.sh: $method $path answered $status" >&2
            failed=1
        fi
    done
done

kill -TERM "$pid"
wait "$pid" || true
if [[ $failed -ne 0 || ! -s "$classlist" ]]; then
    echo "train-cds.sh: no class list written or a request failed; server log:" >&2
    cat "$log" >&2
    exit 1
fi
# The dump reads the class path from the same -jar; it warns about each listed class it cannot
# archive (dynamic proxies, a few of picocli's), which is expected, so its output goes to the log.
rm -f "$archive"
if ! "$1" -Xshare:dump -XX:SharedClassListFile="$classlist" -XX:SharedArchiveFile="$archive" "${@:2}" \
        >>"$log" 2>&1 || [[ ! -s "$archive" ]]; then
    echo "train-cds.sh: java -Xshare:dump wrote no archive; its log:" >&2
    cat "$log" >&2
    exit 1
fi
echo "train-cds.sh: $(du -h "$archive" | cut -f1) archive at $archive"
