#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/crosscheck: every bench, alone on the L2's vCPU 1, against
# kvmtrace in the L1. For the exits kvmbench declares exactly (CPUID, the
# hypercall, port I/O and MMIO completed in the kernel and in userspace,
# RDMSR/WRMSR of a handled and of an unhandled MSR), the guest's claimed
# operations times the exits it declares per operation must equal what
# kvmtrace counted for that vCPU and reason, exactly; and a port or MMIO
# access the guest says the kernel completes must not have reached
# userspace (kvmtrace's user_latency), nor the other way round. The timer,
# IPI and TLB benches are checked against their documented bounds
# (Documentation/kvmbench.rst).

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

# Small goals: one operation costs 10^5 to 10^7 cycles under nested TCG,
# so the first loop of 32 reaches the goal; 2 repeats make 64 operations.
goal=${KB_TEST_GOAL:-2097152}

kb_l2_up
kb_l2_virtio_mmio
kb_l2_ok "kb_set cpu 1 goal $goal repeats 2"
benches=$(kb_l2 kb_val "$KB_D/control" benches)
[ -n "$benches" ] || kvmtune_fail "control lists no benches"

for b in $benches; do
	kb_elided_start
	kb_reset
	t0=${EPOCHREALTIME/./}
	kb_l2_ok kb_run "$b"
	t1=${EPOCHREALTIME/./}
	kb_snap 1 cc1
	kb_l2 kb_results >"$KB_STATE/cc.line"
	line=$(<"$KB_STATE/cc.line")
	# only the partner's exits need its counters
	[[ $line != *partner:* ]] || kb_snap 0 cc0
	echo "$line  ($(((t1 - t0) / 1000)) ms)"
	[[ -n $line && $line != *$'\n'* ]] || kvmtune_fail "$b: not one results line: $line"
	[[ $line == "$b 1 "* ]] || kvmtune_fail "$b: not a line of $b on vCPU 1: $line"
	[[ $line != "$b 1 unsupported "* ]] || kvmtune_fail "$b is unsupported in the L2: $line"
	kb_check_ops "$line"
	kb_elided_count
	kb_check_line "$line" cc1 cc0 $(((t1 - t0) / 1000 + 1)) "" "$kb_elided"
done
kb_l2_splats crosscheck
echo "ok: $(wc -w <<<"$benches") benches on vCPU 1 agree with kvmtrace"
