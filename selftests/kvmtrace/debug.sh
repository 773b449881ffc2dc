#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's debug build (Documentation/kvmtrace.rst, "Debug builds"):
#  - its in-module self-tests pass at load, also with max_vms=4096, where
#    they include the check that a VM lookup costs the same with the pool
#    full as with one VM;
#  - fault_arm at load: a required hook that cannot be armed (kvm:kvm_entry,
#    a tracepoint; kvm:kvm_arch_destroy_vm, a kprobe, with another errno)
#    fails insmod with that errno and leaves nothing behind; a non-required
#    one (kvm:kvm_mmio, kvm:kvm_vcpu_wake_up) shows "failed" with its
#    errno in probes while everything else is armed;
#  - fault_arm when kvm.ko arrives after kvmtrace: kvm:kvm_entry fails with
#    its errno, the hook armed before it in the same step (kvm:kvm_exit)
#    is rolled back and those after it are not tried, all "failed" with
#    -125 (ECANCELED), so nothing is counted;
#    kvm:kvm_mmio fails alone: every NPF exit of a VM doing MMIO is then a
#    "fault" and none is "mmio", as documented for npf;
#  - with fault_arm cleared and kvm reloaded, everything is armed again and
#    MMIO is classified again.
# kvm and kvm_amd are reloaded several times; kvm_amd is loaded at the end.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	kvmtrace_cleanup
	kvmtune_loaded kvm_amd || kvmtune_modprobe kvm_amd
}
trap cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO_DEBUG" "$KVMTUNE_VMLOAD"

EBUSY=16
EIO=5
ECANCELED=125
KVM_TPS="kvm_exit kvm_entry kvm_vcpu_wakeup kvm_halt_poll_ns kvm_mmio kvm_fast_mmio kvm_userspace_exit"
# the hooks of the modules loaded here (not kvm_intel's)
ALL_HOOKS="$KVM_TPS kvm_arch_destroy_vm kvm_vcpu_wake_up avic_ga_log_notifier"


# has_msg LINE: the kernel log of the last kvmtune_dmesg_step has kvmtrace LINE
has_msg() {
	kvmtrace_msgs | grep -Fqx -- "$1" ||
		{ kvmtrace_msgs; kvmtune_fail "$kvmtune_step_cur: no kernel log line '$1'"; }
}

# selftests_pass: the log has the pass line and no failed self-test
selftests_pass() {
	has_msg "kvmtrace: self-tests: pass"
	if kvmtrace_msgs | grep -q 'self-test.*failed'; then
		kvmtrace_msgs
		kvmtune_fail "$kvmtune_step_cur: a self-test failed"
	fi
	echo "ok: self-tests pass"
}

# expect_probe HOOK STATE ERRNO
expect_probe() {
	kvmtune_expect_eq "$1" "$2 $3" "$(kvmtrace_probe "$1" state) $(kvmtrace_probe "$1" errno)"
}

reload_kvm() {
	kvmtune_rmmod kvm_amd || kvmtune_fail "rmmod kvm_amd kvm ($kvmtune_step_cur)"
	kvmtune_loaded kvm && kvmtune_fail "kvm still loaded ($kvmtune_step_cur)"
	kvmtune_modprobe kvm_amd || kvmtune_fail "modprobe kvm_amd ($kvmtune_step_cur)"
}

# shellcheck disable=SC2317 # called through kvmtune_poll_deadline
# mmio_exits_at_least VM N: KVM counted at least N MMIO exits of VM
mmio_exits_at_least() {
	[ "$(kvmtrace_kvm_stat "$1" mmio_exits)" -ge "$2" ]
}

# npf_check MMIO: a VM doing MMIO (no irqchip, so each store is an NPF exit
# that KVM emulates and hands to userspace) runs and stops; its vCPU's
# npf shows all NPF exits as fault (MMIO 0) or, with kvm_mmio armed, at
# least the VM's MMIO stores as mmio.  The stopped vCPU may be inside one
# NPF exit, which is neither yet.
npf_check() {
	local f n m ft stores

	kvmtrace_vm_start npf --mmio 20 --pio 1
	f=$KVMTRACE_D/vms/$(kvmtrace_vm npf)/vcpu0/npf
	kvmtune_poll_tries 10 test -f "$f" || kvmtune_fail "VM npf not traced"
	# 20 MMIO stores, however slowly a loaded host runs the guest
	kvmtune_poll_deadline 60 mmio_exits_at_least npf 20 ||
		kvmtune_fail "fewer than 20 MMIO exits in 60 s"
	kvmtrace_vm_stop npf
	n=$(kvmtrace_val "$f" exits)
	m=$(kvmtrace_val "$f" mmio)
	ft=$(kvmtrace_val "$f" fault)
	stores=$(kvmtrace_kvm_stat npf mmio_exits)
	echo "npf: exits $n mmio $m fault $ft; KVM mmio_exits $stores"
	[ "$stores" -ge 20 ] || kvmtune_fail "only $stores MMIO exits"
	if [ "$1" = 0 ]; then
		kvmtune_expect_eq "npf mmio without the kvm_mmio hook" 0 "$m"
		[ "$ft" -ge "$((stores - 1))" ] ||
			kvmtune_fail "npf fault $ft < $stores MMIO exits - 1"
	elif [ "$m" -lt "$((stores - 1))" ] || [ "$m" -gt "$stores" ]; then
		kvmtune_fail "npf mmio $m, KVM mmio_exits $stores (- 1 in progress)"
	fi
	if [ "$((n - m - ft))" -lt 0 ] || [ "$((n - m - ft))" -gt 1 ]; then
		kvmtune_fail "npf exits $n != mmio $m + fault $ft (+ 1 in progress)"
	fi
	kvmtrace_vm_end npf
}

# ---- self-tests ---------------------------------------------------------------
for p in "" max_vms=4096; do
	kvmtune_step "insmod debug build ${p:-(defaults)}"
	# shellcheck disable=SC2086 # no parameter at all, or one
	insmod "$KVMTRACE_KO_DEBUG" $p || kvmtune_fail "insmod $KVMTRACE_KO_DEBUG $p"
	kvmtune_dmesg_step "$kvmtune_step_cur"
	selftests_pass
	for h in $ALL_HOOKS; do
		expect_probe "$h" armed 0
	done
	rmmod kvmtrace || kvmtune_fail "rmmod"
done

# ---- fault_arm at load -----------------------------------------------------------
# refuse_arm TARGET ERRNO TEXT [PARAM...]: a required hook fails the load
refuse_arm() {
	local target=$1 errno=$2 text=$3 err

	shift 3
	kvmtune_step "insmod fault_arm=$target $*"
	if insmod "$KVMTRACE_KO_DEBUG" fault_arm="$target" "$@" 2>"$KVMTRACE_OUT/insmod"; then
		kvmtune_fail "insmod with fault_arm=$target succeeded"
	fi
	read -r err <"$KVMTRACE_OUT/insmod"
	kvmtune_dmesg_step "$kvmtune_step_cur"
	kvmtune_expect_eq "insmod error" \
		"insmod: ERROR: could not insert module $KVMTRACE_KO_DEBUG: $text" "$err"
	kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace loaded"
	[ -e "$KVMTRACE_D" ] && kvmtune_fail "$KVMTRACE_D left behind"
	has_msg "kvmtrace: cannot attach to $target: -$errno"
	echo "ok: the load fails with -$errno"
}

refuse_arm kvm:kvm_entry "$EBUSY" "Device or resource busy"
refuse_arm kvm:kvm_arch_destroy_vm "$EIO" "Input/output error" \
	fault_arm_errno="$EIO"
# nothing left armed: KVM works without kvmtrace
kvmtune_step "a VM after the failed loads"
"$KVMTUNE_VMLOAD" --cpuid 10 --loops 1 >"$KVMTRACE_OUT/vm.out" 2>&1 ||
	{ cat "$KVMTRACE_OUT/vm.out"; kvmtune_fail "a VM failed after the failed loads"; }

# allow_arm TARGET HOOK: a non-required hook fails alone
allow_arm() {
	local h

	kvmtune_step "insmod fault_arm=$1"
	insmod "$KVMTRACE_KO_DEBUG" fault_arm="$1" || kvmtune_fail "insmod fault_arm=$1"
	kvmtune_dmesg_step "$kvmtune_step_cur"
	has_msg "kvmtrace: cannot attach to $1: -$EBUSY"
	expect_probe "$2" failed "-$EBUSY"
	for h in $ALL_HOOKS; do
		[ "$h" = "$2" ] || expect_probe "$h" armed 0
	done
}

allow_arm kvm:kvm_vcpu_wake_up kvm_vcpu_wake_up
rmmod kvmtrace || kvmtune_fail "rmmod"
allow_arm kvm:kvm_mmio kvm_mmio
npf_check 0
rmmod kvmtrace || kvmtune_fail "rmmod"

# ---- fault_arm when kvm.ko arrives ------------------------------------------------
kvmtune_step "kvm unloaded, insmod fault_arm=kvm:kvm_entry"
kvmtune_rmmod kvm_amd || kvmtune_fail "rmmod kvm_amd kvm"
insmod "$KVMTRACE_KO_DEBUG" fault_arm=kvm:kvm_entry || kvmtune_fail "insmod without kvm"
for h in $KVM_TPS kvm_arch_destroy_vm kvm_vcpu_wake_up avic_ga_log_notifier; do
	expect_probe "$h" waiting 0
done

kvmtune_step "modprobe kvm_amd with kvm:kvm_entry failing"
kvmtune_modprobe kvm_amd || kvmtune_fail "modprobe kvm_amd"
kvmtune_dmesg_step "$kvmtune_step_cur"
has_msg "kvmtrace: cannot attach to kvm:kvm_entry: -$EBUSY"
expect_probe kvm_entry failed "-$EBUSY"
# armed before kvm_entry in the same step: rolled back
expect_probe kvm_exit failed "-$ECANCELED"
# after it in the table: not even tried, cancelled as well
for h in kvm_vcpu_wakeup kvm_halt_poll_ns kvm_mmio kvm_fast_mmio kvm_userspace_exit; do
	expect_probe "$h" failed "-$ECANCELED"
done
# kprobes are armed in a step of their own, when the module is live
for h in kvm_arch_destroy_vm kvm_vcpu_wake_up avic_ga_log_notifier; do
	expect_probe "$h" armed 0
done
# rolled back, so a VM is not seen at all
x0=$(kvmtrace_probe kvm_exit hits)
d0=$(kvmtrace_probe kvm_arch_destroy_vm hits)
"$KVMTUNE_VMLOAD" --cpuid 10 --pio 10 --loops 1 >"$KVMTRACE_OUT/vm.out" 2>&1 ||
	{ cat "$KVMTRACE_OUT/vm.out"; kvmtune_fail "a VM failed with the kvm hooks rolled back"; }
kvmtune_expect_eq "kvm_exit hits while rolled back" "$x0" "$(kvmtrace_probe kvm_exit hits)"
kvmtune_expect_eq "VM teardowns seen" $((d0 + 1)) "$(kvmtrace_probe kvm_arch_destroy_vm hits)"
kvmtune_expect_eq "vms" 0 "$(kvmtrace_summary vms)"

kvmtune_step "kvm:kvm_mmio failing when kvm arrives"
echo kvm:kvm_mmio >/sys/module/kvmtrace/parameters/fault_arm ||
	kvmtune_fail "fault_arm is not writable at run time"
reload_kvm
kvmtune_dmesg_step "$kvmtune_step_cur"
has_msg "kvmtrace: cannot attach to kvm:kvm_mmio: -$EBUSY"
expect_probe kvm_mmio failed "-$EBUSY"
for h in $ALL_HOOKS; do
	[ "$h" = kvm_mmio ] || expect_probe "$h" armed 0
done
npf_check 0

kvmtune_step "fault_arm cleared, kvm reloaded"
echo >/sys/module/kvmtrace/parameters/fault_arm
reload_kvm
kvmtune_dmesg_step "$kvmtune_step_cur"
for h in $ALL_HOOKS; do
	expect_probe "$h" armed 0
done
npf_check 1
rmmod kvmtrace || kvmtune_fail "rmmod"
kvmtune_step end
echo "kvmtrace/debug: all checks passed"
exit 0
