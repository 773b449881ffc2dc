#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything from a fresh Debian 12 machine to one verdict.
#   deps -> kernels -> builds (W=1, sparse) -> checkpatch, shellcheck ->
#   boot each kernel and run its specs -> check-harness
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
# depmod, modprobe and friends live in sbin, which a CI PATH may lack
export PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lines=${KVMTUNE_LINES:-6.1 6.12}
cache=${KVMTUNE_CACHE:-$HOME/.cache/kvmtune}
export KVMTUNE_CACHE=$cache
make=(make --no-print-directory -C "$repo")

pass=0 fail=0 skip=0
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
	echo "$1 $2${3:+ # $3}"
}

stage_t0=
stage() { stage_t0=$(date +%s); echo "== $*"; }
stage_end() { echo "== $1 took $(($(date +%s) - stage_t0))s"; }

summary() {
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
			[ "${l%% *}" != FAIL ] || nfail=$((nfail + 1))
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
	gate "build/$line/harness-module" "${make[@]}" LINE="$line" harness-line
	gate "install/$line (make install, dkms)" "$here/install-check.sh" "$line"
done
gate "build/selftests" "${make[@]}" selftests
gate "build/tools" "${make[@]}" tools
stage_end build

stage "style"
gate "style/checkpatch --strict" "${make[@]}" style
gate "style/shellcheck" "${make[@]}" shellcheck
stage_end style

# Each kernel boots once per run spec: the main suite, and the nested
# Linux guests, which need a different TCG mode (see run.sh).
for line in $lines; do
	for spec in tests nested; do
		stage "proving ground $line ($spec.list)"
		counted "[$line] $spec.list" \
			"$here/run.sh" -n "$spec" -s "$repo/selftests/$spec.list" "$line"
		stage_end "proving ground $line ($spec.list)"
	done
done

# The guest kernels (Documentation/guest-patches.rst): stock and patched of
# both lines, cached; the series' own checks; their nested-boot tests,
# which need the 6.12 proving ground (its KVM can offer invtsc).
case " $lines " in
*" 6.12 "*)
	stage "guest kernels"
	if "${make[@]}" guest-kernels 2>&1 | sed -u 's/^/    /'; then
		result PASS build/guest-kernels
	else
		result FAIL build/guest-kernels
	fi
	gate "guest/series" "$repo/selftests/guest/series.sh"
	counted "[6.12] guest.list" \
		"$here/run.sh" -n guest -s "$repo/selftests/guest.list" 6.12
	stage_end "guest kernels"
	;;
esac

stage "check-harness ($lines)"
KVMTUNE_HARNESS_LINES=$lines counted "check-harness" "$here/check-harness.sh"
stage_end check-harness

summary
