#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace life cycle: insmod and rmmod while VMs run, kvm/kvm_amd unloaded
# and reloaded under kvmtrace, 200 VM create/destroy cycles leave nothing
# behind and are seen as exactly 200 teardowns, and the control file
# rejects bad input and obeys good input. kvmtrace is unloaded at the end,
# also on failure. (Module parameters: kvmtrace/params.)

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

bg_pid=
reader=

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[ -z "$reader" ] || { kill "$reader"; wait "$reader"; } 2>/dev/null
	if [ -n "$bg_pid" ]; then
		kill "$bg_pid" 2>/dev/null
		wait "$bg_pid"
		cat "$KVMTRACE_OUT/vmloop"
	fi
	kvmtrace_cleanup
	kvmtune_loaded kvm_amd || kvmtune_modprobe kvm_amd
}
trap cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOOP"

# start_vmloop: a VM in the background, running exactly known rounds until
# finish_vmloop stops it; sets bg_pid and vm (its name)
start_vmloop() {
	: > "$KVMTRACE_OUT/vmloop"
	"$KVMTUNE_VMLOOP" run 600 > "$KVMTRACE_OUT/vmloop" 2>&1 &
	bg_pid=$!
	kvmtune_poll_tries 20 grep -q '^vm ' "$KVMTRACE_OUT/vmloop" ||
		kvmtune_fail "vmloop did not start"
	vm=$(kvmtrace_val "$KVMTRACE_OUT/vmloop" vm)
}

# finish_vmloop: the background VM must end with all rounds exact
finish_vmloop() {
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	local rc=$?

	bg_pid=
	cat "$KVMTRACE_OUT/vmloop"
	[ "$rc" -eq 0 ] || kvmtune_fail "vmloop failed (rc $rc)"
	grep -q '^rounds [0-9]*$' "$KVMTRACE_OUT/vmloop" || kvmtune_fail "vmloop: no rounds"
}

vcpu_exits() {
	kvmtrace_val "$KVMTRACE_D/vms/$vm/vcpu0/stats" exits
}

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
vcpu_exits_positive() {
	[ "$(vcpu_exits)" -gt 0 ] 2>/dev/null
}

# ---- insmod while a VM runs: traced from its next exit on -------------------
start_vmloop
sleep 1
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod with a VM running"
kvmtune_poll_tries 10 vcpu_exits_positive || kvmtune_fail "running VM $vm not traced"
e1=$(vcpu_exits)
sleep 1
e2=$(vcpu_exits)
[ "$e2" -gt "$e1" ] || kvmtune_fail "running VM not counted: $e1 -> $e2"
echo "ok: VM $vm running before insmod is traced ($e1 -> $e2 exits)"
kvmtune_expect_eq "VM pid" "$bg_pid" "${vm%-*}"

# ---- control: bad input is EINVAL and changes nothing ------------------------
# the settings and limits; the counts of live VMs and exits move on their own
settings() { grep -vwE '^(exits|vms|vcpus)' "$KVMTRACE_D/summary"; }
before_summary=$(settings)
before_control=$(cat "$KVMTRACE_D/control")
long=$(printf 'pid %0100d' 1)
for bad in bogus 'pid abc' 'slow_ns -1' 'slow_ns 99999999999999999999999' \
	   '' $'\n' 'pid -2' 'enable now' "$long"; do
	msg=$(kvmtrace_ctl "$bad")
	rc=$?
	if [ -z "$bad" ]; then
		# an empty printf is no write() at all: nothing to reject
		continue
	fi
	[ "$rc" -ne 0 ] || kvmtune_fail "control accepted '$bad'"
	grep -q 'Invalid argument' <<< "$msg" ||
		kvmtune_fail "control '$bad': expected EINVAL, got '$msg'"
	echo "ok: control rejects '${bad:0:24}' with EINVAL"
done
kvmtune_expect_eq "control unchanged" "$before_control" "$(cat "$KVMTRACE_D/control")"
kvmtune_expect_eq "summary settings unchanged" "$before_summary" "$(settings)"

# ---- control: good input takes effect ----------------------------------------
kvmtrace_ctl 'slow_ns 0x10' || kvmtune_fail "slow_ns 0x10 rejected"
kvmtune_expect_eq "slow_ns" 16 "$(kvmtrace_val "$KVMTRACE_D/control" slow_ns)"
kvmtrace_ctl $'slow_ns 100000\n' || kvmtune_fail "slow_ns with newline rejected"

kvmtrace_ctl disable || kvmtune_fail "disable rejected"
kvmtune_expect_eq "enabled" 0 "$(kvmtrace_summary enabled)"
h1=$(kvmtrace_probe kvm_exit hits)
e1=$(vcpu_exits)
sleep 1
h2=$(kvmtrace_probe kvm_exit hits)
e2=$(vcpu_exits)
[ "$h2" -gt "$h1" ] || kvmtune_fail "VM stopped exiting while disabled"
kvmtune_expect_eq "exits while disabled" "$e1" "$e2"
kvmtrace_ctl reset || kvmtune_fail "reset rejected"
kvmtune_expect_eq "vCPU exits after reset" 0 "$(vcpu_exits)"
kvmtune_expect_eq "VM exits after reset" 0 "$(kvmtrace_val "$KVMTRACE_D/vms/$vm/stats" exits)"
kvmtune_expect_eq "summary exits after reset" 0 "$(kvmtrace_summary exits)"
kvmtrace_ctl enable || kvmtune_fail "enable rejected"
kvmtune_poll_tries 5 vcpu_exits_positive || kvmtune_fail "not counting after enable"
echo "ok: counting again after enable ($(vcpu_exits) exits)"

# ---- rmmod while the VM runs: it keeps running and finishes correctly --------
rmmod kvmtrace || kvmtune_fail "rmmod with a VM running"
finish_vmloop
echo "ok: rmmod while a VM ran"

# ---- the pid filter -----------------------------------------------------------
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod"
kvmtrace_ctl 'pid 1' || kvmtune_fail "pid 1 rejected"
kvmtune_expect_eq "pid" 1 "$(kvmtrace_val "$KVMTRACE_D/control" pid)"
start_vmloop
h1=$(kvmtrace_probe kvm_exit hits)
sleep 1
h2=$(kvmtrace_probe kvm_exit hits)
[ "$h2" -gt "$h1" ] || kvmtune_fail "filtered VM did not exit"
kvmtune_expect_eq "filtered VMs" 0 "$(kvmtrace_summary vms)"
kvmtune_expect_eq "filtered vms/" "" "$(ls "$KVMTRACE_D/vms")"
kvmtrace_ctl 'pid -1' || kvmtune_fail "pid -1 rejected"
kvmtune_expect_eq "pid" 0 "$(kvmtrace_val "$KVMTRACE_D/control" pid)"
kvmtune_poll_tries 10 vcpu_exits_positive || kvmtune_fail "VM not traced after pid -1"
echo "ok: pid filter filters, pid -1 clears it"
finish_vmloop

# ---- kvm_amd and kvm unloaded and reloaded under kvmtrace -------------------
rmmod kvm_amd || kvmtune_fail "rmmod kvm_amd"
kvmtune_expect_eq "kvm_amd probe" waiting "$(kvmtrace_probe avic_ga_log_notifier state)"
kvmtune_expect_eq "kvm_exit still armed (kvm.ko loaded)" armed \
	"$(kvmtrace_probe kvm_exit state)"
rmmod kvm || kvmtune_fail "rmmod kvm"
for h in kvm_exit kvm_entry kvm_mmio kvm_arch_destroy_vm; do
	kvmtune_expect_eq "$h without kvm" waiting "$(kvmtrace_probe "$h" state)"
done
kvmtune_modprobe kvm_amd || kvmtune_fail "modprobe kvm_amd"
for h in kvm_exit kvm_entry kvm_vcpu_wakeup kvm_mmio kvm_arch_destroy_vm \
	 avic_ga_log_notifier kvm_vcpu_wake_up; do
	kvmtune_expect_eq "$h re-armed" armed "$(kvmtrace_probe "$h" state)"
done
kvmtune_expect_eq "kvm_symbols" resolved "$(kvmtrace_summary kvm_symbols)"
start_vmloop
kvmtune_poll_tries 10 vcpu_exits_positive || kvmtune_fail "new VM not traced after reload"
finish_vmloop
echo "ok: new VMs traced after kvm/kvm_amd reload"

# ---- 200 create/destroy cycles leave nothing behind --------------------------
# while a reader keeps reading the files of the VMs being destroyed
(
	while :; do
		cat "$KVMTRACE_D"/vms/*/* "$KVMTRACE_D"/vms/*/vcpu*/* >/dev/null 2>&1
	done
) &
reader=$!
# Exactly one teardown per VM: a missed one leaks state, a doubled one would
# free state twice; nothing else creates VMs meanwhile.
h0=$(kvmtrace_probe kvm_arch_destroy_vm hits)
"$KVMTUNE_VMLOOP" cycles 200 || kvmtune_fail "vmloop cycles"
kill "$reader"
wait "$reader" 2>/dev/null
reader=
# shellcheck disable=SC2317 # called through kvmtune_poll_tries
empty() {
	[ "$(kvmtrace_summary vms)" = 0 ] && [ "$(kvmtrace_summary vcpus)" = 0 ] &&
		[ -z "$(ls "$KVMTRACE_D/vms")" ]
}
kvmtune_poll_tries 5 empty || kvmtune_fail "state left: $(grep -w 'vms\|vcpus' "$KVMTRACE_D/summary") $(ls "$KVMTRACE_D/vms")"
for k in dropped_vm_full dropped_vcpu_full dir_failures; do
	kvmtune_expect_eq "$k" 0 "$(kvmtrace_summary "$k")"
done
h1=$(kvmtrace_probe kvm_arch_destroy_vm hits)
kvmtune_expect_eq "VM teardowns seen during 200 cycles" 200 $((h1 - h0))
echo "ok: 200 cycles read while torn down, no state left"
rmmod kvmtrace || kvmtune_fail "rmmod"
exit 0
