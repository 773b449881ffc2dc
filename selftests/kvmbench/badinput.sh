#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/badinput: every malformed or out-of-range control command is
# refused with EINVAL and changes nothing (settings and results read back
# the same); the boundary values are taken. Every module parameter at its
# boundaries: out of range fails the load with EINVAL and a log line
# naming it, in range loads. (The checks run in the L2, l2-lib.sh.)

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

kb_l2_up
kb_l2_ok "kb_set cpu 1 goal 1048576 repeats 3 && kb_run cpuid"

bad=("" "bogus" "RUN" "run nosuch" "run cpuid nosuch" "run cpuid cpuid"
	"cpu" "cpu 2" "cpu 64" "cpu -1" "cpu 1 1" "cpu 0x" "cpu 1x" "cpu al"
	"cpu 4294967297" "goal" "goal 1023" "goal 4294967297"
	"goal 0x100000001" "goal 18446744073709551616" "goal -1" "goal 1e9"
	"goal 010" "goal 0x0x400" "goal 1 2" "repeats" "repeats 0" "repeats 32" "repeats 3 3"
	"repeats +3" "$(printf 'run%0600d' 0)")
args=
for c in "${bad[@]}"; do
	args+=" '$c'"
done
kb_l2 kb_bad "$args" || kvmtune_fail "bad commands"

# boundaries, and numbers as kvmtrace takes them: decimal or 0x hex
good=("goal 1024:goal 1024" "goal 0x100000000:goal 4294967296"
	"repeats 1:repeats 1" "repeats 31:repeats 31" "repeats 010:repeats 10"
	"cpu all:cpu all" "cpu 0x1:cpu 1" "cpu 0:cpu 0")
for g in "${good[@]}"; do
	cmd=${g%%:*} want=${g#*:}
	kvmtune_expect_eq "after '$cmd'" "${want#* }" \
		"$(kb_l2 "kb_set $cmd && kb_val $KB_D/control ${want%% *}")"
done

kb_l2_ok rmmod kvmbench
kb_l2 kb_params_bad \
	"'goal=1023|goal=1023 is out of range 1024-4294967296'" \
	"'goal=4294967297|goal=4294967297 is out of range 1024-4294967296'" \
	"'repeats=0|repeats=0 is out of range 1-31'" \
	"'repeats=32|repeats=32 is out of range 1-31'" \
	"'halt_settle_us=0|halt_settle_us=0 is out of range 1-1000000'" \
	"'halt_settle_us=1000001|halt_settle_us=1000001 is out of range 1-1000000'" \
	"'mmio_kernel=0xfec00002|mmio_kernel=0xfec00002 is not 4-byte aligned'" \
	"'mmio_user=0x1|mmio_user=0x1 is not 4-byte aligned'" \
	"'pio_user=65536|'" "'goal=abc|'" ||
	kvmtune_fail "out-of-range parameters"
kb_l2 kb_params_good "'goal=1024 repeats=1 halt_settle_us=1 pio_user=0 pio_kernel=0'" \
	"'goal=4294967296 repeats=31 halt_settle_us=1000000 pio_user=65535 pio_kernel=65535 mmio_user=0xfeb00000 mmio_kernel=0xfffffffc msr_unknown=0xffffffff'" ||
	kvmtune_fail "in-range parameters"
kb_l2_load
kb_l2_splats "bad input"
echo "ok: bad input refused, nothing changed"
