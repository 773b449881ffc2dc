#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# audit/vms: three VMs on a host of two NUMA nodes (@numa 2), each started
# with known settings, and every per-VM check's verdict and evidence
# asserted exactly (kvmtrace is not loaded: its checks SKIP):
#
#   good  QEMU microvm in libvirt's JSON syntax (-object, -blockdev,
#         -device, -netdev), 2 vCPUs pinned to node 0, RAM on hugetlbfs
#         bound to node 0, -cpu host, virtio-blk cache=none aio=native on
#         a loop device with bfq, tap with vhost and 2 queues, mq, 1024
#         rings, txqueuelen 2048
#   bad   QEMU pc, 4 single-core sockets, vCPUs 0-1 pinned to node 0 and
#         2-3 to node 1, qemu64, an IDE disk with cache=unsafe on tmpfs, a
#         virtio-blk disk with QEMU's defaults on mq-deadline, a tap
#         without vhost, one queue, 256 rings and txqueuelen 100, an e1000 on user
#         networking
#   far   vmload (not QEMU), started on node 1 and then moved to node 0,
#         its memory left on node 1 (automatic NUMA balancing off)
#
# The QEMUs halt at their first instruction (ka_hlt_bios); all three are
# stopped (SIGSTOP) while audited, so that numa_maps holds still: expect.py
# reads the same files kvmaudit reads and computes what it must report.
# Then the same without debugfs (vCPU threads by QEMU's thread names, or
# unknown), and with --pid.

ka_here=$(dirname "$0")
# shellcheck source=ka_lib.sh
. "$ka_here/ka_lib.sh"

HP=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
loops=()
nb=$(cat /proc/sys/kernel/numa_balancing)
KHP=/sys/kernel/mm/transparent_hugepage/khugepaged
khp_sleep=''
khp_none=''
cleanup() {
	local l
	ka_cleanup
	echo "$nb" >/proc/sys/kernel/numa_balancing
	for l in "${loops[@]}"; do
		losetup -d "$l"
	done
	echo 0 >$HP
	[ -z "$khp_sleep" ] || echo "$khp_sleep" >"$KHP/scan_sleep_millisecs"
	[ -z "$khp_none" ] || echo "$khp_none" >"$KHP/max_ptes_none"
	rm -rf "$ka_tmp"
}
trap cleanup EXIT

# khugepaged works on stopped processes too: a collapse moves a VM's
# memory between nodes, or fills a 2 MiB page around one present page (9
# MiB moved between two audits once). Writing its sleep wakes it for one
# scan, now, before the VMs exist; then it sleeps through the test, and
# if it wakes it fills no page around absent ones.
khp_sleep=$(cat "$KHP/scan_sleep_millisecs") || kvmtune_fail "reading $KHP"
khp_none=$(cat "$KHP/max_ptes_none") || kvmtune_fail "reading $KHP"
echo 0 >"$KHP/max_ptes_none" || kvmtune_fail "khugepaged's max_ptes_none"
echo 3600000 >"$KHP/scan_sleep_millisecs" || kvmtune_fail "khugepaged's sleep"

[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
[ "$(cat /sys/devices/system/node/online)" = 0-1 ] ||
	kvmtune_fail "want two NUMA nodes (@numa 2), have $(cat /sys/devices/system/node/online)"
kvmtune_loaded kvmtrace && kvmtune_fail "kvmtrace is loaded; this test wants it absent"
for m in tun vhost_net loop bfq; do
	kvmtune_modprobe $m || kvmtune_fail "modprobe $m"
done

echo 16 >$HP
kvmtune_expect_eq "2 MiB pages on node 0" 16 "$(cat $HP)"

# loop_dev NAME SCHEDULER ROTATIONAL: a loop device over a file in tmpfs,
# in loop
loop=
loop_dev() {
	truncate -s 64M "$ka_tmp/$1.img"
	loop=$(losetup -f --show "$ka_tmp/$1.img") || kvmtune_fail "losetup $1"
	loops+=("$loop")
	echo "$2" >"/sys/block/${loop#/dev/}/queue/scheduler" || kvmtune_fail "$2 on $loop"
	echo "$3" >"/sys/block/${loop#/dev/}/queue/rotational" || kvmtune_fail "rotational on $loop"
}
loop_dev good bfq 1
loop_good=$loop
loop_dev bad mq-deadline 1
loop_bad=$loop
truncate -s 16M "$ka_tmp/bad.img"

ka_step "starting the VMs"
ka_qemu good taskset -c 0 qemu-system-x86_64 -name guest=good -cpu host \
	-machine microvm,memory-backend=ram0 -m 32M -smp 2,sockets=1,cores=2,threads=1 \
	-object '{"qom-type":"memory-backend-memfd","id":"ram0","size":33554432,"hugetlb":true,"prealloc":true,"host-nodes":[0],"policy":"bind"}' \
	-blockdev '{"driver":"host_device","filename":"'"$loop_good"'","node-name":"libvirt-1-storage","aio":"native","cache":{"direct":true,"no-flush":false}}' \
	-blockdev '{"node-name":"libvirt-1-format","driver":"raw","file":"libvirt-1-storage","cache":{"direct":true,"no-flush":false}}' \
	-device '{"driver":"virtio-blk-device","drive":"libvirt-1-format","id":"virtio-disk0"}' \
	-netdev '{"type":"tap","ifname":"katap0","script":"no","downscript":"no","vhost":true,"queues":2,"id":"hostnet0"}' \
	-device '{"driver":"virtio-net-device","netdev":"hostnet0","mq":true,"rx_queue_size":1024,"id":"net0"}'
good=$ka_pid
ka_qemu bad qemu-system-x86_64 -M pc -smp 4,sockets=4,cores=1,threads=1 -m 64M \
	-name bad,debug-threads=on \
	-drive file="$ka_tmp/bad.img",if=ide,format=raw,cache=unsafe \
	-drive if=none,id=wb,file="$loop_bad",format=raw -device virtio-blk-pci,drive=wb \
	-netdev tap,id=n1,ifname=katap1,script=no,downscript=no \
	-device virtio-net-pci,netdev=n1 \
	-netdev user,id=n2 -device e1000,netdev=n2
bad=$ka_pid
# far: every page it touches is on node 1, then it moves to node 0
echo 0 >/proc/sys/kernel/numa_balancing
taskset -c 1 "$KVMTUNE_VMLOAD" -v 1 -i --hlt 1 --hlt-ns 20000000 \
	--seconds 600 --ready-file "$ka_tmp/far.ready" >"$ka_tmp/far.log" 2>&1 &
far=$!
ka_pids+=("$far")
ka_wait 60 test -s "$ka_tmp/far.ready" || { cat "$ka_tmp/far.log"; kvmtune_fail "vmload did not start"; }
taskset -a -p -c 0 "$far" >/dev/null || kvmtune_fail "moving far to node 0"
ka_qemu_wait good "$good"
good_vm=$ka_vm
ka_qemu_wait bad "$bad"
bad_vm=$ka_vm
ka_vm_ready "$far" || kvmtune_fail "far's vCPU has not run"
far_vm=$ka_vm
echo "VMs: good $good_vm, bad $bad_vm, far $far_vm"

B=()
for i in 0 1 2 3; do
	B+=("$(ka_vcpu_tid "$bad_vm" $i)")
	taskset -pc $((i / 2)) "${B[$i]}" >/dev/null || kvmtune_fail "pinning bad's vCPU $i"
done
G0=$(ka_vcpu_tid "$good_vm" 0)
G1=$(ka_vcpu_tid "$good_vm" 1)
F0=$(ka_vcpu_tid "$far_vm" 0)
ip link set katap0 txqueuelen 2048 || kvmtune_fail "txqueuelen of katap0"
ip link set katap1 txqueuelen 100 || kvmtune_fail "txqueuelen of katap1"

# every thread stopped: numa_maps holds still
kill -STOP "$good" "$bad" "$far"
ka_wait 30 ka_stopped "$good" "$bad" "$far" || kvmtune_fail "the VMs did not stop"

# what kvmaudit must find in their numa_maps: three lines for each
mapfile -t numa < <(python3 "$ka_dir/expect.py" numa "$good:0" "$bad" "$far:0")
[ ${#numa[@]} = 9 ] || kvmtune_fail "reading numa_maps"
good_numa=${numa[0]}
kvmtune_expect_eq "good: hugetlbfs" hugetlb_kib=32768 "${numa[1]}"
bad_numa=${numa[3]} bad_best=${numa[5]}
far_numa=${numa[6]}
kvmtune_expect_eq "far: hugetlbfs" hugetlb_kib=0 "${numa[7]}"
kvmtune_expect_eq "far: most of its memory on node" 1 "${numa[8]}"

lg=${loop_good#/dev/} lb=${loop_bad#/dev/}
skip_rates='^kvmtrace is not loaded \(insmod kvmtrace.ko\)$'
no_irq='^no NIC with IRQs'

ka_step "all VMs, all checks (but numastat, which changes all the time)"
ka_audit_text vms -c mem.hugepages,mem.numa_local,cpu,irq,disk,net,timer,idle
ka_expect vms text <<EXPECT
vms $good_vm $bad_vm $far_vm
gone -
mem.hugepages $good_vm - PASS hugetlb_kib=32768 guest_ram_kib=32768
mem.numa_local $good_vm - PASS vcpu_nodes=0 $good_numa
cpu.numa $good_vm - PASS nodes=2 vcpu0_tid=$G0/debugfs vcpu0_cpus=0 vcpu0_nodes=0 vcpu1_tid=$G1/debugfs vcpu1_cpus=0 vcpu1_nodes=0
cpu.cache_share $good_vm - PASS vcpus=2 cpus=0 threads_per_core=1 cpus_per_package=1 within=node
cpu.topology $good_vm - PASS vcpus=2 sockets=1 cores=2 threads=1 guest_nodes=0 smp=given host_nodes_used=1
cpu.model $good_vm - PASS cpu=host given=yes l3_cache=on
irq.vcpu_cpus $good_vm - SKIP
reason irq.vcpu_cpus $good_vm - $no_irq
disk.bus $good_vm disk:libvirt-1-format PASS bus=virtio-blk device=virtio-blk-device
disk.cache $good_vm disk:libvirt-1-format PASS cache=none given=yes
disk.aio $good_vm disk:libvirt-1-format PASS aio=native given=yes
disk.scheduler $good_vm disk:libvirt-1-format PASS file=$loop_good device=$lg scheduler=bfq rotational=1
net.vhost $good_vm nic:hostnet0 PASS model=virtio-net-device backend=tap vhost=on vhost_net_fds=2
net.multiqueue $good_vm nic:hostnet0 PASS queues=2 mq=on vcpus=2 tap_fds=2
net.queue_size $good_vm nic:hostnet0 PASS rx_queue_size=1024 tx_queue_size=256
net.txqueuelen $good_vm tap:katap0 PASS txqueuelen=2048 rx_queue_size=1024
timer.tsc_deadline $good_vm - SKIP
timer.pio $good_vm - SKIP
idle.nohlt $good_vm - SKIP
reason timer.pio $good_vm - $skip_rates

mem.hugepages $bad_vm - WARN hugetlb_kib=0 guest_ram_kib=65536 | sysctl -w vm.nr_hugepages=32; -object memory-backend-memfd,id=ram0,size=64M,hugetlb=on -machine memory-backend=ram0 (libvirt <memoryBacking><hugepages/></memoryBacking>)
mem.numa_local $bad_vm - WARN vcpu_nodes=0-1 $bad_numa
cpu.numa $bad_vm - FAIL nodes=2 vcpu0_tid=${B[0]}/debugfs vcpu0_cpus=0 vcpu0_nodes=0 vcpu1_tid=${B[1]}/debugfs vcpu1_cpus=0 vcpu1_nodes=0 vcpu2_tid=${B[2]}/debugfs vcpu2_cpus=1 vcpu2_nodes=1 vcpu3_tid=${B[3]}/debugfs vcpu3_cpus=1 vcpu3_nodes=1 | for t in ${B[*]}; do taskset -pc $bad_best \$t; done (node $bad_best); at start: numactl --cpunodebind=$bad_best --membind=$bad_best qemu-system-x86_64 ...; libvirt <vcpupin> and <numatune>
reason cpu.numa $bad_vm - ^vCPUs pinned to different nodes \(0-1\): 30-40% slower
cpu.cache_share $bad_vm - WARN vcpus=4 cpus=0-1 threads_per_core=1 cpus_per_package=1 within=node
cpu.topology $bad_vm - WARN vcpus=4 sockets=4 cores=1 threads=1 guest_nodes=0 smp=given host_nodes_used=2 | -smp 4,sockets=2,cores=2,threads=1 (libvirt <cpu><topology sockets='2' cores='2' threads='1'/>)
cpu.model $bad_vm - WARN cpu=qemu64 given=no l3_cache=on | -cpu host (libvirt <cpu mode='host-passthrough'/>)
irq.vcpu_cpus $bad_vm - SKIP
disk.bus $bad_vm disk:drive0 WARN bus=ide device=if=ide
disk.bus $bad_vm disk:wb PASS bus=virtio-blk device=virtio-blk-pci
disk.cache $bad_vm disk:drive0 FAIL cache=unsafe given=yes
reason disk.cache $bad_vm disk:drive0 ^cache=unsafe: DATA-LOSS RISK
disk.cache $bad_vm disk:wb WARN cache=writeback given=no
reason disk.cache $bad_vm disk:wb ^cache=writeback \(QEMU's default\): DATA-LOSS RISK
disk.aio $bad_vm disk:drive0 WARN aio=threads given=no
disk.aio $bad_vm disk:wb WARN aio=threads given=no
disk.scheduler $bad_vm disk:drive0 SKIP file=$ka_tmp/bad.img
reason disk.scheduler $bad_vm disk:drive0 ^not on a block device
disk.scheduler $bad_vm disk:wb WARN file=$loop_bad device=$lb scheduler=mq-deadline rotational=1 | modprobe bfq; echo bfq > /sys/block/$lb/queue/scheduler
net.vhost $bad_vm nic:n1 WARN model=virtio-net-pci backend=tap vhost=off vhost_net_fds=0
net.vhost $bad_vm nic:n2 WARN model=e1000 backend=user vhost=off vhost_net_fds=0
net.multiqueue $bad_vm nic:n1 WARN queues=1 mq=off vcpus=4 tap_fds=1
net.multiqueue $bad_vm nic:n2 SKIP
net.queue_size $bad_vm nic:n1 WARN rx_queue_size=256 tx_queue_size=256
net.queue_size $bad_vm nic:n2 SKIP
net.txqueuelen $bad_vm tap:katap1 WARN txqueuelen=100 rx_queue_size=256 | ip link set dev katap1 txqueuelen 1000
timer.tsc_deadline $bad_vm - SKIP
timer.pio $bad_vm - SKIP
idle.nohlt $bad_vm - SKIP

mem.hugepages $far_vm - WARN hugetlb_kib=0
reason mem.hugepages $far_vm - ^no hugetlbfs mapping$
mem.numa_local $far_vm - FAIL vcpu_nodes=0 $far_numa | migratepages $far all 0; start it with numactl --membind=0, or -object memory-backend-ram,...,host-nodes=0,policy=bind (libvirt <numatune><memory mode='preferred' nodeset='0'/>)
cpu.numa $far_vm - PASS nodes=2 vcpu0_tid=$F0/debugfs vcpu0_cpus=0 vcpu0_nodes=0
cpu.cache_share $far_vm - PASS vcpus=1 cpus=0 threads_per_core=1 cpus_per_package=1 within=core
cpu.topology $far_vm - SKIP
reason cpu.topology $far_vm - ^not QEMU \(vmload\): its command line is not understood$
cpu.model $far_vm - SKIP
irq.vcpu_cpus $far_vm - SKIP
disk.bus $far_vm - SKIP
disk.cache $far_vm - SKIP
disk.aio $far_vm - SKIP
disk.scheduler $far_vm - SKIP
net.vhost $far_vm - SKIP
net.multiqueue $far_vm - SKIP
net.queue_size $far_vm - SKIP
net.txqueuelen $far_vm - SKIP
reason net.txqueuelen $far_vm - ^no tap devices$
timer.tsc_deadline $far_vm - SKIP
timer.pio $far_vm - SKIP
idle.nohlt $far_vm - SKIP
EXPECT
kvmtune_expect_eq "exit code with a FAIL" 2 "$ka_rc"

ka_step "without debugfs: vCPU threads by name (-name debug-threads=on), or unknown"
# shellcheck disable=SC2016 # $0 is for the inner shell
unshare -m sh -c 'umount -l /sys/kernel/debug && exec "$0" --json -c cpu.numa' \
	"$kvmaudit" >"$ka_tmp/nodebugfs.json"
ka_rc=$?
ka_expect nodebugfs <<EXPECT
cpu.numa $good_vm - SKIP nodes=2 vcpu0_tid=unknown vcpu1_tid=unknown
reason cpu.numa $good_vm - ^vCPU threads unknown: no KVM debugfs and no "CPU n/KVM" thread names
cpu.numa $bad_vm - FAIL nodes=2 vcpu0_tid=${B[0]}/comm vcpu0_cpus=0 vcpu0_nodes=0 vcpu1_tid=${B[1]}/comm vcpu1_cpus=0 vcpu1_nodes=0 vcpu2_tid=${B[2]}/comm vcpu2_cpus=1 vcpu2_nodes=1 vcpu3_tid=${B[3]}/comm vcpu3_cpus=1 vcpu3_nodes=1
cpu.numa $far_vm - SKIP nodes=2 vcpu0_tid=unknown
EXPECT

ka_step "one VM: --pid"
ka_audit_text pid -p "$bad" -c cpu.model,cpu.topology
ka_expect pid text <<EXPECT
vms $bad_vm
cpu.topology $bad_vm - WARN vcpus=4 sockets=4 cores=1 threads=1 guest_nodes=0 smp=given host_nodes_used=2
cpu.model $bad_vm - WARN cpu=qemu64 given=no l3_cache=on
EXPECT
kvmtune_expect_eq "exit code with a WARN" 1 "$ka_rc"
ka_verify
echo "kvmaudit on three VMs: all as expected"
