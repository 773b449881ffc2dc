#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make guest-kernels: for each kernel line, a stock and a patched nested-guest
# kernel from ONE source tree and ONE config, so that an A/B comparison
# changes only guest-kernel-patches/v<line>/.
#
#   1. import   Debian's linux-source of the line (the kernel supply's
#               $SRC) into a git tree under the cache, as one commit with
#               fixed metadata: the same source always gives the same
#               commit id, the base-commit of the series.
#   2. config   make allnoconfig with selftests/guest/guest.config; every
#               line of the fragment must survive into .config.
#   3. stock    build bzImage at the base commit.
#   4. patch    git am the series (the files named in its "series" file)
#               onto the base commit, in the same tree.
#   5. patched  rebuild incrementally in the same object directory (only
#               what the patches touched recompiles).
#
# Kernels are cached by hashes: stock by the source version and the config
# fragment, patched by those and every patch of the series.  A warm run
# rebuilds nothing.  Builds run under nice, one at a time (a lock), with
# -j$(nproc).  Prints the time of every stage.
#
# Usage: guest-kernels.sh [-f] [LINE...]   LINE 6.1 or 6.12 (default both)
#   -f  rebuild even if cached
#
# Output, per line, in $KVMTUNE_CACHE/guest/<line>/:
#   stock/bzImage, patched/bzImage   the kernels
#   stock/config, patched/config     their .config (identical)
#   stock/key, patched/key           the cache keys they were built for
#   src/                             the git tree: the tag "base", the
#                                    series applied on a detached HEAD
#                                    (guest-kernel-patches/mkseries.sh
#                                    makes the series from a branch
#                                    "patched" there)
#   obj/                             the object directory
# and $KVMTUNE_CACHE/guest/<line>/env with the paths, for the tests.

set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
fragment=$repo/selftests/guest/guest.config
# bump when the way kernels are built changes, to invalidate the cache
recipe=2

force=
if [ "${1:-}" = -f ]; then
	force=1
	shift
fi
lines=("$@")
[ ${#lines[@]} -gt 0 ] || lines=(6.1 6.12)

die() { echo "guest-kernels: $*" >&2; exit 1; }
log() { echo "guest-kernels: $*" >&2; }

t_stage=0
stage_begin() { t_stage=$(date +%s); }
stage_end() { echo "guest-kernels: [$1] $2: $(($(date +%s) - t_stage))s"; }

# Fixed identity and dates: the import commit of a given source is always
# the same object, and so are the patched commits.
git_fixed() {
	GIT_AUTHOR_NAME=kvmtune GIT_AUTHOR_EMAIL=dev@kvmtune.invalid \
		GIT_COMMITTER_NAME=kvmtune GIT_COMMITTER_EMAIL=dev@kvmtune.invalid \
		GIT_AUTHOR_DATE='@0 +0000' GIT_COMMITTER_DATE='@0 +0000' \
		git -c core.autocrlf=false -c gc.auto=0 "$@"
}

# series_files DIR: the patches DIR/series lists, in order
series_files() {
	local p
	[ -f "$1/series" ] || die "$1/series missing"
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$1/$p" ] || die "$1/series names $p, which does not exist"
		echo "$1/$p"
	done <"$1/series"
}

# import LINE DIR SRC PKGVER: DIR/src becomes a git tree of SRC, one commit
# tagged "base"; reused while PKGVER does not change
import() {
	local line=$1 g=$2 src=$3 pkgver=$4
	if [ -f "$g/src/.git/kvmtune-pkgver" ] &&
		[ "$(cat "$g/src/.git/kvmtune-pkgver")" = "$pkgver" ] &&
		git -C "$g/src" rev-parse -q --verify base >/dev/null; then
		return
	fi
	log "[$line] importing linux-source $pkgver into $g/src"
	rm -rf "$g/src" "$g/obj" "$g/stock" "$g/patched"
	mkdir -p "$g"
	cp -a "$src" "$g/src.tmp"
	(
		cd "$g/src.tmp"
		git init -q -b base-import
		git_fixed add -f -A .
		git_fixed commit -q -m "linux-source-$line $pkgver (Debian)" \
			-m "Imported by selftests/vm/guest-kernels.sh from Debian's linux-source-$line package, unchanged."
		git tag base
	)
	echo "$pkgver" >"$g/src.tmp/.git/kvmtune-pkgver"
	mv "$g/src.tmp" "$g/src"
}

# kmake LINE DIR ARGS...: make in the tree, into DIR/obj, niced.  The
# release says which kernel it is: <version>-stock or <version>-patched.
kmake() {
	local g=$2
	shift 2
	nice -n 10 make -s -C "$g/src" O="$g/obj" -j"$(nproc)" "$@"
}

# configure DIR: allnoconfig plus the fragment; fail on any line the
# kernel's Kconfig dropped
configure() {
	local g=$1 l bad=()
	kmake "" "$g" KCONFIG_ALLCONFIG="$fragment" allnoconfig >/dev/null
	while IFS= read -r l; do
		case $l in
		CONFIG_*=* | '# CONFIG_'*' is not set')
			grep -qxF -- "$l" "$g/obj/.config" || bad+=("$l")
			;;
		esac
	done <"$fragment"
	[ ${#bad[@]} -eq 0 ] || die "these lines of $fragment did not survive into .config (missing dependency?): ${bad[*]}"
}

# install_kernel DIR KIND KEY: copy the build result to DIR/KIND
install_kernel() {
	local g=$1 kind=$2 key=$3
	rm -rf "$g/$kind.tmp"
	mkdir -p "$g/$kind.tmp"
	cp "$g/obj/arch/x86/boot/bzImage" "$g/$kind.tmp/bzImage"
	cp "$g/obj/.config" "$g/$kind.tmp/config"
	cp "$g/obj/System.map" "$g/$kind.tmp/System.map"
	cat "$g/obj/include/config/kernel.release" >"$g/$kind.tmp/release"
	git -C "$g/src" rev-parse HEAD >"$g/$kind.tmp/commit"
	echo "$key" >"$g/$kind.tmp/key"
	rm -rf "${g:?}/$kind"
	mv "$g/$kind.tmp" "$g/$kind"
}

build_line() {
	local line=$1 envfile g series stock_key patched_key base patches=()
	envfile=$cache/$line/env
	[ -f "$envfile" ] || "$here/kernel-supply.sh" "$line" >/dev/null
	# shellcheck disable=SC1090
	. "$envfile"
	[ -d "$SRC" ] || die "[$line] no source tree $SRC (kernel supply)"
	g=$cache/guest/$line
	series=$repo/guest-kernel-patches/v$line
	mapfile -t patches < <(series_files "$series")
	[ ${#patches[@]} -gt 0 ] || die "$series/series lists no patches"

	# shellcheck disable=SC2153 # PKGVER comes from the env file
	stock_key=$(cat <(echo "recipe $recipe line $line source $PKGVER") "$fragment" |
		sha256sum | cut -c1-16)
	patched_key=$(cat <(echo "$stock_key") "$series/series" "${patches[@]}" |
		sha256sum | cut -c1-16)

	if [ -z "$force" ] && [ "$(cat "$g/stock/key" 2>/dev/null)" = "$stock_key" ] &&
		[ "$(cat "$g/patched/key" 2>/dev/null)" = "$patched_key" ]; then
		echo "guest-kernels: [$line] cached: stock $stock_key, patched $patched_key"
		write_env "$line" "$g"
		return
	fi

	stage_begin
	import "$line" "$g" "$SRC" "$PKGVER"
	base=$(git -C "$g/src" rev-parse base)
	stage_end "$line" "import (base $base)"

	# The stock kernel: at base, configured from scratch.
	if [ -n "$force" ] || [ "$(cat "$g/stock/key" 2>/dev/null)" != "$stock_key" ]; then
		stage_begin
		git -C "$g/src" checkout -q -f --detach base
		configure "$g"
		stage_end "$line" "config"
		stage_begin
		kmake "$line" "$g" LOCALVERSION=-stock bzImage
		install_kernel "$g" stock "$stock_key"
		stage_end "$line" "stock build ($(cat "$g/stock/release"))"
	fi

	# The patched kernel: the series on base, in the same tree, rebuilt
	# in the same object directory with the same .config.
	stage_begin
	git -C "$g/src" checkout -q -f --detach base
	git_fixed -C "$g/src" am -q --whitespace=error-all "${patches[@]}" ||
		{ git -C "$g/src" am --abort 2>/dev/null; die "[$line] git am of $series failed"; }
	stage_end "$line" "git am (${#patches[@]} patches)"
	stage_begin
	cmp -s "$g/obj/.config" "$g/stock/config" || configure "$g"
	kmake "$line" "$g" LOCALVERSION=-patched bzImage
	cmp -s "$g/obj/.config" "$g/stock/config" ||
		die "[$line] the patched build's .config differs from the stock one"
	install_kernel "$g" patched "$patched_key"
	stage_end "$line" "patched build, incremental ($(cat "$g/patched/release"))"
	write_env "$line" "$g"
}

write_env() {
	local line=$1 g=$2
	cat >"$g/env.tmp" <<-EOF
		GUEST_LINE=$line
		GUEST_STOCK=$g/stock/bzImage
		GUEST_PATCHED=$g/patched/bzImage
		GUEST_BASE=$(cat "$g/stock/commit")
		GUEST_RELEASE=$(cat "$g/stock/release")
	EOF
	mv "$g/env.tmp" "$g/env"
}

# The nested guests' initramfs overlay: selftests/guest/l2_init.sh as /init,
# the shared splat regex (selftests/lib/splat.sh) and the static
# selftests/guest/l2_util, into build/guest/ (with l2_util itself, which
# the benchmark also runs in the proving ground).  The tests append it to
# the proving ground's own L2 initramfs (busybox; selftests/vm/mkinitramfs.sh),
# as kvmbench does.  Rebuilt when one of them is newer.
initramfs() {
	local out=$repo/build/guest d=$repo/selftests/guest stage f
	local img=$out/l2-overlay.cpio.gz splat=$repo/selftests/lib/splat.sh
	if [ -f "$img" ]; then
		f=$(find "$d/l2_init.sh" "$d/l2_util.c" "$splat" "$0" -newer "$img" | head -n 1)
		[ -n "$f" ] || return 0
	fi
	mkdir -p "$out"
	stage=$(mktemp -d)
	mkdir -p "$stage/bin"
	install -m 755 "$d/l2_init.sh" "$stage/init"
	cp "$splat" "$stage/splat.sh"
	# static: it runs in the guests, and in the proving ground (send)
	${CC:-gcc} -static -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		-o "$out/l2_util" "$d/l2_util.c" ||
		{ rm -rf "$stage"; die "cannot build $d/l2_util.c"; }
	cp "$out/l2_util" "$stage/bin/l2_util"
	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$img.tmp"
	rm -rf "$stage"
	mv "$img.tmp" "$img"
	log "built $img"
}

command -v git >/dev/null || die "needs git (make deps)"
initramfs
mkdir -p "$cache/guest"
# one kernel build at a time on this machine, whoever started it
exec {lock}>"$cache/guest/.lock"
if ! flock -n "$lock"; then
	log "waiting for another guest-kernels build to finish"
	flock "$lock"
fi
t_all=$(date +%s)
for line in "${lines[@]}"; do
	case $line in
	6.1 | 6.12) build_line "$line" ;;
	*) die "unsupported kernel line '$line' (supported: 6.1 6.12)" ;;
	esac
done
echo "guest-kernels: total $(($(date +%s) - t_all))s"
