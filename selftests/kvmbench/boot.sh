#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/boot: the nested guest (L2) that the kvmbench tests share boots
# with 2 vCPUs, with kvmtrace loaded here in the L1. kvmbench loads in the
# L2 and loading runs nothing: its results are empty, its state idle, and
# kvmtrace sees no exit of any kind a bench declares on either vCPU. Its
# files are root-only.

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

kb_l2_boot 2
kb_l2_splats boot
kvmtune_expect_eq "L2 kernel" "$KVMTUNE_KVER" "$(kb_l2 uname -r)"
kvmtune_expect_eq "L2 vCPUs" 2 "$(kb_l2 grep -c "'^processor'" /proc/cpuinfo)"
kvmtune_expect_eq "L2 x2APIC" "x2apic" "$(kb_l2 grep -m 1 -o -w x2apic /proc/cpuinfo)"

# loading runs nothing, on either vCPU
kb_reset
kb_l2_load
kb_l2_ok sleep 1
kb_snap 0 boot0
kb_snap 1 boot1
for v in 0 1; do
	if kb_msr_lost "boot$v"; then
		kvmtune_fail "vCPU $v: kvmtrace's MSR table overflowed"
	fi
	# on vCPU 0 insmod and sleep start, and every process start runs
	# CPUID (glibc's CPU feature probe)
	kinds="hypercall pio_kernel mmio_kernel mmio_user"
	[ "$v" = 0 ] || kinds+=" cpuid"
	for kind in $kinds; do
		kvmtune_expect_eq "vCPU $v: $kind exits while loading" 0 \
			"$(kb_count "boot$v" "$kind")"
	done
	for msr in 0x1a0 0x4b564dff; do
		kvmtune_expect_eq "vCPU $v: MSR $msr exits while loading" 0 \
			"$(($(kb_count "boot$v" rdmsr $msr) + $(kb_count "boot$v" wrmsr $msr)))"
	done
done
kvmtune_expect_eq "results after load" "" "$(kb_l2 kb_results)"
kvmtune_expect_eq "results header" "# name cpu min median spread iterations repeats ops partner exits" \
	"$(kb_l2 "read -r l <$KB_D/results; echo \"\$l\"")"
kvmtune_expect_eq "state after load" idle "$(kb_l2 kb_val "$KB_D/control" state)"

# root-only
kvmtune_expect_eq "control mode" "600 0" "$(kb_l2 stat -c "'%a %u'" "$KB_D/control")"
kvmtune_expect_eq "results mode" "400 0" "$(kb_l2 stat -c "'%a %u'" "$KB_D/results")"
# as nobody (busybox su, with the L2's /etc/passwd), with debugfs's root
# opened up for the check, so that the files' own modes are what refuses
kvmtune_expect_eq "nobody's uid in the L2" 65534 "$(kb_l2 su -s /bin/sh -c "'id -u'" nobody)"
kb_l2_ok mount -o remount,mode=0755 /sys/kernel/debug
kb_l2 su -s /bin/sh -c "'ls $KB_D/control $KB_D/results'" nobody >/dev/null ||
	kvmtune_fail "nobody cannot reach kvmbench's files (debugfs's root still closed)"
for f in control results; do
	out=$(kb_l2 su -s /bin/sh -c "'cat $KB_D/$f'" nobody) &&
		kvmtune_fail "uid 65534 could read $f"
	[[ $out == *"Permission denied"* ]] || kvmtune_fail "$f as nobody: not EACCES: $out"
done
out=$(kb_l2 su -s /bin/sh -c "'echo run cpuid >$KB_D/control'" nobody) &&
	kvmtune_fail "uid 65534 could write control"
[[ $out == *"Permission denied"* ]] || kvmtune_fail "writing control as nobody: not EACCES: $out"
kb_l2_ok mount -o remount,mode=0700 /sys/kernel/debug
kvmtune_expect_eq "results after the refused write" "" "$(kb_l2 kb_results)"
kb_l2_splats "load"
echo "ok: kvmbench loaded in the L2, nothing ran"
