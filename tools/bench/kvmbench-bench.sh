#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the kvmbench table (tools/bench/kvmbench.list): the whole
# kvmbench table, run BENCH_KVMBENCH_RUNS times (default 5) on vCPU 1 of a
# nested guest, with kvmtrace in this kernel (the L1). The runs are
# interleaved: each goes through the table once, bench after bench.
#
# For each bench it prints the median over the runs of the guest's cycles
# per operation (each run's figure is kvmbench's own median over its
# loops) and the run-to-run spread, (slowest - fastest run) / median; the
# goal for the exit benches is a spread of at most 5%. Next to the guest's
# time per operation it prints the host's handling time per exit that
# kvmtrace measured in the same window (latency for exits completed in the
# kernel, user_latency for those the VMM completed): the difference is the
# exit and entry round trip.
#
# Environment (make bench passes BENCH_* on):
#   BENCH_KVMBENCH_RUNS     runs of the table (default 5)
#   BENCH_KVMBENCH_GOAL     kvmbench's cycle goal (default 2^28)
#   BENCH_KVMBENCH_REPEATS  kvmbench's measured loops per bench (default 5)
#   BENCH_KVMBENCH_BENCHES  the benches (default: the whole table)

# shellcheck source=../../selftests/lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
KB_STATE=${TMPDIR:-/tmp}/kvmbench-bench
# shellcheck source=../../selftests/kvmbench/kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

runs=${BENCH_KVMBENCH_RUNS:-5}
goal=${BENCH_KVMBENCH_GOAL:-268435456}
repeats=${BENCH_KVMBENCH_REPEATS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || kvmtune_fail "BENCH_KVMBENCH_RUNS='$runs' is not a count"
t_start=$(date +%s)

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	kb_l2_poweroff
}
trap cleanup EXIT

kb_l2_boot 2
kb_l2_load
kb_l2_virtio_mmio
kb_l2_ok "echo cpu 1 >$KB_D/control"
kb_l2_ok "echo goal $goal >$KB_D/control"
kb_l2_ok "echo repeats $repeats >$KB_D/control"
read -r _ tsc_khz <<<"$(kb_l2 grep '^tsc_khz' "$KB_D/control")"
read -r _ benches <<<"$(kb_l2 grep '^benches' "$KB_D/control")"
benches=${BENCH_KVMBENCH_BENCHES:-$benches}
echo "kvmbench: $runs runs of: $benches"
echo "kvmbench: goal $goal cycles, $repeats loops per bench, guest TSC $tsc_khz kHz"

# One file of samples: "bench run median min exact host_ns host_exits"
# (exact: the bench declares exact exits, an exit bench)
samples=$KB_STATE/samples
: >"$samples"
for r in $(seq "$runs"); do
	for b in $benches; do
		kb_reset
		kb_l2_ok "echo run $b >$KB_D/control"
		line=$(kb_result "$(kb_l2 cat "$KB_D/results")" "$b" 1)
		read -r -a f <<<"$line"
		[ -n "$line" ] || kvmtune_fail "$b: no results line: $(kb_l2 cat "$KB_D/results")"
		if [ "${f[2]}" = unsupported ]; then
			echo "$b $r unsupported" >>"$samples"
			continue
		fi
		# the host's time per exit for the reason the bench exits on:
		# exact for exits the VMM completes (vCPU 1 has no others),
		# estimated from kvmtrace's log2 histogram for the kernel's
		# (each exit taken at 1.5x its bucket's lower bound)
		d=$(kb_vm_dir)/vcpu1
		case $b in
		cpuid) how=kernel reasons="CPUID" ;;
		vmcall) how=kernel reasons="VMMCALL VMCALL" ;;
		inl_from_kernel) how=kernel reasons="IOIO IO_INSTRUCTION" ;;
		mmio_from_kernel) how=kernel reasons="NPF EPT_MISCONFIG EPT_VIOLATION" ;;
		inl_from_qemu | mmio_from_qemu) how=user reasons= ;;
		*) how=none reasons= ;;
		esac
		host=$(awk -v how="$how" -v reasons="$reasons" '
			BEGIN { n = split(reasons, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
			FILENAME ~ /\/stats$/ { v[$1] = $2; next }
			$1 in want { c += $4; s += $4 * ($3 ? 1.5 * $3 : 0.5) }
			END {
				if (how == "user")
					printf "%.0f %d\n", v["user_exits"] ? v["user_exit_ns"] / v["user_exits"] : 0, v["user_exits"]
				else if (how == "kernel")
					printf "%.0f %d\n", c ? s / c : 0, c
				else
					print "- 0"
			}' "$d/stats" "$d/latency")
		exact=1
		[[ ${f[9]} != *..* ]] || exact=0
		echo "$b $r ${f[3]} ${f[2]} $exact $host" >>"$samples"
	done
	echo "kvmbench: run $r of $runs done ($(($(date +%s) - t_start)) s)"
done
kb_l2_splats bench

echo
echo "kvmbench: cycles per operation on vCPU 1: the median of the $runs runs' medians,"
echo "the best loop of all, and the run-to-run spread of the medians (goal for the"
echo "exit benches, those with exact exits: <= 5%). For the exits of the PIO, MMIO, cpuid and vmcall benches,"
echo "host_ns is KVM's handling time per exit that kvmtrace measured in the same"
echo "windows (latency: kernel, estimated from its histogram, marked ~;"
echo "user_latency: the VMM's, exact); trip_ns = guest_ns - host_ns, the exit and"
echo "entry round trip."
awk -v khz="$tsc_khz" -v runs="$runs" '
function sort(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	sort(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
!($1 in seen) { seen[$1] = 1; order[++nb] = $1 }
$3 == "unsupported" { next }
{
	k = ++cnt[$1]
	cyc[$1, k] = $3; low[$1, k] = $4; exact[$1] = $5; host[$1, k] = $6
}
END {
	printf "%-20s %10s %10s %7s %10s %10s %10s %s\n", "bench", "cycles/op",
		"best", "spread", "guest_ns", "host_ns", "trip_ns", "spread <= 5%"
	for (i = 1; i <= nb; i++) {
		b = order[i]
		if (!(b in cnt)) {
			printf "%-20s unsupported\n", b
			continue
		}
		n = cnt[b]
		best = low[b, 1]
		for (k = 1; k <= n; k++) {
			c[k] = cyc[b, k]
			if (low[b, k] < best) best = low[b, k]
		}
		med = median(c, n)
		spread = med ? (c[n] - c[1]) * 100 / med : 0
		gns = med * 1e6 / khz
		if (exact[b]) {
			goals++
			if (spread <= 5) met++
		}
		verdict = exact[b] ? (spread <= 5 ? "yes" : "NO") : "(bounds)"
		if (n < runs)
			verdict = verdict sprintf(" (%d of %d runs)", n, runs)
		if (host[b, 1] == "-") {
			printf "%-20s %10d %10d %6.1f%% %10d %10s %10s %s\n", b, med,
				best, spread, gns, "-", "-", verdict
			continue
		}
		for (k = 1; k <= n; k++) h[k] = host[b, k]
		hm = median(h, n)
		mark = b ~ /_from_qemu$/ ? " " : "~"
		printf "%-20s %10d %10d %6.1f%% %10d %9d%s %10d %s\n", b, med,
			best, spread, gns, hm, mark, gns - hm, verdict
	}
	printf "\nkvmbench: run-to-run spread <= 5%%: %d of %d exit benches\n", met, goals
}' "$samples"
echo "kvmbench: $(($(date +%s) - t_start)) s"
grep -q ' unsupported$' "$samples" && echo "kvmbench: some benches were unsupported (above)"
exit 0
