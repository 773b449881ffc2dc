#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# audit/usage: kvmaudit refuses what it cannot do, with a clear message and
# exit code 3, before reading anything: a user who is not root, and bad
# options; its --help and --list work for anyone.

ka_here=$(dirname "$0")
# shellcheck source=ka_lib.sh
. "$ka_here/ka_lib.sh"
trap 'rm -rf "$ka_tmp"' EXIT

# expect_fail WHAT REGEX CMD...: CMD exits 3, says REGEX on stderr, prints
# nothing on stdout
expect_fail() {
	local what=$1 re=$2 rc
	shift 2
	"$@" >"$ka_tmp/out" 2>"$ka_tmp/err"
	rc=$?
	cat "$ka_tmp/err"
	kvmtune_expect_eq "$what: exit code" 3 "$rc"
	grep -Eq -e "$re" "$ka_tmp/err" || kvmtune_fail "$what: message does not match '$re'"
	[ -s "$ka_tmp/out" ] && kvmtune_fail "$what: printed a report"
	echo "ok: $what"
}

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect_fail "not root" "^kvmaudit: must be run as root: .*running as uid 65534\)$" \
	"${nobody[@]}" "$kvmaudit"
expect_fail "not root, JSON" "must be run as root" "${nobody[@]}" "$kvmaudit" --json
expect_fail "bad interval" "^kvmaudit: --interval wants seconds from 0 to 3600, got 'soon'$" \
	"$kvmaudit" --interval soon
expect_fail "negative interval" "--interval wants seconds" "$kvmaudit" -i -1
expect_fail "bad pid" "^kvmaudit: --pid wants a process id, got '0'$" "$kvmaudit" -p 0
expect_fail "bad check" "^kvmaudit: --check: no check or area 'mem.nope' \(kvmaudit -l\)$" \
	"$kvmaudit" -c mem.thp,mem.nope
expect_fail "bad limit name" "^kvmaudit: --limit hlt=5: want tsc_deadline=N, pio=N or wakeups=N$" \
	"$kvmaudit" -L hlt=5
expect_fail "zero limit" "^kvmaudit: --limit pio=0: the rate must be a whole number above 0$" \
	"$kvmaudit" -L pio=0
expect_fail "stray argument" "^kvmaudit: unexpected argument 'now' \(kvmaudit -h\)$" \
	"$kvmaudit" now

"${nobody[@]}" "$kvmaudit" --list >"$ka_tmp/list" || kvmtune_fail "kvmaudit --list as nobody"
kvmtune_expect_eq "checks listed" 28 "$(wc -l <"$ka_tmp/list")"
"${nobody[@]}" "$kvmaudit" --help | grep -q '^Exit code: 0 every check PASS or SKIP, 1 a WARN, 2 a FAIL, 3 no audit.$' ||
	kvmtune_fail "kvmaudit --help does not document the exit codes"
echo "kvmaudit usage: all as expected"
