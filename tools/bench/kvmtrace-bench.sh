#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the proving ground: cost per exit of a CPUID loop in a
# VM (the cheapest exit) with no tracing, with kvmtrace loaded, under
# `perf kvm stat record` and under bpftrace counting kvm:kvm_exit.  All in
# one run, repeated and interleaved; prints ns per exit, the ratio to the
# untraced baseline and how kvmtrace's overhead compares with the cheapest
# peer's.  Absolute times under TCG mean nothing; ratios do.
#
# Environment: BENCH_CPUIDS (default 100000), BENCH_REPS (default 3).

set -u
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

vmload=$KVMTUNE_BUILD/selftests/kvm/vmload
ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
cpuids=${BENCH_CPUIDS:-100000}
reps=${BENCH_REPS:-3}
for f in "$vmload" "$ko"; do
	[ -e "$f" ] || kt_fail "$f is missing (make bench builds it)"
done
command -v perf >/dev/null || kt_fail "perf missing (package linux-perf)"
command -v bpftrace >/dev/null || kt_fail "bpftrace missing (package bpftrace)"

# one measurement: prints ns per CPUID exit
measure() {
	"$vmload" --cpuid "$cpuids" --loops 1 |
		awk '$1 == "vcpu" { for (i = 2; i < NF; i++) if ($i == "ns_per_op") print $(i + 1) }'
}

run_none() { measure; }

run_kvmtrace() {
	insmod "$ko" || return 1
	measure
	rmmod kvmtrace
}

run_perf() {
	local data=$TMPDIR/perf.data ns
	perf kvm stat record -q -o "$data" -- "$vmload" --cpuid "$cpuids" --loops 1 \
		>"$TMPDIR/perf.out" 2>"$TMPDIR/perf.err" || { cat "$TMPDIR/perf.err" >&2; return 1; }
	ns=$(awk '$1 == "vcpu" { for (i = 2; i < NF; i++) if ($i == "ns_per_op") print $(i + 1) }' \
		"$TMPDIR/perf.out")
	rm -f "$data"
	echo "$ns"
}

run_bpftrace() {
	local log=$TMPDIR/bpftrace.log pid ns
	bpftrace -e 'tracepoint:kvm:kvm_exit { @exits[args->exit_reason] = count(); }' \
		>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -q 'Attaching' "$log" && break
		sleep 0.1
	done
	sleep 1
	ns=$(measure)
	kill -INT "$pid"
	wait "$pid"
	grep -q '@exits' "$log" || { cat "$log" >&2; return 1; }
	echo "$ns"
}

# QEMU's -icount shift=auto settles during the first runs after boot
# (one measured 3 us per exit, the next 52 us): warm up, and discard it.
measure >/dev/null || kt_fail "warm-up run failed"
measure >/dev/null || kt_fail "warm-up run failed"

configs=(none kvmtrace perf bpftrace)
declare -A samples
echo "bench: $cpuids CPUID exits per run, $reps interleaved runs per config, on $(uname -r)"
for ((r = 1; r <= reps; r++)); do
	for c in "${configs[@]}"; do
		ns=$("run_$c") || kt_fail "config $c failed"
		[ -n "$ns" ] || kt_fail "config $c produced no measurement"
		samples[$c]+="$ns "
		echo "bench: run $r $c ${ns} ns/exit"
	done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

base=$(median "${samples[none]}")
printf '\nbench: %-10s %12s %8s %12s\n' config ns/exit ratio overhead
for c in "${configs[@]}"; do
	m=$(median "${samples[$c]}")
	awk -v c="$c" -v m="$m" -v b="$base" \
		'BEGIN { printf "bench: %-10s %12.1f %8.3f %12.1f\n", c, m, m / b, m - b }'
done
kt=$(median "${samples[kvmtrace]}")
pf=$(median "${samples[perf]}")
bt=$(median "${samples[bpftrace]}")
awk -v k="$kt" -v p="$pf" -v t="$bt" -v b="$base" 'BEGIN {
	peer = (p < t) ? p : t; name = (p < t) ? "perf" : "bpftrace"
	ok = (k - b) <= (peer - b) / 3
	printf "\nbench: kvmtrace overhead %.1f ns/exit; cheapest peer (%s) %.1f ns/exit; ", k - b, name, peer - b
	if (peer - b > 0)
		printf "kvmtrace/peer overhead ratio %.2f ", (k - b) / (peer - b)
	printf "(target <= 0.33): %s\n", ok ? "met" : "MISSED"
}'
