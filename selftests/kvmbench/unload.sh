#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/unload: a run holds the module: rmmod during a run fails (in
# use) and other commands get EBUSY, and the run completes with every
# bench; a run whose writer is killed stops at its next loop, keeps what
# it measured, and the module then unloads and reloads. The last of the
# kvmbench tests: it powers the L2 off and unloads kvmtrace.

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	kb_l2_poweroff
}
trap cleanup EXIT

# the benches of a run
run="cpuid ipi ipi_halt tlb_shootdown tscdeadline_immed"
nbench=5

# start_run GOAL: a run on vCPU 1, in the background of the L2's command
# server; returns once it is running
start_run() {
	kb_l2_ok "kb_set cpu 1 goal $1 repeats 3"
	kb_l2_ok "rm -f /tmp/run.rc; (kb_run $run; echo \$? >/tmp/run.rc) & echo \$! >/tmp/run.pid"
	kb_l2_ok "kb_wait 30 kb_running" || kvmtune_fail "the run did not start"
}

kb_l2_up

# The run under test must outlast the commands sent to the L2 during it
# (rmmod, goal, run, kill), whatever one round trip costs: a goal of one
# second of the L2's TSC makes each bench take about five seconds (the
# doubling loops up to the goal, then the repeats), so the run lasts about
# 25 s and a killed writer is seen within two goals.  A goal in cycles
# alone does not: at 8 x 2 MiB cycles a run once ended before the second
# command, on both kernels.
tsc_khz=$(kb_l2 kb_val "$KB_D/control" tsc_khz)
[[ $tsc_khz =~ ^[1-9][0-9]*$ ]] || kvmtune_fail "no tsc_khz in control: '$tsc_khz'"
long_goal=$((tsc_khz * 1000))
[ "$long_goal" -le $((1 << 32)) ] || long_goal=$((1 << 32))
echo "a run of about 25 s: goal $long_goal cycles (tsc_khz $tsc_khz)"

echo "---- rmmod during a run"
start_run "$long_goal"
out=$(kb_l2 rmmod kvmbench) && kvmtune_fail "rmmod kvmbench succeeded during a run"
echo "rmmod: $out"
kb_l2_ok '[ -d /sys/module/kvmbench ]'
out=$(kb_l2 kb_set goal 2048) && kvmtune_fail "goal taken during a run"
[[ $out == *"resource busy"* ]] || kvmtune_fail "goal during a run: not EBUSY: $out"
out=$(kb_l2 kb_run cpuid) && kvmtune_fail "a second run started"
[[ $out == *"resource busy"* ]] || kvmtune_fail "run during a run: not EBUSY: $out"
kb_l2_ok "kb_wait 200 [ -f /tmp/run.rc ]" || kvmtune_fail "the run did not end"
kvmtune_expect_eq "the run's write" 0 "$(kb_l2 cat /tmp/run.rc)"
kvmtune_expect_eq "state after the run" idle "$(kb_l2 kb_val "$KB_D/control" state)"
kvmtune_expect_eq "results lines" "$nbench" "$(kb_l2 "kb_results 1 | wc -l")"
kb_l2_ok rmmod kvmbench
kb_l2_ok '[ ! -e /sys/kernel/debug/kvmbench ] && [ ! -d /sys/module/kvmbench ]'
kb_l2_splats "rmmod during a run"

echo "---- the writer killed during a run, then rmmod"
kb_l2_load
start_run "$long_goal"
# shellcheck disable=SC2016 # expanded in the L2
kb_l2_ok 'kill -TERM $(cat /tmp/run.pid)'
# shellcheck disable=SC2016
kb_l2_ok 'kb_wait 60 eval "! kill -0 $(cat /tmp/run.pid) 2>/dev/null"' ||
	kvmtune_fail "the killed writer did not exit"
kvmtune_expect_eq "state after the kill" idle "$(kb_l2 kb_val "$KB_D/control" state)"
measured=$(kb_l2 "kb_results 1 | wc -l")
echo "benches measured before the kill: $measured of $nbench"
[ "$measured" -lt "$nbench" ] || kvmtune_fail "the killed run measured every bench"
kb_l2_ok '[ ! -f /tmp/run.rc ]'
kb_l2_ok rmmod kvmbench
kb_l2_load
kb_l2_ok "kb_set cpu 1 goal 4096 && kb_run cpuid ipi"
kvmtune_expect_eq "results after the reload" 2 "$(kb_l2 "kb_results 1 | wc -l")"
kb_l2_ok rmmod kvmbench
kb_l2_splats "rmmod after a killed run"

trap - EXIT
kb_l2_poweroff
if tr -d '\r' <"$KB_STATE/console.log" | grep -Eq "$KB_SPLAT"; then
	kvmtune_fail "the L2's console shows a splat"
fi
echo "ok: the module unloads after a run, never under one"
