#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel traffic both ways, mqgre at both ends: ping and a UDP stream
# through an mqgretap (L2) and an mqgre (L3) tunnel between two network
# namespaces, each way, and the tunnels' counters match exactly what was
# sent (neighbours are static and IPv6 is off, so nothing else is).
#
#   ns A: a0 10.1.0.1 -- veth -- b0 10.1.0.2 :ns B
#         gt 192.168.10.1/24 (mqgretap, key 5) <-> gt 192.168.10.2/24
#         mq 192.168.20.1/30 (mqgre, key 6)    <-> mq 192.168.20.2/30

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

A=mq-t-$$-a
B=mq-t-$$-b
PINGS=5
DGRAMS=${MQGRE_DGRAMS:-200}

trap mq_cleanup EXIT
mq_load
mq_ns "$A"
mq_ns "$B"
mq_nic "$A" a0 "$B" b0 2 10.1.0.1 10.1.0.2

# tunnels, at A then at B: me, local, remote, peer's number
for ns in "$A:1:10.1.0.1:10.1.0.2:2" "$B:2:10.1.0.2:10.1.0.1:1"; do
	IFS=: read -r n me l r peer <<<"$ns"
	ip -n "$n" -batch - <<EOF || kvmtune_fail "[$n] tunnels"
link add gt address 02:00:00:00:10:0$me type mqgretap local $l remote $r key 5
link add mq type mqgre local $l remote $r key 6
addr add 192.168.10.$me/24 dev gt
addr add 192.168.20.$me/30 dev mq
link set gt up
link set mq up
neigh replace 192.168.10.$peer lladdr 02:00:00:00:10:0$peer dev gt nud permanent
EOF
done

# stats NS: "DEV tx_packets rx_packets rx_errors" of gt and mq
stats() {
	ip -n "$1" -s link show | awk '
		/^[0-9]+: / { dev = "" }
		$2 ~ /^(gt|mq)@/ { split($2, d, "@"); dev = d[1] }
		$1 == "RX:" && dev { getline; rx[dev] = $2; rxe[dev] = $3 }
		$1 == "TX:" && dev { getline; tx[dev] = $2 }
		END { print "gt", tx["gt"], rx["gt"], rxe["gt"]; print "mq", tx["mq"], rx["mq"], rxe["mq"] }'
}

# the UDP stream: a receiver in each namespace on both tunnel addresses,
# counting, then a sender in each, DGRAMS datagrams of 200 bytes to both
# of the other's
udp_recv() { # udp_recv NS ME FILE: FILE.ready once listening, FILE.out
	rm -f "$3.ready"
	ip netns exec "$1" python3 -c '
import select, socket, sys
n = int(sys.argv[2])
socks = []
for a in sys.argv[3:5]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # SO_RCVBUFFORCE: room for every datagram, however slowly this reads
    s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)
    s.bind((a, 9000))
    socks.append(s)
open(sys.argv[1] + ".ready", "w").close()
got = [0, 0]
while got[0] < n or got[1] < n:
    r, _, _ = select.select(socks, [], [], 10)
    if not r:
        break
    for s in r:
        s.recv(2048)
        got[socks.index(s)] += 1
print(got[0], got[1])' "$3" "$DGRAMS" "192.168.10.$2" "192.168.20.$2" >"$3.out" &
}
udp_send() { # udp_send NS PEER
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    for a in sys.argv[2:4]:
        s.sendto(bytes(200), (a, 9000))' "$DGRAMS" "192.168.10.$2" "192.168.20.$2" ||
		kvmtune_fail "UDP sender in $1"
}

read -r -d '' a0 < <(stats "$A")
read -r -d '' b0 < <(stats "$B")
for net in 192.168.10 192.168.20; do
	got=$(mq_ping_received "$A" -q -c "$PINGS" -i 0.2 -W 5 "$net.2")
	kvmtune_expect_eq "ping A -> $net.2" "$PINGS packets received" "$got"
	got=$(mq_ping_received "$B" -q -c "$PINGS" -i 0.2 -W 5 "$net.1")
	kvmtune_expect_eq "ping B -> $net.1" "$PINGS packets received" "$got"
done
udp_recv "$A" 1 "$TMPDIR/udp.a"
udp_recv "$B" 2 "$TMPDIR/udp.b"
for ((i = 0; i < 300; i++)); do
	[ -f "$TMPDIR/udp.a.ready" ] && [ -f "$TMPDIR/udp.b.ready" ] && break
	sleep 0.1
done
udp_send "$A" 2
udp_send "$B" 1
wait
kvmtune_expect_eq "UDP A -> B over gt and mq: datagrams received" "$DGRAMS $DGRAMS" \
	"$(cat "$TMPDIR/udp.b.out")"
kvmtune_expect_eq "UDP B -> A over gt and mq: datagrams received" "$DGRAMS $DGRAMS" \
	"$(cat "$TMPDIR/udp.a.out")"
read -r -d '' a1 < <(stats "$A")
read -r -d '' b1 < <(stats "$B")

# each side, each tunnel: its echo requests, its echo replies, its datagrams
want=$((2 * PINGS + DGRAMS))
for dev in gt mq; do
	read -r _ atx0 arx0 _ < <(grep "^$dev " <<<"$a0")
	read -r _ btx0 brx0 _ < <(grep "^$dev " <<<"$b0")
	read -r _ atx1 arx1 arxe < <(grep "^$dev " <<<"$a1")
	read -r _ btx1 brx1 brxe < <(grep "^$dev " <<<"$b1")
	kvmtune_expect_eq "$dev: A sent" "$want" $((atx1 - atx0))
	kvmtune_expect_eq "$dev: B received" "$want" $((brx1 - brx0))
	kvmtune_expect_eq "$dev: B sent" "$want" $((btx1 - btx0))
	kvmtune_expect_eq "$dev: A received" "$want" $((arx1 - arx0))
	kvmtune_expect_eq "$dev: receive errors" "0 0" "$arxe $brxe"
done
echo "ok: traffic"
