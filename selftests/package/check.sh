#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package tests of make check (Documentation/packaging.rst), on the host.
# Between the two halves the proving ground boots each kernel line and loads
# the modules that DKMS installed (selftests/package.list).
#
#   check.sh install   make deb (build, lintian), the packages' contents and
#                      manual pages; a scratch Debian 12 root with Debian's
#                      6.1 and 6.12 kernels from the kernel supply; the
#                      packages installed into it with apt, DKMS building
#                      for both kernels
#   check.sh purge     apt remove, then purge: DKMS unregisters, and the
#                      root has exactly the files it had before
#
# One verdict line per check on stdout ("PASS package/NAME # detail"),
# everything else on stderr.  Exits non-zero if a check failed.
#
# The scratch root is a chroot, not `dpkg --root`: apt, dpkg and every
# maintainer script (DKMS's included) run inside it with its own
# configuration, as on a host; see Documentation/packaging.rst.  It lives in
# build/package/root (the proving ground reads the modules from there), is
# made from a cached mmdebstrap tarball ($KVMTUNE_CACHE/package/, rebuilt
# when BASE_PKGS change), and is removed when the purge passed.
#
# The kernels go in as a host gets them, in two steps, so that both ways
# DKMS builds are tested:
#   1. before the packages: 6.1's image and headers, 6.12's image only; and
#      /lib/modules/<host's release>, the running kernel (without headers);
#      so 6.1 is neither the running kernel nor the newest one, for which
#      alone DKMS's postinst builds by default: kvmtune-dkms must have it
#      build for 6.1 too (every installed kernel with headers);
#   2. after them: 6.12's headers, as a kernel upgrade brings them; DKMS's
#      kernel hook must build for 6.12.

set -uo pipefail
# depmod, modprobe and friends live in sbin, which a CI PATH may lack
export PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
work=$repo/build/package
root=$work/root
target=$root
debs=$repo/build/deb
make=(make --no-print-directory -C "$repo")

# The scratch root's packages beyond mmdebstrap's apt variant: DKMS, what
# Debian's kernel and header packages depend on (so that installing them
# needs no download), and iproute2 for the ip plugin.
BASE_PKGS=(dkms linux-base initramfs-tools linux-compiler-gcc-12-x86 pahole xz-utils
	iproute2)
SUITE=bookworm
MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
	"deb http://deb.debian.org/debian $SUITE-updates main"
	"deb http://deb.debian.org/debian-security $SUITE-security main")

nfail=0
verdict() { # verdict PASS|FAIL NAME [DETAIL]
	[ "$1" = PASS ] || nfail=$((nfail + 1))
	echo "$1 package/$2${3:+ # $3}"
}
say() { echo "package: $*" >&2; }
# show LOG [N]: the last N (40) lines of LOG, indented, on stderr
show() { tail -n "${2:-40}" "$1" | sed 's/^/    /' >&2; }
# indent [PREFIX]: stdin's lines that are not empty, indented (after PREFIX),
# on stderr
indent() { grep . | sed "s/^/    ${1:-}/" >&2; }
finish() { [ "$nfail" -eq 0 ]; exit; }

t0=0
timer() { t0=$(date +%s); }
took() { echo "$(($(date +%s) - t0))s"; }

# in_root [VAR=VALUE...] CMD...: run CMD chrooted in $target (the scratch
# root, or the cache's copy being made) with
# a clean environment (and VAR=VALUE), in a mount namespace of its own with
# /proc, /sys and /dev, which vanish with it
in_root() {
	# shellcheck disable=SC2016 # expanded by that shell
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount -t sysfs sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' \
		sh "$target" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root "$@"
}

# apt_in_root LOG ARGS...: apt-get -y ARGS in the root (with $root_env in
# its environment), output appended to LOG; when that fails for want of
# package lists (the cached root has none), once more after an update
root_env=()
apt_in_root() {
	local log=$1

	shift
	in_root "${root_env[@]}" apt-get -y -q --no-install-recommends "$@" >>"$log" 2>&1 &&
		return 0
	grep -Eq 'Unable to locate|has no installation candidate|unmet dependencies' "$log" ||
		return 1
	say "apt-get $1: fetching package lists"
	in_root apt-get -q update >>"$log" 2>&1 &&
		in_root "${root_env[@]}" apt-get -y -q --no-install-recommends "$@" >>"$log" 2>&1
}

# supply_debs LINE [PREFIX...]: the kernel supply's .debs of LINE's current
# release (image, headers, headers-common, kbuild), or those whose names
# start with a PREFIX
supply_debs() {
	local line=$1 f p

	shift
	# shellcheck disable=SC1090
	. "$cache/$line/env"
	for f in "$cache/$line/debs/"*"_${PKGVER}_"*.deb; do
		case ${f##*/} in linux-source-*) continue ;; esac
		[ $# -gt 0 ] || { echo "$f"; continue; }
		for p; do
			[[ ${f##*/} != "$p"* ]] || { echo "$f"; break; }
		done
	done
}

# kver LINE: the release of LINE's kernel
kver() {
	# shellcheck disable=SC1090
	. "$cache/$1/env" && echo "$KVER"
}

# ---- the packages -----------------------------------------------------------

# deb_file NAME: build/deb's NAME_*.deb of this build
deb_file() {
	find "$debs" -maxdepth 1 -name "$1_*.deb" | head -n 1
}

check_build() {
	local log=$work/deb-build.log

	timer
	# the tools' own tests ran as tools/check already
	if DEB_BUILD_OPTIONS=nocheck "${make[@]}" deb-build >"$log" 2>&1; then
		verdict PASS build "kvmtune-dkms, kvmtune-tools $(version) in $(took)"
	else
		show "$log"
		verdict FAIL build "make deb-build failed (log: $log)"
		finish
	fi
}

version() {
	dpkg-deb -f "$(deb_file kvmtune-dkms)" Version
}

check_lintian() {
	local log=$work/lintian.log

	timer
	if "${make[@]}" deb-lintian >"$log" 2>&1; then
		verdict PASS lintian "$(tail -n 1 "$log") in $(took)"
	else
		show "$log"
		verdict FAIL lintian "$(grep '^lintian: ' "$log" | tail -n 1)"
	fi
}

# check_overrides: every lintian override says why, on the line before it
check_overrides() {
	local f prev l bad=()

	for f in "$repo"/debian/*lintian-overrides "$repo"/debian/source/lintian-overrides; do
		[ -f "$f" ] || continue
		prev=
		while IFS= read -r l; do
			if [[ $l =~ ^[^#[:space:]] ]] && [[ $prev != "#"* ]]; then
				bad+=("${f#"$repo"/}: $l")
			fi
			prev=$l
		done <"$f"
	done
	if [ ${#bad[@]} -eq 0 ]; then
		verdict PASS lintian-overrides "each has its reason"
	else
		printf '    %s\n' "${bad[@]}" >&2
		verdict FAIL lintian-overrides "${#bad[@]} without a comment saying why"
	fi
}

# check_contents: kvmtune-dkms has the DKMS tree of exactly the host modules
# of Kbuild, with the package's version; kvmtune-tools has every tool and its
# manual page
check_contents() {
	local v dkms tools_deb list errs=() m tool want got f src

	v=$(version)
	dkms=$(deb_file kvmtune-dkms)
	tools_deb=$(deb_file kvmtune-tools)
	list=$work/contents
	[ ${#mods[@]} -gt 0 ] || errs+=("dkms.conf names no module")

	dpkg-deb --fsys-tarfile "$dkms" | tar -t | sed 's|^\./||' >"$list.dkms"
	src=usr/src/kvmtune-$v
	want=$(printf '%s\n' compat include "${mods[@]}" | sort | tr '\n' ' ')
	got=$(sed -n "s|^$src/kmod/\([^/]*\)/\$|\1|p" "$list.dkms" | sort | tr '\n' ' ')
	[ "$want" = "$got" ] || errs+=("kvmtune-dkms: $src/kmod/ has '$got', want '$want'")
	for m in Kbuild dkms.conf; do
		grep -qxF "$src/$m" "$list.dkms" || errs+=("kvmtune-dkms: no $src/$m")
	done
	while IFS= read -r f; do
		case $f in
		"" | usr/ | usr/share/ | usr/share/doc/ | usr/share/doc/kvmtune-dkms/* | usr/src/ | "$src"/*) ;;
		*) errs+=("kvmtune-dkms: stray $f") ;;
		esac
	done <"$list.dkms"
	grep -E '\.(o|ko|cmd|mod)$' "$list.dkms" >"$list.stray" &&
		errs+=("kvmtune-dkms: build products $(tr '\n' ' ' <"$list.stray")")
	got=$(dpkg-deb --fsys-tarfile "$dkms" | tar -xOf - "./$src/dkms.conf" |
		sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p')
	[ "$got" = "$v" ] || errs+=("kvmtune-dkms: dkms.conf's PACKAGE_VERSION '$got', want '$v'")

	dpkg-deb --fsys-tarfile "$tools_deb" | tar -t | sed 's|^\./||' >"$list.tools"
	for tool in "${tools[@]}"; do
		grep -qxF "usr/sbin/$tool" "$list.tools" || errs+=("kvmtune-tools: no usr/sbin/$tool")
		grep -qxF "usr/share/man/man8/$tool.8.gz" "$list.tools" ||
			errs+=("kvmtune-tools: no manual page usr/share/man/man8/$tool.8.gz")
	done
	# mqgre's iproute2 plugin, where Debian's ip looks for it, and its alias
	for m in link_mqgre.so link_mqgretap.so; do
		grep -qxF "usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/ip/$m" "$list.tools" ||
			errs+=("kvmtune-tools: no ip plugin $m")
	done
	for m in README.md.gz kvmtrace.rst.gz; do
		grep -qxF "usr/share/doc/kvmtune-tools/$m" "$list.tools" ||
			errs+=("kvmtune-tools: no usr/share/doc/kvmtune-tools/$m")
	done
	if [ ${#errs[@]} -eq 0 ]; then
		verdict PASS contents "modules ${mods[*]}; tools $(grep -c '^usr/sbin/.' "$list.tools")"
	else
		printf '    %s\n' "${errs[@]}" >&2
		verdict FAIL contents "${errs[0]}"
	fi
}

# check_man: each manual page of kvmtune-tools renders without a warning
# and names every option its tool's --help names, and no other
check_man() {
	local tmp page tool errs=() n=0 help manopts helpopts

	tmp=$(mktemp -d)
	dpkg-deb -x "$(deb_file kvmtune-tools)" "$tmp"
	for page in "$tmp"/usr/share/man/man8/*.8.gz; do
		[ -f "$page" ] || continue
		tool=${page##*/}
		tool=${tool%.8.gz}
		n=$((n + 1))
		if ! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" \
			>"$tmp/$tool.txt" 2>"$tmp/$tool.warn" || [ -s "$tmp/$tool.warn" ]; then
			errs+=("$tool.8: $(head -n 1 "$tmp/$tool.warn")")
		fi
		help=$("$tmp/usr/sbin/$tool" --help 2>&1) || errs+=("$tool --help failed")
		helpopts=$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u | tr '\n' ' ')
		manopts=$(grep -o -- '--[a-z][a-z-]*' "$tmp/$tool.txt" | sort -u | tr '\n' ' ')
		[ "$helpopts" = "$manopts" ] ||
			errs+=("$tool.8 names options '$manopts', $tool --help '$helpopts'")
	done
	rm -rf "$tmp"
	[ "$n" -gt 0 ] || errs+=("kvmtune-tools has no manual page")
	if [ ${#errs[@]} -eq 0 ]; then
		verdict PASS man "$n pages, options as --help has them"
	else
		printf '    %s\n' "${errs[@]}" >&2
		verdict FAIL man "${errs[0]}"
	fi
}

# ---- the scratch root -------------------------------------------------------

# base_tarball: the cached mmdebstrap tarball of BASE_PKGS, made if missing
base_tarball() {
	local key dir=$cache/package tar log

	key=$(printf '%s\n' "$SUITE" "${BASE_PKGS[@]}" "${MIRRORS[@]}" | sha256sum | cut -c1-12)
	tar=$dir/base-$key.tar
	if [ ! -f "$tar" ]; then
		mkdir -p "$dir"
		log=$work/mmdebstrap.log
		command -v mmdebstrap >/dev/null || {
			say "installing mmdebstrap"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				mmdebstrap >"$log" 2>&1 || { show "$log"; return 1; }
		}
		say "making the scratch root's base ($SUITE, ${BASE_PKGS[*]}) into $tar"
		rm -f "$dir"/base-*.tar
		# force-unsafe-io: no fsync per file, as in Debian's own build chroots
		mmdebstrap --variant=apt --dpkgopt=force-unsafe-io \
			--include="$(IFS=,; echo "${BASE_PKGS[*]}")" \
			"$SUITE" "$dir/partial.tar" "${MIRRORS[@]}" >>"$log" 2>&1 ||
			{ show "$log"; return 1; }
		mv "$dir/partial.tar" "$tar"
	fi
	echo "$tar"
}

# snapshot FILE: every path of the root, but for the kernel's file systems,
# scratch space and the package managers' own bookkeeping (logs, caches,
# dpkg's and apt's databases), which change with any installation
snapshot() {
	(cd "$root" && find . \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		-o -path ./tmp -o -path ./var/log -o -path ./var/cache/apt \
		-o -path ./var/cache/debconf -o -path ./var/lib/apt \) -prune -o -print) |
		grep -Ev '^\./var/lib/dpkg/(status|available|diversions|statoverride)(-old)?$|^\./var/lib/dpkg/(triggers|updates)/|^\./var/lib/dpkg/lock' |
		sort >"$1"
}

# step1 LOG: install step 1's kernels into $target (fresh from the base)
step1() {
	local log=$1 debs6_1 img6_12 kv missing=()

	mapfile -t debs6_1 < <(supply_debs 6.1)
	mapfile -t img6_12 < <(supply_debs 6.12 linux-image-)
	if [ ${#debs6_1[@]} -ne 4 ] || [ ${#img6_12[@]} -ne 1 ]; then
		echo "kernel supply: want 6.1's 4 debs and 6.12's image, have ${debs6_1[*]} ${img6_12[*]}" >>"$log"
		return 1
	fi
	mkdir -p "$target/tmp/supply"
	cp "${debs6_1[@]}" "${img6_12[@]}" "$target/tmp/supply/" || return 1
	# the root never boots them, so they need no initramfs (INITRD=No)
	root_env=(INITRD=No)
	apt_in_root "$log" install "${debs6_1[@]/#*\//\/tmp\/supply\/}" \
		"${img6_12[@]/#*\//\/tmp\/supply\/}" || return 1
	root_env=()
	rm -rf "$target/tmp/supply"
	for line in 6.1 6.12; do
		kv=$(kver "$line")
		[ -f "$target/boot/vmlinuz-$kv" ] || missing+=("/boot/vmlinuz-$kv")
	done
	kv=$(kver 6.1)
	[ -d "$target$(readlink "$target/lib/modules/$kv/build")/include" ] ||
		missing+=("6.1's headers (/lib/modules/$kv/build/include)")
	[ ${#missing[@]} -eq 0 ] || { echo "not installed: ${missing[*]}" >>"$log"; return 1; }
}

# lower_root: the root as step 1 leaves it, a directory in the cache, made
# from the base when the base or the kernel supply changed
lower_root() {
	local log=$work/root.log dir=$cache/package key base lower partial

	base=$(base_tarball) || return 1
	key=$( { basename "$base"; supply_debs 6.1; supply_debs 6.12 linux-image-; } |
		sed 's|.*/||' | sha256sum | cut -c1-12)
	lower=$dir/root-$key
	if [ ! -d "$lower" ]; then
		say "making the scratch root with step 1's kernels into $lower"
		partial=$dir/root-partial
		rm -rf "$partial"
		mkdir -p "$partial"
		tar -C "$partial" -xpf "$base" || { echo "cannot unpack $base" >>"$log"; return 1; }
		cp /etc/resolv.conf "$partial/etc/" 2>/dev/null
		target=$partial
		step1 "$log" || return 1
		target=$root
		find "$dir" -maxdepth 1 -name 'root-*' ! -name root-partial -exec rm -rf {} +
		mv "$partial" "$lower" || return 1
	fi
	echo "$lower"
}

# unmount_root: the overlay of an earlier run, if it is still mounted
unmount_root() {
	if mountpoint -q "$root"; then
		umount "$root" || { say "cannot unmount $root"; return 1; }
	fi
}

# make_root: the root for this run, an overlay on lower_root's (so that a
# run changes nothing in the cache and costs no copy), mounted on
# build/package/root until the purge passed; with the running kernel's
# modules directory added
make_root() {
	local log=$work/root.log lower line

	: >"$log"
	for line in 6.1 6.12; do
		[ -f "$cache/$line/env" ] ||
			{ echo "no kernel supply for $line (make kernels LINE=$line)" >>"$log"; return 1; }
	done
	unmount_root || return 1
	lower=$(lower_root) || return 1
	rm -rf "$root" "$work/upper" "$work/overlay-work"
	mkdir -p "$root" "$work/upper" "$work/overlay-work"
	mount -t overlay kvmtune-package -o \
		"lowerdir=$lower,upperdir=$work/upper,workdir=$work/overlay-work" "$root" ||
		{ echo "cannot mount the overlay on $root" >>"$log"; return 1; }
	# the running kernel: its modules directory, without headers
	mkdir -p "$root/lib/modules/$(uname -r)"
	snapshot "$work/before.list"
}

check_root() {
	timer
	if make_root; then
		verdict PASS scratch-root "Debian 12, kernels $(kver 6.1) (with headers) and $(kver 6.12), running $(uname -r), in $(took)"
	else
		show "$work/root.log"
		[ -f "$work/mmdebstrap.log" ] && show "$work/mmdebstrap.log" 10
		verdict FAIL scratch-root "see $work/root.log"
		finish
	fi
}

# dkms_state KVER: DKMS's status of kvmtune for KVER in the root ("" if none)
dkms_state() {
	in_root dkms status -m kvmtune -k "$1" 2>/dev/null
}

# built_for KVER: every module of dkms.conf installed for KVER, built for
# it and indexed by depmod; prints what is wrong
built_for() {
	local kv=$1 m ko dep=$root/lib/modules/$1/modules.dep

	[[ $(dkms_state "$kv") == *": installed"* ]] ||
		echo "dkms status for $kv: '$(dkms_state "$kv")'"
	for m in "${mods[@]}"; do
		ko=$(find "$root/lib/modules/$kv/updates/dkms" -name "$m.ko*" 2>/dev/null | head -n 1)
		if [ -z "$ko" ]; then
			echo "no $m.ko in /lib/modules/$kv/updates/dkms"
			continue
		fi
		modinfo -F vermagic "$ko" | grep -q "^$kv " ||
			echo "${ko#"$root"} has vermagic '$(modinfo -F vermagic "$ko")'"
		grep -q "^updates/dkms/${ko##*/}:" "$dep" ||
			echo "modules.dep of $kv does not list updates/dkms/${ko##*/}"
	done
}

# none_for KVER: nothing of kvmtune's for KVER (DKMS's status may say
# "added", without a kernel: the sources are registered)
none_for() {
	[[ $(dkms_state "$1") != *", $1,"* ]] || echo "dkms status for $1: '$(dkms_state "$1")'"
	find "$root/lib/modules/$1" -path '*/updates/dkms/*' 2>/dev/null | sed "s|^$root|found |"
}

check_install() {
	local log=$work/install.log errs v

	timer
	v=$(version)
	mkdir -p "$root/tmp/kvmtune"
	cp "$(deb_file kvmtune-dkms)" "$(deb_file kvmtune-tools)" "$root/tmp/kvmtune/"
	: >"$log"
	# the README's `apt install ./kvmtune-dkms_*.deb ./kvmtune-tools_*.deb`
	if ! apt_in_root "$log" install "/tmp/kvmtune/$(basename "$(deb_file kvmtune-dkms)")" \
		"/tmp/kvmtune/$(basename "$(deb_file kvmtune-tools)")"; then
		show "$log"
		find "$root/var/lib/dkms/kvmtune" -name make.log -exec tail -n 20 {} + >&2 2>/dev/null
		verdict FAIL install "apt-get install failed (log: $log)"
		finish
	fi
	rm -rf "$root/tmp/kvmtune"
	errs=$(
		built_for "$(kver 6.1)"
		none_for "$(kver 6.12)"
		none_for "$(uname -r)"
		[ -d "$root/usr/src/kvmtune-$v" ] || echo "no /usr/src/kvmtune-$v"
		for tool in "${tools[@]}"; do
			in_root "$tool" --help >/dev/null 2>&1 || echo "$tool --help failed in the root"
		done
	)
	if [ -z "$errs" ]; then
		verdict PASS install "DKMS built ${mods[*]} for $(kver 6.1) at once, not for $(kver 6.12) (no headers yet), in $(took)"
	else
		indent <<<"$errs"
		show "$log" 20
		verdict FAIL install "$(head -n 1 <<<"$errs")"
	fi
}

# step 2: 6.12's headers arrive, as with a kernel upgrade
check_upgrade() {
	local log=$work/upgrade.log errs debs

	timer
	: >"$log"
	mapfile -t debs < <(supply_debs 6.12 linux-headers- linux-kbuild-)
	mkdir -p "$root/tmp/supply"
	cp "${debs[@]}" "$root/tmp/supply/"
	if ! apt_in_root "$log" install "${debs[@]/#*\//\/tmp\/supply\/}"; then
		show "$log"
		verdict FAIL kernel-upgrade "installing 6.12's headers failed (log: $log)"
		finish
	fi
	rm -rf "$root/tmp/supply"
	errs=$(built_for "$(kver 6.12)"; built_for "$(kver 6.1)")
	if [ -z "$errs" ]; then
		verdict PASS kernel-upgrade "DKMS's hook built ${mods[*]} for $(kver 6.12) with its headers, in $(took)"
	else
		indent <<<"$errs"
		show "$log" 20
		verdict FAIL kernel-upgrade "$(head -n 1 <<<"$errs")"
	fi
}

# ---- remove, purge ----------------------------------------------------------

check_remove() {
	local log=$work/remove.log errs kv

	timer
	: >"$log"
	if ! apt_in_root "$log" remove kvmtune-dkms kvmtune-tools; then
		show "$log"
		verdict FAIL remove "apt-get remove failed (log: $log)"
		finish
	fi
	errs=$(
		for kv in "$(kver 6.1)" "$(kver 6.12)"; do
			none_for "$kv"
			grep -n 'updates/dkms/' "$root/lib/modules/$kv/modules.dep" | sed "s|^|$kv modules.dep: |"
		done
		[ -z "$(in_root dkms status -m kvmtune 2>/dev/null)" ] ||
			echo "dkms status: $(in_root dkms status -m kvmtune 2>&1)"
		[ ! -e "$root/var/lib/dkms/kvmtune" ] || echo "/var/lib/dkms/kvmtune is left"
		find "$root/usr/src" -maxdepth 1 -name 'kvmtune-*' | sed "s|^$root|left: |"
		[ ! -e "$root/usr/sbin/kvmtop" ] || echo "/usr/sbin/kvmtop is left"
	)
	if [ -z "$errs" ]; then
		verdict PASS remove "DKMS unregistered kvmtune, modules gone for both kernels, in $(took)"
	else
		indent <<<"$errs"
		verdict FAIL remove "$(head -n 1 <<<"$errs")"
	fi
}

# upgrade_paths PKG...: the root's paths that packages PKG brought, sorted:
# their files as dpkg lists them, also under /usr where the root's /lib,
# /bin and /sbin are links to it (merged /usr, where find sees them), and
# dpkg's own files about them
upgrade_paths() {
	local p

	in_root dpkg-query -L "$@" 2>/dev/null | sed 's|^|.|' >"$work/upgrade.raw"
	{
		cat "$work/upgrade.raw"
		sed -En 's#^\./(bin|sbin|lib|lib32|lib64|libx32)/#./usr/\1/#p' "$work/upgrade.raw"
		for p; do
			(cd "$root" && find ./var/lib/dpkg/info -maxdepth 1 \
				\( -name "$p.*" -o -name "$p:*" \))
		done
	} | sort -u
}

check_purge() {
	local log=$work/purge.log left gone pkgs upgrade_debs known=() how

	timer
	: >"$log"
	mapfile -t upgrade_debs < <(supply_debs 6.12 linux-headers- linux-kbuild-)
	# dpkg forgets a removed package that has no conffiles and no postrm
	# at once; apt-get cannot purge what dpkg does not know, so purge
	# those it still has (state "config-files")
	# shellcheck disable=SC2016 # dpkg-query's format
	mapfile -t known < <(in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' \
		kvmtune-dkms kvmtune-tools 2>/dev/null | awk '$1 != "un" { print $NF }')
	if [ ${#known[@]} -eq 0 ]; then
		how="nothing for apt-get purge: dpkg forgot both packages at removal"
	elif apt_in_root "$log" purge "${known[@]}"; then
		how="apt-get purge ${known[*]}"
	else
		show "$log"
		verdict FAIL purge "apt-get purge failed (log: $log)"
		finish
	fi
	snapshot "$work/after.list"
	# what step 2 installed after the snapshot: 6.12's headers and kbuild
	mapfile -t pkgs < <(printf '%s\n' "${upgrade_debs[@]}" | sed 's|.*/||; s|_.*||')
	upgrade_paths "${pkgs[@]}" >"$work/upgrade.list"
	left=$(comm -23 "$work/after.list" "$work/before.list" | comm -23 - "$work/upgrade.list")
	gone=$(comm -13 "$work/after.list" "$work/before.list")
	# shellcheck disable=SC2016 # dpkg-query's format
	if in_root dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' 'kvmtune*' 2>/dev/null |
		grep -v ' un *$' | grep -q .; then
		left+=$'\n'"dpkg still knows kvmtune"
	fi
	if [ -z "$left$gone" ]; then
		verdict PASS purge "$how; the root's $(wc -l <"$work/before.list") paths as before, in $(took)"
		unmount_root && rm -rf "$root" "$work/upper" "$work/overlay-work"
	else
		indent "left: " <<<"$left"
		indent "gone: " <<<"$gone"
		verdict FAIL purge "$(grep -c . <<<"$left") paths left behind, $(grep -c . <<<"$gone") gone (root kept: $root, an overlay mount)"
	fi
}

# the modules, as DKMS sees them: dkms.conf takes them from Kbuild
# shellcheck disable=SC1091 # dkms.conf is bash, sourced by DKMS too
mapfile -t mods < <(cd "$repo" && set +u && . ./dkms.conf && printf '%s\n' "${BUILT_MODULE_NAME[@]}")
# the tools, as tools/Makefile builds and installs them
# shellcheck disable=SC2016 # for make
read -ra tools < <(make -s -C "$repo/tools" --eval 'print-tools: ; @echo $(TOOLS)' print-tools)
[ "$(id -u)" -eq 0 ] || { verdict FAIL setup "not root: the scratch root needs chroot and mounts"; finish; }
mkdir -p "$work"

case ${1:-} in
install)
	check_build
	check_lintian
	check_overrides
	check_contents
	check_man
	check_root
	check_install
	check_upgrade
	;;
purge)
	[ -d "$root" ] || { verdict FAIL remove "no scratch root (check.sh install)"; finish; }
	check_remove
	check_purge
	;;
*)
	echo "usage: check.sh install|purge" >&2
	exit 2
	;;
esac
finish
