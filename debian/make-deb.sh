#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two steps of `make deb` (Documentation/packaging.rst):
#
#   make-deb.sh build VERSION OUTDIR <FILES
#       Install debian/control's build dependencies (root, apt-get), copy
#       FILES (the project's files, one per line, relative to the top) to
#       OUTDIR/kvmtune-VERSION, give its debian/changelog an entry for
#       VERSION, and build the source and binary packages into OUTDIR with
#       dpkg-buildpackage.  OUTDIR is emptied first.
#   make-deb.sh lintian VERSION OUTDIR
#       lintian over them (installed if missing): fails on any error or
#       warning, and prints every tag it found, overridden ones included.
#
# The changelog entry: VERSION is the top entry's (a release), or a
# snapshot of it (NEXT~...: the top entry, being prepared, gets VERSION and
# a line saying what was built), or a snapshot after it (X.Y.Z+git...: a
# new entry).

set -euo pipefail
# dpkg-buildpackage's helpers live in sbin, which a CI PATH may lack
export PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
usage="usage: make-deb.sh build|lintian VERSION OUTDIR"

die() { echo "make-deb: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "$usage"
cmd=$1 version=$2 out=$3
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] ||
	die "'$version' is not a version of a native Debian package (make version)"

# apt_install PKG...: install the packages that are missing, with apt's
# lists refreshed first if installing without fails
apt_install() {
	local p missing=()

	for p; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" -eq 0 ] ||
		die "missing ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}"
	echo "make-deb: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
}

# build_deps: debian/control's Build-Depends, installed by apt-get build-dep
build_deps() {
	if ! command -v apt-get >/dev/null || [ ! -r /etc/debian_version ]; then
		die "not Debian: install debian/control's Build-Depends by hand"
	fi
	apt_install dpkg-dev
	(cd "$repo" && dpkg-checkbuilddeps) 2>/dev/null && return 0
	[ "$(id -u)" -eq 0 ] ||
		die "build dependencies missing; run as root, or: sudo apt-get build-dep $repo"
	echo "make-deb: installing the build dependencies of debian/control" >&2
	export DEBIAN_FRONTEND=noninteractive
	(cd "$repo" && { apt-get build-dep -y -q --no-install-recommends ./ >&2 ||
		{ apt-get update -q >&2 &&
			apt-get build-dep -y -q --no-install-recommends ./ >&2; }; }) ||
		die "apt-get build-dep failed"
	(cd "$repo" && dpkg-checkbuilddeps) || die "build dependencies still missing"
}

# changelog FILE: make VERSION its top entry
changelog() {
	local f=$1 top what date tmp

	top=$(sed -n '1s/^kvmtune (\([^ ]*\)) .*/\1/p' "$f")
	[ -n "$top" ] || die "$f: no 'kvmtune (VERSION) ...' on its first line"
	[ "$version" != "$top" ] || return 0
	if [[ $version != *[~+]* ]]; then
		die "release $version, but debian/changelog's top entry is $top:" \
			"add an entry for $version (dch -v $version)"
	fi
	if git -c safe.directory='*' -C "$repo" rev-parse --verify -q HEAD >/dev/null &&
		[ "$(git -c safe.directory='*' -C "$repo" rev-parse --show-toplevel)" = "$repo" ]; then
		what="git commit $(git -c safe.directory='*' -C "$repo" rev-parse --short=12 HEAD)"
		date=$(date -R -d "@$(git -c safe.directory='*' -C "$repo" log -1 --format=%ct)")
	else
		what="a tree without git history"
		date=$(date -R)
	fi
	[[ $version != *+dirty ]] || { what+=", with uncommitted changes"; date=$(date -R); }
	tmp=$f.new
	if dpkg --compare-versions "$version" lt "$top"; then
		# a snapshot of the entry being prepared: it takes the version
		{
			echo "kvmtune ($version) bookworm; urgency=medium"
			echo
			echo "  * Snapshot of $what (make deb)."
			sed -n '3,/^ -- /{/^ -- /!p}' "$f"
			echo " -- kvmtune developers <dev@kvmtune.invalid>  $date"
			sed -n '/^ -- /,$p' "$f" | sed 1d
		} >"$tmp"
	else
		{
			echo "kvmtune ($version) bookworm; urgency=medium"
			echo
			echo "  * Snapshot of $what, after $top (make deb)."
			echo
			echo " -- kvmtune developers <dev@kvmtune.invalid>  $date"
			echo
			cat "$f"
		} >"$tmp"
	fi
	mv "$tmp" "$f"
}

build() {
	local src=$out/kvmtune-$version files=()

	mapfile -t files
	[ ${#files[@]} -gt 0 ] || die "no files to package (make deb lists them)"
	build_deps
	rm -rf "$out"
	mkdir -p "$src"
	(cd "$repo" && printf '%s\0' "${files[@]}" |
		xargs -0 cp -a --parents -t "$src") || die "copying the tree failed"
	changelog "$src/debian/changelog"
	echo "make-deb: building kvmtune $version in $src" >&2
	if ! (cd "$src" && dpkg-buildpackage --no-sign) >"$out/build.log" 2>&1; then
		tail -n 60 "$out/build.log" >&2
		die "dpkg-buildpackage failed (log: $out/build.log)"
	fi
	ls "$out"/*.deb
}

lintian_check() {
	local changes rc

	changes=$(find "$out" -maxdepth 1 -name "kvmtune_${version}_*.changes" | head -n 1)
	[ -n "$changes" ] || die "no kvmtune_${version}_*.changes in $out (make deb-build)"
	apt_install lintian
	# --fail-on: every error and warning; info, pedantic and overridden
	# tags are shown (and counted in the summary) but pass
	set +e
	lintian --fail-on error,warning --display-info --show-overrides \
		"$changes" >"$out/lintian.log" 2>&1
	rc=$?
	set -e
	cat "$out/lintian.log"
	echo "lintian: $(grep -c '^E: ' "$out/lintian.log") errors," \
		"$(grep -c '^W: ' "$out/lintian.log") warnings," \
		"$(grep -c '^I: ' "$out/lintian.log") info," \
		"$(grep -c '^O: ' "$out/lintian.log") overridden (exit $rc)"
	[ "$rc" -eq 0 ] || die "lintian failed on $changes"
}

case $cmd in
build) build ;;
lintian) lintian_check ;;
*) die "$usage" ;;
esac
