#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's bounds: with max_vms=1, a second VM is not traced and every
# event it causes is counted in dropped_vm_full; with max_vcpus=2, a third
# vCPU likewise in dropped_vcpu_full.  Memory stays bounded and the
# overflow is visible.  (The parameters' boundaries: kvmtrace/params; the
# slow-exit tracepoint: kvmtrace/slow.)

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"

# ---- max_vms ------------------------------------------------------------
insmod "$KVMTRACE_KO" max_vms=1 max_vcpus=2 || kvmtune_fail "insmod max_vms=1 max_vcpus=2"
kvmtrace_vm_start a --cpuid 50
kvmtune_poll_tries 10 kvmtrace_summary_is vms 1
kvmtune_expect_eq "vms with VM a" 1 "$(kvmtrace_summary vms)"
kvmtrace_vm_start b --cpuid 50
kvmtune_sleep 1
d1=$(kvmtrace_summary dropped_vm_full)
kvmtune_sleep 1
d2=$(kvmtrace_summary dropped_vm_full)
if [ "$d1" -eq 0 ] || [ "$d2" -le "$d1" ]; then
	kvmtune_fail "VM b's events are not counted as dropped: $d1 -> $d2"
fi
kvmtune_expect_eq "vms with the pool full" 1 "$(kvmtrace_summary vms)"
kvmtune_expect_eq "traced VM" "$(kvmtrace_vm a)" "$(ls "$KVMTRACE_D/vms")"
echo "ok: second VM not traced, dropped_vm_full $d1 -> $d2"
kvmtrace_vm_end_all
rmmod kvmtrace || kvmtune_fail "rmmod"

# ---- max_vcpus ----------------------------------------------------------
insmod "$KVMTRACE_KO" max_vcpus=2 || kvmtune_fail "insmod max_vcpus=2"
kvmtrace_vm_start c -v 3 --cpuid 50
kvmtune_sleep 2
d=$(kvmtrace_summary dropped_vcpu_full)
[ "$d" -gt 0 ] || kvmtune_fail "third vCPU's events not counted as dropped"
kvmtune_expect_eq "vcpus with the pool full" 2 "$(kvmtrace_summary vcpus)"
dirs=("$KVMTRACE_D"/vms/*/vcpu*)
[ -d "${dirs[0]}" ] || dirs=()
kvmtune_expect_eq "vCPU dirs" 2 "${#dirs[@]}"
echo "ok: third vCPU not traced, dropped_vcpu_full $d"
kvmtrace_vm_end_all
rmmod kvmtrace || kvmtune_fail "rmmod"
exit 0
