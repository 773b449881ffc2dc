#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything from a fresh Debian 12 machine to one verdict.
#   deps -> kernels -> builds (W=1, sparse) -> checkpatch, shellcheck ->
#   boot each kernel and run its specs -> the Debian packages (build,
#   lintian, install, boot each kernel with them, purge) -> check-harness
# Prints one line per test, the time of each stage, and finally exactly
# "N passed, M failed" (", K skipped" when there were skips).
#
# Usage: check.sh                  everything (make check)
#        check.sh --run NAME CMD...  only count CMD's verdicts the way the
#                                    proving-ground stages do, then print
#                                    the summary (check-harness uses this)
#
# Only verdict lines count: "PASS ", "FAIL " or "SKIP " at the start of a
# line of a stage's stdout.  Its stderr (tests' output, log tails) and any
# other stdout line are shown indented and never counted.
#
# Environment: KVMTUNE_LINES (default "6.1 6.12"), KVMTUNE_CACHE.

set -uo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lines=${KVMTUNE_LINES:-6.1 6.12}
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
export KVMTUNE_CACHE=$cache
make=(make --no-print-directory -C "$repo")

pass=0 fail=0 skip=0
failures=() # every FAIL verdict, repeated before the totals
t_all=$(date +%s)

tally() { # tally PASS|FAIL|SKIP
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	esac
}

result() { # result PASS|FAIL|SKIP NAME [DETAIL]
	tally "$1"
	[ "$1" != FAIL ] || failures+=("$1 $2${3:+ # $3}")
	echo "$1 $2${3:+ # $3}"
}

stage_t0=
stage() { stage_t0=$(date +%s); echo "== $*"; }
stage_end() { echo "== $1 took $(($(date +%s) - stage_t0))s"; }

# summary: the failures again, where a log cut in the middle still shows
# them, the total time, and the counts
summary() {
	local f

	for f in "${failures[@]}"; do
		echo "== failed: ${f:0:300}"
	done
	echo "== total $(($(date +%s) - t_all))s"
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" -eq 0 ]
	exit
}

# Run a gate; its output is shown only when it fails.
gate() { # gate NAME CMD...
	local name=$1 log
	shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		result PASS "$name"
	else
		result FAIL "$name"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	rm -f "$log"
}

# Run a command that prints verdict lines (run.sh, check-harness.sh) and
# count them.  Its stderr goes through the same pipe, indented, so nothing
# a test printed ("FAIL: ...", "SKIP ...") can pass for a verdict.  A
# command that exits non-zero without a FAIL line of its own (run.sh died:
# no qemu, no kernel, no initramfs, bad spec), or prints no verdict at all,
# is one more failure, named NAME, with the exit status and its last words.
counted() { # counted NAME CMD...
	local name=$1 l rc err rcfile nfail=0 nverdicts=0 last
	shift
	err=$(mktemp)
	rcfile=$(mktemp)
	while IFS= read -r l; do
		case $l in
		"PASS "* | "FAIL "* | "SKIP "*)
			tally "${l%% *}"
			nverdicts=$((nverdicts + 1))
			[ "${l%% *}" != FAIL ] || { nfail=$((nfail + 1)); failures+=("$l"); }
			echo "$l"
			;;
		"    "*) echo "$l" ;;
		*) echo "    $l" ;;
		esac
	done < <(
		"$@" 2> >(tee "$err" | sed -u 's/^/    /')
		echo $? >"$rcfile"
	)
	rc=$(cat "$rcfile")
	last=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1)
	if [ "${rc:-1}" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		result FAIL "$name" "exit ${rc:-?} without a FAIL verdict${last:+: $last}"
	elif [ "$nverdicts" -eq 0 ]; then
		result FAIL "$name" "no verdict at all (exit $rc)${last:+: $last}"
	fi
	rm -f "$err" "$rcfile"
}

if [ "${1:-}" = --run ]; then
	[ $# -ge 3 ] || { echo "usage: check.sh --run NAME CMD..." >&2; exit 2; }
	name=$2
	shift 2
	counted "$name" "$@"
	summary
fi

stage "deps"
if ! "$here/deps.sh" --bench; then
	result FAIL setup/deps "cannot install the packages kvmtune needs"
	summary
fi
stage_end deps

stage "kernels ($lines)"
# shellcheck disable=SC2086
if ! "$here/kernel-supply.sh" $lines >/dev/null; then
	result FAIL setup/kernels "kernel supply failed"
	summary
fi
stage_end kernels

stage "build"
for line in $lines; do
	gate "build/$line/modules (W=1, sparse)" "${make[@]}" LINE="$line" kmod-line
	gate "build/$line/guest-module (W=1, sparse)" "${make[@]}" LINE="$line" guest-line
	gate "build/$line/harness-module" "${make[@]}" LINE="$line" harness-line
	gate "install/$line (make install, dkms)" "$here/install-check.sh" "$line"
done
gate "build/selftests" "${make[@]}" selftests
gate "build/tools" "${make[@]}" tools
gate "tools/check (kvmtop on fake trees, its screen under tmux; kvmaudit on a fake host)" \
	"${make[@]}" -C tools check OUTPUT="$repo/build/tools"
stage_end build

stage "style"
gate "style/checkpatch --strict" "${make[@]}" style
gate "style/shellcheck" "${make[@]}" shellcheck
stage_end style

# Boots under single-threaded TCG (@tcg icount, the default) use one host
# CPU each, so up to $jobs of them run at once: the kernel lines of one
# spec side by side.  Each run's output is kept and shown, and counted, in
# a fixed order once all have ended, with its own time.  Specs that use
# multi-threaded TCG (@tcg multi) already keep every CPU busy, and nested
# guests are timed in real time: they run one after another.
jobs=${KVMTUNE_JOBS:-$(nproc)}
bg=$(mktemp -d)
# shellcheck disable=SC2064 # expand now: the directory to remove
trap "rm -rf '$bg'" EXIT

# bg_start TAG CMD...: run CMD in the background, its stdout, stderr, exit
# status and seconds kept under TAG
bg_start() {
	local tag=$1

	shift
	(
		t=$(date +%s)
		"$@" >"$bg/$tag.out" 2>"$bg/$tag.err"
		echo $? >"$bg/$tag.rc"
		echo $(($(date +%s) - t)) >"$bg/$tag.time"
	) &
}

# shellcheck disable=SC2317 # called through counted
# bg_replay TAG: print what the command printed, on the same streams, and
# exit with its status
bg_replay() {
	cat "$bg/$1.out"
	cat "$bg/$1.err" >&2
	return "$(cat "$bg/$1.rc")"
}

# stuck_in_guest DIR: say why, and succeed, if the failed run whose
# artifacts are in DIR shows QEMU 7.2's multi-threaded TCG leaving a CPU
# without its interrupts while it runs a nested guest
# (Documentation/testing.rst): an L1 RCU stall with the stalled CPU inside
# VMRUN (svm_vcpu_run), or a nested guest whose CPU spun until its lockup
# detector fired, waiting for another vCPU to answer an IPI; or the L1
# taking a page fault on its own entry stack, its GS base the user's
# (GS and KERNEL_GS equal), which the same emulation left behind; or, with
# OUT (the run's output) given, the L1 resetting in mid-run without a word:
# QEMU exit 0, no splat, nothing in QEMU's log; or the L1 stopping without
# a word, run.sh finding every vCPU away from the L1's code (stuck.txt).
stuck_in_guest() {
	local d=$1 out=${2:-}

	if [ -n "$out" ] &&
		grep -q "boot/clean-run # guest died before finishing (qemu exit 0);" "$out"; then
		echo "the L1 reset without a word (QEMU exit 0, no splat) while it ran nested guests"
		return 0
	fi

	# run.sh ended a stuck run (dump_stuck): no splat before its NMI, and
	# in both looks every vCPU was outside the L1 kernel and its modules,
	# so no L1 code was spinning; the L1 took no timer interrupt either,
	# or the test's timeout would have fired
	if [ -n "$out" ] && grep -Eq "boot/clean-run # (stuck|hung): " "$out" &&
		! grep -q "boot/clean-run # kernel splat" "$out" && [ -f "$d/stuck.txt" ]; then
		local cpus away
		cpus=$(grep -c '^CPU#' "$d/stuck.txt")
		away=$(grep -Ec '^CPU#[0-9]+ RIP=.*: (neither the L1 kernel nor its modules|the kernel image area, not the L1 kernel)' "$d/stuck.txt")
		if [ "$cpus" -gt 0 ] && [ "$away" -eq "$cpus" ]; then
			echo "the L1 stopped without a word, all its CPUs away in nested guests ($d/stuck.txt)"
			return 0
		fi
	fi

	if grep -q "BUG: ENTRY_TRAMPOLINE stack guard page was hit" "$d/console.log" 2>/dev/null &&
		grep -Eq "RIP: 0010:(error_entry|asm_exc_page_fault|exc_page_fault)\+" "$d/console.log"; then
		echo "the L1 faulted on its entry stack with a wrong GS base (QEMU's SVM state switch)"
		return 0
	fi

	if grep -Eq "rcu_(preempt|sched) detected stalls" "$d/console.log" 2>/dev/null &&
		grep -q "RIP: 0010:svm_vcpu_run" "$d/console.log"; then
		echo "an L1 CPU stayed in VMRUN without its interrupts (RCU stall in svm_vcpu_run)"
		return 0
	fi
	if grep -Eq "soft lockup|hard LOCKUP|Kernel panic" "$d/tests.log" 2>/dev/null &&
		grep -Eq "smp_call_function_(many_cond|single)|on_each_cpu_cond_mask" "$d/tests.log"; then
		echo "a nested guest's CPU waited for an IPI another vCPU never took (lockup in smp_call_function)"
		return 0
	fi
	return 1
}

reruns=()

# multi_run SPEC FILE LINE: a run under multi-threaded TCG, counted; run
# once more, the first run's verdicts shown but not counted, if it failed
# because a CPU was stuck in a nested guest (stuck_in_guest)
multi_run() {
	local spec=$1 file=$2 line=$3 tag=$1-$3 d=$repo/build/$3/run-$1 why

	bg_start "$tag" "$here/run.sh" -n "$spec" -s "$file" "$line"
	wait
	if [ "$(cat "$bg/$tag.rc")" -ne 0 ] && why=$(stuck_in_guest "$d" "$bg/$tag.out"); then
		echo "== [$line] $spec.list: run once more: $why; the first run, not counted:"
		sed 's/^/    first run: /' "$bg/$tag.out" "$bg/$tag.err"
		rm -rf "$d.first"
		cp -a "$d" "$d.first"
		echo "    first run's artifacts: $d.first"
		reruns+=("[$line] $spec.list: $why")
		bg_start "$tag" "$here/run.sh" -n "$spec" -s "$file" "$line"
		wait
	fi
	counted "[$line] $spec.list" bg_replay "$tag"
}

# proving_ground SPEC [LINES]: boot every line (of LINES, default all) with
# selftests/SPEC.list and count each run's verdicts
proving_ground() {
	local spec=$1 file=$repo/selftests/$1.list line n=0 tcg lines=${2:-$lines}

	tcg=$(grep -Eo '^[[:space:]]*@tcg[[:space:]]+[a-z]+' "$file" | awk '{ print $2 }' | tail -n 1)
	if [ "${tcg:-icount}" = multi ]; then
		for line in $lines; do
			stage "proving ground $line ($spec.list)"
			multi_run "$spec" "$file" "$line"
			stage_end "proving ground $line ($spec.list)"
		done
		return
	fi
	if [ "$jobs" -lt 2 ] || [ "${tcg:-icount}" != icount ]; then
		for line in $lines; do
			stage "proving ground $line ($spec.list)"
			counted "[$line] $spec.list" \
				"$here/run.sh" -n "$spec" -s "$file" "$line"
			stage_end "proving ground $line ($spec.list)"
		done
		return
	fi
	stage "proving ground $lines ($spec.list), up to $jobs at once"
	for line in $lines; do
		bg_start "$spec-$line" "$here/run.sh" -n "$spec" -s "$file" "$line"
		n=$((n + 1))
		[ "$n" -lt "$jobs" ] || { wait; n=0; }
	done
	wait
	for line in $lines; do
		counted "[$line] $spec.list" bg_replay "$spec-$line"
		echo "== proving ground $line ($spec.list) took $(cat "$bg/$spec-$line.time")s"
	done
	stage_end "proving ground $lines ($spec.list)"
}

# Each kernel boots once per run spec: the main suite, kvmtrace's tests
# again on a TSC the kernel trusts (a real host's clock; the main suite's
# kernel marks TCG's TSC unstable), kvmaudit's, which needs NUMA nodes, the
# nested Linux guests (kvm/nested_boot, the guest module kvmbench), which
# need a different TCG mode (see run.sh), and mqgre's two: its host tests
# and its real guest (virtio-net, vhost-net).
for spec in tests kvmtrace-tsc kvmaudit nested mqgre mqgre-nested; do
	proving_ground "$spec"
done

# The Debian packages (Documentation/packaging.rst): built, checked by
# lintian and installed with apt into a scratch Debian root on the host,
# where DKMS builds the modules for both kernel lines; each line boots with
# package.list and loads those modules and runs the installed tools; then
# remove and purge.  The boots need the scratch root: without it they are
# one failure, not a run.
stage "package: make deb, lintian, apt install into a scratch root, DKMS"
counted "package/install" "$repo/selftests/package/check.sh" install
stage_end "package: install"
if mountpoint -q "$repo/build/package/root"; then
	proving_ground package
else
	result FAIL "package/proving-ground" "not booted: no scratch root (package/install failed)"
fi
stage "package: apt remove, purge"
counted "package/purge" "$repo/selftests/package/check.sh" purge
stage_end "package: purge"

# The guest kernels (Documentation/guest-patches.rst): stock and patched of
# both lines (cached by the hash of their source, config and patches; cold,
# four small kernel builds), the series' own checks, then their tests: both
# guest lines boot nested in the 6.12 proving ground, whose KVM can offer the
# invariant TSC they need (kvmtune_invtsc; 6.1's KVM cannot).
case " $lines " in
*" 6.12 "*)
	stage "guest kernels"
	if "${make[@]}" guest-kernels 2>&1 | sed -u 's/^/    /'; then
		result PASS build/guest-kernels
	else
		result FAIL build/guest-kernels
	fi
	gate "guest/series" "$repo/selftests/guest/series.sh"
	stage_end "guest kernels"
	proving_ground guest 6.12
	;;
esac

stage "check-harness ($lines)"
KVMTUNE_HARNESS_LINES=$lines counted "check-harness" "$here/check-harness.sh"
stage_end check-harness

for why in "${reruns[@]}"; do
	echo "== run twice (a CPU stuck in a nested guest, QEMU's TCG): $why"
done

summary
