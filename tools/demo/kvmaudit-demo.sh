#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo, the end: kvmaudit on a host of two NUMA nodes (the proving
# ground with @numa 2) running four VMs, with kvmtrace loaded:
#
#   web     QEMU as libvirt starts it, tuned as the seed articles advise:
#           pinned to node 0 with its RAM there on hugetlbfs, -cpu host,
#           virtio-blk cache=none aio=native, vhost-net with a queue per
#           vCPU, 1024-entry rings and a tap queue to match
#   legacy  QEMU with what the seeds warn about: vCPUs pinned across both
#           nodes, 4 sockets of one core, qemu64, an IDE disk with
#           cache=unsafe, a tap without vhost, an e1000
#   bbr     vmload re-arming its TSC deadline timer, as TCP BBR does
#   nic     vmload halting and being woken, as vCPUs taking NIC
#           interrupts do
#
# The proving ground is an emulated CPU, so the rates are far below the
# seeds' (1M TSC_DEADLINE writes a second): the demo lowers the limits to
# match.

set -u
ka_here=$KVMTUNE_REPO/selftests/kvmaudit
# shellcheck source=../../selftests/kvmaudit/ka_lib.sh
. "$ka_here/ka_lib.sh"

ko=$KVMTUNE_KMOD/kvmtrace/kvmtrace.ko
vmload=$KVMTUNE_VMLOAD
HP=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
for f in "$vmload" "$ko"; do
	[ -e "$f" ] || kvmtune_fail "$f is missing (make demo builds it)"
done
[ "$(cat /sys/devices/system/node/online)" = 0-1 ] || kvmtune_fail "want two NUMA nodes (@numa 2)"

loop=
cleanup() {
	ka_cleanup
	[ -n "$loop" ] && losetup -d "$loop"
	echo 0 >$HP
	kvmtune_loaded kvmtrace && rmmod kvmtrace
	rm -rf "$ka_tmp"
}
trap cleanup EXIT

banner() { printf '\n######## %s\n' "$*"; }

banner "6. kvmaudit: this host and its VMs against the seed articles' advice"
for m in tun vhost_net loop; do
	kvmtune_modprobe $m || kvmtune_fail "modprobe $m"
done
echo 16 >$HP
truncate -s 64M "$ka_tmp/web.img"
loop=$(losetup -f --show "$ka_tmp/web.img") || kvmtune_fail "losetup"
truncate -s 64M "$ka_tmp/legacy.img"

echo "web:    QEMU, libvirt's syntax, pinned to node 0, hugetlbfs, vhost, 2 queues"
ka_qemu web taskset -c 0 qemu-system-x86_64 -name guest=web -cpu host \
	-machine microvm,memory-backend=ram0 -m 32M -smp 2,sockets=1,cores=2,threads=1 \
	-object '{"qom-type":"memory-backend-memfd","id":"ram0","size":33554432,"hugetlb":true,"prealloc":true,"host-nodes":[0],"policy":"bind"}' \
	-blockdev '{"driver":"host_device","filename":"'"$loop"'","node-name":"libvirt-1-storage","aio":"native","cache":{"direct":true,"no-flush":false}}' \
	-blockdev '{"node-name":"libvirt-1-format","driver":"raw","file":"libvirt-1-storage","cache":{"direct":true,"no-flush":false}}' \
	-device '{"driver":"virtio-blk-device","drive":"libvirt-1-format","id":"virtio-disk0"}' \
	-netdev '{"type":"tap","ifname":"web0","script":"no","downscript":"no","vhost":true,"queues":2,"id":"hostnet0"}' \
	-device '{"driver":"virtio-net-device","netdev":"hostnet0","mq":true,"rx_queue_size":1024,"id":"net0"}'
web=$ka_pid
echo "legacy: QEMU, 4 sockets x 1 core across both nodes, IDE cache=unsafe, no vhost"
ka_qemu legacy qemu-system-x86_64 -M pc -smp 4,sockets=4,cores=1,threads=1 -m 64M \
	-name legacy,debug-threads=on \
	-drive file="$ka_tmp/legacy.img",if=ide,format=raw,cache=unsafe \
	-netdev tap,id=n1,ifname=legacy0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n1 -netdev user,id=n2 -device e1000,netdev=n2
legacy=$ka_pid
echo "bbr:    vmload, 2 vCPUs re-arming IA32_TSC_DEADLINE"
"$vmload" -v 2 -i --tscdl 40 --hlt 1 --hlt-ns 20000000 --seconds 600 \
	--ready-file "$ka_tmp/bbr.ready" --quiet >"$ka_tmp/bbr.out" 2>&1 &
ka_pids+=($!)
echo "nic:    vmload, 1 vCPU halting and woken by its timer"
"$vmload" -v 1 -i --hlt 1 --hlt-ns 20000000 --seconds 600 \
	--ready-file "$ka_tmp/nic.ready" --quiet >"$ka_tmp/nic.out" 2>&1 &
ka_pids+=($!)
ka_qemu_wait web "$web"
web_vm=$ka_vm
ka_qemu_wait legacy "$legacy"
legacy_vm=$ka_vm
for i in 0 1 2 3; do
	taskset -pc $((i / 2)) "$(ka_vcpu_tid "$legacy_vm" $i)" >/dev/null ||
		kvmtune_fail "pinning legacy's vCPU $i"
done
ka_wait 60 test -s "$ka_tmp/bbr.ready" -a -s "$ka_tmp/nic.ready" || kvmtune_fail "vmload did not start"
# as Tencent did with the rings: a tap queue that holds the guest's ring
ip link set web0 txqueuelen 1024 || kvmtune_fail "txqueuelen of web0"
echo "VMs: web $web_vm, legacy $legacy_vm"

insmod "$ko" || kvmtune_fail "insmod kvmtrace failed"
sleep 2

echo "\$ kvmaudit -i 2 -L tsc_deadline=100 -L wakeups=20"
"$kvmaudit" -i 2 -L tsc_deadline=100 -L wakeups=20
rc=$?
[ "$rc" -le 2 ] || kvmtune_fail "kvmaudit exited $rc"
echo "(exit $rc: the worst verdict)"
