#!/usr/bin/env bash
# Builds the server images from the jars Maven made (run `mvn package` first):
#   kubeserve/server:<version>-onnx and :onnx   (kubeserve-server-onnx.jar, ONNX Runtime only)
#   kubeserve/server:<version>-full and :full   (kubeserve-server.jar, + PyTorch, + Python 3)
#
#   examples/container/build-images.sh [onnx|full]...     # default: both
#
# The Dockerfile starts FROM $BASE_IMAGE; unless that is set, the local Debian + OpenJDK 17 base is
# made first by build-base.sh (once; it stays cached as a local image). The build context is a
# directory staged here with hard links to just the jars, the example models and the scripts, not
# the whole repository (its target/ directories hold several hundred MB).
# Environment: BASE_IMAGE, DOCKER (default docker), KUBESERVE_VERSION (default: read from pom.xml).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DOCKER="${DOCKER:-docker}"

variants=("$@")
[[ ${#variants[@]} -gt 0 ]] || variants=(onnx full)

version="${KUBESERVE_VERSION:-$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -1)}"
[[ -n "$version" ]] || { echo "build-images.sh: no project version in $root/pom.xml" >&2; exit 1; }

if [[ -z "${BASE_IMAGE:-}" ]]; then
    BASE_IMAGE="${KUBESERVE_BASE_IMAGE:-kubeserve/jre17-base:bookworm}"
    KUBESERVE_BASE_IMAGE="$BASE_IMAGE" DOCKER="$DOCKER" "$here/build-base.sh"
fi

context="$root/target/container-context"
rm -rf "$context"
mkdir -p "$context/kubeserve-server/target" "$context/examples/container"
for variant in "${variants[@]}"; do
    case "$variant" in
        onnx) jar=kubeserve-server-onnx.jar ;;
        full) jar=kubeserve-server.jar ;;
        *) echo "build-images.sh: unknown variant $variant (onnx, full; gpu: see Dockerfile.gpu)" >&2; exit 2 ;;
    esac
    [[ -f "$root/kubeserve-server/target/$jar" ]] \
        || { echo "build-images.sh: kubeserve-server/target/$jar is missing: run mvn package first" >&2; exit 1; }
done
# Both jars, whichever variant is asked for: Docker's legacy builder (no BuildKit) runs every stage
# up to the target, so building `full` also runs the onnx stages, which copy the ONNX-only jar.
for jar in kubeserve-server-onnx.jar kubeserve-server.jar; do
    [[ -f "$root/kubeserve-server/target/$jar" ]] || continue
    ln -f "$root/kubeserve-server/target/$jar" "$context/kubeserve-server/target/$jar" 2>/dev/null \
        || cp "$root/kubeserve-server/target/$jar" "$context/kubeserve-server/target/$jar"
done
cp -r "$root/examples/models" "$context/examples/models"
cp "$here/train-cds.sh" "$context/examples/container/"
cp "$root/examples/Dockerfile" "$context/examples/Dockerfile"

for variant in "${variants[@]}"; do
    start=$(date +%s)
    if ! "$DOCKER" build -f "$context/examples/Dockerfile" --target "$variant" \
        --build-arg BASE_IMAGE="$BASE_IMAGE" \
        -t "kubeserve/server:$version-$variant" -t "kubeserve/server:$variant" "$context" >"$context/build.log" 2>&1; then
        cat "$context/build.log" >&2
        echo "build-images.sh: building the $variant image failed (its log is above)" >&2
        exit 1
    fi
    size=$("$DOCKER" image inspect -f '{{.Size}}' "kubeserve/server:$variant")
    echo "kubeserve/server:$version-$variant built in $(( $(date +%s) - start )) s: $(( size / 1000000 )) MB"
done
rm -rf "$context"
