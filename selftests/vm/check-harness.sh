#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-harness: prove that the proving ground, and make check's
# counting, can fail.  On each kernel line, planted faults (see
# selftests/harness/) boot through check.sh's own counting
# (check.sh --run), and each must be caught for its own reason:
#
#   faults.list  a WARN (kernel splat), a failing test, a hanging test
#                (TIMEOUT), a shell skip and a kselftest subtest skip (SKIP
#                with the reason), TAP that contradicts a zero exit, the
#                BENCH_* environment, verdict-like lines in a test's output
#                (not counted), and a power-off in the middle of the spec
#                (planned tests never reported)
#   oops.list    an Oops in a module's init
#   panic.list   a panic in a module's init
#   hang.list    a test that stops every CPU with interrupts off: run.sh
#                must end the run at the test's timeout and grace, with
#                the vCPUs' state and the stacks (an NMI) recorded
#   stall.list   (first line only) the same in a setup line: only run.sh's
#                overall timeout can catch it
#   icount.list  (6.12) @icount shift=0: guest time counts instructions
#
# and make check's summary must count each red run as failed, exactly.
# Without booting: run.sh refusing a bad spec must be counted as a failure,
# and the style gates must refuse an empty file list, list the same files
# when git refuses the tree, and fail on a bad file.
#
# The kernel lines boot side by side (one QEMU thread each, under icount).
# Prints one verdict line per check, exits 0 only if every fault was
# caught.  Environment: KVMTUNE_HARNESS_LINES (default "6.1 6.12").

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lines=${KVMTUNE_HARNESS_LINES:-${KVMTUNE_HARNESS_LINE:-6.1 6.12}}
t_all=$(date +%s)
planted=0 caught=0
outs=$(mktemp -d) # each line's verdicts
tmp=              # the style gates' scratch files
trap 'rm -rf "$outs" ${tmp:+"$tmp"}' EXIT

# What selftests/harness/plant.sh bench-env expects, exactly.
probe="it's \"quoted\"  \$HOME \\ end"

indent() { sed 's/^/    /'; }

pass() { # pass CHECK DETAIL
	planted=$((planted + 1)) caught=$((caught + 1))
	echo "PASS harness/$1 # $2"
}

miss() { # miss CHECK DETAIL [OUTPUT]
	planted=$((planted + 1))
	echo "FAIL harness/$1 # $2"
	[ -z "${3:-}" ] || indent <<<"$3"
}

# boot LINE SPEC BOOT_LIMIT: run selftests/harness/SPEC.list through
# check.sh's counting; sets out, rc and took (seconds).
out='' rc=0 took=0
boot() {
	local line=$1 spec=$2 t
	t=$(date +%s)
	out=$(BENCH_KVMTUNE_PROBE=$probe KVMTUNE_HARNESS_NOT_BENCH=1 \
		"$here/check.sh" --run "[$line] $spec.list" "$here/run.sh" \
		-n "harness-$spec" -b "$3" -s "$repo/selftests/harness/$spec.list" \
		"$line" 2>&1)
	rc=$?
	took=$(($(date +%s) - t))
	echo "    [$line] $spec.list: ${took}s"
}

# expect CHECK REGEX [NOT]: the last run printed a line matching REGEX
# (that does not match NOT)
expect() {
	local hit
	hit=$(grep -Em 1 -- "$2" <<<"$out")
	if [ -n "$hit" ] && { [ -z "${3:-}" ] || ! grep -Eq -- "$3" <<<"$hit"; }; then
		pass "$1" "$hit"
	else
		miss "$1" "not caught: no line matches /$2/${3:+ without /$3/}" "$out"
	fi
}

# counts CHECK SUMMARY: make check's counting ended the last run with
# exactly SUMMARY and a non-zero exit
counts() {
	local last
	last=$(tail -n 1 <<<"$out")
	if [ "$last" = "$2" ] && [ "$rc" -ne 0 ]; then
		pass "$1" "counted: $last (exit $rc)"
	else
		miss "$1" "counted '$last' (exit $rc), want '$2' and a non-zero exit" "$out"
	fi
}

# line_checks LINE: every planted fault of one kernel line, booted and
# judged; prints its verdict lines (the lines run side by side, each with
# its own output file)
line_checks() {
	local line=$1 l="\[$1\]" boot_s d n

	l="\[$line\]"

	boot "$line" faults 120
	expect "$line/warn" "^FAIL $l boot/clean-run # kernel splat: WARNING: .*kvmtune_warn" 'Oops|Kernel panic'
	expect "$line/fail" "^FAIL $l harness/fail # exit=1\$"
	expect "$line/hang" "^FAIL $l harness/hang # TIMEOUT 5s\$"
	expect "$line/shell-skip" "^SKIP $l harness/shell-skip # planted: "
	expect "$line/ksft-skip" "^SKIP $l harness/ksft-skip # 1 of 2 subtests skipped: global\.skips: planted: "
	expect "$line/tap-lies" "^FAIL $l harness/tap-lies # exit=0 but 1 of 2 subtests failed: planted\.fails\$"
	expect "$line/bench-env" "^PASS $l harness/bench-env # "
	expect "$line/unreported" "^FAIL $l boot/clean-run # .*10 tests planned, 8 reported"
	expect "$line/unreported-named" "^FAIL $l harness/never-runs # never reported\$"
	expect "$line/noise-shown" '^    FAIL: planted: this test fails once$'
	counts "$line/faults-counted" "2 passed, 7 failed, 2 skipped"

	boot "$line" oops 120
	boot_s=$took
	expect "$line/oops" "^FAIL $l boot/clean-run # kernel splat: .*Oops: .*; Kernel panic - not syncing: Fatal exception" 'hung:|planted panic'
	counts "$line/oops-counted" "0 passed, 2 failed"

	boot "$line" panic 120
	boot_s=$((boot_s + took))
	expect "$line/panic" "^FAIL $l boot/clean-run # kernel splat: Kernel panic - not syncing: kvmtune: planted panic" 'Oops|hung:'
	counts "$line/panic-counted" "0 passed, 2 failed"

	# A stuck test is caught at its timeout and grace (run.sh's grace),
	# long before the run's limit (the generous -b keeps the two apart).
	boot "$line" hang 600
	d=$repo/build/$line/run-harness-hang
	expect "$line/stuck" "^FAIL $l boot/clean-run # stuck: harness/stall ran [0-9]+s, its 5s timeout never ended it"
	if [ "$took" -lt 400 ]; then
		pass "$line/stuck-early" "the run ended after ${took}s, its limit was 620s"
	else
		miss "$line/stuck-early" "the run took ${took}s: the stuck test was not ended at its grace" "$out"
	fi
	# both vCPUs, in both looks, spin in the plant's module text
	n=$(grep -c '^CPU#[0-9] RIP=ffffffff[0-9a-f]* CPL=0 HLT=0: the L1 module area$' "$d/stuck.txt" 2>/dev/null)
	if [ "${n:-0}" -eq 4 ]; then
		pass "$line/stuck-where" "4 of 4 vCPU looks in the L1 module area"
	else
		miss "$line/stuck-where" "${n:-0} of 4 vCPU looks in the L1 module area" "$(cat "$d/stuck.txt" 2>&1)"
	fi
	# the NMI's answer: a panic whose stack shows the plant, after the
	# console was judged (no splat counted)
	# (grep -c: with pipefail, grep -q's early exit would fail the pipe)
	n=$(tr -d '\r' <"$d/console.log" 2>/dev/null |
		sed -n '/Kernel panic - not syncing: NMI: Not continuing/,$p' | grep -c 'kvmtune_stall')
	if [ "${n:-0}" -gt 0 ]; then
		pass "$line/stuck-stacks" "the NMI panic's stacks show kvmtune_stall"
	else
		miss "$line/stuck-stacks" "no NMI panic naming kvmtune_stall on the console" "$out"
	fi
	expect "$line/stuck-no-splat" "^FAIL $l boot/clean-run # stuck: " 'kernel splat'
	counts "$line/stuck-counted" "0 passed, 3 failed"

	if [ "$line" = 6.12 ]; then
		boot "$line" icount 60
		expect "$line/icount-shift0" "^PASS $l harness/icount-shift0 # "
	fi

	if [ "$line" = "$first" ]; then
		# A guest stuck before its tests (here, in a setup line) is
		# caught when the run's overall limit has passed: keep it
		# short, but long enough for this kernel to boot, which varies:
		# twice the mean of the oops and panic runs (a boot and a
		# module load each).  One line is enough.
		boot "$line" stall $((boot_s + 10))
		expect "$line/stall" "^FAIL $l boot/clean-run # hung: no shutdown within [0-9]+s \(last started: setup: insmod [^)]*kvmtune_stall\.ko\)" 'kernel splat'
		if grep -q 'kvmtune_stall: stopping every CPU' "$repo/build/$line/run-harness-stall/console.log" 2>/dev/null; then
			pass "$line/stall-reached" "the guest hung in the plant, not before it"
		else
			miss "$line/stall-reached" "the console never shows the plant starting: the limit was too short" "$out"
		fi
		counts "$line/stall-counted" "0 passed, 2 failed"
	fi
}

first=${lines%% *}
for line in $lines; do
	line_checks "$line" >"$outs/$line" 2>&1 &
done
wait
for line in $lines; do
	cat "$outs/$line"
	planted=$((planted + $(grep -Ec '^(PASS|FAIL) harness/' "$outs/$line")))
	caught=$((caught + $(grep -c '^PASS harness/' "$outs/$line")))
done

# run.sh dies before booting: make check must still count a failure.
boot "$first" bad-icount 10
expect "run-refused" "^FAIL \[$first\] bad-icount\.list # exit 2 without a FAIL verdict: run\.sh: .*@icount shift=11"
counts "run-refused-counted" "0 passed, 1 failed"

# The style gates: an empty file list, a tree git refuses, a bad file.
tmp=$(mktemp -d)
mk=(make -s --no-print-directory -C "$repo" BUILD="$tmp")
listed() { # listed VAR [COMMAND-PREFIX...]: the files make's VAR lists
	local var=$1
	shift
	"$@" "${mk[@]}" --eval "kvmtune-harness-list: ; @echo \$($var)" \
		kvmtune-harness-list 2>/dev/null | tr ' ' '\n'
}
# refused CHECK WHY REGEX CMD...: CMD must fail and print a line matching REGEX
refused() {
	local check=$1 why=$2 re=$3 hit
	shift 3
	if out=$("$@" 2>&1); then
		miss "$check" "$why (it passed)" "$out"
	elif hit=$(grep -Em 1 -- "$re" <<<"$out"); then
		pass "$check" "$hit"
	else
		miss "$check" "$why (no line matches /$re/)" "$out"
	fi
}
for gate in style:STYLE_FILES shellcheck:SHELLCHECK_FILES; do
	target=${gate%%:*} var=${gate#*:}
	refused "gate/$target-empty" "did not fail loudly on an empty file list" \
		"^kvmtune: $target: no " "${mk[@]}" "$target" "$var="
	with=$(listed "$var")
	# CI's uid differing from the tree's owner: git refuses the tree
	# ("dubious ownership"), and the gates must list the same files.
	other=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
	without=$(cd / && listed "$var" "${other[@]}")
	if (cd / && "${other[@]}" git -C "$repo" ls-files >/dev/null 2>&1); then
		miss "gate/$target-no-git" "git did not refuse the tree under another uid: nothing proven"
	elif [ -n "$with" ] && [ "$with" = "$without" ]; then
		pass "gate/$target-no-git" "$(wc -l <<<"$with") files, with git and without"
	else
		miss "gate/$target-no-git" "the lists differ without git" \
			"$(diff <(echo "$with") <(echo "$without"))"
	fi
done
printf '%s\n' 'int main(void) { return 0; }' >"$tmp/bad.c"
# shellcheck disable=SC2016 # the unquoted $1 is the planted finding
printf '%s\n' '#!/bin/sh' 'echo $1' >"$tmp/bad.sh"
refused gate/style-catches "checkpatch passed a file without an SPDX line" \
	'bad\.c:.*SPDX' "${mk[@]}" style STYLE_FILES="$tmp/bad.c"
refused gate/shellcheck-catches "shellcheck passed an unquoted \$1" \
	'bad\.sh:2:.*SC2086' "${mk[@]}" shellcheck SHELLCHECK_FILES="$tmp/bad.sh"

echo "    check-harness: $caught of $planted caught on $lines in $(($(date +%s) - t_all))s"
[ "$caught" -eq "$planted" ]
