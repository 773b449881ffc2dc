#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# audit/churn: VMs that exit while kvmaudit reads them.
#
#  - One VM killed while kvmaudit waits between its two samples of
#    kvmtrace's counters (kvmaudit has read the VMs when it sleeps in
#    clock_nanosleep; it is stopped meanwhile): it is reported as gone,
#    has no results, and the report is whole.
#  - VMs of a moment each, created and destroyed one after another, while
#    kvmaudit runs again and again: every run exits 0, 1 or 2 with a
#    report that parses and agrees with itself, and names each VM once,
#    in its VMs or its gone ones, with results only for those it audited.

ka_here=$(dirname "$0")
# shellcheck source=ka_lib.sh
. "$ka_here/ka_lib.sh"
# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

bg=()
cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	kvmtrace_cleanup
	rm -rf "$ka_tmp"
}
trap cleanup EXIT

[ -x "$KVMTUNE_VMLOAD" ] || kvmtune_fail "$KVMTUNE_VMLOAD missing (make selftests)"
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace is already loaded; this test loads it itself"
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod $KVMTRACE_KO"

ka_step "a VM killed between the two samples"
# mostly halted, so that the emulated CPUs keep up
kvmtrace_vm_start stays -v 1 --pio 1 -i --hlt 1 --hlt-ns 20000000
kvmtrace_vm_start goes -v 2 --pio 1 -i --hlt 1 --hlt-ns 20000000
stays=$(kvmtrace_vm stays) goes=$(kvmtrace_vm goes)
"$kvmaudit" --json -i 5 -c cpu.numa,timer.pio >"$ka_tmp/gone.json" 2>"$ka_tmp/gone.err" &
audit=$!
# kvmaudit has read the VMs once it sleeps for its second sample: in
# clock_nanosleep (230 on x86-64, the first field of /proc/PID/syscall)
asleep() {
	local s
	read -r s _ <"/proc/$audit/syscall" && [ "$s" = 230 ]
}
# (polled without a fork: the window is the interval less the reading)
kvmtune_poll_tries 30 asleep || kvmtune_fail "kvmaudit never waited for its second sample"
# stopped, it cannot wake before the VM is gone
kill -STOP $audit
kill -KILL "$(kvmtrace_vm_pid goes)"
wait "$(kvmtrace_vm_pid goes)" 2>/dev/null
unset "kvmtrace_vm_pids[goes]"
kill -CONT $audit
wait $audit
ka_rc=$?
cat "$ka_tmp/gone.err"
ka_expect gone <<EXPECT
vms $stays
gone $goes
noresults $goes
EXPECT

ka_step "VMs coming and going while kvmaudit runs"
# VMs of a moment each: vmloop creates, runs and destroys them one after
# another in one process (the next often gets the same fd, so the same
# name), and vmload processes of one loop come and go
vmloop=$KVMTUNE_VMLOOP
[ -x "$vmloop" ] || kvmtune_fail "$vmloop missing (make selftests)"
"$vmloop" cycles 1000000 >/dev/null 2>&1 &
bg+=($!)
(while :; do "$KVMTUNE_VMLOAD" -v 2 --pio 1 --loops 1 >/dev/null 2>&1; kvmtune_sleep 0.5; done) &
bg+=($!)
for i in 1 2 3; do
	# half the runs wait half a second for kvmtrace's second sample
	timeout 60 "$kvmaudit" --json -i "$(((i % 2) * 5))e-1" \
		>"$ka_tmp/churn$i.json" 2>"$ka_tmp/churn$i.err"
	rc=$?
	if [ "$rc" -gt 2 ]; then
		cat "$ka_tmp/churn$i.err"
		kvmtune_fail "run $i: kvmaudit exited $rc"
	fi
	ka_batch sane "$ka_tmp/churn$i.json" "$rc"
done
# the churn stops before the reports are checked: the proving ground's
# emulated CPUs are few
for p in "${bg[@]}"; do
	kill -TERM "$p"
	wait "$p" 2>/dev/null
done
bg=()
ka_verify
echo "kvmaudit during VM churn: all as expected"
