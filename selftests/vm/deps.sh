#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages kvmtune's build, tests, demo and benchmarks
# need.  Idempotent: does nothing when everything is present.
#
# Usage: deps.sh [--bench]

set -euo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

PKGS=(
	# module and tool builds
	gcc make libc6-dev bc flex bison libelf-dev libssl-dev
	# kernel supply
	kmod cpio xz-utils zstd dpkg-dev apt
	# proving ground (file: mkinitramfs checks busybox is static;
	# python3: mqgre's UDP streams)
	qemu-system-x86 busybox-static file python3-minimal
	# style gates (git lists the files they cover)
	sparse perl dwarves shellcheck git
	# kvmtop's tests: its screen under tmux, its OpenMetrics through a parser
	tmux python3 python3-prometheus-client
	# kvmaudit's tests: tunnels and a dummy NIC
	iproute2
	# packaging: make dkms-install; make deb (debian/control's Build-Depends,
	# lintian); the package tests' scratch root and their manual pages
	dkms debhelper dh-dkms python3-docutils lintian mmdebstrap man-db
	# guest kernels: the series are checked with patch -p1 as well as git am
	patch
)
BENCH_PKGS=(linux-perf bpftrace)

[ "${1:-}" = "--bench" ] && PKGS+=("${BENCH_PKGS[@]}")

die() { echo "deps: $*" >&2; exit 1; }

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
	die "missing packages (${missing[*]}) and this is not Debian: install them by hand"
fi
[ "$(id -u)" -eq 0 ] ||
	die "missing packages (${missing[*]}); run as root, or: sudo apt-get install ${missing[*]}"

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/kvmtune-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +360)" ]; then
	apt-get update -q >&2 || die "apt-get update failed"
	mkdir -p "${stamp%/*}" && touch "$stamp"
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
	die "apt-get install ${missing[*]} failed"
