#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Planted tests for make check-harness (see selftests/vm/check-harness.sh).
#
# Usage: plant.sh MODE
#   skip       a shell test that skips (exit 4) and names why
#   noise      fails, after printing lines that look like verdicts
#              ("PASS ...", "SKIP ...", and kvmtune_fail's "FAIL: ..."): make
#              check must count this test once, as one failure
#   tap-lies   prints TAP with a failed subtest, then exits 0
#   bench-env  passes only if run.sh forwarded BENCH_KVMTUNE_PROBE, exactly,
#              and nothing outside BENCH_*
#   poweroff   powers the guest off in the middle of the spec

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

# What check-harness.sh puts into BENCH_KVMTUNE_PROBE: quotes, a dollar,
# a backslash and runs of spaces must all survive the trip.
probe="it's \"quoted\"  \$HOME \\ end"

case ${1:-} in
skip)
	kvmtune_skip "planted: a capability this shell test pretends to lack"
	;;
noise)
	echo "PASS planted: a line that looks like a verdict"
	echo "SKIP planted: a skip line in a failing test's output"
	kvmtune_fail "planted: this test fails once"
	;;
tap-lies)
	printf '%s\n' "TAP version 13" "1..2" "ok 1 planted.passes" \
		"not ok 2 planted.fails"
	exit 0
	;;
bench-env)
	kvmtune_expect_eq BENCH_KVMTUNE_PROBE "$probe" "${BENCH_KVMTUNE_PROBE-(unset)}"
	kvmtune_expect_eq "KVMTUNE_HARNESS_NOT_BENCH (not forwarded)" "(unset)" \
		"${KVMTUNE_HARNESS_NOT_BENCH-(unset)}"
	;;
poweroff)
	echo "powering off the guest in the middle of the spec"
	echo o >/proc/sysrq-trigger
	sleep 60
	kvmtune_fail "still running 60s after sysrq-o"
	;;
*)
	echo "usage: plant.sh skip|noise|tap-lies|bench-env|poweroff" >&2
	exit 2
	;;
esac
