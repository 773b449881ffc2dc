#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's clock on a host whose kernel trusts its TSC, as on a real host
# (selftests/kvmtrace-tsc.list boots the proving ground with tsc=reliable;
# see Documentation/testing.rst):
#  - the kernel's clocksource is the TSC and it never marked it unstable;
#  - kvmtrace, loaded with its debug messages on, measures with the TSC at
#    the kernel's tsc_khz ("clock: TSC at N kHz", N from the kernel's own
#    log), never local_clock();
#  - with a VM doing CPUIDs, SVM exit codes are read from the VMCB
#    (summary: exit_info vmcb), the fast exit path's other condition, and
#    the CPUID exits have latencies.
# The other tests of the spec then run on the TSC paths, with their exact
# counts.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

# the kernel's log from boot, before a step or kvmtrace_test_init clears it
boot_log=$(dmesg)
kvmtune_step "the kernel's clock"
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
kvmtune_expect_eq "current clocksource" tsc "$cs"
grep -q 'tsc=reliable' /proc/cmdline ||
	kvmtune_fail "booted without tsc=reliable: $(cat /proc/cmdline)"
if journal=$(grep -E 'Marking TSC unstable|tsc: .*unstable' <<<"$boot_log"); then
	kvmtune_fail "the kernel marked the TSC unstable: $journal"
fi
# the kernel's tsc_khz, as its log gives it in MHz with three decimals
mhz=$(sed -nE 's/.*tsc: (Refined TSC clocksource calibration: |Detected )([0-9]+\.[0-9]{3}) MHz.*/\2/p' <<<"$boot_log" | tail -n 1)
[ -n "$mhz" ] || kvmtune_fail "no TSC frequency in the kernel log"
khz=$((10#${mhz/./}))

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"

kvmtune_step "insmod with debug messages"
insmod "$KVMTRACE_KO" dyndbg=+p || kvmtune_fail "insmod dyndbg=+p"
kvmtune_dmesg_step "$kvmtune_step_cur"
echo "$kvmtune_dmesg"
clock=$(kvmtrace_msgs | grep '^kvmtrace: clock: ')
kvmtune_expect_eq "clock message" "kvmtrace: clock: TSC at $khz kHz" "$clock"

kvmtune_step "a VM doing CPUIDs"
kvmtrace_vm_start a --cpuid 2
a=$(kvmtrace_vm a)
d=$KVMTRACE_D/vms/$a/vcpu0
# shellcheck disable=SC2317 # called through kvmtune_poll_deadline
cpuids_above() { [ "$(kvmtrace_exits "$d/exits" CPUID)" -gt "$1" ]; }
kvmtune_poll_deadline 60 cpuids_above 100 ||
	kvmtune_fail "vCPU 0 of $a did not pass 100 CPUID exits in 60 s"
kvmtrace_vm_stop a
kvmtune_expect_eq "summary exit_info" vmcb "$(kvmtrace_summary exit_info)"
n=$(awk '$1 == "CPUID" { n += $NF } END { print n + 0 }' "$d/latency")
echo "CPUID: $(kvmtrace_exits "$d/exits" CPUID) exits, $n with a latency"
[ "$n" -gt 100 ] || kvmtune_fail "only $n CPUID latencies"
kvmtrace_vm_end a
kvmtune_dmesg_step "$kvmtune_step_cur"
