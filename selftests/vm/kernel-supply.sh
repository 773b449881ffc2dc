#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's kernel image, headers, kbuild and source packages for the
# LTS lines kvmtune supports, unpack them (never install them), and prepare:
#   - modules.dep for the unpacked module tree (depmod -b),
#   - a KDIR for out-of-tree module builds,
#   - an extracted source tree (checkpatch.pl, kselftest headers, guest
#     kernel builds).
#
# Versions are resolved from the archive's meta-packages every run, so a
# Debian point release is picked up with nothing hard-coded.  Everything
# lands in $KVMTUNE_CACHE (default ~/.cache/kvmtune) and is reused.
#
# Usage: kernel-supply.sh [LINE...]     LINE is 6.1 or 6.12 (default: both)
# Prints, per line, the file $KVMTUNE_CACHE/<line>/env with the results.

set -euo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

CACHE=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
LINES=("$@")
[ ${#LINES[@]} -gt 0 ] || LINES=(6.1 6.12)

die() { echo "kernel-supply: $*" >&2; exit 1; }
log() { echo "kernel-supply: $*" >&2; }

# meta package -> concrete image package name, per LTS line
meta_image() {
	case $1 in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) die "unsupported kernel line '$1' (supported: 6.1 6.12)" ;;
	esac
}

# depends_on PKG REGEX: the first dependency of PKG matching REGEX
depends_on() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: //p' | grep -E "$2" | head -n 1
}

pkg_version() {
	apt-cache show "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

# fetch PKG VERSION DIR: apt-get download into DIR unless already there
fetch() {
	local pkg=$1 ver=$2 dir=$3 deb
	deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	if [ -n "$deb" ]; then
		echo "$deb"
		return
	fi
	log "downloading $pkg=$ver"
	(cd "$dir" && apt-get download -q "$pkg=$ver" >&2) ||
		die "apt-get download $pkg=$ver failed (is the Debian archive reachable?)"
	ls "$dir/${pkg}_"*.deb
}

# Absolute symlinks inside the unpacked tree point at the host's /usr;
# make them relative to ROOT so the tree works wherever the cache lives.
fix_symlinks() {
	local root=$1 link target
	find "$root" -type l -lname '/*' -print0 |
		while IFS= read -r -d '' link; do
			target=$(readlink "$link")
			ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
		done
}

prepare_line() {
	local line=$1 meta image kver hdr common kbuild src dir root debs ver
	meta=$(meta_image "$line")
	image=$(depends_on "$meta" '^linux-image-' || true)
	if [ -z "$image" ] && [ "$(id -u)" -eq 0 ]; then
		# a fresh machine may have no package lists yet
		log "refreshing the package lists"
		apt-get update -q >&2 || die "apt-get update failed"
		image=$(depends_on "$meta" '^linux-image-' || true)
	fi
	[ -n "$image" ] || die "cannot resolve $meta (run apt-get update as root)"
	kver=${image#linux-image-}
	ver=$(pkg_version "$image")
	hdr=linux-headers-$kver
	common=$(depends_on "$hdr" '^linux-headers-.*-common$')
	kbuild=$(depends_on "$hdr" '^linux-kbuild-')
	src=linux-source-$line

	dir=$CACHE/$line
	root=$dir/root
	if [ -f "$dir/env" ] && grep -qx "KVER=$kver" "$dir/env"; then
		log "$line: $kver cached"
		echo "$dir/env"
		return
	fi
	log "$line: preparing $kver ($ver)"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
	# keep already-downloaded debs of this version across a failed run
	if [ -d "$dir/debs" ]; then
		cp -l "$dir"/debs/*_"$ver"_*.deb "$dir.tmp/debs/" 2>/dev/null || true
	fi

	debs=$(fetch "$image" "$ver" "$dir.tmp/debs")
	debs+=" $(fetch "$hdr" "$ver" "$dir.tmp/debs")"
	debs+=" $(fetch "$common" "$ver" "$dir.tmp/debs")"
	debs+=" $(fetch "$kbuild" "$(pkg_version "$kbuild")" "$dir.tmp/debs")"
	debs+=" $(fetch "$src" "$(pkg_version "$src")" "$dir.tmp/debs")"

	for deb in $debs; do
		log "unpacking $(basename "$deb")"
		dpkg-deb -x "$deb" "$dir.tmp/root"
	done
	fix_symlinks "$dir.tmp/root"
	# The flavour Makefile includes the common one by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$dir.tmp/root/usr/src/linux-headers-$kver/Makefile"

	log "$line: depmod"
	depmod -b "$dir.tmp/root" "$kver"

	log "$line: extracting linux-source-$line"
	tar -C "$dir.tmp" -xaf "$dir.tmp/root/usr/src/linux-source-$line".tar.*
	mv "$dir.tmp/linux-source-$line" "$dir.tmp/src"
	rm -f "$dir.tmp/root/usr/src/linux-source-$line".tar.*

	[ -f "$dir.tmp/root/usr/src/linux-headers-$kver/Makefile" ] ||
		die "$hdr did not provide a KDIR"
	cat >"$dir.tmp/env" <<-EOF
		LINE=$line
		KVER=$kver
		PKGVER=$ver
		ROOT=$root
		KDIR=$root/usr/src/linux-headers-$kver
		SRC=$dir/src
		VMLINUZ=$root/boot/vmlinuz-$kver
		MODDIR=$root/lib/modules/$kver
	EOF
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	echo "$dir/env"
}

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	die "needs Debian's apt-get and dpkg-deb"
fi
command -v depmod >/dev/null || die "needs depmod (package kmod)"
mkdir -p "$CACHE"
for line in "${LINES[@]}"; do
	prepare_line "$line"
done
