#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-harness: prove the proving ground can fail.  Each planted
# fault (a module that WARNs, a test that hangs, a test that fails) runs in
# its own boot, and that run must be red for the right reason.
# Exits 0 only if all three were caught.
#
# Environment: KVMTUNE_HARNESS_LINE (default 6.12).

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
line=${KVMTUNE_HARNESS_LINE:-6.12}
caught=0

plant() { # plant FAULT EXPECTED-REASON-REGEX
	local fault=$1 want=$2 out
	out=$("$here/run.sh" -n "harness-$fault" -b 120 \
		-s "$repo/selftests/harness/$fault.list" "$line" 2>&1)
	if [ $? -ne 0 ] && grep -Eq "$want" <<<"$out"; then
		caught=$((caught + 1))
		echo "PASS harness/$fault-caught # $(grep -Em 1 "$want" <<<"$out")"
	else
		echo "FAIL harness/$fault-caught # run was not red for /$want/:"
		sed 's/^/    /' <<<"$out"
	fi
}

plant warn '^FAIL .*boot/clean-run # kernel splat: .*WARNING:.*'
plant hang '^FAIL .*harness/hang # TIMEOUT'
plant fail '^FAIL .*harness/fail # exit=1'
[ "$caught" -eq 3 ]
