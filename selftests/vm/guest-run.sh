#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the proving ground, chrooted into the host's root.  Reads the
# run spec, performs its setup lines, runs each test under a timeout and
# reports TAP on /dev/ttyS1.  Test output goes to stdout (ttyS2).
#
# Spec lines (see Documentation/testing.rst):
#   @modprobe MODULE [PARAM=VALUE...]  load a module of the booted kernel
#   @insmod PATH.ko [PARAM=VALUE...]   load a project module (PATH relative
#                                      to $KVMTUNE_KMOD)
#   NAME TIMEOUT COMMAND [ARGS...]     a test; COMMAND may use $KVMTUNE_*
set -u

envfile=$1
# shellcheck disable=SC1090
. "$envfile"
export KVMTUNE_REPO KVMTUNE_BUILD KVMTUNE_CACHE KVMTUNE_KMOD KVMTUNE_LINE \
	KVMTUNE_KVER KVMTUNE_MODROOT KVMTUNE_VMLINUZ KVMTUNE_L2_INITRD
export TMPDIR=/run/kvmtune-tmp
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/run/kvmtune-home
mkdir -p "$TMPDIR" "$HOME"

res=/dev/ttyS1
tap() { echo "$*" >"$res"; }

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

mapfile -t lines < <(grep -Ev '^[[:space:]]*(#|$)' "$KVMTUNE_SPEC")
ntests=0
for l in "${lines[@]}"; do
	[ "${l:0:1}" = "@" ] || ntests=$((ntests + 1))
done

tap "TAP version 13"
tap "1..$ntests"
echo "# kernel $(uname -r), $(nproc) CPUs"

n=0
setup_failed=
for l in "${lines[@]}"; do
	read -r -a w <<<"$l"
	case ${w[0]} in
	@modprobe)
		echo "=== setup: modprobe ${w[*]:1}"
		kt_modprobe "${w[@]:1}" || setup_failed="modprobe ${w[1]}"
		;;
	@insmod)
		echo "=== setup: insmod ${w[*]:1}"
		insmod "$KVMTUNE_KMOD/${w[1]}" "${w[@]:2}" || setup_failed="insmod ${w[1]}"
		;;
	@tcg) ;; # read by run.sh before boot
	@*)
		setup_failed="unknown spec directive ${w[0]}"
		;;
	*)
		n=$((n + 1))
		name=${w[0]} tmo=${w[1]}
		if [ -n "$setup_failed" ]; then
			tap "not ok $n $name # setup failed: $setup_failed"
			continue
		fi
		echo "=== $n $name (timeout ${tmo}s): ${w[*]:2}"
		echo "# run $n $name" >/dev/kmsg
		start=$(date +%s%N)
		out=$TMPDIR/test-$n.out
		(cd "$TMPDIR" && eval "exec timeout -k 5 $tmo ${w[*]:2}") 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		ms=$((($(date +%s%N) - start) / 1000000))
		echo "=== $n $name: rc=$rc ${ms}ms"
		case $rc in
		0) tap "ok $n $name # time=${ms}ms" ;;
		4)
			why=$(grep -o 'SKIP.*' "$out" | tail -n 1)
			tap "ok $n $name # SKIP ${why#SKIP}"
			;;
		124 | 137) tap "not ok $n $name # TIMEOUT ${tmo}s" ;;
		*) tap "not ok $n $name # exit=$rc" ;;
		esac
		;;
	esac
done
tap "# kvmtune: done"
