#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmtrace's module parameters at their boundaries, each loaded while two
# VMs run: VM a (1 vCPU, in-kernel irqchip, timer-woken HLTs every 5 ms: a
# steady stream of vCPU wakeups) and VM b (2 vCPUs, the same with PIO and
# MMIO exits to userspace).
#
# Refused (Documentation/kvmtrace.rst, "Module parameters"): insmod fails
# with the documented errno, the module is not loaded, and the kernel log
# has exactly one kvmtrace line, the documented one, naming the parameter:
#   max_vms 0, 4097, max_vcpus 0, 16385   EINVAL, "<p>=<v> is out of range"
#   slow_ns 2^64, max_vms 2^32            ERANGE, the kernel's parser
#   non-numbers                           EINVAL, the kernel's parser
# Loaded, and doing what the documentation says:
#   max_vms=1       one VM traced with all its vCPUs, the other's events
#                   in dropped_vm_full (growing), none in dropped_vcpu_full
#   max_vms=4096    both VMs and all three vCPUs traced
#   max_vcpus=1     VM a's one vCPU traced (VM b is stopped during the
#                   load, so the slot is a's), b's events in
#                   dropped_vcpu_full, and a's hundreds of wakeups a second
#                   counted exactly (piw + other = KVM's halt_wakeup).  This
#                   used to oops the host: a one-entry pool got a 0-bit
#                   hash, and hash_ptr(p, 0) indexes far outside the table
#                   on the first lookup (then the rcuwait_wake_up() probe,
#                   now every event of an untraced vCPU).  The step names
#                   itself in the kernel log before the load, so the
#                   console shows which step crashed.
#   max_vcpus=16384 both VMs traced; memory_bytes about 240 MiB
#   slow_ns=0       no slow-exit event, slow counters stay 0
#   slow_ns=1       every non-HLT exit is an event: per vCPU, events =
#                   exits - HLT exits - the exit in progress, exactly, and
#                   = stats slow + user_slow = the latency counts (less
#                   the spans the clock saw run backwards, which count as
#                   0 ns: bucket 0 of the latency files, normally empty)
#   slow_ns=2^64-1  read back exactly, no event
# memory_bytes of every load fits one model, pools of fixed-size slots plus
# hash tables (the last step), and the load message shows it in KiB.
# After every step the kernel log is checked for splats, naming the step.

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD"

U64_MAX=18446744073709551615

# insmod's words for the errnos it can report here (kmod's insmod names
# EINVAL itself, the others are strerror())
declare -A errtext=(
	[EINVAL]="Invalid parameters"
	[ERANGE]="Numerical result out of range"
)


# refuse PARAM ERRNO MESSAGE: loading with PARAM fails with ERRNO and
# exactly MESSAGE in the kernel log
refuse() {
	local p=$1 want=$2 msg=$3 err

	kvmtune_step "insmod $p (refused)"
	if insmod "$KVMTRACE_KO" "$p" 2>"$KVMTRACE_OUT/insmod"; then
		kvmtune_fail "insmod $p succeeded"
	fi
	read -r err <"$KVMTRACE_OUT/insmod"
	kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace loaded with $p"
	[ -e "$KVMTRACE_D" ] && kvmtune_fail "$KVMTRACE_D left behind by the failed load"
	kvmtune_expect_eq "insmod $p: error" \
		"insmod: ERROR: could not insert module $KVMTRACE_KO: ${errtext[$want]}" "$err"
	kvmtune_dmesg_step "$kvmtune_step_cur"
	kvmtune_expect_eq "insmod $p: kernel log" "$msg" "$(kvmtrace_msgs)"
}

# the one load message, and memory_bytes recorded for check_memory
declare -A mem=()
load() {
	local p

	kvmtune_step "insmod $*"
	insmod "$KVMTRACE_KO" "$@" || kvmtune_fail "insmod $*"
	kvmtune_dmesg_step "$kvmtune_step_cur"
	mem[$(kvmtrace_summary max_vms),$(kvmtrace_summary max_vcpus)]=$(kvmtrace_summary memory_bytes)
	# the load message, after the clock kvmtrace uses (when it is not
	# the TSC)
	kvmtune_expect_eq "load message" \
		"kvmtrace: tracing up to $(kvmtrace_summary max_vms) VMs, $(kvmtrace_summary max_vcpus) vCPUs ($(($(kvmtrace_summary memory_bytes) >> 10)) KiB)" \
		"$(kvmtrace_msgs | grep -v '^kvmtrace: clock: ')"
	for p in "$@"; do
		kvmtune_expect_eq "summary ${p%%=*}" "${p#*=}" "$(kvmtrace_summary "${p%%=*}")"
	done
}

unload() {
	rmmod kvmtrace || kvmtune_fail "rmmod kvmtrace ($kvmtune_step_cur)"
	kvmtune_dmesg_step "$kvmtune_step_cur, rmmod"
}

# vcpu_dirs: the vCPU directories kvmtrace has, "VM/vcpuN" sorted
vcpu_dirs() {
	local d

	for d in "$KVMTRACE_D"/vms/*/vcpu*; do
		[ -d "$d" ] && echo "${d#"$KVMTRACE_D"/vms/}"
	done
}

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
# traced N: N vCPU directories exist (and the summary agrees)
traced() {
	local d n=0

	for d in "$KVMTRACE_D"/vms/*/vcpu*; do
		[ -d "$d" ] && n=$((n + 1))
	done
	[ "$n" -eq "$1" ] && [ "$(kvmtrace_summary vcpus)" = "$1" ]
}

# shellcheck disable=SC2317 # called through kvmtune_poll_deadline
# kvm_stat_at_least VM STAT N: KVM's STAT of VM is at least N
kvm_stat_at_least() {
	[ "$(kvmtrace_kvm_stat "$1" "$2")" -ge "$3" ]
}

# shellcheck disable=SC2317 # called through kvmtune_poll_deadline
# all_exits_above N VM...: every vCPU of the VMs has more than N exits
all_exits_above() {
	local n=$1 vm d

	shift
	for vm in "$@"; do
		for d in "$KVMTRACE_D/vms/$vm"/vcpu*; do
			[ "$(kvmtrace_exits "$d/exits")" -gt "$n" ] || return 1
		done
	done
}

# growing KEY: summary KEY grows over 0.5 s; sets $grown to the later value
growing() {
	local a

	a=$(kvmtrace_summary "$1")
	kvmtune_sleep 0.5
	grown=$(kvmtrace_summary "$1")
	[ "$grown" -gt "$a" ] || kvmtune_fail "$1 does not grow ($a -> $grown) with $kvmtune_step_cur"
}

# counting VM: the VM's exits grow (all of its vCPUs)
counting() {
	local d a b

	for d in "$KVMTRACE_D/vms/$1"/vcpu*; do
		a=$(kvmtrace_val "$d/stats" exits)
		kvmtune_poll_tries 5 kvmtrace_above "$d/stats" exits "$a" ||
			kvmtune_fail "$d not counting with $kvmtune_step_cur"
		b=$(kvmtrace_val "$d/stats" exits)
		echo "ok: ${d#"$KVMTRACE_D"/vms/} counting ($a -> $b exits)"
	done
}

# ---- the VMs, running during every load ---------------------------------
kvmtune_step "start VMs"
echo "${KVMTRACE_TRACE_KB:-16384}" >"$KVMTRACE_T/buffer_size_kb"
# Both idle most of the time (timer-woken HLTs), or the proving ground's
# two CPUs would have no time left for the test itself.
kvmtrace_vm_start a -i --hlt 10 --hlt-ns 5000000 --pio 2 --cpuid 2
kvmtrace_vm_start b -v 2 -i --hlt 1 --hlt-ns 20000000 --pio 2 --mmio 2 --cpuid 2
a=$(kvmtrace_vm a)
b=$(kvmtrace_vm b)
echo "VM a $a (1 vCPU), VM b $b (2 vCPUs)"

# ---- refused values -------------------------------------------------------
refuse max_vms=0 EINVAL "kvmtrace: max_vms=0 is out of range 1-4096"
refuse max_vms=4097 EINVAL "kvmtrace: max_vms=4097 is out of range 1-4096"
refuse max_vcpus=0 EINVAL "kvmtrace: max_vcpus=0 is out of range 1-16384"
refuse max_vcpus=16385 EINVAL "kvmtrace: max_vcpus=16385 is out of range 1-16384"
refuse slow_ns=18446744073709551616 ERANGE \
	"kvmtrace: \`18446744073709551616' invalid for parameter \`slow_ns'"
refuse max_vms=4294967296 ERANGE \
	"kvmtrace: \`4294967296' invalid for parameter \`max_vms'"
for p in max_vms=abc max_vcpus=-1 max_vcpus= slow_ns=1.5; do
	refuse "$p" EINVAL \
		"kvmtrace: \`${p#*=}' invalid for parameter \`${p%%=*}'"
done

# ---- max_vms ----------------------------------------------------------------
load max_vms=1
kvmtune_poll_tries 10 kvmtrace_summary_is vms 1 || kvmtune_fail "no VM traced"
vm=$(ls "$KVMTRACE_D/vms")
case $vm in
"$a") n=1 other=$b ;;
"$b") n=2 other=$a ;;
*) kvmtune_fail "traced VM '$vm' is neither a ($a) nor b ($b)" ;;
esac
kvmtune_poll_tries 10 traced "$n" || kvmtune_fail "VM $vm: not all $n vCPUs traced: $(vcpu_dirs)"
growing dropped_vm_full
echo "ok: VM $vm traced, $other dropped ($grown events)"
kvmtune_expect_eq "vms" 1 "$(kvmtrace_summary vms)"
kvmtune_expect_eq "dropped_vcpu_full" 0 "$(kvmtrace_summary dropped_vcpu_full)"
[ -e "$KVMTRACE_D/vms/$other" ] && kvmtune_fail "untraced VM $other has a directory"
counting "$vm"
unload

load max_vms=4096
kvmtune_poll_tries 10 traced 3 || kvmtune_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
kvmtune_expect_eq "vCPU directories" "$(printf '%s\n' "$a/vcpu0" "$b/vcpu0" "$b/vcpu1" | sort)" \
	"$(vcpu_dirs | sort)"
kvmtune_expect_eq "vms" 2 "$(kvmtrace_summary vms)"
counting "$a"
counting "$b"
kvmtune_expect_eq "dropped_vm_full" 0 "$(kvmtrace_summary dropped_vm_full)"
kvmtune_expect_eq "dropped_vcpu_full" 0 "$(kvmtrace_summary dropped_vcpu_full)"
unload

# ---- max_vcpus ----------------------------------------------------------------
# VM b stopped while the pool's only slot is taken: the slot is a's.
kvmtrace_vm_stop b
load max_vcpus=1
kvmtune_poll_tries 10 traced 1 || kvmtune_fail "no vCPU traced"
kvmtune_expect_eq "traced vCPU" "$a/vcpu0" "$(vcpu_dirs)"
kvmtrace_vm_cont b
# wakeups: piw + other = the change of KVM's halt_wakeup, exactly, counted
# between two stops of VM a (a halt ends when its vCPU thread is stopped)
wakeups() {
	echo $(($(kvmtrace_val "$KVMTRACE_D/vms/$a/vcpu0/wakeups" piw) +
		$(kvmtrace_val "$KVMTRACE_D/vms/$a/vcpu0/wakeups" other)))
}
kvmtrace_vm_stop a
w0=$(wakeups)
k0=$(kvmtrace_kvm_stat a halt_wakeup)
h0=$(kvmtrace_val "$KVMTRACE_D/vms/$a/vcpu0/hlt" halts)
kvmtrace_vm_cont a
growing dropped_vcpu_full
# at least 100 wakeups, however slowly a loaded host runs the guest
kvmtune_poll_deadline 60 kvm_stat_at_least a halt_wakeup $((k0 + 100)) ||
	kvmtune_fail "fewer than 100 wakeups of VM a in 60 s"
kvmtrace_vm_stop a
w1=$(wakeups)
k1=$(kvmtrace_kvm_stat a halt_wakeup)
h1=$(kvmtrace_val "$KVMTRACE_D/vms/$a/vcpu0/hlt" halts)
kvmtrace_vm_cont a
kvmtune_expect_eq "VM a's wakeups (KVM's halt_wakeup $k0 -> $k1)" $((k1 - k0)) $((w1 - w0))
[ "$h1" -gt "$h0" ] || kvmtune_fail "VM a's halts not counted: $h0 -> $h1"
echo "ok: VM a: halts $h0 -> $h1"
echo "ok: VM b's vCPUs dropped ($grown events)"
kvmtune_expect_eq "vcpus" 1 "$(kvmtrace_summary vcpus)"
kvmtune_expect_eq "vms" 1 "$(kvmtrace_summary vms)"
kvmtune_expect_eq "dropped_vm_full" 0 "$(kvmtrace_summary dropped_vm_full)"
[ -e "$KVMTRACE_D/vms/$b" ] && kvmtune_fail "VM b has a directory without a vCPU slot"
unload

load max_vcpus=16384
kvmtune_poll_tries 10 traced 3 || kvmtune_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
counting "$a"
counting "$b"
kvmtune_expect_eq "dropped_vcpu_full" 0 "$(kvmtrace_summary dropped_vcpu_full)"
m=$(kvmtrace_summary memory_bytes)
# "max_vcpus=16384 takes 240 MiB"
if [ "$m" -lt $((235 << 20)) ] || [ "$m" -gt $((245 << 20)) ]; then
	kvmtune_fail "memory_bytes $m with max_vcpus=16384, not about 240 MiB"
fi
echo "ok: max_vcpus=16384 takes $((m >> 20)) MiB ($m bytes)"
unload

# ---- slow_ns ----------------------------------------------------------------
# no_events VALUE: loaded with slow_ns=VALUE, the VMs run for a second
# without a single slow-exit event, and nothing is counted as slow
no_events() {
	local d

	load slow_ns="$1"
	kvmtune_expect_eq "control slow_ns" "$1" "$(kvmtrace_val "$KVMTRACE_D/control" slow_ns)"
	kvmtune_poll_tries 10 traced 3 || kvmtune_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
	kvmtrace_trace_start
	counting "$a"
	counting "$b"
	kvmtune_sleep 1
	kvmtrace_trace_stop "$KVMTRACE_OUT/events"
	kvmtune_expect_eq "slow-exit events with slow_ns=$1" 0 "$(wc -l <"$KVMTRACE_OUT/events")"
	for d in "$KVMTRACE_D/vms/$a" "$KVMTRACE_D/vms/$b"; do
		kvmtune_expect_eq "${d##*/} slow" 0 "$(kvmtrace_val "$d/stats" slow)"
		kvmtune_expect_eq "${d##*/} user_slow" 0 "$(kvmtrace_val "$d/stats" user_slow)"
	done
	unload
}

no_events 0
no_events "$U64_MAX"

# hist_sum FILE [PREFIX]: the counts of a latency file (or of its PREFIX
# histogram lines, for hlt): the last field of every line
hist_sum() {
	awk -v p="$2" 'p == "" || $1 == p { n += $NF } END { print n + 0 }' "$1"
}

# zero_spans FILE: the counts of a latency file's first bucket (0-1 ns)
zero_spans() {
	awk '$(NF - 1) == 0 { n += $NF } END { print n + 0 }' "$1"
}

# shellcheck disable=SC2317 # called through kvmtune_poll_tries
# all_exits_above N VM...: every vCPU of the VMs has more than N exits
all_exits_above() {
	local n=$1 vm d

	shift
	for vm in "$@"; do
		for d in "$KVMTRACE_D/vms/$vm"/vcpu*; do
			[ "$(kvmtrace_exits "$d/exits")" -gt "$n" ] || return 1
		done
	done
}

load slow_ns=1
kvmtune_expect_eq "control slow_ns" 1 "$(kvmtrace_val "$KVMTRACE_D/control" slow_ns)"
kvmtune_poll_tries 10 traced 3 || kvmtune_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
# Count from a clean start: disabled, the event on, counters zeroed, then
# enabled; exits in progress at that point are dropped (not measured).
kvmtrace_ctl disable || kvmtune_fail "disable"
kvmtrace_trace_start
kvmtrace_ctl reset || kvmtune_fail "reset"
kvmtrace_ctl enable || kvmtune_fail "enable"
# every vCPU past 100 exits, however slowly a loaded host runs the guests
kvmtune_poll_deadline 60 all_exits_above 100 "$a" "$b" ||
	kvmtune_fail "not every vCPU of $a $b passed 100 exits in 60 s"
kvmtrace_vm_stop a
kvmtrace_vm_stop b
kvmtrace_trace_stop "$KVMTRACE_OUT/events"
for vm in "$a" "$b"; do
	for d in "$KVMTRACE_D/vms/$vm"/vcpu*; do
		id=${d##*/vcpu}
		exits=$(kvmtrace_exits "$d/exits")
		hlt=$(kvmtrace_val "$d/hlt" exits)
		# each stopped vCPU has exactly one exit in progress: an HLT if
		# its HLT histogram misses one, else another
		open_hlt=$((hlt - $(hist_sum "$d/hlt" exit_hist)))
		open=$((1 - open_hlt))
		# A span the clock saw run backwards counts as 0 ns, below
		# slow_ns=1: those are in bucket 0 (0-1 ns; no exit takes 1 ns).
		zk=$(zero_spans "$d/latency")
		zu=$(zero_spans "$d/user_latency")
		ev=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id " "$KVMTRACE_OUT/events")
		evk=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id .* in kernel$" "$KVMTRACE_OUT/events")
		evh=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id reason HLT " "$KVMTRACE_OUT/events")
		# every count at once, so that a failure below shows which side
		# is short: the events, or the exits kvmtrace closed
		echo "$vm/vcpu$id: $exits exits, $hlt HLT ($open_hlt open), $ev events ($evk in kernel), $zk + $zu of 0 ns;" \
			"stats slow $(kvmtrace_val "$d/stats" slow) user_slow $(kvmtrace_val "$d/stats" user_slow);" \
			"latency counts $(hist_sum "$d/latency") + $(hist_sum "$d/user_latency")"
		[ "$exits" -gt 100 ] || kvmtune_fail "$vm/vcpu$id: only $exits exits"
		kvmtune_expect_eq "$vm/vcpu$id HLT events" 0 "$evh"
		kvmtune_expect_eq "$vm/vcpu$id events = non-HLT exits - $open in progress - $((zk + zu)) of 0 ns" \
			$((exits - hlt - open - zk - zu)) "$ev"
		kvmtune_expect_eq "$vm/vcpu$id slow = events in kernel" "$evk" "$(kvmtrace_val "$d/stats" slow)"
		kvmtune_expect_eq "$vm/vcpu$id user_slow = events in user" \
			$((ev - evk)) "$(kvmtrace_val "$d/stats" user_slow)"
		kvmtune_expect_eq "$vm/vcpu$id slow = latency counts - 0 ns" \
			$(($(hist_sum "$d/latency") - zk)) "$(kvmtrace_val "$d/stats" slow)"
		kvmtune_expect_eq "$vm/vcpu$id user_slow = user_latency counts - 0 ns" \
			$(($(hist_sum "$d/user_latency") - zu)) "$(kvmtrace_val "$d/stats" user_slow)"
	done
done
kvmtrace_vm_cont a
kvmtrace_vm_cont b
unload

# ---- memory_bytes --------------------------------------------------------------
# Every load's memory_bytes is max_vms VM slots and max_vcpus vCPU slots of
# fixed sizes, plus the three hash tables (vCPUs by struct kvm_vcpu and by
# thread, VMs by struct kvm) of pointers, each with the smallest power of
# two >= 2 x its entries (and >= 2) of buckets.  The slot sizes come from
# two loads; every other load must then match exactly, and the sizes must be
# the documented "about 15 KiB per vCPU slot plus a few hundred bytes per VM
# slot".
buckets() {
	local b=2

	while [ "$b" -lt $((2 * $1)) ]; do b=$((b * 2)); done
	echo "$b"
}

hashes() { echo $((8 * (2 * $(buckets "$2") + $(buckets "$1")))); }

kvmtune_step "memory_bytes"
m1=$((${mem[64,1]} - $(hashes 64 1)))
m2=$((${mem[64,16384]} - $(hashes 64 16384)))
vcpu_slot=$(((m2 - m1) / 16383))
kvmtune_expect_eq "vCPU slot size divides" 0 $(((m2 - m1) % 16383))
vm_slot=$(((m1 - vcpu_slot) / 64))
kvmtune_expect_eq "VM slot size divides" 0 $(((m1 - vcpu_slot) % 64))
echo "slots: vCPU $vcpu_slot bytes, VM $vm_slot bytes"
if [ "$vcpu_slot" -lt $((14 << 10)) ] || [ "$vcpu_slot" -gt $((16 << 10)) ]; then
	kvmtune_fail "vCPU slot $vcpu_slot bytes, not about 15 KiB"
fi
if [ "$vm_slot" -lt 100 ] || [ "$vm_slot" -gt 1024 ]; then
	kvmtune_fail "VM slot $vm_slot bytes, not a few hundred"
fi
for k in "${!mem[@]}"; do
	v=${k%,*} c=${k#*,}
	kvmtune_expect_eq "memory_bytes max_vms=$v max_vcpus=$c" \
		$((v * vm_slot + c * vcpu_slot + $(hashes "$v" "$c"))) "${mem[$k]}"
done
kvmtune_step "end"
kvmtune_dmesg_step "$kvmtune_step_cur"
echo "kvmtrace/params: all checks passed"
exit 0
