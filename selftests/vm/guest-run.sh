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
#   @kvm-anchor                        start a VM that holds KVM's static
#                                      keys for the rest of the run
#                                      (selftests/loadgen/kvmanchor.c)
#   @tcg MODE, @icount shift=N, @smp N, @numa N, @append PARAM...
#                                      read by run.sh before boot
#   NAME TIMEOUT COMMAND [ARGS...]     a test; COMMAND may use $KVMTUNE_*
#
# A test passes with exit 0 and skips with exit 4, naming what it lacks in
# a "SKIP <reason>" line.  When its output is TAP (kselftest), its results
# count too: a failed subtest fails the test whatever its exit status, and
# a skipped one makes it a SKIP that names the subtests and their reasons.
set -u

envfile=$1
# shellcheck disable=SC1090
. "$envfile"
export KVMTUNE_REPO KVMTUNE_BUILD KVMTUNE_CACHE KVMTUNE_KMOD KVMTUNE_LINE \
	KVMTUNE_KVER KVMTUNE_MODROOT KVMTUNE_VMLINUZ KVMTUNE_L2_INITRD \
	KVMTUNE_TCG KVMTUNE_ICOUNT_SHIFT
# the host's BENCH_* variables, forwarded by run.sh
for v in $(compgen -v BENCH_); do
	export "${v?}"
done
export TMPDIR=/run/kvmtune-tmp
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/run/kvmtune-home
mkdir -p "$TMPDIR" "$HOME"

res=/dev/ttyS1
tap() { echo "$*" >"$res"; }

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

# tap_summary FILE: what the TAP in a test's output (from its "TAP version"
# line on) says, as three lines: "RESULTS FAILED SKIPPED PLAN TFAIL TERROR"
# (PLAN is - without a plan; TFAIL and TERROR come from kselftest's
# "# Totals:" line), the failed subtests, and the skipped ones with their
# reasons.  Prints nothing if there is no TAP.
tap_summary() {
	tr -d '\r' <"$1" | awk '
	function name(s) { sub(/(^| )#.*/, "", s); return s == "" ? "test " n : s }
	/^TAP version / { tap = 1; next }
	!tap { next }
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	/^not ok [0-9]+/ {
		n = $3; results++; nfail++
		s = $0; sub(/^not ok [0-9]+ ?/, "", s)
		failed = failed (nfail > 1 ? ", " : "") name(s)
		next
	}
	/^ok [0-9]+/ {
		n = $2; results++
		s = $0; sub(/^ok [0-9]+ ?/, "", s)
		if (s ~ /(^| )# SKIP/) {
			nskip++
			r = s; sub(/.*# SKIP */, "", r)
			skipped = skipped (nskip > 1 ? "; " : "") name(s) ": " r
		}
		next
	}
	/^# Totals: / {
		for (i = 3; i <= NF; i++) {
			split($i, kv, ":")
			if (kv[1] == "fail") tfail = kv[2] + 0
			if (kv[1] == "error") terror = kv[2] + 0
		}
	}
	END {
		if (!tap)
			exit
		printf "%d %d %d %s %d %d\n", results, nfail, nskip,
			plan == "" ? "-" : plan, tfail, terror
		print failed
		print skipped
	}'
}

# report N NAME TIMEOUT RC OUTPUT MS: the TAP result of one test
report() {
	local n=$1 name=$2 tmo=$3 rc=$4 out=$5 ms=$6
	local sum results=0 nfail=0 nskip=0 plan=- tfail=0 terror=0 failed='' skipped='' why

	sum=$(tap_summary "$out")
	if [ -n "$sum" ]; then
		{
			read -r results nfail nskip plan tfail terror
			read -r failed
			read -r skipped
		} <<<"$sum"
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		tap "not ok $n $name # TIMEOUT ${tmo}s"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
		tap "not ok $n $name # exit=$rc${failed:+ (failed: $failed)}"
	elif [ "$nfail" -gt 0 ]; then
		tap "not ok $n $name # exit=$rc but $nfail of $results subtests failed: $failed"
	elif [ "$tfail" -gt 0 ] || [ "$terror" -gt 0 ]; then
		tap "not ok $n $name # exit=$rc but its TAP totals say fail:$tfail error:$terror"
	elif [ "$plan" != - ] && [ "$plan" -ne "$results" ]; then
		tap "not ok $n $name # exit=$rc but TAP planned $plan subtests, $results reported"
	elif [ "$nskip" -gt 0 ]; then
		tap "ok $n $name # SKIP $nskip of $results subtests skipped: $skipped"
	elif [ "$rc" -eq 4 ]; then
		why=$(tr -d '\r' <"$out" | grep -o 'SKIP.*' | tail -n 1)
		why=${why#SKIP}
		why=${why#:}
		why=${why# }
		if [ -n "$why" ]; then
			tap "ok $n $name # SKIP $why"
		else
			tap "not ok $n $name # exit=4 (skip) without a SKIP line naming what is missing"
		fi
	else
		tap "ok $n $name # time=${ms}ms"
	fi
}

mapfile -t lines < <(grep -Ev '^[[:space:]]*(#|$)' "$KVMTUNE_SPEC")
ntests=0
for l in "${lines[@]}"; do
	read -r -a w <<<"$l"
	[ "${w[0]:0:1}" = "@" ] || ntests=$((ntests + 1))
done

tap "TAP version 13"
tap "1..$ntests"
echo "# kernel $(uname -r), $(nproc) CPUs"
# where KASLR put the kernel's text: run.sh tells from it whether a stuck
# guest's vCPUs were in it
text=$(awk '$3 == "_text" { s = $1 } $3 == "_etext" { e = $1 } END { print s "-" e }' /proc/kallsyms)
[ "${text//[0-]/}" = "" ] || echo "# kernel text at $text"

n=0
setup_failed=
for l in "${lines[@]}"; do
	read -r -a w <<<"$l"
	case ${w[0]} in
	@modprobe)
		echo "=== setup: modprobe ${w[*]:1}"
		kvmtune_modprobe "${w[@]:1}" || setup_failed="modprobe ${w[1]}"
		;;
	@insmod)
		echo "=== setup: insmod ${w[*]:1}"
		insmod "$KVMTUNE_KMOD/${w[1]}" "${w[@]:2}" || setup_failed="insmod ${w[1]}"
		;;
	@kvm-anchor)
		# in a subshell, which kvmtune_fail ends: the anchor outlives it
		echo "=== setup: kvm-anchor"
		(kvmtune_kvm_anchor "$TMPDIR/kvm-anchor") || setup_failed="kvm-anchor"
		;;
	@tcg | @icount | @smp | @numa | @append) ;; # read by run.sh before boot
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
		report "$n" "$name" "$tmo" "$rc" "$out" "$ms"
		;;
	esac
done
tap "# kvmtune: done"
