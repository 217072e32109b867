#!/usr/bin/env bash
# Makes the local stand-in for the JRE 17 base image the Dockerfiles start FROM, when no registry
# can be pulled from: Debian bookworm (debootstrap --variant=minbase) plus Debian's
# openjdk-17-jre-headless, imported with `docker import`. Does nothing if the image already exists
# (pass --force to rebuild). Needs root (debootstrap, chroot) and a Debian mirror.
#
#   examples/container/build-base.sh            # -> kubeserve/jre17-base:bookworm
#
# Environment: KUBESERVE_BASE_IMAGE (the tag, default kubeserve/jre17-base:bookworm),
# DEBIAN_MIRROR (default: debootstrap's own), KUBESERVE_APT_CACHE (a directory kept between runs
# for the downloaded .deb files, default /var/cache/kubeserve-debootstrap).
set -euo pipefail

IMAGE="${KUBESERVE_BASE_IMAGE:-kubeserve/jre17-base:bookworm}"
CACHE="${KUBESERVE_APT_CACHE:-/var/cache/kubeserve-debootstrap}"
DOCKER="${DOCKER:-docker}"

if [[ "${1:-}" != "--force" ]] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "base image $IMAGE present"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "build-base.sh: debootstrap needs root" >&2
    exit 1
fi
command -v debootstrap >/dev/null || { echo "build-base.sh: debootstrap is not installed" >&2; exit 1; }

root="$(mktemp -d /var/tmp/kubeserve-rootfs.XXXXXX)"
cleanup() {
    for m in var/cache/apt/archives proc sys dev/pts dev; do umount "$root/$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$root"
}
trap cleanup EXIT
mkdir -p "$CACHE"

start=$(date +%s)
# ca-certificates-java's post-install runs java: it needs /proc, so the JRE goes in from a chroot
# after debootstrap rather than through --include.
debootstrap --variant=minbase --cache-dir="$CACHE" bookworm "$root" ${DEBIAN_MIRROR:-} >/tmp/kubeserve-debootstrap.log 2>&1 \
    || { tail -30 /tmp/kubeserve-debootstrap.log >&2; exit 1; }
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/var/cache/apt/archives"
mount --bind "$CACHE" "$root/var/cache/apt/archives"
# No manuals, translations or docs (but the copyright files), now and in images built on this one.
cat >"$root/etc/dpkg/dpkg.cfg.d/kubeserve-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
DPKG
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C bash -euc '
    find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/*
    # the JRE post-install links its man page into man1 with update-alternatives, which fails if
    # the directory is missing
    mkdir -p /usr/share/man/man1
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log >&2; exit 1; }
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old
'
umount "$root/var/cache/apt/archives"
for m in dev/pts dev sys proc; do umount "$root/$m"; done
: >"$root/etc/resolv.conf"
rm -rf "${root:?}"/tmp/* "${root:?}"/var/tmp/*

tar -C "$root" -c . | "$DOCKER" import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$IMAGE" >/dev/null
echo "base image $IMAGE built in $(( $(date +%s) - start )) s: $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"
