#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the proving ground: what tracing KVM's exits costs per
# exit, for kvmtrace and for the cheapest modes of its peers, on three loads
# (CPUID, WRMSR IA32_TSC_DEADLINE, HLT woken by the LAPIC timer).  See
# Documentation/benchmarks.rst for the method; in short:
#
# - The proving ground runs under -icount shift=0 (bench.list), so one ns of
#   guest time is one emulated instruction of either vCPU: the figures are
#   the whole machine's work per exit, and they repeat.
# - The VM's vCPU runs on CPU 1 (vmload --cpu), everything else (this
#   script, perf, bpftrace) on CPU 0, so the only work on CPU 0 during a
#   run is the tracer's own.
# - A tracer is measured only once it is proven attached and idle; the CPU
#   time it spends after a run (perf draining its buffer) is charged to the
#   run, and its final count must equal KVM's own count of the exits.
# - Each load is warmed up until two baseline runs agree within 1%, then
#   every config runs BENCH_REPS times, interleaved.
#
# Environment (run.sh passes BENCH_* on from the host): BENCH_REPS (default
# 5), BENCH_CPUIDS (CPUIDs per run, default 40000), BENCH_TSCDLS (TSC
# deadline writes per run, default 40000), BENCH_HLTS (HLTs per run,
# default 10000, 4 exits each), BENCH_LOADS (default "cpuid tscdl hlt"),
# BENCH_CONFIGS (default: all, in the order below, none first).

set -u
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=selftests/lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

vmload=$KVMTUNE_VMLOAD
ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
tmp=$TMPDIR/bench
vcpu_cpu=1
tracer_cpu=0
t_start=$(date +%s)

# bench_int NAME DEFAULT: a positive integer from the environment
bench_int() {
	local v=${!1:-$2}

	[[ $v =~ ^[1-9][0-9]{0,8}$ ]] || kvmtune_fail "$1='$v': not a positive integer"
	echo "$v"
}

reps=$(bench_int BENCH_REPS 5) || exit
n_cpuid=$(bench_int BENCH_CPUIDS 40000) || exit
n_tscdl=$(bench_int BENCH_TSCDLS 40000) || exit
n_hlt=$(bench_int BENCH_HLTS 10000) || exit

# A fixed shift makes guest time a count of instructions (2^shift ns each);
# shift=auto rescales it as the run goes and the figures drift.
icount_shift=${KVMTUNE_ICOUNT_SHIFT:-}
[[ $icount_shift =~ ^([0-9]|10)$ ]] ||
	kvmtune_fail "guest time is not an instruction count (icount shift '${icount_shift:-none}'): the spec needs '@icount shift=0'"

all_loads=(cpuid tscdl hlt)
declare -A load_args=(
	[cpuid]="--cpuid $n_cpuid"
	[tscdl]="-i --tscdl $n_tscdl"
	[hlt]="-i --hlt $n_hlt --hlt-ns 1"
)
declare -A load_desc=(
	[cpuid]="$n_cpuid x CPUID leaf 0 (handled by KVM in the kernel)"
	[tscdl]="$n_tscdl x WRMSR IA32_TSC_DEADLINE, in-kernel LAPIC (on SVM not a fastpath exit)"
	[hlt]="$n_hlt x (WRMSR TMICT=1 ns; sti; hlt), in-kernel LAPIC: each HLT ended by the timer interrupt"
)
# every config, cheapest first; "peer" marks those whose code runs per exit
all_configs=(none kvm-stats kvmtrace perf-stat perf-kvm bpftrace-count bpftrace-map)
declare -A config_desc=(
	[none]="nothing traces the exits: the baseline"
	[kvm-stats]="KVM's own binary stats, read every 10 ms (vmload --stats-poll 10): the zero-cost floor"
	[kvmtrace]="kvmtrace.ko, default parameters (all hooks armed)"
	[perf-stat]="perf stat -e kvm:kvm_exit -a -C $vcpu_cpu (counting only)"
	[perf-kvm]="perf kvm stat record -a -C $vcpu_cpu (samples kvm_entry/exit/pio/mmio/msr)"
	[bpftrace-count]="bpftrace: tracepoint:kvm:kvm_exit { @ = count(); }"
	[bpftrace-map]="bpftrace: tracepoint:kvm:kvm_exit { @exits[args->exit_reason] = count(); }"
)
declare -A is_peer=([perf-stat]=1 [perf-kvm]=1 [bpftrace-count]=1 [bpftrace-map]=1)

read -r -a loads <<<"${BENCH_LOADS:-${all_loads[*]}}"
for l in "${loads[@]}"; do
	[ -n "${load_args[$l]:-}" ] || kvmtune_fail "BENCH_LOADS: unknown load '$l' (${all_loads[*]})"
done
read -r -a configs <<<"${BENCH_CONFIGS:-${all_configs[*]}}"
for c in "${configs[@]}"; do
	[ -n "${config_desc[$c]:-}" ] || kvmtune_fail "BENCH_CONFIGS: unknown config '$c' (${all_configs[*]})"
done
[ "${configs[0]}" = none ] || kvmtune_fail "BENCH_CONFIGS must start with none (the baseline)"
[ "${#loads[@]}" -gt 0 ] || kvmtune_fail "BENCH_LOADS is empty"

for f in "$vmload" "$ko"; do
	[ -e "$f" ] || kvmtune_fail "$f is missing (make bench builds it)"
done
command -v perf >/dev/null || kvmtune_fail "perf missing (package linux-perf)"
command -v bpftrace >/dev/null || kvmtune_fail "bpftrace missing (package bpftrace)"
command -v taskset >/dev/null || kvmtune_fail "taskset missing (package util-linux)"
ncpus=$(getconf _NPROCESSORS_ONLN)
[ "$ncpus" -eq 2 ] || kvmtune_fail "the bench needs exactly 2 online CPUs, found $ncpus"
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace is already loaded"

rm -rf "$tmp"
mkdir -p "$tmp" || kvmtune_fail "cannot create $tmp"
# this script and everything it starts run on the tracer CPU
taskset -pc "$tracer_cpu" $$ >/dev/null || kvmtune_fail "cannot pin the bench to CPU $tracer_cpu"

# Quiet the guest kernel's background memory work while the bench runs:
# khugepaged (which may collapse bpftrace's large heap into huge pages) and
# proactive compaction run on either CPU now and then.  About one run in a
# hundred still costs a few percent more with its tracer idle; the "note"
# lines name such runs, and the median of five is not moved by one.
thp=/sys/kernel/mm/transparent_hugepage/enabled
proactive=/proc/sys/vm/compaction_proactiveness
saved_thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$thp" 2>/dev/null)
saved_proactive=$(cat "$proactive" 2>/dev/null)
[ -z "$saved_thp" ] || echo never >"$thp" || kvmtune_fail "cannot turn off THP"
[ -z "$saved_proactive" ] || echo 0 >"$proactive" || kvmtune_fail "cannot turn off proactive compaction"

tr_pid=			# the running tracer process, if any
ctl_fd=
ack_fd=
cleanup() {
	if [ -n "$tr_pid" ]; then
		kill -INT "$tr_pid" 2>/dev/null
		wait "$tr_pid" 2>/dev/null
	fi
	kvmtune_loaded kvmtrace && rmmod kvmtrace
	[ -z "$saved_thp" ] || echo "$saved_thp" >"$thp"
	[ -z "$saved_proactive" ] || echo "$saved_proactive" >"$proactive"
}
trap cleanup EXIT

# --- measuring -------------------------------------------------------------

# run_vmload LOAD [ARGS...]: one run; sets r_wall (ns of the vCPU's run),
# r_exits (KVM's "exits" stat)
run_vmload() {
	local load=$1 out
	shift
	# shellcheck disable=SC2086 # load_args holds several words
	if ! out=$("$vmload" --cpu "$vcpu_cpu" --stats --quiet ${load_args[$load]} "$@" 2>&1); then
		echo "$out" >&2
		return 1
	fi
	read -r r_wall r_exits < <(awk '
		$1 == "vcpu" { for (i = 2; i < NF; i++) if ($i == "wall_ns") w = $(i + 1) }
		$1 == "kvm_stats" { for (i = 2; i < NF; i++) if ($i == "exits") e = $(i + 1) }
		END { print w + 0, e + 0 }' <<<"$out")
	if [ "$r_wall" -le 0 ] || [ "$r_exits" -le 0 ]; then
		echo "$out" >&2
		return 1
	fi
	if [ "$*" != "" ] && ! grep -Eq '^kvm_stats .* reads [1-9]' <<<"$out"; then
		echo "$out" >&2
		echo "vmload read no stats while it ran" >&2
		return 1
	fi
}

# cpu_ns PID: CPU time of all threads of PID so far (schedstat, ns)
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# wait_idle PID: until PID used < 0.1% of a CPU in two 0.25 s windows in a
# row (at most 60 s); sets idle_ns to its CPU time in the last window
wait_idle() {
	local a b quiet=0 i

	a=$(cpu_ns "$1")
	for ((i = 0; i < 240; i++)); do
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.25
		b=$(cpu_ns "$1")
		idle_ns=$((b - a))
		a=$b
		if [ "$idle_ns" -lt 250000 ]; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 2 ] && return 0
		else
			quiet=0
		fi
	done
	return 1
}

# thread_cpus PID: the CPUs the threads of PID may run on, e.g. "0 (3 threads)"
thread_cpus() {
	local f lists=() n=0

	for f in /proc/"$1"/task/*/status; do
		lists+=("$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "$f")")
		n=$((n + 1))
	done
	printf '%s\n' "${lists[@]}" | sort -u | paste -sd, | tr -d '\n'
	echo " ($n threads)"
}

# perf_ctl CMD: send CMD on perf's control fifo and wait for its ack
perf_ctl() {
	local a

	echo "$1" >&"$ctl_fd" || return 1
	read -r -t 60 a <&"$ack_fd" || return 1
	[ "$a" = ack ]
}

# wait_line FILE PATTERN: until FILE (written by the tracer) matches
wait_line() {
	local i

	for ((i = 0; i < 1200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$tr_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start_tracer() {	# LOG CMD...: start CMD pinned to the tracer CPU
	local log=$1
	shift
	rm -f "$log"
	taskset -c "$tracer_cpu" "$@" >"$log" 2>&1 &
	tr_pid=$!
}

open_perf_fifos() {
	rm -f "$tmp/ctl" "$tmp/ack"
	mkfifo "$tmp/ctl" "$tmp/ack" || return 1
	# read-write opens do not block on a fifo
	exec {ctl_fd}<>"$tmp/ctl" {ack_fd}<>"$tmp/ack"
}

close_perf_fifos() {
	exec {ctl_fd}>&- {ack_fd}>&-
	ctl_fd=''
	ack_fd=
}

# attach CONFIG: start tracing; print what proves it attached and idle.
# Sets run_extra (extra vmload arguments) and kt_hits0.
attach() {
	local c=$1 log=$tmp/$1.log bad

	run_extra=()
	proof=
	case $c in
	none) ;;
	kvm-stats)
		run_extra=(--stats-poll 10)
		proof="vmload reads the stats fd every 10 ms while it runs (checked in each run)"
		;;
	kvmtrace)
		insmod "$ko" || return 1
		# every hook whose target is loaded must be armed
		bad=$(awk '{ split($3, t, ":"); m = t[1]; gsub("-", "_", m)
			if ((m == "vmlinux" || system("test -d /sys/module/" m) == 0) && $4 != "armed")
				print }' /sys/kernel/debug/kvmtrace/probes)
		[ -z "$bad" ] || { echo "hooks not armed: $bad" >&2; return 1; }
		kt_hits0=$(awk '$1 == "kvm_exit" { print $5 }' /sys/kernel/debug/kvmtrace/probes)
		proof="insmod done, every hook of a loaded module armed:"
		proof+=" $(awk '$4 == "armed" { printf "%s%s", s, $1; s = "," }' /sys/kernel/debug/kvmtrace/probes)"
		;;
	perf-stat | perf-kvm)
		open_perf_fifos || return 1
		if [ "$c" = perf-stat ]; then
			start_tracer "$log" perf stat -e kvm:kvm_exit -a -C "$vcpu_cpu" -x , \
				-o "$tmp/perf-stat.out" -D -1 --control "fifo:$tmp/ctl,$tmp/ack"
		else
			start_tracer "$log" perf kvm stat record -a -C "$vcpu_cpu" -o "$tmp/perf.data" \
				-D -1 --control "fifo:$tmp/ctl,$tmp/ack"
		fi
		wait_line "$log" 'Events disabled' || { cat "$log" >&2; return 1; }
		perf_ctl enable || { cat "$log" >&2; return 1; }
		grep -q 'Events enabled' "$log" || { cat "$log" >&2; return 1; }
		proof="started with events disabled (-D -1), 'enable' acked on the control fifo, log says 'Events enabled'"
		;;
	bpftrace-count | bpftrace-map)
		if [ "$c" = bpftrace-count ]; then
			start_tracer "$log" bpftrace -e 'tracepoint:kvm:kvm_exit { @ = count(); }'
		else
			start_tracer "$log" bpftrace -e 'tracepoint:kvm:kvm_exit { @exits[args->exit_reason] = count(); }'
		fi
		# the old log was removed: this is the new process's line
		wait_line "$log" '^Attaching 1 probe' || { cat "$log" >&2; return 1; }
		proof="'Attaching 1 probe' in the log of the new process"
		;;
	esac
	if [ -n "$tr_pid" ]; then
		wait_idle "$tr_pid" || { cat "$log" >&2; echo "$c did not become idle" >&2; return 1; }
		proof+="; then idle: $((idle_ns / 1000)) us CPU in 0.25 s; threads on CPU $(thread_cpus "$tr_pid")"
	fi
	if [ "$rep" -eq 1 ] && [ "$c" != none ]; then
		echo "bench: $c attached: $proof"
	fi
}

# drain: after a run, let the tracer finish with the run's data; sets post_ns
# to its CPU time from the end of the run until it is idle again
drain() {
	local c=$1 a b

	post_ns=0
	[ -n "$tr_pid" ] || return 0
	a=$(cpu_ns "$tr_pid")
	if [ "$c" = perf-kvm ]; then
		# two pings: perf record reads all its buffers between the
		# first ack and the second
		perf_ctl ping && perf_ctl ping || return 1
	fi
	wait_idle "$tr_pid" || return 1
	b=$(cpu_ns "$tr_pid")
	post_ns=$((b - a))
}

# detach CONFIG EXITS: stop tracing and check that the tracer counted every
# one of the EXITS that KVM counted in the runs it traced
detach() {
	local c=$1 exits=$2 log=$tmp/$1.log n

	case $c in
	none | kvm-stats) return 0 ;;
	kvmtrace)
		n=$(awk '$1 == "kvm_exit" { print $5 }' /sys/kernel/debug/kvmtrace/probes)
		n=$((n - kt_hits0))
		rmmod kvmtrace || return 1
		;;
	*)
		# SIGINT ends them; their exit status then varies by tool, so
		# what they printed is checked instead
		kill -INT "$tr_pid"
		wait "$tr_pid"
		tr_pid=
		case $c in
		perf-stat) n=$(awk -F, '$3 == "kvm:kvm_exit" { print $1 }' "$tmp/perf-stat.out") ;;
		perf-kvm)
			# kvm_exit and kvm_entry for each exit, kvm_pio for each
			# exit to user space: at least two samples per exit
			n=$(sed -n 's/.*(\([0-9]*\) samples).*/\1/p' "$log")
			rm -f "$tmp/perf.data"
			;;
		bpftrace-count) n=$(awk '$1 == "@:" { print $2 }' "$log") ;;
		bpftrace-map) n=$(awk '/^@exits\[/ { s += $2 } END { print s + 0 }' "$log") ;;
		esac
		[ -n "$ctl_fd" ] && close_perf_fifos
		;;
	esac
	if [ "$c" = perf-kvm ]; then
		[ "${n:-0}" -ge $((2 * exits)) ] ||
			{ cat "$log" >&2; echo "$c: ${n:-no} samples for $exits exits" >&2; return 1; }
	elif [ "${n:-x}" != "$exits" ]; then
		cat "$log" >&2 2>/dev/null
		echo "$c counted ${n:-nothing}, KVM counted $exits exits" >&2
		return 1
	fi
	if [ "$rep" -ne 1 ]; then
		return 0
	elif [ "$c" = perf-kvm ]; then
		echo "bench: $c saw every exit: $n samples for the $exits exits KVM counted (>= 2 per exit)"
	else
		echo "bench: $c saw every exit: it counted $n, KVM counted $exits exits"
	fi
}

# --- running ---------------------------------------------------------------

echo "bench: kvmtrace and its peers, on $(uname -r): ${#loads[@]} loads, ${#configs[@]} configs, $reps interleaved runs each"
echo "bench: kvmtrace.ko sha256 $(sha256sum "$ko" | cut -c1-16), built $(date -r "$ko" "+%F %T")"
echo "bench: $(perf version), bpftrace $(bpftrace --version | awk '{ print $2 }')"
echo "bench: vCPU on CPU $vcpu_cpu; this script, perf and bpftrace on CPU $tracer_cpu"
echo "bench: THP ${saved_thp:+$saved_thp -> }never, compaction_proactiveness ${saved_proactive:+$saved_proactive -> }0 while the bench runs"
echo "bench: unit: emulated instructions per exit, both CPUs (guest time under -icount shift=$icount_shift: one instruction = $((1 << icount_shift)) ns)"
for l in "${loads[@]}"; do
	echo "bench: load $l: ${load_desc[$l]}"
done
for c in "${configs[@]}"; do
	echo "bench: config $c: ${config_desc[$c]}"
done

# Warm-up: run each load untraced until two runs in a row agree within 1%.
for l in "${loads[@]}"; do
	prev='' tries=() settled=
	for ((i = 1; i <= 10; i++)); do
		run_vmload "$l" || kvmtune_fail "warm-up run of $l failed"
		cur=$((r_wall / r_exits >> icount_shift))
		tries+=("$cur")
		if [ -n "$prev" ] && awk -v a="$prev" -v b="$cur" \
			'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01 * a) }'; then
			settled=1
			break
		fi
		prev=$cur
	done
	[ -n "$settled" ] || kvmtune_fail "warm-up: $l did not settle in 10 runs (${tries[*]} instructions/exit)"
	echo "bench: warm-up $l: ${tries[*]} instructions/exit: the last two agree within 1% after ${#tries[@]} runs"
done

declare -A samples
for ((rep = 1; rep <= reps; rep++)); do
	for c in "${configs[@]}"; do
		attach "$c" || kvmtune_fail "attaching $c failed"
		total=0
		for l in "${loads[@]}"; do
			run_vmload "$l" "${run_extra[@]}" || kvmtune_fail "$c: run of $l failed"
			drain "$c" || kvmtune_fail "$c: tracer did not settle after the $l run"
			total=$((total + r_exits))
			v=$(awk -v w="$r_wall" -v p="$post_ns" -v e="$r_exits" -v s="$icount_shift" \
				'BEGIN { printf "%.1f", (w + p) / e / 2 ^ s }')
			samples[$c,$l]+="$v "
			printf 'bench: rep %d %-14s %-5s %8s instr/exit (%d exits, %d ns; tracer after the run: %d ns)\n' \
				"$rep" "$c" "$l" "$v" "$r_exits" "$r_wall" "$post_ns"
		done
		detach "$c" "$total" || kvmtune_fail "detaching $c failed"
	done
done

# stats VALUES: "median min max maxdev%" (maxdev: largest distance from the
# median, in % of it)
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END {
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		d = (m - a[1] > a[NR] - m) ? m - a[1] : a[NR] - m
		printf "%.1f %.1f %.1f %.2f\n", m, a[1], a[NR], 100 * d / m }'
}

overall=met
verdicts=''
notes=()
for l in "${loads[@]}"; do
	read -r base _ < <(stats "${samples[none,$l]}")
	printf '\nbench: load %s: %s\n' "$l" "${load_desc[$l]}"
	printf 'bench: instructions per exit, %d runs each\n' "$reps"
	printf 'bench:   %-14s %9s %9s %9s %7s %9s %7s\n' config median min max maxdev overhead ratio
	cheap='' cheap_ovh=
	declare -A ovh=()
	for c in "${configs[@]}"; do
		read -r med min max dev < <(stats "${samples[$c,$l]}")
		ovh[$c]=$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.1f", m - b }')
		printf 'bench:   %-14s %9s %9s %9s %6s%% %9s %7s\n' "$c" "$med" "$min" "$max" "$dev" \
			"${ovh[$c]}" "$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.3f", m / b }')"
		if awk -v d="$dev" 'BEGIN { exit !(d > 1) }'; then
			notes+=("$l $c: a run is $dev% off the median ($min..$max): something else ran during it")
		fi
		if [ -n "${is_peer[$c]:-}" ] && { [ -z "$cheap" ] ||
			awk -v a="${ovh[$c]}" -v b="$cheap_ovh" 'BEGIN { exit !(a < b) }'; }; then
			cheap=$c cheap_ovh=${ovh[$c]}
		fi
	done
	if [ -z "${ovh[kvmtrace]:-}" ] || [ -z "$cheap" ]; then
		echo "bench: $l: no verdict (needs kvmtrace and at least one peer)"
		overall=incomplete
		continue
	fi
	v=$(awk -v k="${ovh[kvmtrace]}" -v p="$cheap_ovh" 'BEGIN {
		if (p <= 0) { print "- MISSED"; exit }
		r = k / p; printf "%.2f %s\n", r, (r <= 1 / 3) ? "met" : "MISSED" }')
	read -r ratio verdict <<<"$v"
	echo "bench: $l: kvmtrace overhead ${ovh[kvmtrace]} instructions/exit; cheapest peer running code per exit: $cheap, ${cheap_ovh}; kvmtrace/peer overhead ratio $ratio (target <= 0.33): $verdict"
	[ "$verdict" = met ] || [ "$overall" != met ] || overall=MISSED
	verdicts+="${verdicts:+, }$l $verdict"
	unset ovh
done
echo
for n in "${notes[@]}"; do
	echo "bench: note: $n"
done
echo "bench: overall: $overall ($verdicts; met only if every load is met)"
echo "bench: took $(($(date +%s) - t_start)) s of guest time (waits for the host's files jump ahead)"
