#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that `make install` and DKMS install the host modules for a kernel,
# using the supplied kernel's KDIR and private trees, so the machine's own
# /lib/modules and /var/lib/dkms are never touched.
#
# Usage: install-check.sh LINE

set -euo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
line=${1:?usage: install-check.sh LINE}
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
# shellcheck disable=SC1090
. "$cache/$line/env"

die() { echo "install-check: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$repo/dkms.conf")
mapfile -t mods < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$repo/dkms.conf")
[ ${#mods[@]} -gt 0 ] || die "dkms.conf names no modules"

check_installed() { # check_installed ROOT-OF-LIB-MODULES WHAT
	local m ko
	for m in "${mods[@]}"; do
		ko=$(find "$1" -name "$m.ko*" | head -n 1)
		[ -n "$ko" ] || die "$2: $m.ko not installed under $1"
		modinfo -F vermagic "$ko" | grep -q "^$KVER " ||
			die "$2: $ko was not built for $KVER"
		echo "$2: $m installed as ${ko#"$work"/}"
	done
}

# make install into a staging root, with depmod run there
src=$work/src
mkdir -p "$src"
cp -a "$repo"/{Kbuild,Makefile,dkms.conf,kmod} "$src/"
make -s -C "$src" KDIR="$KDIR" INSTALL_MOD_PATH="$work/root" install >"$work/make.log" 2>&1 ||
	{ cat "$work/make.log"; die "make install failed"; }
check_installed "$work/root/lib/modules/$KVER/updates" "make install"
for m in "${mods[@]}"; do
	grep -q "$m.ko" "$work/root/lib/modules/$KVER/modules.dep" ||
		die "make install: depmod did not index $m"
done

# DKMS with private source, build and install trees
mkdir -p "$work/dkms" "$work/usrsrc/kvmtune-$version" "$work/inst/$KVER"
cp -a "$repo"/{Kbuild,Makefile,dkms.conf,kmod} "$work/usrsrc/kvmtune-$version/"
trees=(--dkmstree "$work/dkms" --sourcetree "$work/usrsrc" --installtree "$work/inst")
if ! { dkms add -m kvmtune -v "$version" "${trees[@]}" >"$work/dkms.log" 2>&1 &&
	dkms build -m kvmtune -v "$version" -k "$KVER" --kernelsourcedir "$KDIR" \
		"${trees[@]}" >>"$work/dkms.log" 2>&1 &&
	dkms install -m kvmtune -v "$version" -k "$KVER" --kernelsourcedir "$KDIR" \
		--no-depmod "${trees[@]}" >>"$work/dkms.log" 2>&1; }; then
	cat "$work/dkms.log"
	find "$work/dkms" -name make.log -exec cat {} +
	die "dkms failed"
fi
check_installed "$work/inst/$KVER" "dkms"
