#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: mqgre keeps the queue a guest chose. Two "VMs" (multiqueue
# taps written by framegen, two guest queues each) in a bridge with a
# tunnel, over a 4-queue "NIC" (veth, mq root qdisc, XPS as NIC drivers set
# it). The same frames go once through mqgretap and once through stock
# gretap; the NIC's per-queue counters say where they left.
#
#   ns H: tapA, tapB -- br0 -- gt0 (mqgretap or gretap, key 42) -- v0 (4 queues)
#   ns P:                                                           v1

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

K=200
H=mq-demo-$$-h
P=mq-demo-$$-p
DST=02:00:00:00:ff:01
declare -A MAC=([tapA]=02:00:00:00:0a:01 [tapB]=02:00:00:00:0b:01)
declare -A LEN=([tapA]=100 [tapB]=120)

trap mq_cleanup EXIT
mq_load
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
cpus=1,0
[ "$(nproc)" -gt 1 ] || cpus=0,0

mq_nic_pair "$H" "$P"
ip -n "$H" -batch - <<EOS || kvmtune_fail "bridge and taps"
link add br0 type bridge
link set br0 up
tuntap add dev tapA mode tap multi_queue
tuntap add dev tapB mode tap multi_queue
link set tapA master br0 up
link set tapB master br0 up
EOS
mq_hist_on

# send: K frames from each guest queue of both VMs; the NIC's queues
send() {
	local tap

	for tap in tapA tapB; do
		mq_gen "$H" "$tap" 2 --frames "$K" --cpus "$cpus" --len "${LEN[$tap]}" \
			--len-step 4 --src-mac "${MAC[$tap]}" --dst-mac "$DST"
	done
	mq_measure
	mq_queue_counts v0 4
}

echo "== mqgretap gt0, 4 queues, in br0 (Debian's ip, with kvmtune's plugin)"
echo "\$ ip link add gt0 numtxqueues 4 type mqgretap local 10.0.0.1 remote 10.0.0.2 key 42"
ip -n "$H" link add gt0 numtxqueues 4 type mqgretap local 10.0.0.1 remote 10.0.0.2 key 42 ||
	kvmtune_fail "mqgretap"
ip -n "$H" link set gt0 master br0 up
echo "== $((2 * K)) frames from each VM, $K per guest queue"
mq=$(send)
echo "\$ ip -d link show gt0"
ip -n "$H" -d link show gt0
ip -n "$H" link del gt0

ip -n "$H" link add gt0 type gretap local 10.0.0.1 remote 10.0.0.2 key 42 ||
	kvmtune_fail "gretap"
ip -n "$H" link set gt0 master br0 up
stock=$(send)
ip -n "$H" link del gt0

echo "== frames per NIC queue (v0 tx-0 .. tx-3), the same $((4 * K)) frames"
printf '%-16s %8s %8s %8s %8s\n' tunnel tx-0 tx-1 tx-2 tx-3
# shellcheck disable=SC2086 # the four counts
printf '%-16s %8s %8s %8s %8s\n' mqgretap $mq
# shellcheck disable=SC2086
printf '%-16s %8s %8s %8s %8s\n' "stock gretap" $stock
echo "mqgretap: each (VM, guest queue) on a NIC queue of its own;"
echo "stock gretap: one tunnel queue, so the NIC queue is whatever XPS picks for the sending CPU"
kvmtune_expect_eq "mqgretap, frames per NIC queue" "$K $K $K $K" "$mq"
