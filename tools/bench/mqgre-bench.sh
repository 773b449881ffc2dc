#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the proving ground (multi-threaded TCG, real time):
# packets per second through four tunnel configurations, with 1, 2 (and,
# in a 4-vCPU boot, 4) writers, as medians of interleaved runs with their
# spread. See Documentation/mqgre.rst, "Benchmark".
#
#   stock        tap -> bridge -> gretap (1 TX queue, fq_codel) -> NIC
#   nq+noqueue   tap -> bridge -> gretap numtxqueues 4, root noqueue -> NIC
#   mqgretap     tap -> bridge -> mqgretap (4 queues) -> NIC
#   mqgre-routed tap -> route -> mqgre (4 queues) -> NIC
#
# The NIC is a veth with 4 TX queues, an mq root and XPS set as NIC drivers
# set it (queue i for CPU i mod nCPUs); its peer drops what it gets. Each
# configuration has namespaces of its own. A writer is framegen writing
# 64-byte frames to one queue of a multiqueue tap, as tun does for a guest;
# the writer of guest queue q runs on CPU (q + 1) mod nCPUs, so that the
# CPU says nothing about the guest's queue, as for vhost-net's workers.
#
# Per configuration and writer count:
#   pps      frames the NIC sent per second, median of BENCH_REPS runs
#            [min-max], the runs of all configurations interleaved
#   ratio    to stock's median
#   kept     share of the frames that left the NIC on the queue of their
#            guest queue (the queue mqgre gives them: q); each writer's
#            NIC queue is probed once, on its own, with known frames
#   tunnel qdisc   what the tunnel's root qdisc is, and whether frames
#            went through it (each takes its root lock)
#   NICq share     the most writers that share one NIC queue (and its
#            qdisc lock and TX lock)
#
# Usage: mqgre-bench.sh WRITERS...   e.g. "1 2", or "4" with @smp 4
#        mqgre-bench.sh --cost         under "@icount shift=0"
# Environment: BENCH_REPS (default 5), BENCH_SECONDS (default 3),
# BENCH_FRAMES (--cost: frames per run, default 20000), BENCH_HOST_LOAD
# (the host's load average, printed: the pps are real time).
#
# --cost: what one frame costs, in instructions, one writer. With icount
# shift=0 one nanosecond of guest time is one emulated instruction, so
# framegen's elapsed time for a fixed number of frames, divided by them,
# is the instructions the whole path takes per frame (tun, bridge or
# route, the tunnel, the NIC and its peer), the same from run to run and
# from machine to machine, unlike pps on a loaded 2-core machine.

set -u
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=selftests/lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=selftests/mqgre/mqgre_lib.sh
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

[ $# -gt 0 ] || kvmtune_fail "usage: mqgre-bench.sh WRITERS... | --cost"
cost=
if [ "$1" = --cost ]; then
	cost=1
	[[ ${KVMTUNE_ICOUNT_SHIFT:-} == 0 ]] ||
		kvmtune_fail "--cost counts instructions: the spec needs '@icount shift=0'"
	set -- 1
fi
writer_counts=("$@")
frames=${BENCH_FRAMES:-20000}
[[ $frames =~ ^[1-9][0-9]{0,7}$ ]] || kvmtune_fail "BENCH_FRAMES='$frames'"
reps=${BENCH_REPS:-5}
secs=${BENCH_SECONDS:-3}
[[ $reps =~ ^[1-9][0-9]?$ ]] || kvmtune_fail "BENCH_REPS='$reps'"
[[ $secs =~ ^[1-9][0-9]?$ ]] || kvmtune_fail "BENCH_SECONDS='$secs'"
ncpu=$(nproc)
configs=(stock nq+noqueue mqgretap mqgre-routed)
NQ=4
DST=02:00:00:00:ff:01

trap mq_cleanup EXIT
mq_load
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"

# writer CPUs by guest queue: queue q on CPU (q + 1) mod ncpu
cpus=
for ((q = 0; q < NQ; q++)); do
	cpus+=${cpus:+,}$(((q + 1) % ncpu))
done

declare -A tun tmac
stack() { # stack CONFIG: its namespaces, NIC, tap and tunnel
	local c=$1 h="mqb-$1-h" p="mqb-$1-p"

	mq_ns "$h"
	mq_ns "$p"
	mq_nic "$h" v0 "$p" v1 "$NQ" 10.7.0.1 10.7.0.2
	# the peer drops what it gets as early as it can: no address
	ip -n "$p" addr flush dev v1
	mq_run "$h" tc qdisc replace dev v0 root mq
	mq_xps "$h" v0 on
	mq_tap "$h" tapX "$NQ"
	case $c in
	mqgre-routed)
		ip -n "$h" addr add 192.168.71.1/24 dev tapX
		ip -n "$h" link add t0 numtxqueues "$NQ" type mqgre local 10.7.0.1 \
			remote 10.7.0.2 key 1 || kvmtune_fail "mqgre"
		ip -n "$h" link set t0 up
		ip -n "$h" route add 192.168.72.0/24 dev t0
		mq_run "$h" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tapX.rp_filter=0
		tmac[$c]=$(ip -n "$h" -br link show tapX | awk '{ print $3 }')
		;;
	*)
		ip -n "$h" link add br0 type bridge || kvmtune_fail "bridge"
		ip -n "$h" link set br0 up
		ip -n "$h" link set tapX master br0
		case $c in
		stock)
			ip -n "$h" link add t0 type gretap local 10.7.0.1 remote 10.7.0.2 key 1 ;;
		nq+noqueue)
			ip -n "$h" link add t0 numtxqueues "$NQ" type gretap local 10.7.0.1 \
				remote 10.7.0.2 key 1 &&
				ip netns exec "$h" tc qdisc replace dev t0 root noqueue ;;
		mqgretap)
			ip -n "$h" link add t0 numtxqueues "$NQ" type mqgretap local 10.7.0.1 \
				remote 10.7.0.2 key 1 ;;
		esac || kvmtune_fail "tunnel for $c"
		ip -n "$h" link set t0 master br0 up
		tmac[$c]=$DST
		;;
	esac
	tun[$c]=$h
}

# gen CONFIG ARGS...: framegen on the configuration's tap
gen() {
	local c=$1 extra=()

	shift
	[ "$c" != mqgre-routed ] ||
		extra=(--src-ip 192.168.71.2 --dst-ip 192.168.72.2)
	ip netns exec "${tun[$c]}" "$MQ_FRAMEGEN" tap tapX "$NQ" --cpus "$cpus" \
		--dst-mac "${tmac[$c]}" "${extra[@]}" "$@"
}

nic_tx() { # nic_tx CONFIG: packets v0 sent
	ip -n "${tun[$1]}" -s link show v0 | awk '$1 == "TX:" { getline; print $2 }'
}

# class_packets CONFIG: "c0 c1 c2 c3", packets per NIC queue so far
class_packets() {
	ip netns exec "${tun[$1]}" tc -s class show dev v0 | awk '
		$1 == "class" { q++ } $1 == "Sent" { c[q - 1] = $4 }
		END { for (i = 0; i < q; i++) printf "%s%d", i ? " " : "", c[i] + 0; print "" }'
}

for c in "${configs[@]}"; do
	stack "$c"
done
echo "# stacks up: ${configs[*]}; $ncpu vCPUs; writers on CPUs $cpus (by guest queue)"

# Probe: each writer's NIC queue, on its own (in --cost, only to place the
# VMs before the runs). Also places the VMs of the
# mqgre configurations (all NQ queues attached: queues 0..NQ-1).
maxw=0
for w in "${writer_counts[@]}"; do
	[ "$w" -le "$maxw" ] || maxw=$w
done
declare -A nicq
for c in "${configs[@]}"; do
	for ((q = 0; q < maxw; q++)); do
		before=$(class_packets "$c")
		gen "$c" --use "$q" --frames 200 --len 64 >/dev/null ||
			kvmtune_fail "probe $c queue $q"
		after=$(class_packets "$c")
		nicq[$c,$q]=$(paste -d' ' <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") |
			awk '$2 - $1 >= 200 { print NR - 1; found = 1; exit }
			     END { if (!found) print "mixed" }')
	done
	echo "# $c: guest queue -> NIC queue: $(for ((q = 0; q < maxw; q++)); do printf '%s->%s ' "$q" "${nicq[$c,$q]}"; done)"
done

# median MIN MAX of a list
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '
		{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)
		      print m, v[1], v[NR] }'
}

tunnel_qdisc() { # tunnel_qdisc CONFIG: the root qdisc, locked if used
	ip netns exec "${tun[$1]}" tc -s qdisc show dev t0 | awk '
		$1 == "qdisc" && $0 ~ / root / { k = $2; getline; n = $4 }
		END { if (k == "noqueue") print "noqueue"
		      else if (n > 0) printf "%s, locked\n", k
		      else print k }'
}

# --cost: instructions per frame, one writer, median of the repetitions
if [ -n "$cost" ]; then
	declare -A insn
	for ((r = 1; r <= reps; r++)); do
		for c in "${configs[@]}"; do
			out=$(gen "$c" --use 0 --frames "$frames" --len 64) ||
				kvmtune_fail "run $c: $out"
			ns=$(awk '$1 == "elapsed_ns" { print $2 }' <<<"$out")
			insn[$c]+="$((ns / frames)) "
			echo "# rep $r, $c: $((ns / frames)) instructions per frame"
		done
	done
	echo
	echo "mqgre bench, cost: $(uname -r), icount shift=0 (1 ns = 1 instruction), 1 writer, $frames 64-byte frames, $reps interleaved runs"
	printf '%-13s %12s %17s %6s  %-16s\n' config "insn/frame" "[min-max]" ratio "tunnel qdisc"
	read -r stock_med _ _ <<<"$(stats "${insn[stock]}")"
	for c in "${configs[@]}"; do
		read -r med lo hi <<<"$(stats "${insn[$c]}")"
		ratio=$(awk -v a="$med" -v b="$stock_med" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
		printf '%-13s %12d %17s %6s  %-16s\n' "$c" "$med" "[$lo-$hi]" "$ratio" \
			"$(tunnel_qdisc "$c")"
	done
	exit 0
fi

# The runs: every repetition runs every configuration and writer count
declare -A runs kept_frames all_frames
for ((r = 1; r <= reps; r++)); do
	for w in "${writer_counts[@]}"; do
		use=$(seq -s, 0 $((w - 1)))
		for c in "${configs[@]}"; do
			tx0=$(nic_tx "$c")
			out=$(gen "$c" --use "$use" --seconds "$secs" --len 64) ||
				kvmtune_fail "run $c, $w writers: $out"
			tx1=$(nic_tx "$c")
			pps=$(((tx1 - tx0) / secs))
			runs[$c,$w]+="$pps "
			# frames per writer, kept if its NIC queue is its guest queue
			while read -r _ q _ n; do
				all_frames[$c,$w]=$((${all_frames[$c,$w]:-0} + n))
				[ "${nicq[$c,$q]}" != "$q" ] ||
					kept_frames[$c,$w]=$((${kept_frames[$c,$w]:-0} + n))
			done < <(grep '^queue ' <<<"$out")
			echo "# rep $r, $w writers, $c: $pps pps"
		done
	done
done

share() { # share CONFIG W: most writers on one NIC queue
	local q

	for ((q = 0; q < $2; q++)); do
		echo "${nicq[$1,$q]}"
	done | sort | uniq -c | sort -rn | awk 'NR == 1 { print $1 }'
}

echo
echo "mqgre bench: $(uname -r), $ncpu vCPUs (multi-threaded TCG), $reps interleaved runs of ${secs}s, 64-byte frames"
echo "host load average before the mqgre runs: ${BENCH_HOST_LOAD:-unknown}"
printf '%-13s %7s %8s %17s %6s %5s  %-16s %s\n' config writers "pps" "[min-max]" \
	"ratio" kept "tunnel qdisc" "NICq share"
for w in "${writer_counts[@]}"; do
	read -r stock_med _ _ <<<"$(stats "${runs[stock,$w]}")"
	for c in "${configs[@]}"; do
		read -r med lo hi <<<"$(stats "${runs[$c,$w]}")"
		ratio=$(awk -v a="$med" -v b="$stock_med" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
		kept=$((100 * ${kept_frames[$c,$w]:-0} / ${all_frames[$c,$w]:-1}))
		printf '%-13s %7d %8d %17s %6s %4d%%  %-16s %s\n' "$c" "$w" "$med" \
			"[$lo-$hi]" "$ratio" "$kept" "$(tunnel_qdisc "$c")" "$(share "$c" "$w")"
	done
done
echo
echo "# every run, pps: $(for k in "${!runs[@]}"; do printf '%s: %s; ' "$k" "${runs[$k]}"; done)"
