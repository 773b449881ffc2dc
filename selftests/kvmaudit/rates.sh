#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# audit/rates: kvmaudit's kvmtrace checks (timer.tsc_deadline, timer.pio,
# idle.nohlt) on three vmload VMs of known workloads, each loop ending in
# a HLT that its LAPIC timer ends 20 ms later (longer than KVM polls, so
# the vCPU sleeps and is woken: the nohlt_list case; and the VMs leave
# the emulated CPUs of the proving ground mostly idle):
#
#   tscdl  2 vCPUs also re-arming IA32_TSC_DEADLINE (the BBR case)
#   pio    1 vCPU also writing to an I/O port (a guest on acpi_pm)
#   hlt    1 vCPU only halting
#
# Running, with every limit at 1/s: exactly these warn: tscdl for
# TSC_DEADLINE, pio for port I/O, all three for HLT and wakeups; every
# delta lies within what kvmtrace's files said just before and just after
# the audit, and each verdict is what the deltas and the measured
# interval make it. Stopped (SIGSTOP: no vCPU in KVM_RUN): every delta is
# exactly 0 and every check passes at the default limits. Without
# kvmtrace, or with --interval 0: SKIP, saying why.

ka_here=$(dirname "$0")
# shellcheck source=ka_lib.sh
. "$ka_here/ka_lib.sh"
# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

cleanup() {
	kvmtrace_cleanup
	rm -rf "$ka_tmp"
}
trap cleanup EXIT

[ -x "$KVMTUNE_VMLOAD" ] || kvmtune_fail "$KVMTUNE_VMLOAD missing (make selftests)"
[ -f "$KVMTRACE_KO" ] || kvmtune_fail "$KVMTRACE_KO missing (make kmod-line)"
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace is already loaded; this test loads it itself"

idle=(-i --hlt 1 --hlt-ns 20000000)
kvmtrace_vm_start tscdl -v 2 --tscdl 5 "${idle[@]}"
kvmtrace_vm_start pio -v 1 --pio 2 "${idle[@]}"
kvmtrace_vm_start hlt -v 1 "${idle[@]}"
vms=("$(kvmtrace_vm tscdl)" "$(kvmtrace_vm pio)" "$(kvmtrace_vm hlt)")
echo "VMs: tscdl ${vms[0]}, pio ${vms[1]}, hlt ${vms[2]}"

# counters OUT: every vCPU's counters that the rate checks use, as JSON
# (expect.py's counters format), read here by the shell alone: a Python
# start takes seconds, and these readings bracket an audit
counters() {
	local vm d w sep1="" sep2 io isa tscdl pio hlt piw other
	{
		printf '{'
		for vm in "$KVMTRACE_D"/vms/*/; do
			vm=${vm%/} sep2=
			printf '%s"%s": {' "$sep1" "${vm##*/}"
			for d in "$vm"/vcpu*; do
				isa=$(kvmtrace_val "$d/stats" isa)
				io=123
				[ "$isa" = vmx ] && io=30
				tscdl=0 pio=0
				while read -r -a w; do
					[ "$((w[0]))" = 1760 ] && tscdl=${w[2]}
				done <"$d/msrs"
				while read -r -a w; do
					[ "$((w[1]))" = "$io" ] && pio=${w[2]}
				done <"$d/exits"
				hlt=$(kvmtrace_val "$d/hlt" exits)
				piw=$(kvmtrace_val "$d/wakeups" piw)
				other=$(kvmtrace_val "$d/wakeups" other)
				printf '%s"%s": {"tsc_deadline_writes": %s, "pio_exits": %s, "hlt_exits": %s, "piw": %s, "wakeups": %s}' \
					"$sep2" "${d##*/vcpu}" "$tscdl" "$pio" "$hlt" "$piw" "$((piw + other))"
				sep2=", "
			done
			printf '}'
			sep1=", "
		done
		printf '}\n'
	} >"$1"
}

ka_step "kvmtrace not loaded"
ka_audit nokt -c timer,idle.nohlt -p "$(kvmtrace_vm_pid pio)"
ka_expect nokt <<EXPECT
timer.tsc_deadline ${vms[1]} - SKIP
timer.pio ${vms[1]} - SKIP
idle.nohlt ${vms[1]} - SKIP
reason timer.tsc_deadline ${vms[1]} - ^kvmtrace is not loaded \(insmod kvmtrace.ko\)$
EXPECT

insmod "$KVMTRACE_KO" || kvmtune_fail "insmod $KVMTRACE_KO"
has_vcpus() {
	[ -f "$KVMTRACE_D/vms/${vms[0]}/vcpu1/exits" ] && [ -f "$KVMTRACE_D/vms/${vms[1]}/vcpu0/exits" ] &&
		[ -f "$KVMTRACE_D/vms/${vms[2]}/vcpu0/exits" ]
}
kvmtune_poll_tries 30 has_vcpus || kvmtune_fail "kvmtrace has not seen every vCPU"

ka_step "--interval 0"
ka_audit noint -i 0 -c timer.pio -p "$(kvmtrace_vm_pid pio)"
ka_expect noint <<EXPECT
timer.pio ${vms[1]} - SKIP
reason timer.pio ${vms[1]} - ^no interval to measure rates over \(--interval 0\)$
EXPECT

ka_step "running, limits at 1/s"
limits=tsc_deadline=1,pio=1,wakeups=1
counters "$ka_tmp/before.json"
"$kvmaudit" --json -i 1 -c timer,idle.nohlt -L tsc_deadline=1 -L pio=1 -L wakeups=1 \
	>"$ka_tmp/running.json"
ka_rc=$?
counters "$ka_tmp/after.json"
ka_expect running <<EXPECT
fix idle.nohlt ${vms[0]} - guest kernel command line: irqaffinity=0,1 nohlt_list=0,1 (kvmtune's guest patch): those vCPUs poll instead of halting
EXPECT
want="idle.nohlt:${vms[0]},idle.nohlt:${vms[1]},idle.nohlt:${vms[2]},timer.pio:${vms[1]}"
want+=",timer.tsc_deadline:${vms[0]}"
ka_batch rates "$ka_tmp/running.json" "$ka_tmp/before.json" "$ka_tmp/after.json" \
	"$limits" "$want" "${vms[@]}"
kvmtune_expect_eq "exit code with a WARN" 1 "$ka_rc"

ka_step "stopped: every delta 0"
for n in tscdl pio hlt; do kvmtrace_vm_stop $n; done
ka_audit stopped -i 0.5 -c timer,idle.nohlt
iv=$(ka_interval stopped)
[ "$iv" -ge 500000 ] || kvmtune_fail "interval of ${iv} us, under the 0.5 s asked for"
ka_expect stopped <<EXPECT
timer.tsc_deadline ${vms[0]} - PASS interval_us=$iv vcpu0_tsc_deadline_writes=0 vcpu1_tsc_deadline_writes=0 limit=100000
timer.pio ${vms[0]} - PASS interval_us=$iv vcpu0_pio_exits=0 vcpu1_pio_exits=0 limit=10000
idle.nohlt ${vms[0]} - PASS interval_us=$iv vcpu0_hlt_exits=0 vcpu1_hlt_exits=0 vcpu0_wakeups=0 vcpu1_wakeups=0 vcpu0_piw=0 vcpu1_piw=0 limit=10000
timer.tsc_deadline ${vms[1]} - PASS interval_us=$iv vcpu0_tsc_deadline_writes=0 limit=100000
reason timer.tsc_deadline ${vms[1]} - ^at most 0 TSC_DEADLINE writes/s per vCPU$
timer.pio ${vms[1]} - PASS interval_us=$iv vcpu0_pio_exits=0 limit=10000
idle.nohlt ${vms[1]} - PASS interval_us=$iv vcpu0_hlt_exits=0 vcpu0_wakeups=0 vcpu0_piw=0 limit=10000
timer.tsc_deadline ${vms[2]} - PASS interval_us=$iv vcpu0_tsc_deadline_writes=0 limit=100000
timer.pio ${vms[2]} - PASS interval_us=$iv vcpu0_pio_exits=0 limit=10000
idle.nohlt ${vms[2]} - PASS interval_us=$iv vcpu0_hlt_exits=0 vcpu0_wakeups=0 vcpu0_piw=0 limit=10000
EXPECT
kvmtune_expect_eq "exit code" 0 "$ka_rc"
ka_verify
echo "kvmaudit rate checks: all as expected"
