#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The slow-exit tracepoint kvmtrace:kvmtrace_slow_exit
# (Documentation/kvmtrace.rst, "Tracepoint"), with the event enabled before
# each VM exists, so that every exit of the VM is seen:
#  - its format file has the documented fields and types;
#  - the load parameter slow_ns=T sets the initial threshold: it reads back
#    in control and summary, and is obeyed by a running VM (in-kernel
#    irqchip, timer HLTs, PIO and MMIO to userspace, CPUID, x2APIC
#    MSRs): every event lasts >= T, events = stats slow + user_slow of the
#    VM and of each vCPU ("in kernel" = slow, "in user" = user_slow), and
#    since T is a power of two, so a histogram bucket is either all below
#    or all above it, slow = the latency counts of the buckets >= T and
#    user_slow the same for user_latency, exactly;
#  - HLT exits are never reported, although each lasts longer than T
#    (timer HLTs of 8 T, at least 300 us);
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

# shellcheck source=../lib/kvmtrace.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtrace.sh"

trap kvmtrace_cleanup EXIT

kvmtrace_test_init "$KVMTRACE_KO" "$KVMTUNE_VMLOAD" "$KVMTUNE_VMLOOP"


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

# ---- T --------------------------------------------------------------------
# T must split the in-kernel exits of the VM below: some faster, some
# slower. Under icount shift=auto guest time per instruction grows with
# the host's load, and a fixed 32 us was once slower than every exit. So
# T is the power of two that ends the bucket of the median in-kernel exit
# of a calibration run of the same VM: at least half its exits are faster.
# Timer HLTs last 8 T (at least 300 us), so that they are all slower.
kvmtune_step "calibrate T"
insmod "$KVMTRACE_KO" || kvmtune_fail "insmod"
kvmtrace_vm_start cal -v 2 -i --hlt 5 --hlt-ns 300000 --pio 10 --mmio 10 --cpuid 10
cal=$(kvmtrace_vm cal)
kvmtune_poll_tries 10 test -d "$KVMTRACE_D/vms/$cal/vcpu1" || kvmtune_fail "VM $cal not traced"
kvmtune_sleep 1
kvmtrace_vm_stop cal
T=$(awk '{ n[$(NF - 1) + 0] += $NF; all += $NF }
	END {
		# the buckets start at 0 and at powers of two
		for (lo = 0; all && lo <= 2 ^ 40; lo = lo ? 2 * lo : 1) {
			sum += n[lo]
			if (2 * sum >= all) { print (lo ? 2 * lo : 2); exit }
		}
	}' "$KVMTRACE_D/vms/$cal/latency")
kvmtrace_vm_end cal
rmmod kvmtrace || kvmtune_fail "rmmod"
[[ $T =~ ^[0-9]+$ ]] || kvmtune_fail "no in-kernel exit to calibrate T with"
hlt_ns=$((8 * T > 300000 ? 8 * T : 300000))
echo "T = $T ns (median in-kernel exit below it), timer HLTs of $hlt_ns ns"

# ---- the format ------------------------------------------------------------
kvmtune_step "insmod slow_ns=$T, the format"
insmod "$KVMTRACE_KO" slow_ns="$T" || kvmtune_fail "insmod slow_ns=$T"
[ -f "$KVMTRACE_EV/format" ] || kvmtune_fail "no tracepoint kvmtrace:kvmtrace_slow_exit"
for f in 'char vm\[[0-9]+\]' 'char reason_name\[[0-9]+\]' 'pid_t pid' 'int vcpu_id' \
	 'u32 isa' 'u32 reason' 'u64 duration_ns' 'bool user'; do
	grep -Eq "field:$f;" "$KVMTRACE_EV/format" ||
		{ cat "$KVMTRACE_EV/format"; kvmtune_fail "format: no field '$f'"; }
done
echo "ok: format has the documented fields"

# ---- slow_ns=T from the load parameter ----------------------------------------
kvmtune_step "slow_ns=$T obeyed"
kvmtune_expect_eq "control slow_ns" "$T" "$(kvmtrace_val "$KVMTRACE_D/control" slow_ns)"
kvmtune_expect_eq "summary slow_ns" "$T" "$(kvmtrace_summary slow_ns)"
kvmtrace_trace_start
kvmtrace_vm_start a -v 2 -i --hlt 5 --hlt-ns "$hlt_ns" --pio 10 --mmio 10 --cpuid 10
a=$(kvmtrace_vm a)
kvmtune_poll_tries 10 test -d "$KVMTRACE_D/vms/$a/vcpu1" || kvmtune_fail "VM $a not traced"
kvmtune_sleep 2
kvmtrace_vm_stop a
kvmtrace_trace_stop "$KVMTRACE_OUT/events"
ev_summary "$a" "$T" "$KVMTRACE_OUT/events" >"$KVMTRACE_OUT/sum"
cat "$KVMTRACE_OUT/sum"
grep '^BAD' "$KVMTRACE_OUT/sum" && kvmtune_fail "events not in the format, or shorter than $T ns"
d=$KVMTRACE_D/vms/$a
kvmtune_expect_eq "events of other VMs" 0 "$(grep -vc "^vm $a " "$KVMTRACE_OUT/events")"
total=0
for v in 0 1; do
	k=$(awk -v v=$v '$1 == v && $4 == "kernel" { n += $5 } END { print n + 0 }' "$KVMTRACE_OUT/sum")
	u=$(awk -v v=$v '$1 == v && $4 == "user" { n += $5 } END { print n + 0 }' "$KVMTRACE_OUT/sum")
	s=$d/vcpu$v
	kvmtune_expect_eq "vcpu$v slow = events in kernel" "$k" "$(kvmtrace_val "$s/stats" slow)"
	kvmtune_expect_eq "vcpu$v user_slow = events in user" "$u" "$(kvmtrace_val "$s/stats" user_slow)"
	kvmtune_expect_eq "vcpu$v slow = latency counts >= $T ns" \
		"$(hist_from "$s/latency" "$T")" "$k"
	kvmtune_expect_eq "vcpu$v user_slow = user_latency counts >= $T ns" \
		"$(hist_from "$s/user_latency" "$T")" "$u"
	kvmtune_expect_eq "vcpu$v HLT events" 0 "$(ev_count "$KVMTRACE_OUT/sum" $v HLT kernel)"
	long=$(hist_from "$s/hlt" "$T" exit_hist)
	[ "$long" -gt 0 ] || kvmtune_fail "vcpu$v: no HLT exit of $T ns or more"
	fast=$(hist_from "$s/latency" 0)
	[ "$fast" -gt "$k" ] || kvmtune_fail "vcpu$v: all $fast exits in kernel slow: T discriminates nothing"
	echo "ok: vcpu$v: $k of $fast exits in kernel and $u in user slow; $long HLT exits >= $T ns, none reported"
	total=$((total + k + u))
done
kvmtune_expect_eq "VM slow + user_slow = its events" $total \
	$(($(kvmtrace_val "$d/stats" slow) + $(kvmtrace_val "$d/stats" user_slow)))
[ "$total" -gt 0 ] || kvmtune_fail "no slow exit at all"

# ---- slow_ns 0 silences it; slow_ns T through control --------------------------------
kvmtune_step "slow_ns 0, then slow_ns $T"
kvmtrace_ctl 'slow_ns 0' || kvmtune_fail "slow_ns 0 rejected"
kvmtune_expect_eq "summary slow_ns" 0 "$(kvmtrace_summary slow_ns)"
s0=$(kvmtrace_val "$d/stats" slow)
u0=$(kvmtrace_val "$d/stats" user_slow)
e0=$(kvmtrace_val "$d/stats" exits)
kvmtrace_trace_start
kvmtrace_vm_cont a
kvmtune_sleep 1
kvmtrace_vm_stop a
kvmtrace_trace_stop "$KVMTRACE_OUT/events"
e1=$(kvmtrace_val "$d/stats" exits)
[ "$e1" -gt "$e0" ] || kvmtune_fail "VM $a did not run: exits $e0 -> $e1"
kvmtune_expect_eq "events with slow_ns 0 ($((e1 - e0)) exits)" 0 "$(wc -l <"$KVMTRACE_OUT/events")"
kvmtune_expect_eq "slow with slow_ns 0" "$s0" "$(kvmtrace_val "$d/stats" slow)"
kvmtune_expect_eq "user_slow with slow_ns 0" "$u0" "$(kvmtrace_val "$d/stats" user_slow)"

kvmtrace_ctl "slow_ns $T" || kvmtune_fail "slow_ns $T rejected"
kvmtrace_trace_start
kvmtrace_vm_cont a
kvmtune_sleep 1
kvmtrace_vm_stop a
kvmtrace_trace_stop "$KVMTRACE_OUT/events"
n=$(grep -c "^vm $a " "$KVMTRACE_OUT/events")
[ "$n" -gt 0 ] || kvmtune_fail "no events after slow_ns $T"
kvmtune_expect_eq "events since slow_ns $T = slow + user_slow since" "$n" \
	$(($(kvmtrace_val "$d/stats" slow) + $(kvmtrace_val "$d/stats" user_slow) - s0 - u0))
kvmtrace_vm_end a

# ---- slow_ns=1, exactly known exits --------------------------------------------
kvmtune_step "slow_ns 1, known exits"
R=3
kvmtrace_ctl 'slow_ns 1' || kvmtune_fail "slow_ns 1 rejected"
KVMTRACE_FILTER="isa == 2" kvmtrace_trace_start
# R exactly checked rounds of a known workload on each vCPU, then the VM
# stays, its vCPUs out of KVM_RUN
"$KVMTUNE_VMLOOP" hold $R >"$KVMTRACE_OUT/c.out" 2>&1 &
hold=$!
# shellcheck disable=SC2317 # called through kvmtune_poll_tries
held() { grep -q '^held ' "$KVMTRACE_OUT/c.out"; }
kvmtune_poll_tries 60 held || { cat "$KVMTRACE_OUT/c.out"; kvmtune_fail "vmloop hold $R did not finish its rounds"; }
kvmtrace_trace_stop "$KVMTRACE_OUT/events"
c=$(kvmtrace_val "$KVMTRACE_OUT/c.out" vm)
ev_summary "$c" 1 "$KVMTRACE_OUT/events" >"$KVMTRACE_OUT/sum"
cat "$KVMTRACE_OUT/sum"
grep '^BAD' "$KVMTRACE_OUT/sum" && kvmtune_fail "events not in the format"
# every name belongs to its code (SVM_EXIT_*), and only these occur
while read -r v name code where cnt; do
	case $name:$code in
	CPUID:0x72 | IOIO:0x7b | NPF:0x400 | INTR:0x60) ;;
	*) kvmtune_fail "vcpu$v: $cnt unexpected events $name $code in $where" ;;
	esac
	case $where:$name in
	kernel:CPUID | kernel:NPF | kernel:INTR | user:IOIO | user:NPF) ;;
	*) kvmtune_fail "vcpu$v: $cnt events $name in $where" ;;
	esac
done <"$KVMTRACE_OUT/sum"

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
	read -r _ _ _ N _ M _ J _ K < <(grep "^vcpu $v " "$KVMTRACE_OUT/c.out")
	d=$KVMTRACE_D/vms/$c/vcpu$v
	# the workload's exits, exactly (the last "out" to the done port
	# is the exit in progress)
	kvmtune_expect_eq "vcpu$v CPUID exits" $((R * J)) "$(kvmtrace_exits "$d/exits" CPUID)"
	kvmtune_expect_eq "vcpu$v IOIO exits" $((R * (N + 1))) "$(kvmtrace_exits "$d/exits" IOIO)"
	kvmtune_expect_eq "vcpu$v HLT exits" $((R * K)) "$(kvmtrace_exits "$d/exits" HLT)"
	kvmtune_expect_eq "vcpu$v npf mmio" $((R * M)) "$(kvmtrace_val "$d/npf" mmio)"
	# events: one per exit in the latency files but bucket 0
	{ lat_summary $v "$d/latency" kernel; lat_summary $v "$d/user_latency" user; } |
		sort >"$KVMTRACE_OUT/lat"
	kvmtune_expect_eq "vcpu$v events = exits in latency and user_latency" \
		"$(cat "$KVMTRACE_OUT/lat")" "$(grep "^$v " "$KVMTRACE_OUT/sum")"
	# ... and so one per exit of the workload
	kvmtune_expect_eq "vcpu$v CPUID events in kernel (+ 0 ns)" $((R * J)) \
		$(($(ev_count "$KVMTRACE_OUT/sum" $v CPUID kernel) + $(zero_spans "$d/latency" CPUID)))
	kvmtune_expect_eq "vcpu$v IOIO events in user (+ 0 ns)" $((R * (N + 1) - 1)) \
		$(($(ev_count "$KVMTRACE_OUT/sum" $v IOIO user) + $(zero_spans "$d/user_latency" IOIO)))
	kvmtune_expect_eq "vcpu$v NPF events in user (+ 0 ns), the MMIO stores" $((R * M)) \
		$(($(ev_count "$KVMTRACE_OUT/sum" $v NPF user) + $(zero_spans "$d/user_latency" NPF)))
	echo "vcpu$v: $(zero_spans "$d/latency") + $(zero_spans "$d/user_latency") exits of 0 ns"
	kvmtune_expect_eq "vcpu$v slow" "$(awk '$4 == "kernel" { n += $5 } END { print n + 0 }' "$KVMTRACE_OUT/lat")" \
		"$(kvmtrace_val "$d/stats" slow)"
	kvmtune_expect_eq "vcpu$v user_slow" "$(awk '$4 == "user" { n += $5 } END { print n + 0 }' "$KVMTRACE_OUT/lat")" \
		"$(kvmtrace_val "$d/stats" user_slow)"
	echo "ok: vcpu$v: no HLT event for its $((R * K)) HLT exits"
done
kill -TERM "$hold"
wait "$hold" || { cat "$KVMTRACE_OUT/c.out"; kvmtune_fail "vmloop hold failed"; }
kvmtune_step end
echo "kvmtrace/slow: all checks passed"
exit 0
