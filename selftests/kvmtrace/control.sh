#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control file (Documentation/kvmtrace.rst, "control") against running
# VMs, with KVM's own per-VM debugfs stats (exits, io_exits) as the truth:
# kvmtrace is loaded before the VMs exist, so its counts equal KVM's.
#
#  - numbers: "slow_ns 010" is 10 (decimal, not octal), "slow_ns 0x10" is
#    16, 2^64 - 1 is taken both ways; "slow_ns 0x", "08x", "-1", "+1",
#    "0x0x10", 2^64, a missing or second argument and a NUL byte in the
#    write are EINVAL and change nothing
#    (control and summary read back the same); "pid 010" is 10.
#  - reset with the VMs stopped (SIGSTOP: no exit can race with the
#    reset): every per-VM and per-vCPU file reads zero at once; after
#    SIGCONT, a second of running and SIGSTOP, the counts are exactly
#    KVM's counts since the reset.
#  - reset with the VMs running: the counts afterwards lie between KVM's
#    counts since just before and since just after the reset.
#  - the pid filter set while both VMs exist: the VM it names counts on
#    exactly (as KVM), the other one's files do not change at all while it
#    runs; "pid -1" and "pid 0" clear the filter (read back 0) and the
#    other VM counts again, exactly from there.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"

U64_MAX=18446744073709551615

settings() { grep -E '^(enabled|pid|slow_ns) ' "$KVMTRACE_D/summary"; }

# ---- numbers ---------------------------------------------------------------------
kvmtune_step "numbers"
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod"
# good NUMBER VALUE: "slow_ns NUMBER" sets VALUE
good() {
	kvmtrace_ctl "slow_ns $1" || kvmtune_fail "'slow_ns $1' rejected"
	kvmtune_expect_eq "control after 'slow_ns $1'" "$2" "$(kvmtrace_val "$KVMTRACE_D/control" slow_ns)"
	kvmtune_expect_eq "summary after 'slow_ns $1'" "$2" "$(kvmtrace_summary slow_ns)"
}
good 010 10
good 0x10 16
good "$U64_MAX" "$U64_MAX"
good 0xffffffffffffffff "$U64_MAX"
good 12345 12345
before_control=$(cat "$KVMTRACE_D/control")
before_summary=$(settings)
for bad in 'slow_ns 0x' 'slow_ns 08x' 'slow_ns -1' 'slow_ns +1' 'slow_ns 0x-1' \
	   'slow_ns 18446744073709551616' 'slow_ns 0x10000000000000000' \
	   'slow_ns' 'slow_ns 1 2' 'pid +-1' 'slow_ns 0x0x10' 'pid 0x0x10'; do
	msg=$(kvmtrace_ctl "$bad") && kvmtune_fail "control accepted '$bad'"
	[[ $msg == *"Invalid argument" ]] ||
		kvmtune_fail "control '$bad': expected EINVAL, got '$msg'"
	echo "ok: '$bad' is EINVAL"
done
# the parser sees a C string: a NUL would hide the rest of the write
for bad in 'slow_ns 5\0garbage' 'disable\0' 'pid 1\0'; do
	msg=$({ printf '%b' "$bad" >"$KVMTRACE_D/control"; } 2>&1) &&
		kvmtune_fail "control accepted '$bad'"
	[[ $msg == *"Invalid argument" ]] ||
		kvmtune_fail "control '$bad': expected EINVAL, got '$msg'"
	echo "ok: '$bad' (a NUL byte in it) is EINVAL"
done
kvmtune_expect_eq "control unchanged" "$before_control" "$(cat "$KVMTRACE_D/control")"
kvmtune_expect_eq "summary settings unchanged" "$before_summary" "$(settings)"
kvmtrace_ctl 'pid 010' || kvmtune_fail "'pid 010' rejected"
kvmtune_expect_eq "pid after 'pid 010'" 10 "$(kvmtrace_val "$KVMTRACE_D/control" pid)"
kvmtrace_ctl 'pid 0' || kvmtune_fail "'pid 0' rejected"
kvmtrace_ctl 'slow_ns 100000' || kvmtune_fail "'slow_ns 100000' rejected"

# ---- two VMs ---------------------------------------------------------------------
kvmtune_step "two VMs"
# idle most of the time: timer-woken HLTs
kvmtrace_vm_start a -v 2 -i --hlt 1 --hlt-ns 2000000 --pio 5 --mmio 2 --cpuid 5
kvmtrace_vm_start b -i --hlt 1 --hlt-ns 2000000 --pio 3 --cpuid 3
a=$(kvmtrace_vm a)
b=$(kvmtrace_vm b)
kvmtune_poll_tries 10 test -d "$KVMTRACE_D/vms/$a/vcpu1" || kvmtune_fail "VM $a not traced"
kvmtune_poll_tries 10 test -d "$KVMTRACE_D/vms/$b/vcpu0" || kvmtune_fail "VM $b not traced"

# trace_counts / kvm_counts NAME: "exits io" of VM NAME, kvmtrace's / KVM's
trace_counts() {
	local d

	d=$KVMTRACE_D/vms/$(kvmtrace_vm "$1")
	echo "$(kvmtrace_val "$d/stats" exits) $(kvmtrace_exits "$d/exits" IOIO)"
}
kvm_counts() {
	echo "$(kvmtrace_kvm_stat "$1" exits) $(kvmtrace_kvm_stat "$1" io_exits)"
}

# delta NEW OLD: "exits io" NEW minus OLD
delta() {
	local -a n o

	read -r -a n <<<"$1"
	read -r -a o <<<"$2"
	echo "$((n[0] - o[0])) $((n[1] - o[1]))"
}

stop_all() { kvmtrace_vm_stop a; kvmtrace_vm_stop b; }
cont_all() { kvmtrace_vm_cont a; kvmtrace_vm_cont b; }

stop_all
for v in a b; do
	kvmtune_expect_eq "VM $v: kvmtrace = KVM (exits io_exits)" "$(kvm_counts $v)" "$(trace_counts $v)"
done

# ---- reset, VMs stopped -----------------------------------------------------------------
kvmtune_step "reset, VMs stopped"
# zero DIR: every counter of DIR's files is 0
zero() {
	local f k v rest

	for f in exits msrs latency user_latency; do
		[ -s "$1/$f" ] && { cat "$1/$f"; kvmtune_fail "$1/$f not empty after reset"; }
	done
	for f in stats hlt npf wakeups; do
		while read -r k v rest; do
			case $f:$k in stats:vcpus | stats:isa) continue ;; esac
			if [ "$v" != 0 ] || [ -n "$rest" ]; then
				kvmtune_fail "$1/$f: '$k $v $rest' after reset"
			fi
		done <"$1/$f"
	done
}
ka=$(kvm_counts a)
kb=$(kvm_counts b)
kvmtrace_ctl reset || kvmtune_fail "reset rejected"
for d in "$KVMTRACE_D/vms/$a" "$KVMTRACE_D/vms/$a"/vcpu* "$KVMTRACE_D/vms/$b" "$KVMTRACE_D/vms/$b"/vcpu*; do
	zero "$d"
done
kvmtune_expect_eq "summary exits after reset" 0 "$(kvmtrace_summary exits)"
echo "ok: every file of both VMs reads zero"
cont_all
kvmtune_sleep 1
stop_all
kvmtune_expect_eq "VM a after reset = KVM since" "$(delta "$(kvm_counts a)" "$ka")" "$(trace_counts a)"
kvmtune_expect_eq "VM b after reset = KVM since" "$(delta "$(kvm_counts b)" "$kb")" "$(trace_counts b)"
read -r n _ <<<"$(trace_counts a)"
[ "$n" -gt 0 ] || kvmtune_fail "VM a did not run after the reset"

# ---- reset, VMs running -----------------------------------------------------------------
kvmtune_step "reset, VMs running"
cont_all
kvmtune_sleep 0.5
k0=$(kvm_counts a)
kvmtrace_ctl reset || kvmtune_fail "reset rejected"
k1=$(kvm_counts a)
kvmtune_sleep 1
stop_all
k2=$(kvm_counts a)
read -r t_exits t_io <<<"$(trace_counts a)"
read -r hi_exits hi_io <<<"$(delta "$k2" "$k0")"
read -r lo_exits lo_io <<<"$(delta "$k2" "$k1")"
echo "VM a since the reset: exits $t_exits in [$lo_exits, $hi_exits], io $t_io in [$lo_io, $hi_io]"
if [ "$t_exits" -lt "$lo_exits" ] || [ "$t_exits" -gt "$hi_exits" ] ||
   [ "$t_io" -lt "$lo_io" ] || [ "$t_io" -gt "$hi_io" ]; then
	kvmtune_fail "VM a's counts after a reset while running are not KVM's since the reset"
fi
[ "$lo_exits" -gt 0 ] || kvmtune_fail "VM a did not run after the reset"

# ---- the pid filter on existing VMs -------------------------------------------------------
kvmtune_step "pid filter"
# snap NAME: all files of VM NAME and its vCPUs
snap() {
	local d f

	d=$KVMTRACE_D/vms/$(kvmtrace_vm "$1")
	for f in "$d"/* "$d"/vcpu*/*; do
		[ -f "$f" ] && { echo "== $f"; cat "$f"; }
	done
}
ta=$(trace_counts a) ka=$(kvm_counts a) kb=$(kvm_counts b)
snap b >"$KVMTRACE_OUT/b.before"
kvmtrace_ctl "pid $(kvmtrace_vm_pid a)" || kvmtune_fail "pid rejected"
kvmtune_expect_eq "control pid" "$(kvmtrace_vm_pid a)" "$(kvmtrace_val "$KVMTRACE_D/control" pid)"
kvmtune_expect_eq "summary pid" "$(kvmtrace_vm_pid a)" "$(kvmtrace_summary pid)"
cont_all
kvmtune_sleep 1
stop_all
snap b >"$KVMTRACE_OUT/b.after"
read -r n _ <<<"$(delta "$(kvm_counts b)" "$kb")"
[ "$n" -gt 0 ] || kvmtune_fail "VM b did not run while filtered"
cmp -s "$KVMTRACE_OUT/b.before" "$KVMTRACE_OUT/b.after" ||
	{ diff "$KVMTRACE_OUT/b.before" "$KVMTRACE_OUT/b.after"; kvmtune_fail "VM b's files changed while filtered out"; }
echo "ok: VM b ran $n exits, its files did not change"
kvmtune_expect_eq "VM a counted on = KVM" "$(delta "$(kvm_counts a)" "$ka")" \
	"$(delta "$(trace_counts a)" "$ta")"

for clear in -1 0; do
	kvmtrace_ctl "pid $clear" || kvmtune_fail "'pid $clear' rejected"
	kvmtune_expect_eq "pid after 'pid $clear'" 0 "$(kvmtrace_val "$KVMTRACE_D/control" pid)"
	kvmtune_expect_eq "summary pid after 'pid $clear'" 0 "$(kvmtrace_summary pid)"
	tb=$(trace_counts b) kb=$(kvm_counts b)
	cont_all
	kvmtune_sleep 1
	stop_all
	kvmtune_expect_eq "VM b counted again after 'pid $clear' = KVM" \
		"$(delta "$(kvm_counts b)" "$kb")" "$(delta "$(trace_counts b)" "$tb")"
	kvmtrace_ctl "pid $(kvmtrace_vm_pid a)" || kvmtune_fail "pid rejected"
done
kvmtrace_ctl "pid 0" || kvmtune_fail "'pid 0' rejected"
kvmtrace_vm_end a
kvmtrace_vm_end b
kvmtune_step end
echo "kvmtrace/control: all checks passed"
exit 0
