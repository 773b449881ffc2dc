#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The MTU and the GRE key, checksum and sequence options behave as
# gretap's, and mqgre and ip_gre live side by side: an mqgretap in
# namespace A talks to a stock gretap in namespace B (ip_gre loaded, and
# receiving there) with the same options, both ways; mismatched options
# drop frames on the same counters as gretap; the MTU and its limits are
# gretap's. A's GRE packets are taken by mqgre, B's by ip_gre.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

A=mq-o-$$-a
B=mq-o-$$-b

trap mq_cleanup EXIT
mq_load
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
mq_ns "$A"
mq_ns "$B"
mq_nic "$A" a0 "$B" b0 2 10.2.0.1 10.2.0.2

mtu() { ip -n "$1" -j link show "$2" | grep -o '"mtu":[0-9]*' | cut -d: -f2; }
# rxerr NS DEV FIELD: a receive error counter (crc, fifo)
rxerr() {
	ip -n "$1" -s -s link show "$2" | awk -v f="$3" '
		$1 == "RX" && $2 == "errors:" { for (i = 3; i <= NF; i++) if ($i == f) c = i - 2
			getline; print $c }'
}

# pair "A OPTIONS" "B OPTIONS": A's mqgretap and B's gretap, addressed
pair() {
	ip -n "$A" link del tnl 2>/dev/null
	ip -n "$B" link del tnl 2>/dev/null
	ip -n "$A" -batch - <<EOF || kvmtune_fail "mqgretap $1"
link add name tnl address 02:00:00:00:30:01 type mqgretap local 10.2.0.1 remote 10.2.0.2 $1
addr add 192.168.30.1/24 dev tnl
link set tnl up
neigh replace 192.168.30.2 lladdr 02:00:00:00:30:02 dev tnl nud permanent
EOF
	ip -n "$B" -batch - <<EOF || kvmtune_fail "gretap $2"
link add name tnl address 02:00:00:00:30:02 type gretap local 10.2.0.2 remote 10.2.0.1 $2
addr add 192.168.30.2/24 dev tnl
link set tnl up
neigh replace 192.168.30.1 lladdr 02:00:00:00:30:01 dev tnl nud permanent
EOF
}

ping_ok() { # ping_ok NS ADDR WHAT: 3 pings, 3 replies
	local got

	got=$(mq_ping_received "$1" -q -c 3 -i 0.2 -W 3 "$2")
	kvmtune_expect_eq "$3: ping from $1" "3 packets received" "$got"
}

ping_lost() { # ping_lost NS ADDR WHAT: 2 pings, no reply
	local got

	got=$(mq_ping_received "$1" -q -c 2 -i 0.2 -W 1 "$2")
	kvmtune_expect_eq "$3: ping from $1 lost" "0 packets received" "$got"
}

for opts in "key 42 csum seq" "" "ikey 7 okey 9|ikey 9 okey 7"; do
	a=${opts%|*}
	b=${opts#*|}
	pair "$a" "$b"
	kvmtune_expect_eq "mtu with '$a' (gretap's)" "$(mtu "$B" tnl)" "$(mtu "$A" tnl)"
	ping_ok "$A" 192.168.30.2 "'$a' <-> gretap '$b'"
	ping_ok "$B" 192.168.30.1 "gretap '$b' <-> '$a'"
done

# MTU limits: the same values are taken and refused
for m in 9000 65535 67; do
	ip -n "$A" link set tnl mtu "$m" 2>/dev/null
	ra=$?
	ip -n "$B" link set tnl mtu "$m" 2>/dev/null
	rb=$?
	kvmtune_expect_eq "mtu $m taken or refused as by gretap" "$rb $(mtu "$B" tnl)" "$ra $(mtu "$A" tnl)"
done

# Mismatches, made by changing a live tunnel (ip keeps what a change does
# not name), counted as gretap counts them.
change() { # change NS KIND OPTIONS: ip's gre parser keeps what is not named
	local ns=$1 kind=$2

	shift 2
	ip -n "$ns" link set tnl type "$kind" "$@" || kvmtune_fail "[$ns] change $kind $*"
}
# lost NS ADDR WHAT RX_NS COUNTER: pings lost, counted at RX_NS
lost() {
	local before after

	before=$(rxerr "$4" tnl "$5")
	ping_lost "$1" "$2" "$3"
	after=$(rxerr "$4" tnl "$5")
	kvmtune_expect_eq "$3: $5 errors at $4" 2 $((after - before))
}
change "$A" mqgretap key 42
change "$B" gretap key 43
ping_lost "$A" 192.168.30.2 "key 42 vs 43"
change "$B" gretap key 42 icsum
lost "$A" 192.168.30.2 "no csum vs icsum (gretap)" "$B" crc
change "$B" gretap noicsum
change "$A" mqgretap icsum
lost "$B" 192.168.30.1 "icsum (mqgretap) vs no csum" "$A" crc
change "$A" mqgretap noicsum iseq
lost "$B" 192.168.30.1 "iseq (mqgretap) vs no seq" "$A" fifo
change "$A" mqgretap noiseq
change "$B" gretap iseq
lost "$A" 192.168.30.2 "no seq vs iseq (gretap)" "$B" fifo

# and back to matching options, with the checksum on: it works again
change "$A" mqgretap key 44 csum
change "$B" gretap key 44 csum noiseq
kvmtune_expect_eq "mtu after adding csum (gretap's)" "$(mtu "$B" tnl)" "$(mtu "$A" tnl)"
ping_ok "$A" 192.168.30.2 "changed to key 44 csum"
echo "ok: options"
