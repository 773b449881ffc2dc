#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the proving ground: two small VMs with different exit
# mixes are running when kvmtrace is loaded on this "live host"; then
# kvmtop's view and the debugfs files show where each VM and vCPU spends
# its exits.

set -u
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

vmload=$KVMTUNE_VMLOAD
kvmtop=$KVMTUNE_BUILD/tools/kvmtop
ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
D=/sys/kernel/debug/kvmtrace
for f in "$vmload" "$kvmtop" "$ko"; do
	[ -e "$f" ] || kvmtune_fail "$f is missing (make demo builds it)"
done

pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rmmod kvmtrace 2>/dev/null
}
trap cleanup EXIT

banner() { printf '\n######## %s\n' "$*"; }

banner "1. Two VMs start on this host (kvmtrace is not loaded yet)"
echo "vm-io:    2 vCPUs, no irqchip: port I/O, MMIO and HLT exits"
echo "vm-timer: 2 vCPUs, in-kernel irqchip: TSC_DEADLINE writes (a guest"
echo "          re-arming its timer, as BBR pacing does) and CPUID"
"$vmload" -v 2 --pio 400 --mmio 200 --hlt 100 --seconds 300 \
	--ready-file "$TMPDIR/vm-io.ready" --quiet >"$TMPDIR/vm-io.out" 2>&1 &
pids+=($!)
"$vmload" -v 2 -i --tscdl 600 --cpuid 300 --seconds 300 \
	--ready-file "$TMPDIR/vm-timer.ready" --quiet >"$TMPDIR/vm-timer.out" 2>&1 &
pids+=($!)
for r in vm-io vm-timer; do
	for _ in $(seq 100); do
		[ -e "$TMPDIR/$r.ready" ] && break
		sleep 0.1
	done
	[ -e "$TMPDIR/$r.ready" ] || { cat "$TMPDIR/$r.out"; kvmtune_fail "$r did not start"; }
done
sleep 1

banner "2. insmod kvmtrace.ko while they run: no reboot, VMs keep running"
insmod "$ko" || kvmtune_fail "insmod kvmtrace failed"
echo "\$ cat $D/probes"
cat "$D/probes"
sleep 3

banner "3. kvmtop --once (rates over one second)"
"$kvmtop" --once -t 5 || kvmtune_fail "kvmtop failed"

banner "4. The debugfs files behind it"
echo "latency: exits KVM handled in the kernel; user_latency: exits that went"
echo "back to the VMM (vm-io's port I/O and MMIO are emulated in userspace)"
for vm in "$D"/vms/*/; do
	for f in exits msrs hlt wakeups stats; do
		echo "\$ cat $vm$f"
		cat "$vm$f"
	done
	for f in latency user_latency; do
		echo "\$ head ${vm}vcpu0/$f"
		head -n 8 "${vm}vcpu0/$f"
	done
done
echo "\$ cat $D/summary"
cat "$D/summary"

banner "5. rmmod kvmtrace while the VMs still run"
rmmod kvmtrace || kvmtune_fail "rmmod kvmtrace failed"
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || kvmtune_fail "a VM died while kvmtrace was loaded or unloaded"
done
echo "both VMs are still running; demo done"
