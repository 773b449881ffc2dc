#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact per-queue delivery: K frames sent on each (VM, guest queue) leave
# the tunnel on exactly one expected tunnel queue and the NIC on exactly
# one expected NIC queue, and on no other. Each (VM, guest queue) sends
# frames of a length of its own, and the kernel's net:net_dev_start_xmit
# tracepoint counts frames per device, queue and length; the NIC's mq
# classes count them per queue as a second witness.
#
#   ns H:  tapA, tapB, tapC (2 queues each, written by framegen)
#            \  |  /
#             br0 ---- gt0 (mqgretap, key 42) --+
#          tapR -- route -- mq0 (mqgre, key 7) --+-- v0 (4 queues, mq root,
#                                                |     XPS on or off)
#   ns P:                                        +-- v1
#
# - bridged, XPS set as NIC drivers set it: 2 VMs x 2 queues on a 4-queue
#   NIC, each (VM, queue) on a NIC queue of its own
# - XPS cleared, and the VMs pinned by hand the other way round
# - folding: 3 VMs on 8 tunnel queues (the NIC folds queues 4-5 onto 0-1)
#   and on 4 tunnel queues (the third VM shares queues 0-1)
# - spread none: the VMs' queues collide, as documented
# - the routed path, through mqgre
# - the peers, stock gretap and gretap with numtxqueues 4 and noqueue: the
#   same frames lose their queue at the NIC (the baseline row)
#
# The writer of guest queue q runs on CPU (q + 1) mod nCPUs, so that the
# CPU, which XPS goes by, says nothing about the guest's queue, as for a
# vhost-net worker.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

K=${MQGRE_K:-50}
H=mq-q-$$-h
P=mq-q-$$-p
DST=02:00:00:00:ff:01
# per VM: its frames' source MAC and length (queue 1's are 4 bytes longer)
declare -A MAC=([tapA]=02:00:00:00:0a:01 [tapB]=02:00:00:00:0b:01
	[tapC]=02:00:00:00:0c:01 [tapR]=02:00:00:00:0d:01)
declare -A LEN=([tapA]=100 [tapB]=120 [tapC]=140 [tapR]=160)
# at the NIC: + 4 + 4 GRE (key), 20 IP, 14 Ethernet
OUTER=42

trap mq_cleanup EXIT
mq_load

ncpu=$(nproc)
cpus=
for ((q = 0; q < 2; q++)); do
	cpus+=${cpus:+,}$(((q + 1) % ncpu))
done

mq_nic_pair "$H" "$P"
ip -n "$H" -batch - <<EOF || kvmtune_fail "bridge and taps"
link add br0 type bridge
link set br0 up
tuntap add dev tapA mode tap multi_queue
tuntap add dev tapB mode tap multi_queue
tuntap add dev tapC mode tap multi_queue
tuntap add dev tapR mode tap multi_queue
link set tapA master br0 up
link set tapB master br0 up
link set tapC master br0 up
link set tapR up
addr add 192.168.50.1/24 dev tapR
EOF
mq_hist_on

mq_gt0() { # mq_gt0 NUMTXQ: (re)create the mqgretap, in br0
	ip -n "$H" link del gt0 2>/dev/null
	ip -n "$H" -batch - <<EOF || kvmtune_fail "mqgretap numtxqueues $1"
link add gt0 numtxqueues $1 type mqgretap local 10.0.0.1 remote 10.0.0.2 key 42
link set gt0 master br0 up
EOF
}

gen() { # gen TAP [framegen options]: K frames from each of its 2 queues
	local tap=$1

	shift
	mq_gen "$H" "$tap" 2 --frames "$K" --cpus "$cpus" --len "${LEN[$tap]}" \
		--len-step 4 --src-mac "${MAC[$tap]}" --dst-mac "$DST" "$@"
}

# map TAP Q0 Q1: "LEN:QUEUE" of the tap's two guest queues
map() {
	echo "${LEN[$1]}:$2 $((${LEN[$1]} + 4)):$3"
}

# check WHAT TUNNEL NQ TUNNEL_MAP NIC_MAP: after mq_measure
check() {
	mq_check "$1" "$2" "$3" 0 "$K" "$4"
	mq_check "$1" v0 4 "$OUTER" "$K" "$5"
	mq_check_classes "$1" 4 "$K" "$5"
}

echo "# [${SECONDS}s] bridged, mqgretap with 4 queues, XPS on: 2 VMs x 2 queues, 4 NIC queues"
mq_gt0 4
gen tapA
gen tapB
mq_measure
m="$(map tapA 0 1) $(map tapB 2 3)"
check "XPS on" gt0 4 "$m" "$m"
ip -n "$H" -d link show gt0 | grep -E 'vm tap' | sed 's/^/# /'

echo "# [${SECONDS}s] XPS cleared, VMs pinned by hand: tapA on queues 2-3, tapB on 0-1"
mq_xps "$H" v0 off
ip -n "$H" link set gt0 type mqgretap vm tapA base 2 queues 2 || kvmtune_fail "pin tapA"
ip -n "$H" link set gt0 type mqgretap vm tapB base 0 queues 2 || kvmtune_fail "pin tapB"
gen tapB
gen tapA
mq_measure
m="$(map tapA 2 3) $(map tapB 0 1)"
check "XPS off, pinned" gt0 4 "$m" "$m"
mq_xps "$H" v0 on

echo "# [${SECONDS}s] folding at the NIC: 3 VMs on 8 tunnel queues, 4 NIC queues"
mq_gt0 8
gen tapA
gen tapB
gen tapC
mq_measure
check "8 tunnel queues" gt0 8 "$(map tapA 0 1) $(map tapB 2 3) $(map tapC 4 5)" \
	"$(map tapA 0 1) $(map tapB 2 3) $(map tapC 0 1)"

echo "# [${SECONDS}s] folding in the tunnel: 3 VMs on 4 tunnel queues, the third shares"
mq_gt0 4
gen tapA
gen tapB
gen tapC
mq_measure
m="$(map tapA 0 1) $(map tapB 2 3) $(map tapC 0 1)"
check "3 VMs, 4 tunnel queues" gt0 4 "$m" "$m"
ip -n "$H" -j -d link show gt0 | grep -q '"dev":"tapC"[^}]*"shared":true' ||
	kvmtune_fail "tapC is not reported as sharing queues"
echo "ok: tapC is reported as sharing queues 0-1"

echo "# [${SECONDS}s] spread none: tunnel queue = guest queue, tapB on 0-1"
ip -n "$H" link set gt0 type mqgretap spread none || kvmtune_fail "spread none"
gen tapB
mq_measure
check "spread none" gt0 4 "$(map tapB 0 1)" "$(map tapB 0 1)"
ip -n "$H" link del gt0

echo "# [${SECONDS}s] routed: tapR -> route -> mqgre (L3, key 7), XPS on"
ip -n "$H" -batch - <<EOF || kvmtune_fail "mqgre"
link add mq0 numtxqueues 4 type mqgre local 10.0.0.1 remote 10.0.0.2 key 7
link set mq0 up
route add 192.168.60.0/24 dev mq0
EOF
mq_run "$H" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.tapR.rp_filter=0
rmac=$(ip -n "$H" -br link show tapR | awk '{ print $3 }')
gen_routed() {
	gen tapR --dst-mac "$rmac" --src-ip 192.168.50.2 --dst-ip 192.168.60.2
	mq_measure
}
# mq0 sends the IP packet (no Ethernet header), v0 the same 42 bytes more
gen_routed
mq_check "routed" mq0 4 -14 "$K" "$(map tapR 0 1)"
mq_check "routed" v0 4 $((OUTER - 14)) "$K" "$(map tapR 0 1)"
mq_check_classes "routed" 4 "$K" "$(map tapR 0 1)"
ip -n "$H" link set mq0 type mqgre vm tapR base 2 queues 2 || kvmtune_fail "pin tapR"
gen_routed
mq_check "routed, pinned" mq0 4 -14 "$K" "$(map tapR 2 3)"
mq_check "routed, pinned" v0 4 $((OUTER - 14)) "$K" "$(map tapR 2 3)"
ip -n "$H" link del mq0

# The peers, same frames. A frame "kept" its queue if it left the NIC on
# the queue that mqgretap gives it.
echo "# [${SECONDS}s] peer rows (stock ip_gre), same frames, XPS on"
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
mq_map="$(map tapA 0 1) $(map tapB 2 3)"
for peer in "gretap" "gretap numtxqueues 4, noqueue"; do
	ip -n "$H" link del gs0 2>/dev/null
	if [ "$peer" = gretap ]; then
		ip -n "$H" link add gs0 type gretap local 10.0.0.1 remote 10.0.0.2 key 42 ||
			kvmtune_fail "gretap"
		nq=1
		tmap="$(map tapA 0 0) $(map tapB 0 0)"
	else
		ip -n "$H" link add gs0 numtxqueues 4 type gretap local 10.0.0.1 \
			remote 10.0.0.2 key 42 || kvmtune_fail "gretap numtxqueues 4"
		mq_run "$H" tc qdisc replace dev gs0 root noqueue
		nq=4
		tmap="$(map tapA 0 1) $(map tapB 0 1)"
	fi
	ip -n "$H" link set gs0 master br0 up
	gen tapA
	gen tapB
	mq_measure
	# the tunnel queue is exactly known for both
	mq_check "$peer" gs0 "$nq" 0 "$K" "$tmap"
	kept=$(mq_kept v0 "$OUTER" "$mq_map")
	echo "# $peer: NIC queues $(mq_queue_counts v0 4), $((100 * kept / (4 * K)))% of the frames kept their queue (mqgretap: 100%)"
	[ "$kept" -lt $((4 * K)) ] ||
		kvmtune_fail "$peer kept every queue: the test no longer shows what mqgre fixes"
	ip -n "$H" link del gs0
done
echo "ok: queues"
