#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The slow-exit tracepoint kvmtrace:kvmtrace_slow_exit
# (Documentation/kvmtrace.rst, "Tracepoint"), with the event enabled before
# each VM exists, so that every exit of the VM is seen:
#  - its format file has the documented fields and types;
#  - the load parameter slow_ns=T sets the initial threshold: it reads back
#    in control and summary, and is obeyed by a running VM (in-kernel
#    irqchip, 300 us timer HLTs, PIO and MMIO to userspace, CPUID, x2APIC
#    MSRs): every event lasts >= T, events = stats slow + user_slow of the
#    VM and of each vCPU ("in kernel" = slow, "in user" = user_slow), and
#    since T is a power of two, so a histogram bucket is either all below
#    or all above it, slow = the latency counts of the buckets >= T and
#    user_slow the same for user_latency, exactly;
#  - HLT exits are never reported, although each lasts about 300 us > T;
#  - "slow_ns 0" silences it: no event while the VM runs, slow and
#    user_slow frozen; "slow_ns T" through control brings events back;
#  - slow_ns=1 and a VM of two vCPUs without irqchip doing a known number
#    of rounds (vmloop hold: PIO, MMIO, CPUID, HLT), kept after them: per
#    vCPU exactly its CPUIDs as events in kernel, its PIO (the last one in
#    progress) and MMIO stores as IOIO and NPF events in user, no HLT event
#    for its HLT exits, in kernel only NPF (first touch) and INTR (host
#    interrupts) besides; the events of each reason equal its latency and
#    user_latency counts but for bucket 0 (spans the clock saw run
#    backwards count as 0 ns, normally none), and slow and user_slow; every
#    event names the VM, its pid and vCPU, reason names match codes (SVM),
#    and isa is 2 (an event filter "isa == 2" drops anything else, which
#    the exact counts would notice).

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kt_lib.sh
. "$KVMTUNE_REPO/selftests/kvmtrace/kt_lib.sh"

trap kt_cleanup EXIT

[ -c /dev/kvm ] || kt_skip "/dev/kvm"
[ -f "$KT_KO" ] || kt_fail "$KT_KO missing (make kmod-line)"
[ -x "$KT_VMLOAD" ] || kt_fail "$KT_VMLOAD missing (make selftests)"
VMLOOP=$KVMTUNE_BUILD/selftests/loadgen/vmloop
[ -x "$VMLOOP" ] || kt_fail "$VMLOOP missing (make selftests)"
kt_loaded kvmtrace && rmmod kvmtrace

T=32768		# 2^15 ns

# hist_from FILE LO [PREFIX]: counts of FILE's histogram lines with lo_ns >= LO
hist_from() {
	awk -v lo="$2" -v p="$3" '(p == "" || $1 == p) && $(NF - 1) >= lo { n += $NF }
		END { print n + 0 }' "$1"
}

# ev_summary VM MIN_NS EVENTS: one line "VCPU NAME CODE WHERE COUNT" per
# kind of event of VM; "BAD <event>" for an event that is not in the
# documented format, names another pid, or lasted less than MIN_NS
ev_summary() {
	awk -v vm="$1" -v min="$2" '
	$2 != vm { next }
	NF != 13 || $1 != "vm" || $3 != "pid" || $4 != substr(vm, 1, index(vm, "-") - 1) ||
	$5 != "vcpu" || $6 !~ /^[0-9]+$/ || $7 != "reason" || $9 !~ /^0x[0-9a-f]+$/ ||
	$10 != "duration_ns" || $11 !~ /^[0-9]+$/ || $12 != "in" ||
	($13 != "kernel" && $13 != "user") || $11 + 0 < min + 0 {
		print "BAD " $0
		next
	}
	{ n[$6 " " $8 " " $9 " " $13]++ }
	END { for (k in n) print k, n[k] }' "$3" | sort
}

# ev_count SUMMARY VCPU NAME WHERE: events of that kind (0 if none)
ev_count() {
	awk -v v="$2" -v r="$3" -v w="$4" '$1 == v && $2 == r && $4 == w { n += $5 }
		END { print n + 0 }' "$1"
}

# ---- the format ------------------------------------------------------------
dmesg -C
kt_step "insmod slow_ns=$T, the format"
insmod "$KT_KO" slow_ns=$T || kt_fail "insmod slow_ns=$T"
[ -f "$KT_EV/format" ] || kt_fail "no tracepoint kvmtrace:kvmtrace_slow_exit"
for f in 'char vm\[[0-9]+\]' 'char reason_name\[[0-9]+\]' 'pid_t pid' 'int vcpu_id' \
	 'u32 isa' 'u32 reason' 'u64 duration_ns' 'bool user'; do
	grep -Eq "field:$f;" "$KT_EV/format" ||
		{ cat "$KT_EV/format"; kt_fail "format: no field '$f'"; }
done
echo "ok: format has the documented fields"

# ---- slow_ns=T from the load parameter ----------------------------------------
kt_step "slow_ns=$T obeyed"
kt_expect_eq "control slow_ns" $T "$(kt_val "$KT_D/control" slow_ns)"
kt_expect_eq "summary slow_ns" $T "$(kt_summary slow_ns)"
kt_trace_start
kt_vm_start a -v 2 -i --hlt 5 --hlt-ns 300000 --pio 10 --mmio 10 --cpuid 10
a=$(kt_vm a)
kt_wait_for 10 test -d "$KT_D/vms/$a/vcpu1" || kt_fail "VM $a not traced"
kt_sleep 2
kt_vm_stop a
kt_trace_stop "$KT_OUT/events"
ev_summary "$a" $T "$KT_OUT/events" >"$KT_OUT/sum"
cat "$KT_OUT/sum"
grep '^BAD' "$KT_OUT/sum" && kt_fail "events not in the format, or shorter than $T ns"
d=$KT_D/vms/$a
kt_expect_eq "events of other VMs" 0 "$(grep -vc "^vm $a " "$KT_OUT/events")"
total=0
for v in 0 1; do
	k=$(awk -v v=$v '$1 == v && $4 == "kernel" { n += $5 } END { print n + 0 }' "$KT_OUT/sum")
	u=$(awk -v v=$v '$1 == v && $4 == "user" { n += $5 } END { print n + 0 }' "$KT_OUT/sum")
	s=$d/vcpu$v
	kt_expect_eq "vcpu$v slow = events in kernel" "$k" "$(kt_val "$s/stats" slow)"
	kt_expect_eq "vcpu$v user_slow = events in user" "$u" "$(kt_val "$s/stats" user_slow)"
	kt_expect_eq "vcpu$v slow = latency counts >= $T ns" \
		"$(hist_from "$s/latency" $T)" "$k"
	kt_expect_eq "vcpu$v user_slow = user_latency counts >= $T ns" \
		"$(hist_from "$s/user_latency" $T)" "$u"
	kt_expect_eq "vcpu$v HLT events" 0 "$(ev_count "$KT_OUT/sum" $v HLT kernel)"
	long=$(hist_from "$s/hlt" $T exit_hist)
	[ "$long" -gt 0 ] || kt_fail "vcpu$v: no HLT exit of $T ns or more"
	fast=$(hist_from "$s/latency" 0)
	[ "$fast" -gt "$k" ] || kt_fail "vcpu$v: all $fast exits in kernel slow: T discriminates nothing"
	echo "ok: vcpu$v: $k of $fast exits in kernel and $u in user slow; $long HLT exits >= $T ns, none reported"
	total=$((total + k + u))
done
kt_expect_eq "VM slow + user_slow = its events" $total \
	$(($(kt_val "$d/stats" slow) + $(kt_val "$d/stats" user_slow)))
[ "$total" -gt 0 ] || kt_fail "no slow exit at all"

# ---- slow_ns 0 silences it; slow_ns T through control --------------------------------
kt_step "slow_ns 0, then slow_ns $T"
kt_ctl 'slow_ns 0' || kt_fail "slow_ns 0 rejected"
kt_expect_eq "summary slow_ns" 0 "$(kt_summary slow_ns)"
s0=$(kt_val "$d/stats" slow)
u0=$(kt_val "$d/stats" user_slow)
e0=$(kt_val "$d/stats" exits)
kt_trace_start
kt_vm_cont a
kt_sleep 1
kt_vm_stop a
kt_trace_stop "$KT_OUT/events"
e1=$(kt_val "$d/stats" exits)
[ "$e1" -gt "$e0" ] || kt_fail "VM $a did not run: exits $e0 -> $e1"
kt_expect_eq "events with slow_ns 0 ($((e1 - e0)) exits)" 0 "$(wc -l <"$KT_OUT/events")"
kt_expect_eq "slow with slow_ns 0" "$s0" "$(kt_val "$d/stats" slow)"
kt_expect_eq "user_slow with slow_ns 0" "$u0" "$(kt_val "$d/stats" user_slow)"

kt_ctl "slow_ns $T" || kt_fail "slow_ns $T rejected"
kt_trace_start
kt_vm_cont a
kt_sleep 1
kt_vm_stop a
kt_trace_stop "$KT_OUT/events"
n=$(grep -c "^vm $a " "$KT_OUT/events")
[ "$n" -gt 0 ] || kt_fail "no events after slow_ns $T"
kt_expect_eq "events since slow_ns $T = slow + user_slow since" "$n" \
	$(($(kt_val "$d/stats" slow) + $(kt_val "$d/stats" user_slow) - s0 - u0))
kt_vm_end a

# ---- slow_ns=1, exactly known exits --------------------------------------------
kt_step "slow_ns 1, known exits"
R=3
kt_ctl 'slow_ns 1' || kt_fail "slow_ns 1 rejected"
KT_FILTER="isa == 2" kt_trace_start
# R exactly checked rounds of a known workload on each vCPU, then the VM
# stays, its vCPUs out of KVM_RUN
"$VMLOOP" hold $R >"$KT_OUT/c.out" 2>&1 &
hold=$!
# shellcheck disable=SC2317 # called through kt_wait_for
held() { grep -q '^held ' "$KT_OUT/c.out"; }
kt_wait_for 60 held || { cat "$KT_OUT/c.out"; kt_fail "vmloop hold $R did not finish its rounds"; }
kt_trace_stop "$KT_OUT/events"
c=$(kt_val "$KT_OUT/c.out" vm)
ev_summary "$c" 1 "$KT_OUT/events" >"$KT_OUT/sum"
cat "$KT_OUT/sum"
grep '^BAD' "$KT_OUT/sum" && kt_fail "events not in the format"
# every name belongs to its code (SVM_EXIT_*), and only these occur
while read -r v name code where cnt; do
	case $name:$code in
	CPUID:0x72 | IOIO:0x7b | NPF:0x400 | INTR:0x60) ;;
	*) kt_fail "vcpu$v: $cnt unexpected events $name $code in $where" ;;
	esac
	case $where:$name in
	kernel:CPUID | kernel:NPF | kernel:INTR | user:IOIO | user:NPF) ;;
	*) kt_fail "vcpu$v: $cnt events $name in $where" ;;
	esac
done <"$KT_OUT/sum"

# lat_summary VCPU FILE WHERE: "VCPU NAME CODE WHERE COUNT" from a latency
# file, without bucket 0 (0-1 ns: spans the clock saw run backwards count
# as 0 ns, below slow_ns=1; no exit takes 1 ns)
lat_summary() {
	awk -v v="$1" -v w="$3" '$(NF - 1) > 0 { n[$1 " " $2] += $NF }
		END { for (k in n) print v, k, w, n[k] }' "$2"
}

# zero_spans FILE [NAME]: the bucket-0 counts of a latency file (of NAME)
zero_spans() {
	awk -v r="$2" '(r == "" || $1 == r) && $(NF - 1) == 0 { n += $NF }
		END { print n + 0 }' "$1"
}

for v in 0 1; do
	read -r _ _ _ N _ M _ J _ K < <(grep "^vcpu $v " "$KT_OUT/c.out")
	d=$KT_D/vms/$c/vcpu$v
	# the workload's exits, exactly (the last "out" to the done port
	# is the exit in progress)
	kt_expect_eq "vcpu$v CPUID exits" $((R * J)) "$(kt_exits "$d/exits" CPUID)"
	kt_expect_eq "vcpu$v IOIO exits" $((R * (N + 1))) "$(kt_exits "$d/exits" IOIO)"
	kt_expect_eq "vcpu$v HLT exits" $((R * K)) "$(kt_exits "$d/exits" HLT)"
	kt_expect_eq "vcpu$v npf mmio" $((R * M)) "$(kt_val "$d/npf" mmio)"
	# events: one per exit in the latency files but bucket 0
	{ lat_summary $v "$d/latency" kernel; lat_summary $v "$d/user_latency" user; } |
		sort >"$KT_OUT/lat"
	kt_expect_eq "vcpu$v events = exits in latency and user_latency" \
		"$(cat "$KT_OUT/lat")" "$(grep "^$v " "$KT_OUT/sum")"
	# ... and so one per exit of the workload
	kt_expect_eq "vcpu$v CPUID events in kernel (+ 0 ns)" $((R * J)) \
		$(($(ev_count "$KT_OUT/sum" $v CPUID kernel) + $(zero_spans "$d/latency" CPUID)))
	kt_expect_eq "vcpu$v IOIO events in user (+ 0 ns)" $((R * (N + 1) - 1)) \
		$(($(ev_count "$KT_OUT/sum" $v IOIO user) + $(zero_spans "$d/user_latency" IOIO)))
	kt_expect_eq "vcpu$v NPF events in user (+ 0 ns), the MMIO stores" $((R * M)) \
		$(($(ev_count "$KT_OUT/sum" $v NPF user) + $(zero_spans "$d/user_latency" NPF)))
	echo "vcpu$v: $(zero_spans "$d/latency") + $(zero_spans "$d/user_latency") exits of 0 ns"
	kt_expect_eq "vcpu$v slow" "$(awk '$4 == "kernel" { n += $5 } END { print n + 0 }' "$KT_OUT/lat")" \
		"$(kt_val "$d/stats" slow)"
	kt_expect_eq "vcpu$v user_slow" "$(awk '$4 == "user" { n += $5 } END { print n + 0 }' "$KT_OUT/lat")" \
		"$(kt_val "$d/stats" user_slow)"
	echo "ok: vcpu$v: no HLT event for its $((R * K)) HLT exits"
done
kill -TERM "$hold"
wait "$hold" || { cat "$KT_OUT/c.out"; kt_fail "vmloop hold failed"; }
kt_step end
echo "kvmtrace/slow: all checks passed"
exit 0
