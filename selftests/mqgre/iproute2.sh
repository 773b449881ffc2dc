#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The iproute2 plugin with Debian's own ip (IP_LIB_DIR): create, show
# (text and JSON), change and delete mqgre and mqgretap links with every
# option gre and gretap know and every option mqgre adds; ip's error
# messages carry mqgre's extack; an mqgre tunnel that would receive what
# an ip_gre tunnel receives is refused with EADDRINUSE.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

N=mq-i-$$

trap mq_cleanup EXIT
mq_load
mq_ns "$N"
ip -n "$N" link add u0 type veth peer name u1 || kvmtune_fail "veth"
ip -n "$N" addr add 10.4.0.1/24 dev u0
ip -n "$N" link set u0 up
ip -n "$N" link set u1 up

# show DEV: ip -d link show's attribute line(s) for DEV
show() {
	ip -n "$N" -d link show "$1" || kvmtune_fail "ip -d link show $1"
}

# has DEV WORDS...: every word (words separated by spaces) is in ip -d's
# output
has() {
	local dev=$1 out missing

	shift
	out=$(show "$dev" | tr '\n' ' ')
	missing=$(printf '%s\n' "$@" | awk -v out=" $out " '
		index(out, " " $0 " ") == 0 { print "\"" $0 "\"" }')
	[ -z "$missing" ] || kvmtune_fail "'ip -d link show $dev' lacks $missing: $out"
	echo "ok: $dev shows $*"
}

# json DEV "KEY":VALUE...: in ip -j -d's output
json() {
	local dev=$1 out missing

	shift
	out=$(ip -n "$N" -j -d link show "$dev")
	missing=$(printf '%s\n' "$@" | awk -v out="$out" 'index(out, $0) == 0')
	[ -z "$missing" ] || kvmtune_fail "ip -j -d link show $dev lacks $missing: $out"
	echo "ok: $dev JSON has $*"
}

# fails MESSAGE CMD...: ip fails, printing MESSAGE (mqgre's extack)
fails() {
	local msg=$1 out

	shift
	out=$("$@" 2>&1) && kvmtune_fail "'$*' succeeded"
	echo "$out" | grep -qF "$msg" || kvmtune_fail "'$*': '$out' lacks '$msg'"
	echo "ok: '$*' refused: $out"
}

ncpu=$(mq_possible_cpus)

echo "# mqgretap with every option"
ip -n "$N" link add gt0 type mqgretap local 10.4.0.1 remote 10.4.0.2 \
	ikey 1.2.3.4 okey 5 csum seq ttl 17 tos 0x10 nopmtudisc ignore-df \
	dev u0 fwmark 0x20 spread none vmqueues 1 || kvmtune_fail "ip link add mqgretap"
has gt0 mqgretap "remote 10.4.0.2" "local 10.4.0.1" "dev u0" "ttl 17" \
	"tos 0x10" nopmtudisc ignore-df "ikey 1.2.3.4" "okey 0.0.0.5" iseq oseq \
	icsum ocsum "fwmark 0x20" "spread none" "vmqueues 1" "vms 0" \
	"numtxqueues $ncpu"
json gt0 '"spread":"none"' '"vmqueues":1' '"vm_count":0' "\"num_tx_queues\":$ncpu"
mtu=$(ip -n "$N" -j link show gt0 | grep -o '"mtu":[0-9]*' | cut -d: -f2)
# u0's 1500 less 20 IP, 16 GRE (csum, key, seq), 14 Ethernet
kvmtune_expect_eq "mqgretap mtu" 1450 "$mtu"

echo "# changes: GRE options keep mqgre's, mqgre's keep GRE's"
ip -n "$N" link set gt0 type mqgretap key 9 nocsum noseq ttl inherit ||
	kvmtune_fail "change GRE options"
has gt0 "ikey 0.0.0.9" "okey 0.0.0.9" "ttl inherit" "spread none" "vmqueues 1" \
	"remote 10.4.0.2" "fwmark 0x20"
show gt0 | grep -Eq 'iseq|icsum' && kvmtune_fail "seq or csum still on"
ip -n "$N" link set gt0 type mqgretap spread vm vmqueues auto ||
	kvmtune_fail "change mqgre options"
has gt0 "spread vm" "vmqueues auto" "ikey 0.0.0.9" "remote 10.4.0.2" "ttl inherit" \
	"dev u0"
json gt0 '"vmqueues":0'

echo "# VMs placed by hand, shown, unpinned"
ip -n "$N" tuntap add dev tapx mode tap multi_queue || kvmtune_fail "tap"
ip -n "$N" link set gt0 type mqgretap vm tapx base 1 queues 1 || kvmtune_fail "pin tapx"
ip -n "$N" link set gt0 type mqgretap vm u1 queues 1 || kvmtune_fail "pin u1 (base 0)"
has gt0 "vms 2" "vm u1 queues 0 pinned" "vm tapx queues 1 pinned"
tapx=$(ip -n "$N" -j link show tapx | grep -o '"ifindex":[0-9]*' | cut -d: -f2)
json gt0 '"vm_count":2' \
	"{\"dev\":\"tapx\",\"ifindex\":$tapx,\"base\":1,\"queues\":1,\"pinned\":true,\"shared\":false}"
ip -n "$N" link set gt0 type mqgretap vm tapx auto || kvmtune_fail "unpin tapx"
has gt0 "vms 1"
ip -n "$N" link del tapx
ip -n "$N" link set gt0 type mqgretap vm u1 auto || kvmtune_fail "unpin u1"
has gt0 "vms 0"

echo "# the plugin's own errors, and mqgre's through ip"
fails 'vm DEV wants' ip -n "$N" link set gt0 type mqgretap vm u1 base 1
fails 'no such device' ip -n "$N" link set gt0 type mqgretap vm nosuchdev auto
fails 'spread is "vm" or "none"' ip -n "$N" link set gt0 type mqgretap spread all
fails 'invalid vmqueues' ip -n "$N" link set gt0 type mqgretap vmqueues -1
fails 'Error: mqgre: VM queues go beyond the tunnel' \
	ip -n "$N" link set gt0 type mqgretap vm u1 base "$ncpu" queues 1
fails 'Error: mqgre: remote address required' \
	ip -n "$N" link add gt1 type mqgretap local 10.4.0.1
fails 'Error: mqgre: remote must be a unicast IPv4 address' \
	ip -n "$N" link add gt1 type mqgretap local 10.4.0.1 remote 255.255.255.255
fails 'Error: mqgre: an mqgre tunnel with the same endpoints and key exists' \
	ip -n "$N" link add gt1 type mqgretap local 10.4.0.1 remote 10.4.0.2 key 9 dev u0
ip -n "$N" link show gt1 >/dev/null 2>&1 && kvmtune_fail "gt1 exists"
ip link help mqgretap 2>&1 | grep -q 'vm DEV { base QUEUE queues NUMBER | auto }' ||
	kvmtune_fail "ip link help mqgretap lacks mqgre's options"
echo "ok: ip link help mqgretap"

echo "# mqgre (L3), numtxqueues 8"
ip -n "$N" link add mq0 numtxqueues 8 type mqgre local 10.4.0.1 remote 10.4.0.3 \
	key 77 || kvmtune_fail "ip link add mqgre"
has mq0 mqgre "remote 10.4.0.3" "ikey 0.0.0.77" "spread vm" "vmqueues auto" \
	"numtxqueues 8"
ip -n "$N" link set mq0 type mqgre remote 10.4.0.4 || kvmtune_fail "change mqgre remote"
# ip's gre parser reads the link's GRE options back and sends them all
has mq0 "remote 10.4.0.4" "ikey 0.0.0.77" "spread vm"

echo "# side by side with ip_gre"
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
ip -n "$N" link add gs0 type gretap local 10.4.0.1 remote 10.4.0.5 key 3 ||
	kvmtune_fail "gretap"
fails 'Error: mqgre: an ip_gre tunnel in this namespace has the same endpoints and key' \
	ip -n "$N" link add gt1 type mqgretap local 10.4.0.1 remote 10.4.0.5 key 3
ip -n "$N" link add gt1 type mqgretap local 10.4.0.1 remote 10.4.0.5 key 4 ||
	kvmtune_fail "mqgretap next to a gretap with another key"
echo "ok: mqgretap next to gretap"

echo "# delete"
for d in gt0 gt1 mq0; do
	ip -n "$N" link del "$d" || kvmtune_fail "delete $d"
	ip -n "$N" link show "$d" >/dev/null 2>&1 && kvmtune_fail "$d still exists"
done
echo "ok: iproute2"
