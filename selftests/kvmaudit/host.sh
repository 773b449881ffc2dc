#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# audit/host: kvmaudit's host checks on a host with no VMs (the proving
# ground with two NUMA nodes, @numa 2), each setting first good, then bad,
# asserting verdict and evidence exactly: transparent hugepages, KSM
# across nodes, zone_reclaim_mode, swappiness, NUMA balancing, numastat
# (bracketed by readings before and after), NIC IRQs (none here),
# halt_poll_ns, and GRE tunnels with and without queues and XPS.

ka_here=$(dirname "$0")
# shellcheck source=ka_lib.sh
. "$ka_here/ka_lib.sh"

THP=/sys/kernel/mm/transparent_hugepage
KSM=/sys/kernel/mm/ksm
HPN=/sys/module/kvm/parameters/halt_poll_ns

[ "$(cat /sys/devices/system/node/online)" = 0-1 ] ||
	kvmtune_fail "want two NUMA nodes (@numa 2), have $(cat /sys/devices/system/node/online)"
kvmtune_loaded kvm || kvmtune_fail "kvm is not loaded"

# restore what we change
saved=()
save() {
	local f
	for f in "$@"; do
		saved+=("$f=$(sed -n 's/.*\[\(.*\)\].*/\1/p;t;p' "$f")")
	done
}
save $THP/enabled $THP/defrag $KSM/run $KSM/merge_across_nodes \
	/proc/sys/vm/zone_reclaim_mode /proc/sys/kernel/numa_balancing $HPN
cleanup() {
	local s
	ip link del gre1 2>/dev/null
	ip link del gre2 2>/dev/null
	ip link del dummy0 2>/dev/null
	echo 2 >$KSM/run
	for s in "${saved[@]}"; do
		echo "${s#*=}" >"${s%%=*}" 2>/dev/null
	done
	rm -rf "$ka_tmp"
}
trap cleanup EXIT

host_checks=mem.thp,mem.ksm,mem.zone_reclaim,mem.swappiness,mem.numa_balancing
host_checks+=,irq.nic_cpus,idle.halt_poll_ns,net.gre_queues,net.gre_xps

swappiness=$(cat /proc/sys/vm/swappiness)
swap_kib=$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)
cpu=$(awk -F': ' '/^vendor_id/ && !v { v = $2 } /^cpu family/ && !f { f = $2 }
	/^model\t/ && !m { m = $2 } END { printf "%s/%d/%d", v, f, m }' /proc/cpuinfo)
khd=$(cat $THP/khugepaged/defrag)
grow=$(cat /sys/module/kvm/parameters/halt_poll_ns_grow)
shrink=$(cat /sys/module/kvm/parameters/halt_poll_ns_shrink)

ka_step "good settings, no VMs"
echo always >$THP/enabled
echo madvise >$THP/defrag
echo 0 >$KSM/run
echo 1 >$KSM/merge_across_nodes
echo 0 >/proc/sys/vm/zone_reclaim_mode
echo 1 >/proc/sys/kernel/numa_balancing
echo 200000 >$HPN
ka_audit_text good -c "$host_checks"
ka_expect good text <<EXPECT
vms -
gone -
mem.thp host - PASS enabled=always defrag=madvise khugepaged_defrag=$khd
reason mem.thp host - ^THP for all memory$
mem.ksm host - PASS run=0 merge_across_nodes=1 pages_shared=0 pages_sharing=0 nodes=2
reason mem.ksm host - ^KSM is not running and nothing is merged$
mem.zone_reclaim host - PASS zone_reclaim_mode=0
mem.swappiness host - PASS swappiness=$swappiness swap_kib=$swap_kib cpu=$cpu
mem.numa_balancing host - PASS nodes=2 numa_balancing=1
irq.nic_cpus host - SKIP
reason irq.nic_cpus host - ^no NIC with IRQs \(no /sys/class/net/\*/device with MSI or legacy IRQs\)$
idle.halt_poll_ns host - PASS halt_poll_ns=200000 halt_poll_ns_grow=$grow halt_poll_ns_shrink=$shrink
net.gre_queues host - SKIP
net.gre_xps host - SKIP
reason net.gre_queues host - ^no GRE tunnel is up$
EXPECT
kvmtune_expect_eq "exit code with every check PASS or SKIP" 0 "$ka_rc"

ka_step "bad settings"
echo never >$THP/enabled
echo always >$THP/defrag
echo 1 >$KSM/run
echo 1 >/proc/sys/vm/zone_reclaim_mode
echo 0 >/proc/sys/kernel/numa_balancing
echo 0 >$HPN
ka_audit_text bad -c "$host_checks"
ka_expect bad text <<EXPECT
vms -
mem.thp host - WARN enabled=never defrag=always khugepaged_defrag=$khd | echo always > $THP/enabled; echo madvise > $THP/defrag
mem.ksm host - WARN run=1 merge_across_nodes=1 pages_shared=0 pages_sharing=0 nodes=2 | echo 2 > $KSM/run; echo 0 > $KSM/merge_across_nodes; echo 1 > $KSM/run (or per VM: -machine mem-merge=off, libvirt <memoryBacking><nosharepages/>)
mem.zone_reclaim host - WARN zone_reclaim_mode=1 | sysctl -w vm.zone_reclaim_mode=0
mem.swappiness host - PASS swappiness=$swappiness swap_kib=$swap_kib cpu=$cpu
mem.numa_balancing host - WARN nodes=2 numa_balancing=0 | sysctl -w kernel.numa_balancing=1
irq.nic_cpus host - SKIP
idle.halt_poll_ns host - WARN halt_poll_ns=0 halt_poll_ns_grow=$grow halt_poll_ns_shrink=$shrink
net.gre_queues host - SKIP
net.gre_xps host - SKIP
EXPECT
kvmtune_expect_eq "exit code with a WARN" 1 "$ka_rc"

ka_step "KSM within nodes only"
echo 2 >$KSM/run
echo 0 >$KSM/merge_across_nodes
echo 1 >$KSM/run
ka_audit ksm -c mem.ksm
ka_expect ksm <<EXPECT
mem.ksm host - PASS run=1 merge_across_nodes=0 pages_shared=0 pages_sharing=0 nodes=2
reason mem.ksm host - ^KSM merges within each node only$
EXPECT

ka_step "numastat, bracketed by readings before and after"
stat_of() { # stat_of NODE KEY
	awk -v k="$2" '$1 == k { print $2 }' "/sys/devices/system/node/node$1/numastat"
}
before=()
for n in 0 1; do before+=("$(stat_of $n numa_hit)" "$(stat_of $n numa_miss)"); done
ka_audit numastat -c mem.numastat
after=()
for n in 0 1; do after+=("$(stat_of $n numa_hit)" "$(stat_of $n numa_miss)"); done
join() { local IFS=,; echo "$*"; }
ka_batch numastat "$ka_tmp/numastat.json" "$ka_rc" "$(join "${before[@]}")" "$(join "${after[@]}")"

ka_step "GRE tunnels"
kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
kvmtune_modprobe dummy || kvmtune_fail "modprobe dummy"
ip link add dummy0 numtxqueues 4 type dummy || kvmtune_fail "ip link add dummy0"
ip link add gre1 type gretap local 192.0.2.1 remote 192.0.2.2 || kvmtune_fail "ip link add gre1"
ip link add gre2 numtxqueues 4 type gretap local 192.0.2.1 remote 192.0.2.3 dev dummy0 ||
	kvmtune_fail "ip link add gre2"
for l in dummy0 gre1 gre2; do ip link set "$l" up || kvmtune_fail "ip link set $l up"; done
ka_audit_text gre -c net
ka_expect gre text <<EXPECT
net.gre_queues host link:gre1 WARN kind=gretap tx_queues=1 | ip link add NAME type mqgretap local ... remote ... (mqgre), or at least ip link add NAME numtxqueues N type gretap ...
net.gre_queues host link:gre2 PASS kind=gretap tx_queues=4
net.gre_xps host link:gre1 SKIP kind=gretap
net.gre_xps host link:gre2 PASS kind=gretap dummy0_xps_queues=0/4
EXPECT
echo 1 >/sys/class/net/dummy0/queues/tx-2/xps_cpus || kvmtune_fail "setting XPS on dummy0"
ka_audit xps -c net.gre_xps
ka_expect xps <<EXPECT
net.gre_xps host link:gre1 SKIP kind=gretap
net.gre_xps host link:gre2 WARN kind=gretap dummy0_xps_queues=1/4 | for q in /sys/class/net/dummy0/queues/tx-*; do echo 0 > \$q/xps_cpus; done, or use mqgre
EXPECT
ka_verify
echo "kvmaudit host checks: all as expected"
