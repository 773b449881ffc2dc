# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the mqgre tests: source it after selftests/lib/kvmtune.sh.
#
# Every test builds its own network namespaces (named mq-<test>-<pid>-*)
# with IPv6 off, so that no frame but the test's own is sent, and tears
# them down on exit. Per-queue counts come from two witnesses that know
# nothing of mqgre: the net:net_dev_start_xmit tracepoint (a tracefs
# histogram keyed by device, queue and length) and, for a NIC with an mq
# root qdisc, its per-queue classes (tc -s class show).

MQ_KO=$KVMTUNE_KMOD/mqgre/mqgre.ko
MQ_FRAMEGEN=$KVMTUNE_BUILD/selftests/mqgre/framegen
MQ_TRACE=/sys/kernel/tracing
MQ_EVENT=$MQ_TRACE/events/net/net_dev_start_xmit
MQ_HIST_KEYS="hist:keys=name,queue_mapping,len:vals=hitcount:size=4096"
mq_netns=()
mq_hist_on=

# The iproute2 plugin under test, with Debian's own ip
export IP_LIB_DIR=$KVMTUNE_BUILD/tools/ip

# The modules mqgre needs from the booted kernel, then mqgre itself
mq_load() {
	local m

	for m in ip_tunnel gre tun bridge veth; do
		kvmtune_loaded "$m" || kvmtune_modprobe "$m" || kvmtune_fail "modprobe $m"
	done
	kvmtune_loaded mqgre || insmod "$MQ_KO" || kvmtune_fail "insmod $MQ_KO"
	[ -f "$IP_LIB_DIR/link_mqgre.so" ] || kvmtune_fail "$IP_LIB_DIR/link_mqgre.so not built (make tools)"
	[ -x "$MQ_FRAMEGEN" ] || kvmtune_fail "$MQ_FRAMEGEN not built (make selftests)"
}

# mq_possible_cpus: how many CPUs the kernel counts as possible (an
# mqgre link's default number of queues)
mq_possible_cpus() {
	tr ',' '\n' </sys/devices/system/cpu/possible |
		awk -F- '{ n += NF == 2 ? $2 - $1 + 1 : 1 } END { print n }'
}

# mq_ns NAME: create netns NAME (IPv6 off, lo up), removed by mq_cleanup
mq_ns() {
	ip netns add "$1" || kvmtune_fail "ip netns add $1"
	mq_netns+=("$1")
	ip netns exec "$1" sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 && ip link set lo up' ||
		kvmtune_fail "sysctl in $1"
}

# shellcheck disable=SC2317 # called from the tests' EXIT traps
mq_cleanup() {
	local ns

	mq_hist_off
	for ns in "${mq_netns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	mq_netns=()
}

# mq_ping NS [ping options] ADDR: busybox's ping (Debian's is not
# installed everywhere), exits 0 if any reply came
mq_ping() {
	local ns=$1

	shift
	ip netns exec "$ns" busybox ping "$@"
}

# mq_ping_received NS ARGS...: "N packets received" of busybox ping's
# statistics.  They can come twice: its SIGALRM handler prints them too,
# and may fire while the main path is printing them (seen on 6.12 under
# TCG); both say the same.
mq_ping_received() {
	mq_ping "$@" | grep -o -m 1 '[0-9]* packets received'
}

# mq_run NS CMD...: run in a namespace, failing the test if CMD fails
mq_run() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" || kvmtune_fail "[$ns] $*"
}

# mq_nic NS DEV PEER_NS PEER NQ ADDR PEER_ADDR: a veth "NIC" DEV with NQ TX
# and RX queues in NS, its peer in PEER_NS, addresses ADDR/24 and
# PEER_ADDR/24, MACs 02:00:00:00:01:01 and :02, and a permanent neighbour
# entry on each side so that no ARP is sent.
mq_nic() {
	local ns=$1 dev=$2 pns=$3 peer=$4 nq=$5 addr=$6 paddr=$7

	ip -n "$ns" link add "$dev" numtxqueues "$nq" numrxqueues "$nq" \
		address 02:00:00:00:01:01 type veth peer name "$peer" netns "$pns" \
		numtxqueues "$nq" numrxqueues "$nq" address 02:00:00:00:01:02 ||
		kvmtune_fail "veth $dev/$peer"
	ip -n "$ns" -batch - <<EOF || kvmtune_fail "$dev"
addr add $addr/24 dev $dev
link set $dev up
neigh replace $paddr lladdr 02:00:00:00:01:02 dev $dev nud permanent
EOF
	ip -n "$pns" -batch - <<EOF || kvmtune_fail "$peer"
addr add $paddr/24 dev $peer
link set $peer up
neigh replace $addr lladdr 02:00:00:00:01:01 dev $peer nud permanent
EOF
}

# mq_nic_pair NS PEER_NS: namespaces NS and PEER_NS and between them the
# NIC the queue tests measure: v0 (10.0.0.1) in NS, 4 queues under an mq
# root qdisc, XPS on as NIC drivers set it, counted by mq_measure
# (MQ_NIC); its peer v1 (10.0.0.2) in PEER_NS
mq_nic_pair() {
	mq_ns "$1"
	mq_ns "$2"
	mq_nic "$1" v0 "$2" v1 4 10.0.0.1 10.0.0.2
	mq_run "$1" tc qdisc replace dev v0 root mq
	mq_xps "$1" v0 on
	MQ_NIC="$1 v0"
}

# mq_xps NS DEV on|off: XPS as NIC drivers set it, TX queue i for CPU
# i mod nCPUs, or cleared
mq_xps() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	mq_run "$1" sh -c '
		n=$(nproc)
		for f in /sys/class/net/$1/queues/tx-*/xps_cpus; do
			q=${f%/xps_cpus}
			q=${q##*tx-}
			mask=0
			[ "$2" = off ] || mask=$(printf "%x" $((1 << (q % n))))
			echo "$mask" >"$f" || exit 1
		done' sh "$2" "$3"
}

# mq_tap NS NAME NQ [MASTER]: a persistent multiqueue tap, up, enslaved
mq_tap() {
	local ns=$1 name=$2 nq=$3 master=${4:-}

	ip -n "$ns" tuntap add dev "$name" mode tap multi_queue || kvmtune_fail "tuntap $name"
	[ -z "$master" ] || ip -n "$ns" link set "$name" master "$master"
	ip -n "$ns" link set "$name" up
	: "$nq"
}

# mq_hist_on / mq_hist_off: the tracepoint histogram, counting from now
mq_hist_on() {
	[ -d "$MQ_EVENT" ] || kvmtune_fail "no tracepoint net:net_dev_start_xmit in tracefs"
	echo "$MQ_HIST_KEYS" >"$MQ_EVENT/trigger" || kvmtune_fail "hist trigger"
	mq_hist_on=1
	mq_baseline
}

# shellcheck disable=SC2317 # also called from mq_cleanup
mq_hist_off() {
	[ -n "$mq_hist_on" ] || return 0
	echo "!$MQ_HIST_KEYS" >"$MQ_EVENT/trigger"
	mq_hist_on=
}

# mq_hist: "dev queue len count" lines of the histogram
mq_hist() {
	sed -n 's/^{ *name: *\([^ ,]*\) *, *queue_mapping: *\([0-9]*\), *len: *\([0-9]*\) *} *hitcount: *\([0-9]*\).*/\1 \2 \3 \4/p' \
		"$MQ_EVENT/hist"
}

# MQ_NIC="NS DEV": the device whose mq classes mq_measure also counts
MQ_NIC=

# mq_sample: "h DEV QUEUE LEN COUNT" per histogram entry (when it is on)
# and, for MQ_NIC, "c DEV QUEUE - PACKETS" and "b DEV QUEUE - BYTES" per
# mq class (class :N is TX queue N-1)
mq_sample() {
	local ns dev

	[ -z "$mq_hist_on" ] || mq_hist | sed 's/^/h /'
	[ -n "$MQ_NIC" ] || return 0
	read -r ns dev <<<"$MQ_NIC"
	ip netns exec "$ns" tc -s class show dev "$dev" | awk -v d="$dev" '
		function hex(s,  i, v) {
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(tolower(s), i, 1)) - 1
			return v
		}
		BEGIN { q = -1 }
		$1 == "class" && $2 == "mq" { split($3, id, ":"); q = hex(id[2]) - 1 }
		$1 == "Sent" && q >= 0 { print "c", d, q, "-", $4; print "b", d, q, "-", $2; q = -1 }'
}

# mq_baseline: count from now (mq_hist_on does it too)
mq_baseline() {
	mq_sample >"$TMPDIR/mq-old" || kvmtune_fail "reading the counters"
}

# mq_since: what was counted since the baseline, for the readers below,
# keeping the baseline. One read of tracefs and one tc.
mq_since() {
	mq_sample >"$TMPDIR/mq-new" || kvmtune_fail "reading the counters"
	awk 'NR == FNR { old[$1 " " $2 " " $3 " " $4] = $5; next }
	     { k = $1 " " $2 " " $3 " " $4; if ($5 - old[k]) print k, $5 - old[k] }' \
		"$TMPDIR/mq-old" "$TMPDIR/mq-new" >"$TMPDIR/mq-delta"
}

# mq_measure: what was counted since the last mq_measure (or baseline),
# which becomes the baseline, once the counters settle: the same in two
# reads 0.1 s apart (up to 3 s). A generator's last frames can still wait
# in a tunnel's qdisc, sent later from a softirq, when it returns: read
# at once, they would count in the next measure instead.
mq_measure() {
	local i

	mq_since
	for ((i = 0; i < 30; i++)); do
		cp "$TMPDIR/mq-new" "$TMPDIR/mq-last"
		kvmtune_sleep 0.1
		mq_since
		cmp -s "$TMPDIR/mq-new" "$TMPDIR/mq-last" && break
	done
	mv "$TMPDIR/mq-new" "$TMPDIR/mq-old"
}

# mq_queue_counts DEV NQ: the frames DEV sent on each of its NQ queues
# ("c0 c1 ..."), of any length, in the last measure
mq_queue_counts() {
	awk -v d="$1" -v nq="$2" '
		$1 == "h" && $2 == d { c[$3] += $5 }
		END {
			for (q = 0; q < nq; q++)
				printf "%s%d", q ? " " : "", c[q] + 0
			print ""
		}' "$TMPDIR/mq-delta"
}

# mq_check WHAT DEV NQ ADD K "LEN:QUEUE ...": in the last measure, DEV
# sent exactly K frames of each length LEN + ADD, all of them on QUEUE,
# and no other frame. (framegen gives each (VM, guest queue) a length.)
mq_check() {
	local what=$1 dev=$2 nq=$3 add=$4 k=$5 map=$6 out

	out=$(awk -v d="$dev" -v nq="$nq" -v add="$add" -v k="$k" -v map="$map" '
		BEGIN {
			n = split(map, m, " ")
			for (i = 1; i <= n; i++) {
				split(m[i], lq, ":")
				want[lq[1] + add] = lq[2]
			}
		}
		$1 == "h" && $2 == d {
			got[$4 " " $3] += $5; tot[$4] += $5; all += $5; perq[$3] += $5
		}
		END {
			bad = 0
			for (l in want)
				if (got[l " " want[l]] != k || tot[l] != k) {
					printf "length %d: %d of %d frames on queue %d, %d in all; ",
						l, got[l " " want[l]], k, want[l], tot[l]
					bad = 1
				}
			if (all != k * n) {
				printf "%d frames in all, not %d; ", all, k * n
				bad = 1
			}
			printf "queues"
			for (q = 0; q < nq; q++)
				printf " %d", perq[q]
			exit bad
		}' "$TMPDIR/mq-delta") || kvmtune_fail "$what: $dev: $out"
	echo "ok: $what: $dev: each (VM, queue) exactly on its expected queue, $out"
}

# mq_check_classes WHAT NQ K "LEN:QUEUE ...": MQ_NIC's mq classes counted
# exactly the frames mq_check expects per queue
mq_check_classes() {
	local want got

	want=$(echo "$4" | awk -v nq="$2" -v k="$3" '{
		for (i = 1; i <= NF; i++) { split($i, lq, ":"); c[lq[2]] += k }
		for (q = 0; q < nq; q++) printf "%s%d", q ? " " : "", c[q] + 0
		print ""
	}')
	got=$(awk -v nq="$2" '$1 == "c" { c[$3] += $5 }
		END {
			for (q = 0; q < nq; q++)
				printf "%s%d", q ? " " : "", c[q] + 0
			print ""
		}' "$TMPDIR/mq-delta")
	kvmtune_expect_eq "$1: mq classes of ${MQ_NIC#* }" "$want" "$got"
}

# mq_kept DEV ADD "LEN:QUEUE ...": frames of length LEN + ADD that DEV
# sent on QUEUE, summed over the map, in the last measure
mq_kept() {
	awk -v d="$1" -v add="$2" -v map="$3" '
		BEGIN {
			n = split(map, m, " ")
			for (i = 1; i <= n; i++) {
				split(m[i], lq, ":")
				want[lq[1] + add] = lq[2]
			}
		}
		$1 == "h" && $2 == d && ($4 in want) && want[$4] == $3 { kept += $5 }
		END { print kept + 0 }' "$TMPDIR/mq-delta"
}

# mq_gen NS TAP NQ [framegen options]: frames from the tap's queues
mq_gen() {
	local ns=$1 tap=$2 nq=$3

	shift 3
	ip netns exec "$ns" "$MQ_FRAMEGEN" tap "$tap" "$nq" "$@" >"$TMPDIR/framegen.out" 2>&1 ||
		{ cat "$TMPDIR/framegen.out"; kvmtune_fail "framegen on $tap"; }
}

