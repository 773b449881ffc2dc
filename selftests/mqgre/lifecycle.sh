#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mqgre's life cycle under traffic: while framegen floods an mqgretap from
# a two-queue tap and ping floods an mqgre tunnel that mqgre also receives,
# links are changed, deleted and created again, and the module is unloaded
# with its links up and loaded again, several times. Nothing may splat
# (the proving ground checks the console), every unload must succeed and
# remove every mqgre link, and what mqgre allocated must come back: its
# per-queue kernel sockets (the "UDP" slab) and its net_devices.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

H=mq-l-$$-h
P=mq-l-$$-p
ROUNDS=${MQGRE_ROUNDS:-2}
gen_pid=
ping_pid=

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	[ -z "$gen_pid" ] || kill "$gen_pid" 2>/dev/null
	[ -z "$ping_pid" ] || kill "$ping_pid" 2>/dev/null
	wait 2>/dev/null
	mq_cleanup
	kvmtune_loaded mqgre || insmod "$MQ_KO"
}
trap cleanup EXIT

# udp_objs: objects in use in the UDP socket slab, mqgre's queue sockets
# among them (shrunk first, so that the free objects of per-CPU slabs do
# not count as in use; the proving ground boots with slab_nomerge, so
# that the cache holds UDP sockets only)
udp_objs() {
	echo 1 >/sys/kernel/slab/UDP/shrink
	cut -d' ' -f1 /sys/kernel/slab/UDP/objects
}

# udp_settled: udp_objs once sockets freed after an RCU grace period (by
# earlier tests too) are gone: the same count for 2 s (10 reads in a row)
udp_settled() {
	local last=-1 n same=0 i

	for ((i = 0; i < 150 && same < 10; i++)); do
		n=$(udp_objs)
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=1; fi
		last=$n
		kvmtune_sleep 0.2
	done
	echo "$last"
}

udp_is() { [ "$(udp_objs)" = "$1" ]; }

# netns_barrier: a deleted namespace is torn down later, by a work item,
# and takes its own kernel UDP sockets (one at least) with it then: an
# earlier test's namespaces can still be going while this one counts.
# The work item tears down the dying namespaces in the order they died,
# devices before sockets, and a veth pair goes with either namespace. So
# a namespace with a veth pair into $H is deleted: once the end in $H is
# gone, every namespace deleted before it is at least that far, and
# udp_settled waits for the rest.
xb0_gone() { ! ip -n "$H" link show xb0 >/dev/null 2>&1; }
netns_barrier() {
	local x=mq-l-$$-x

	ip netns add "$x" || kvmtune_fail "netns add $x"
	ip -n "$H" link add xb0 type veth peer name xb1 netns "$x" ||
		kvmtune_fail "veth pair into $x"
	ip netns del "$x"
	kvmtune_poll_deadline 120 xb0_gone ||
		kvmtune_fail "namespace $x not torn down within 120 s"
}

# expect_udp WHAT WANT: the UDP slab comes to WANT objects in use within
# 30 s (a socket's memory goes after an RCU grace period, which a loaded
# host can stretch), and stays there: more is a leak, fewer a socket freed
# that was not ours
expect_udp() {
	local got

	kvmtune_poll_deadline 30 udp_is "$2"
	got=$(udp_settled)
	if [ "$got" != "$2" ]; then
		# what to look at: struct sockets in use (a kernel socket whose
		# sk outlives sock_release() is not one), UDP in each namespace
		echo "sockets: $(grep '^sockets:' /proc/net/sockstat)"
		for ns in "$H" "$P"; do
			echo "$ns: $(ip netns exec "$ns" grep '^UDP:' /proc/net/sockstat)"
		done
		echo "UDP slab: $(cat /sys/kernel/slab/UDP/objects)"
		# a frame parked in the NIC pair holds its owner: free the pair
		ip -n "$H" link del v0 2>/dev/null
		echo "UDP slab after deleting the NIC pair v0/v1: $(udp_settled)"
	fi
	kvmtune_expect_eq "$1" "$2" "$got"
}

mq_load
[ "$(cat /sys/kernel/slab/UDP/aliases)" = 0 ] ||
	kvmtune_fail "the UDP slab cache is merged with others: its count would be theirs too (boot with slab_nomerge)"
mq_ns "$H"
mq_ns "$P"
mq_nic "$H" v0 "$P" v1 4 10.3.0.1 10.3.0.2
ip -n "$H" -batch - <<EOF || kvmtune_fail "bridge and tap"
link add br0 type bridge
link set br0 up
tuntap add dev tapA mode tap multi_queue
link set tapA master br0 up
EOF
# namespaces have kernel UDP sockets of their own: count from here
rmmod mqgre || kvmtune_fail "rmmod mqgre before the test"
netns_barrier
base_udp=$(udp_settled)
echo "# base: UDP slab $base_udp, $(grep '^sockets:' /proc/net/sockstat)"
insmod "$MQ_KO" || kvmtune_fail "insmod"

links() { # links: create the tunnels (again)
	ip -n "$H" -batch - <<EOF || kvmtune_fail "create gt0 and mq0 (H)"
link add gt0 numtxqueues 4 type mqgretap local 10.3.0.1 remote 10.3.0.2 key 42
link set gt0 master br0 up
link add mq0 type mqgre local 10.3.0.1 remote 10.3.0.2 key 8
addr add 192.168.40.1/30 dev mq0
link set mq0 up
EOF
	ip -n "$P" -batch - <<EOF || kvmtune_fail "create mq0 (P)"
link add mq0 type mqgre local 10.3.0.2 remote 10.3.0.1 key 8
addr add 192.168.40.2/30 dev mq0
link set mq0 up
EOF
}

mqgre_links() { # mqgre_links: how many mqgre links exist in H and P
	{
		ip -n "$H" -d link show
		ip -n "$P" -d link show
	} | grep -c -E '^ +(mqgre|mqgretap) '
}

links
# gt0 has 4 queues, mq0 one per possible CPU: a socket per queue index
ncpu=$(mq_possible_cpus)
nsock=$((ncpu > 4 ? ncpu : 4))
expect_udp "UDP sockets with the tunnels (mqgre's queue sockets)" \
	$((base_udp + nsock))
# traffic for the whole test: frames into gt0, pings through mq0 both ways
ip netns exec "$H" "$MQ_FRAMEGEN" tap tapA 2 --seconds 600 --len 100 \
	--dst-mac 02:00:00:00:ff:01 >/dev/null 2>&1 &
gen_pid=$!
ip netns exec "$H" busybox ping -q -i 0.01 192.168.40.2 >/dev/null 2>&1 &
ping_pid=$!
sleep 2
kvmtune_expect_eq "mqgre links up" 3 "$(mqgre_links)"
tx0=$(ip -n "$H" -s link show gt0 | awk '$1 == "TX:" { getline; print $2 }')
[ "${tx0:-0}" -gt 0 ] || kvmtune_fail "no traffic through gt0"
echo "ok: traffic flows ($tx0 frames through gt0)"

for ((r = 1; r <= ROUNDS; r++)); do
	echo "# round $r"
	# under traffic: change GRE options, spreading, a pinned VM; delete
	# and create
	ip -n "$H" -batch - <<EOF || kvmtune_fail "changes under traffic (round $r)"
link set gt0 type mqgretap key 43 csum
link set gt0 type mqgretap spread none
link set gt0 type mqgretap spread vm vmqueues 1
link set gt0 type mqgretap vm tapA base 3 queues 1
link set gt0 type mqgretap vm tapA auto
link set mq0 type mqgre key 9
link set mq0 type mqgre key 8
link del gt0
link add gt0 numtxqueues 4 type mqgretap local 10.3.0.1 remote 10.3.0.2 key 42
link set gt0 master br0 up
EOF
	sleep 0.5
	# unload with links up and traffic flowing, load again
	rmmod mqgre || kvmtune_fail "rmmod mqgre with links up (round $r)"
	kvmtune_expect_eq "mqgre links after rmmod" 0 "$(mqgre_links)"
	insmod "$MQ_KO" || kvmtune_fail "insmod (round $r)"
	links
	sleep 0.5
done

kill "$gen_pid" "$ping_pid" 2>/dev/null
wait 2>/dev/null
gen_pid=''
ping_pid=''
# the ping must have gone through the last tunnels
got=$(mq_ping_received "$H" -q -c 3 -i 0.2 -W 3 192.168.40.2)
kvmtune_expect_eq "ping through mq0 after the rounds" "3 packets received" "$got"

kvmtune_expect_eq "mqgre's module references" 0 "$(cat /sys/module/mqgre/refcnt)"
# counted again just before the unload, with traffic stopped: what the
# unload frees is mqgre's sockets, whatever else came and went
last_udp=$(udp_settled)
echo "# before the final rmmod: UDP slab $last_udp (base $base_udp)"
rmmod mqgre || kvmtune_fail "final rmmod"
kvmtune_expect_eq "mqgre links after the final rmmod" 0 "$(mqgre_links)"
expect_udp "UDP sockets after unloading (mqgre's $nsock queue sockets freed)" \
	$((last_udp - nsock))
# and nothing of the rounds' unloads under traffic stayed
expect_udp "UDP sockets after unloading, against the base" "$base_udp"
insmod "$MQ_KO" || kvmtune_fail "insmod at the end"
echo "ok: lifecycle"
