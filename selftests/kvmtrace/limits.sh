#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's bounds and its slow-exit tracepoint:
#  - with max_vms=1, a second VM is not traced and every event it causes is
#    counted in dropped_vm_full; with max_vcpus=2, a third vCPU likewise in
#    dropped_vcpu_full.  Memory stays bounded and the overflow is visible.
#  - with slow_ns=1 every non-HLT exit is "slow": a VM doing exactly J
#    CPUIDs emits exactly J kvmtrace_slow_exit events naming its VM, vCPU
#    and the CPUID reason.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
VMLOAD=$KVMTUNE_BUILD/selftests/kvm/vmload
D=/sys/kernel/debug/kvmtrace
T=/sys/kernel/tracing
EV=$T/events/kvmtrace/kvmtrace_slow_exit
OUT=$TMPDIR/limits
mkdir -p "$OUT"
pids=()

cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	[ -e "$EV/enable" ] && echo 0 >"$EV/enable"
	rmmod kvmtrace 2>/dev/null
}
trap cleanup EXIT

val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# start_vm NAME ARGS...: a looping VM in the background, waits until it runs
start_vm() {
	local name=$1
	shift
	"$VMLOAD" "$@" --seconds 600 --ready-file "$OUT/$name.ready" \
		>"$OUT/$name.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do
		[ -e "$OUT/$name.ready" ] && return 0
		sleep 0.1
	done
	cat "$OUT/$name.out"
	kt_fail "VM $name did not start"
}

vm_name() { awk '$1 == "pid" { print $2 "-" $4 }' "$OUT/$1.ready"; }

stop_vms() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	pids=()
}

# ---- max_vms ------------------------------------------------------------
insmod "$KO" max_vms=1 max_vcpus=2 || kt_fail "insmod max_vms=1 max_vcpus=2"
start_vm a --cpuid 50
for _ in $(seq 100); do
	[ "$(val $D/summary vms)" = 1 ] && break
	sleep 0.1
done
kt_expect_eq "vms with VM a" 1 "$(val $D/summary vms)"
start_vm b --cpuid 50
sleep 1
d1=$(val $D/summary dropped_vm_full)
sleep 1
d2=$(val $D/summary dropped_vm_full)
[ "$d1" -gt 0 ] && [ "$d2" -gt "$d1" ] ||
	kt_fail "VM b's events are not counted as dropped: $d1 -> $d2"
kt_expect_eq "vms with the pool full" 1 "$(val $D/summary vms)"
kt_expect_eq "traced VM" "$(vm_name a)" "$(ls $D/vms)"
echo "ok: second VM not traced, dropped_vm_full $d1 -> $d2"
stop_vms
rmmod kvmtrace || kt_fail "rmmod"

# ---- max_vcpus ----------------------------------------------------------
insmod "$KO" max_vcpus=2 || kt_fail "insmod max_vcpus=2"
start_vm c -v 3 --cpuid 50
sleep 2
d=$(val $D/summary dropped_vcpu_full)
[ "$d" -gt 0 ] || kt_fail "third vCPU's events not counted as dropped"
kt_expect_eq "vcpus with the pool full" 2 "$(val $D/summary vcpus)"
kt_expect_eq "vCPU dirs" 2 "$(ls -d $D/vms/*/vcpu* | wc -l)"
echo "ok: third vCPU not traced, dropped_vcpu_full $d"
stop_vms
rmmod kvmtrace || kt_fail "rmmod"

# ---- slow_ns and the kvmtrace_slow_exit tracepoint ----------------------
J=300
insmod "$KO" || kt_fail "insmod"
[ -e "$EV/enable" ] || kt_fail "tracepoint kvmtrace:kvmtrace_slow_exit missing"
echo 1 >"$D/control" 2>/dev/null && kt_fail "control accepted '1'"
echo "slow_ns 1" >"$D/control" || kt_fail "slow_ns 1 rejected"
echo 0 >"$T/tracing_on"
echo >"$T/trace"
echo 8192 >"$T/buffer_size_kb"
echo 1 >"$EV/enable"
echo 1 >"$T/tracing_on"
"$VMLOAD" --cpuid "$J" --loops 1 --ready-file "$OUT/d.ready" >"$OUT/d.out" 2>&1 ||
	{ cat "$OUT/d.out"; kt_fail "vmload failed"; }
echo 0 >"$T/tracing_on"
vm=$(vm_name d)
grep -c "kvmtrace_slow_exit: vm $vm " "$T/trace" >/dev/null ||
	kt_fail "no slow exits of VM $vm in the trace"
n=$(grep -c "kvmtrace_slow_exit: vm $vm pid ${vm%-*} vcpu 0 reason CPUID 0x72 " "$T/trace")
kt_expect_eq "slow CPUID exits traced for $vm" "$J" "$n"
other=$(grep "kvmtrace_slow_exit: vm $vm " "$T/trace" | grep -vc ' reason CPUID ')
echo "ok: $n CPUID slow-exit events, $other of other reasons"
echo "slow_ns 0" >"$D/control" || kt_fail "slow_ns 0 rejected"
exit 0
