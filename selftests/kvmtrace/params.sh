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

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kt_lib.sh
. "$KVMTUNE_REPO/selftests/kvmtrace/kt_lib.sh"

trap kt_cleanup EXIT

[ -c /dev/kvm ] || kt_skip "/dev/kvm"
[ -f "$KT_KO" ] || kt_fail "$KT_KO missing (make kmod-line)"
[ -x "$KT_VMLOAD" ] || kt_fail "$KT_VMLOAD missing (make selftests)"
kt_loaded kvmtrace && rmmod kvmtrace
dmesg -C

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

	kt_step "insmod $p (refused)"
	if insmod "$KT_KO" "$p" 2>"$KT_OUT/insmod"; then
		kt_fail "insmod $p succeeded"
	fi
	read -r err <"$KT_OUT/insmod"
	kt_loaded kvmtrace && kt_fail "kvmtrace loaded with $p"
	[ -e "$KT_D" ] && kt_fail "$KT_D left behind by the failed load"
	kt_expect_eq "insmod $p: error" \
		"insmod: ERROR: could not insert module $KT_KO: ${errtext[$want]}" "$err"
	kt_dmesg_step "$kt_step_cur"
	kt_expect_eq "insmod $p: kernel log" "$msg" "$(kt_msgs)"
}

# the one load message, and memory_bytes recorded for check_memory
declare -A mem=()
load() {
	local p

	kt_step "insmod $*"
	insmod "$KT_KO" "$@" || kt_fail "insmod $*"
	kt_dmesg_step "$kt_step_cur"
	mem[$(kt_summary max_vms),$(kt_summary max_vcpus)]=$(kt_summary memory_bytes)
	# the load message, after the clock kvmtrace uses (when it is not
	# the TSC)
	kt_expect_eq "load message" \
		"kvmtrace: tracing up to $(kt_summary max_vms) VMs, $(kt_summary max_vcpus) vCPUs ($(($(kt_summary memory_bytes) >> 10)) KiB)" \
		"$(kt_msgs | grep -v '^kvmtrace: clock: ')"
	for p in "$@"; do
		kt_expect_eq "summary ${p%%=*}" "${p#*=}" "$(kt_summary "${p%%=*}")"
	done
}

unload() {
	rmmod kvmtrace || kt_fail "rmmod kvmtrace ($kt_step_cur)"
	kt_dmesg_step "$kt_step_cur, rmmod"
}

# vcpu_dirs: the vCPU directories kvmtrace has, "VM/vcpuN" sorted
vcpu_dirs() {
	local d

	for d in "$KT_D"/vms/*/vcpu*; do
		[ -d "$d" ] && echo "${d#"$KT_D"/vms/}"
	done
}

# shellcheck disable=SC2317 # called through kt_wait_for
# traced N: N vCPU directories exist (and the summary agrees)
traced() {
	local d n=0

	for d in "$KT_D"/vms/*/vcpu*; do
		[ -d "$d" ] && n=$((n + 1))
	done
	[ "$n" -eq "$1" ] && [ "$(kt_summary vcpus)" = "$1" ]
}

# shellcheck disable=SC2317 # called through kt_wait_for
# kvm_stat_at_least VM STAT N: KVM's STAT of VM is at least N
kvm_stat_at_least() {
	[ "$(kt_kvm_stat "$1" "$2")" -ge "$3" ]
}

# shellcheck disable=SC2317 # called through kt_wait_for
# all_exits_above N VM...: every vCPU of the VMs has more than N exits
all_exits_above() {
	local n=$1 vm d

	shift
	for vm in "$@"; do
		for d in "$KT_D/vms/$vm"/vcpu*; do
			[ "$(kt_exits "$d/exits")" -gt "$n" ] || return 1
		done
	done
}

# growing KEY: summary KEY grows over 0.5 s; sets $grown to the later value
growing() {
	local a

	a=$(kt_summary "$1")
	kt_sleep 0.5
	grown=$(kt_summary "$1")
	[ "$grown" -gt "$a" ] || kt_fail "$1 does not grow ($a -> $grown) with $kt_step_cur"
}

# counting VM: the VM's exits grow (all of its vCPUs)
counting() {
	local d a b

	for d in "$KT_D/vms/$1"/vcpu*; do
		a=$(kt_val "$d/stats" exits)
		kt_wait_for 5 kt_above "$d/stats" exits "$a" ||
			kt_fail "$d not counting with $kt_step_cur"
		b=$(kt_val "$d/stats" exits)
		echo "ok: ${d#"$KT_D"/vms/} counting ($a -> $b exits)"
	done
}

# ---- the VMs, running during every load ---------------------------------
kt_step "start VMs"
echo "${KT_TRACE_KB:-16384}" >"$KT_T/buffer_size_kb"
# Both idle most of the time (timer-woken HLTs), or the proving ground's
# two CPUs would have no time left for the test itself.
kt_vm_start a -i --hlt 10 --hlt-ns 5000000 --pio 2 --cpuid 2
kt_vm_start b -v 2 -i --hlt 1 --hlt-ns 20000000 --pio 2 --mmio 2 --cpuid 2
a=$(kt_vm a)
b=$(kt_vm b)
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
kt_wait_for 10 test "$(kt_summary vms)" = 1 || kt_fail "no VM traced"
vm=$(ls "$KT_D/vms")
case $vm in
"$a") n=1 other=$b ;;
"$b") n=2 other=$a ;;
*) kt_fail "traced VM '$vm' is neither a ($a) nor b ($b)" ;;
esac
kt_wait_for 10 traced "$n" || kt_fail "VM $vm: not all $n vCPUs traced: $(vcpu_dirs)"
growing dropped_vm_full
echo "ok: VM $vm traced, $other dropped ($grown events)"
kt_expect_eq "vms" 1 "$(kt_summary vms)"
kt_expect_eq "dropped_vcpu_full" 0 "$(kt_summary dropped_vcpu_full)"
[ -e "$KT_D/vms/$other" ] && kt_fail "untraced VM $other has a directory"
counting "$vm"
unload

load max_vms=4096
kt_wait_for 10 traced 3 || kt_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
kt_expect_eq "vCPU directories" "$(printf '%s\n' "$a/vcpu0" "$b/vcpu0" "$b/vcpu1" | sort)" \
	"$(vcpu_dirs | sort)"
kt_expect_eq "vms" 2 "$(kt_summary vms)"
counting "$a"
counting "$b"
kt_expect_eq "dropped_vm_full" 0 "$(kt_summary dropped_vm_full)"
kt_expect_eq "dropped_vcpu_full" 0 "$(kt_summary dropped_vcpu_full)"
unload

# ---- max_vcpus ----------------------------------------------------------------
# VM b stopped while the pool's only slot is taken: the slot is a's.
kt_vm_stop b
load max_vcpus=1
kt_wait_for 10 traced 1 || kt_fail "no vCPU traced"
kt_expect_eq "traced vCPU" "$a/vcpu0" "$(vcpu_dirs)"
kt_vm_cont b
# wakeups: piw + other = the change of KVM's halt_wakeup, exactly, counted
# between two stops of VM a (a halt ends when its vCPU thread is stopped)
wakeups() {
	echo $(($(kt_val "$KT_D/vms/$a/vcpu0/wakeups" piw) +
		$(kt_val "$KT_D/vms/$a/vcpu0/wakeups" other)))
}
kt_vm_stop a
w0=$(wakeups)
k0=$(kt_kvm_stat a halt_wakeup)
h0=$(kt_val "$KT_D/vms/$a/vcpu0/hlt" halts)
kt_vm_cont a
growing dropped_vcpu_full
# at least 100 wakeups, however slowly a loaded host runs the guest
kt_wait_for 60 kvm_stat_at_least a halt_wakeup $((k0 + 100)) ||
	kt_fail "fewer than 100 wakeups of VM a in 60 s"
kt_vm_stop a
w1=$(wakeups)
k1=$(kt_kvm_stat a halt_wakeup)
h1=$(kt_val "$KT_D/vms/$a/vcpu0/hlt" halts)
kt_vm_cont a
kt_expect_eq "VM a's wakeups (KVM's halt_wakeup $k0 -> $k1)" $((k1 - k0)) $((w1 - w0))
[ "$h1" -gt "$h0" ] || kt_fail "VM a's halts not counted: $h0 -> $h1"
echo "ok: VM a: halts $h0 -> $h1"
echo "ok: VM b's vCPUs dropped ($grown events)"
kt_expect_eq "vcpus" 1 "$(kt_summary vcpus)"
kt_expect_eq "vms" 1 "$(kt_summary vms)"
kt_expect_eq "dropped_vm_full" 0 "$(kt_summary dropped_vm_full)"
[ -e "$KT_D/vms/$b" ] && kt_fail "VM b has a directory without a vCPU slot"
unload

load max_vcpus=16384
kt_wait_for 10 traced 3 || kt_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
counting "$a"
counting "$b"
kt_expect_eq "dropped_vcpu_full" 0 "$(kt_summary dropped_vcpu_full)"
m=$(kt_summary memory_bytes)
# "max_vcpus=16384 takes 240 MiB"
if [ "$m" -lt $((235 << 20)) ] || [ "$m" -gt $((245 << 20)) ]; then
	kt_fail "memory_bytes $m with max_vcpus=16384, not about 240 MiB"
fi
echo "ok: max_vcpus=16384 takes $((m >> 20)) MiB ($m bytes)"
unload

# ---- slow_ns ----------------------------------------------------------------
# no_events VALUE: loaded with slow_ns=VALUE, the VMs run for a second
# without a single slow-exit event, and nothing is counted as slow
no_events() {
	local d

	load slow_ns="$1"
	kt_expect_eq "control slow_ns" "$1" "$(kt_val "$KT_D/control" slow_ns)"
	kt_wait_for 10 traced 3 || kt_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
	kt_trace_start
	counting "$a"
	counting "$b"
	kt_sleep 1
	kt_trace_stop "$KT_OUT/events"
	kt_expect_eq "slow-exit events with slow_ns=$1" 0 "$(wc -l <"$KT_OUT/events")"
	for d in "$KT_D/vms/$a" "$KT_D/vms/$b"; do
		kt_expect_eq "${d##*/} slow" 0 "$(kt_val "$d/stats" slow)"
		kt_expect_eq "${d##*/} user_slow" 0 "$(kt_val "$d/stats" user_slow)"
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

load slow_ns=1
kt_expect_eq "control slow_ns" 1 "$(kt_val "$KT_D/control" slow_ns)"
kt_wait_for 10 traced 3 || kt_fail "not all 3 vCPUs traced: $(vcpu_dirs)"
# Count from a clean start: disabled, the event on, counters zeroed, then
# enabled; exits in progress at that point are dropped (not measured).
kt_ctl disable || kt_fail "disable"
kt_trace_start
kt_ctl reset || kt_fail "reset"
kt_ctl enable || kt_fail "enable"
# every vCPU past 100 exits, however slowly a loaded host runs the guests
kt_wait_for 60 all_exits_above 100 "$a" "$b" ||
	kt_fail "not every vCPU of $a $b passed 100 exits in 60 s"
kt_vm_stop a
kt_vm_stop b
kt_trace_stop "$KT_OUT/events"
for vm in "$a" "$b"; do
	for d in "$KT_D/vms/$vm"/vcpu*; do
		id=${d##*/vcpu}
		exits=$(kt_exits "$d/exits")
		hlt=$(kt_val "$d/hlt" exits)
		# each stopped vCPU has exactly one exit in progress: an HLT if
		# its HLT histogram misses one, else another
		open_hlt=$((hlt - $(hist_sum "$d/hlt" exit_hist)))
		open=$((1 - open_hlt))
		# A span the clock saw run backwards counts as 0 ns, below
		# slow_ns=1: those are in bucket 0 (0-1 ns; no exit takes 1 ns).
		zk=$(zero_spans "$d/latency")
		zu=$(zero_spans "$d/user_latency")
		ev=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id " "$KT_OUT/events")
		evk=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id .* in kernel$" "$KT_OUT/events")
		evh=$(grep -c "^vm $vm pid ${vm%-*} vcpu $id reason HLT " "$KT_OUT/events")
		echo "$vm/vcpu$id: $exits exits, $hlt HLT ($open_hlt open), $ev events ($evk in kernel), $zk + $zu of 0 ns"
		[ "$exits" -gt 100 ] || kt_fail "$vm/vcpu$id: only $exits exits"
		kt_expect_eq "$vm/vcpu$id HLT events" 0 "$evh"
		kt_expect_eq "$vm/vcpu$id events = non-HLT exits - $open in progress - $((zk + zu)) of 0 ns" \
			$((exits - hlt - open - zk - zu)) "$ev"
		kt_expect_eq "$vm/vcpu$id slow = events in kernel" "$evk" "$(kt_val "$d/stats" slow)"
		kt_expect_eq "$vm/vcpu$id user_slow = events in user" \
			$((ev - evk)) "$(kt_val "$d/stats" user_slow)"
		kt_expect_eq "$vm/vcpu$id slow = latency counts - 0 ns" \
			$(($(hist_sum "$d/latency") - zk)) "$(kt_val "$d/stats" slow)"
		kt_expect_eq "$vm/vcpu$id user_slow = user_latency counts - 0 ns" \
			$(($(hist_sum "$d/user_latency") - zu)) "$(kt_val "$d/stats" user_slow)"
	done
done
kt_vm_cont a
kt_vm_cont b
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

kt_step "memory_bytes"
m1=$((${mem[64,1]} - $(hashes 64 1)))
m2=$((${mem[64,16384]} - $(hashes 64 16384)))
vcpu_slot=$(((m2 - m1) / 16383))
kt_expect_eq "vCPU slot size divides" 0 $(((m2 - m1) % 16383))
vm_slot=$(((m1 - vcpu_slot) / 64))
kt_expect_eq "VM slot size divides" 0 $(((m1 - vcpu_slot) % 64))
echo "slots: vCPU $vcpu_slot bytes, VM $vm_slot bytes"
if [ "$vcpu_slot" -lt $((14 << 10)) ] || [ "$vcpu_slot" -gt $((16 << 10)) ]; then
	kt_fail "vCPU slot $vcpu_slot bytes, not about 15 KiB"
fi
if [ "$vm_slot" -lt 100 ] || [ "$vm_slot" -gt 1024 ]; then
	kt_fail "VM slot $vm_slot bytes, not a few hundred"
fi
for k in "${!mem[@]}"; do
	v=${k%,*} c=${k#*,}
	kt_expect_eq "memory_bytes max_vms=$v max_vcpus=$c" \
		$((v * vm_slot + c * vcpu_slot + $(hashes "$v" "$c"))) "${mem[$k]}"
done
kt_step "end"
kt_dmesg_step "$kt_step_cur"
echo "kvmtrace/params: all checks passed"
exit 0
