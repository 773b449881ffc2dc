#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's bounds: with max_vms=1, a second VM is not traced and every
# event it causes is counted in dropped_vm_full; with max_vcpus=2, a third
# vCPU likewise in dropped_vcpu_full.  Memory stays bounded and the
# overflow is visible.  (The parameters' boundaries: kvmtrace/params; the
# slow-exit tracepoint: kvmtrace/slow.)

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
VMLOAD=$KVMTUNE_BUILD/selftests/loadgen/vmload
D=/sys/kernel/debug/kvmtrace
OUT=$TMPDIR/limits
mkdir -p "$OUT"
pids=()

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
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
if [ "$d1" -eq 0 ] || [ "$d2" -le "$d1" ]; then
	kt_fail "VM b's events are not counted as dropped: $d1 -> $d2"
fi
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
dirs=("$D"/vms/*/vcpu*)
[ -d "${dirs[0]}" ] || dirs=()
kt_expect_eq "vCPU dirs" 2 "${#dirs[@]}"
echo "ok: third vCPU not traced, dropped_vcpu_full $d"
stop_vms
rmmod kvmtrace || kt_fail "rmmod"
exit 0
