#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace life cycle: insmod and rmmod while VMs run, kvm/kvm_amd unloaded
# and reloaded under kvmtrace, 200 VM create/destroy cycles leave nothing
# behind and are seen as exactly 200 teardowns, and the control file
# rejects bad input and obeys good input. kvmtrace is unloaded at the end,
# also on failure. (Module parameters: kvmtrace/params.)

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

D=/sys/kernel/debug/kvmtrace
KO=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
VMLOOP=$KVMTUNE_BUILD/selftests/loadgen/vmloop
OUT=$(mktemp -d "${TMPDIR:-/tmp}/lifecycle.XXXXXX")
bg_pid=
reader=

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[ -z "$reader" ] || { kill "$reader"; wait "$reader"; } 2>/dev/null
	if [ -n "$bg_pid" ]; then
		kill "$bg_pid" 2>/dev/null
		wait "$bg_pid"
		cat "$OUT/vmloop"
	fi
	kt_loaded kvmtrace && rmmod kvmtrace
	kt_loaded kvm_amd || kt_modprobe kvm_amd
	rm -rf "$OUT"
}
trap cleanup EXIT

[ -c /dev/kvm ] || kt_skip "/dev/kvm"
[ -x "$VMLOOP" ] || kt_fail "$VMLOOP not built"
kt_loaded kvmtrace && rmmod kvmtrace

# summary_val KEY
summary_val() {
	awk -v k="$1" '$1 == k { print $2 }' "$D/summary"
}

# file_val FILE KEY [FIELD]: value of a "key value" line (default field 2)
file_val() {
	awk -v k="$2" -v f="${3:-2}" '$1 == k { print $f }' "$1" 2>/dev/null
}

# hits HOOK: hits column of a probes line
hits() {
	awk -v h="$1" '$1 == h { print $5 }' "$D/probes"
}

# probe_state HOOK
probe_state() {
	awk -v h="$1" '$1 == h { print $4 }' "$D/probes"
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s
wait_for() {
	local n=$(($1 * 10))

	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# start_vmloop: a VM in the background, running exactly known rounds until
# finish_vmloop stops it; sets bg_pid and vm (its name)
start_vmloop() {
	: > "$OUT/vmloop"
	"$VMLOOP" run 600 > "$OUT/vmloop" 2>&1 &
	bg_pid=$!
	wait_for 20 grep -q '^vm ' "$OUT/vmloop" || kt_fail "vmloop did not start"
	vm=$(awk '$1 == "vm" { print $2 }' "$OUT/vmloop")
}

# finish_vmloop: the background VM must end with all rounds exact
finish_vmloop() {
	kill -TERM "$bg_pid"
	wait "$bg_pid"
	local rc=$?

	bg_pid=
	cat "$OUT/vmloop"
	[ "$rc" -eq 0 ] || kt_fail "vmloop failed (rc $rc)"
	grep -q '^rounds [0-9]*$' "$OUT/vmloop" || kt_fail "vmloop: no rounds"
}

vcpu_exits() {
	file_val "$D/vms/$vm/vcpu0/stats" exits
}

# shellcheck disable=SC2317 # called through wait_for
vcpu_exits_positive() {
	[ "$(vcpu_exits)" -gt 0 ] 2>/dev/null
}

# ---- insmod while a VM runs: traced from its next exit on -------------------
start_vmloop
sleep 1
insmod "$KO" || kt_fail "insmod with a VM running"
wait_for 10 vcpu_exits_positive || kt_fail "running VM $vm not traced"
e1=$(vcpu_exits)
sleep 1
e2=$(vcpu_exits)
[ "$e2" -gt "$e1" ] || kt_fail "running VM not counted: $e1 -> $e2"
echo "ok: VM $vm running before insmod is traced ($e1 -> $e2 exits)"
kt_expect_eq "VM pid" "$bg_pid" "${vm%-*}"

# ---- control: bad input is EINVAL and changes nothing ------------------------
# ctl STRING: write STRING in one write(); prints the error message, if any
ctl() {
	{ printf '%s' "$1" > "$D/control"; } 2>&1
}

# the settings and limits; the counts of live VMs and exits move on their own
settings() { grep -vwE '^(exits|vms|vcpus)' "$D/summary"; }
before_summary=$(settings)
before_control=$(cat "$D/control")
long=$(printf 'pid %0100d' 1)
for bad in bogus 'pid abc' 'slow_ns -1' 'slow_ns 99999999999999999999999' \
	   '' $'\n' 'pid -2' 'enable now' "$long"; do
	msg=$(ctl "$bad")
	rc=$?
	if [ -z "$bad" ]; then
		# an empty printf is no write() at all: nothing to reject
		continue
	fi
	[ "$rc" -ne 0 ] || kt_fail "control accepted '$bad'"
	grep -q 'Invalid argument' <<< "$msg" ||
		kt_fail "control '$bad': expected EINVAL, got '$msg'"
	echo "ok: control rejects '${bad:0:24}' with EINVAL"
done
kt_expect_eq "control unchanged" "$before_control" "$(cat "$D/control")"
kt_expect_eq "summary settings unchanged" "$before_summary" "$(settings)"

# ---- control: good input takes effect ----------------------------------------
ctl 'slow_ns 0x10' || kt_fail "slow_ns 0x10 rejected"
kt_expect_eq "slow_ns" 16 "$(file_val "$D/control" slow_ns)"
ctl $'slow_ns 100000\n' || kt_fail "slow_ns with newline rejected"

ctl disable || kt_fail "disable rejected"
kt_expect_eq "enabled" 0 "$(summary_val enabled)"
h1=$(hits kvm_exit)
e1=$(vcpu_exits)
sleep 1
h2=$(hits kvm_exit)
e2=$(vcpu_exits)
[ "$h2" -gt "$h1" ] || kt_fail "VM stopped exiting while disabled"
kt_expect_eq "exits while disabled" "$e1" "$e2"
ctl reset || kt_fail "reset rejected"
kt_expect_eq "vCPU exits after reset" 0 "$(vcpu_exits)"
kt_expect_eq "VM exits after reset" 0 "$(file_val "$D/vms/$vm/stats" exits)"
kt_expect_eq "summary exits after reset" 0 "$(summary_val exits)"
ctl enable || kt_fail "enable rejected"
wait_for 5 vcpu_exits_positive || kt_fail "not counting after enable"
echo "ok: counting again after enable ($(vcpu_exits) exits)"

# ---- rmmod while the VM runs: it keeps running and finishes correctly --------
rmmod kvmtrace || kt_fail "rmmod with a VM running"
finish_vmloop
echo "ok: rmmod while a VM ran"

# ---- the pid filter -----------------------------------------------------------
insmod "$KO" || kt_fail "insmod"
ctl 'pid 1' || kt_fail "pid 1 rejected"
kt_expect_eq "pid" 1 "$(file_val "$D/control" pid)"
start_vmloop
h1=$(hits kvm_exit)
sleep 1
h2=$(hits kvm_exit)
[ "$h2" -gt "$h1" ] || kt_fail "filtered VM did not exit"
kt_expect_eq "filtered VMs" 0 "$(summary_val vms)"
kt_expect_eq "filtered vms/" "" "$(ls "$D/vms")"
ctl 'pid -1' || kt_fail "pid -1 rejected"
kt_expect_eq "pid" 0 "$(file_val "$D/control" pid)"
wait_for 10 vcpu_exits_positive || kt_fail "VM not traced after pid -1"
echo "ok: pid filter filters, pid -1 clears it"
finish_vmloop

# ---- kvm_amd and kvm unloaded and reloaded under kvmtrace -------------------
rmmod kvm_amd || kt_fail "rmmod kvm_amd"
kt_expect_eq "kvm_amd probe" waiting "$(probe_state avic_ga_log_notifier)"
kt_expect_eq "kvm_exit still armed (kvm.ko loaded)" armed \
	"$(probe_state kvm_exit)"
rmmod kvm || kt_fail "rmmod kvm"
for h in kvm_exit kvm_entry kvm_mmio kvm_arch_destroy_vm; do
	kt_expect_eq "$h without kvm" waiting "$(probe_state "$h")"
done
kt_modprobe kvm_amd || kt_fail "modprobe kvm_amd"
for h in kvm_exit kvm_entry kvm_vcpu_wakeup kvm_mmio kvm_arch_destroy_vm \
	 avic_ga_log_notifier kvm_vcpu_wake_up; do
	kt_expect_eq "$h re-armed" armed "$(probe_state "$h")"
done
kt_expect_eq "kvm_symbols" resolved "$(summary_val kvm_symbols)"
start_vmloop
wait_for 10 vcpu_exits_positive || kt_fail "new VM not traced after reload"
finish_vmloop
echo "ok: new VMs traced after kvm/kvm_amd reload"

# ---- 200 create/destroy cycles leave nothing behind --------------------------
# while a reader keeps reading the files of the VMs being destroyed
(
	while :; do
		cat "$D"/vms/*/* "$D"/vms/*/vcpu*/* >/dev/null 2>&1
	done
) &
reader=$!
# Exactly one teardown per VM: a missed one leaks state, a doubled one would
# free state twice; nothing else creates VMs meanwhile.
h0=$(hits kvm_arch_destroy_vm)
"$VMLOOP" cycles 200 || kt_fail "vmloop cycles"
kill "$reader"
wait "$reader" 2>/dev/null
reader=
# shellcheck disable=SC2317 # called through wait_for
empty() {
	[ "$(summary_val vms)" = 0 ] && [ "$(summary_val vcpus)" = 0 ] &&
		[ -z "$(ls "$D/vms")" ]
}
wait_for 5 empty || kt_fail "state left: $(grep -w 'vms\|vcpus' "$D/summary") $(ls "$D/vms")"
for k in dropped_vm_full dropped_vcpu_full dir_failures; do
	kt_expect_eq "$k" 0 "$(summary_val "$k")"
done
h1=$(hits kvm_arch_destroy_vm)
kt_expect_eq "VM teardowns seen during 200 cycles" 200 $((h1 - h0))
echo "ok: 200 cycles read while torn down, no state left"
rmmod kvmtrace || kt_fail "rmmod"
exit 0
