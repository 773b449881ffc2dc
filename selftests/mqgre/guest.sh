#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The real guest path: a nested Linux guest (Debian's own kernel, -M
# microvm, 2 vCPUs) with a two-queue virtio-net and vhost-net, whose tap is
# bridged to an mqgretap. Inside the guest, framegen sends K frames from
# each vCPU with AF_PACKET; virtio-net's XPS puts CPU i's frames on its
# queue i, vhost-net hands them to tun in batches (tun_xdp_one()), which
# records the queue. The guest's queue 0 sends frames of one length and
# queue 1 of another, so the bytes per packet of each NIC queue (the
# classes of v0's mq root; no tracepoints here, this runs under
# multi-threaded TCG) say which guest queue's frames left on it.
#
# One guest boot, three rounds; the guest waits for "go" on its console
# before each:
#   1. auto placement, XPS on at the NIC: guest queue q -> NIC queue q
#   2. the VM pinned to tunnel queues 2-3, XPS off: q -> NIC queue 2 + q
#   3. the peer row: a stock gretap instead, same frames: printed

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
. "$KVMTUNE_REPO/selftests/mqgre/mqgre_lib.sh"

K=${MQGRE_GUEST_K:-200}
H=mq-g-$$-h
P=mq-g-$$-p
L2=$TMPDIR/mqgre-l2
qpid=

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	exec 3>&- 2>/dev/null
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null
	[ -z "$kvmtune_anchor_pid" ] || kill -KILL "$kvmtune_anchor_pid" 2>/dev/null
	wait 2>/dev/null
	mq_cleanup
}
trap cleanup EXIT

[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
mq_load
kvmtune_loaded vhost_net || kvmtune_modprobe vhost_net || kvmtune_fail "modprobe vhost_net"
# before the guest: its VM would otherwise enable KVM's static keys, whose
# text patching races with this proving ground's multi-threaded TCG
kvmtune_kvm_anchor "$TMPDIR/mqgre-anchor"
[ -c /dev/vhost-net ] || kvmtune_fail "/dev/vhost-net missing"

# --- the guest's initramfs: busybox, virtio-mmio and virtio-net, framegen
rm -rf "$L2"
mkdir -p "$L2"/root/{bin,dev,proc,sys,lib/modules}
cp /bin/busybox "$L2/root/bin/busybox"
ln -s busybox "$L2/root/bin/sh"
cp "$MQ_FRAMEGEN" "$L2/root/bin/framegen"
for m in virtio_mmio virtio_net; do
	modprobe -d "$KVMTUNE_MODROOT" -S "$KVMTUNE_KVER" --show-depends "$m"
done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$L2/kos"
while read -r ko; do
	name=$(basename "$ko")
	case $name in
	*.xz) xz -dc "$ko" >"$L2/root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.zst) zstd -qdc "$ko" >"$L2/root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*) cp "$ko" "$L2/root/lib/modules/$name" ;;
	esac
	echo "$name" >>"$L2/root/modules.order"
done <"$L2/kos"
[ -s "$L2/root/modules.order" ] || kvmtune_fail "no virtio modules for $KVMTUNE_KVER"
cat >"$L2/root/init" <<EOF
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
# no AQM in the guest: under nested emulation frames wait long enough in
# the qdisc for fq_codel to drop some
echo pfifo_fast >/proc/sys/net/core/default_qdisc
while read -r m; do /bin/busybox insmod /lib/modules/\$m || echo "insmod \$m failed"; done </modules.order
n=0
while [ ! -d /sys/class/net/eth0 ] && [ \$n -lt 100 ]; do /bin/busybox sleep 0.1; n=\$((n + 1)); done
/bin/busybox ip link set eth0 up || { /bin/busybox dmesg | /bin/busybox tail -n 30; /bin/busybox ls /sys/bus/virtio/devices /sys/class/net; }
echo "KVMTUNE-L2-MQGRE-READY txq=\$(/bin/busybox ls -d /sys/class/net/eth0/queues/tx-* | /bin/busybox wc -l) cpus=\$(/bin/busybox nproc) END"
while read -r cmd len; do
	case \$cmd in
	go)
		/bin/framegen packet eth0 --cpus 0,1 --frames $K --len \$len --len-step 4 \\
			--dst-mac 02:00:00:00:ff:01 --src-mac 02:00:00:00:0e:01 >/tmp.out 2>&1
		echo "KVMTUNE-L2-MQGRE-SENT \$len rc=\$? \$(/bin/busybox tr '\n' ' ' </tmp.out)END"
		;;
	*) break ;;
	esac
done
/bin/busybox poweroff -f
EOF
chmod 755 "$L2/root/init"
(cd "$L2/root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$L2/initrd.gz" ||
	kvmtune_fail "guest initramfs"

# --- L1: the tap, the bridge, mqgretap, the NIC
mq_ns "$H"
mq_ns "$P"
mq_nic "$H" v0 "$P" v1 4 10.5.0.1 10.5.0.2
mq_run "$H" tc qdisc replace dev v0 root handle 1: mq
# FIFOs under the mq root: fq_codel drops frames that wait, and the proving
# ground is slow
mq_run "$H" tc -batch - <<EOF
qdisc replace dev v0 parent 1:1 pfifo limit 10000
qdisc replace dev v0 parent 1:2 pfifo limit 10000
qdisc replace dev v0 parent 1:3 pfifo limit 10000
qdisc replace dev v0 parent 1:4 pfifo limit 10000
EOF
# XPS on the peer too, for the whole test: each device with XPS maps holds
# the kernel's xps_needed static key, so that turning v0's off and on
# between rounds patches no kernel text, which would race with the
# proving ground's multi-threaded TCG (a 6.1 L1 died silently there)
mq_xps "$P" v1 on
mq_xps "$H" v0 on
# shellcheck disable=SC2034 # read by mq_measure (mqgre_lib.sh)
MQ_NIC="$H v0"
ip -n "$H" link add br0 type bridge || kvmtune_fail "bridge"
ip -n "$H" link set br0 up
ip -n "$H" tuntap add dev tapG mode tap multi_queue vnet_hdr || kvmtune_fail "tap"
ip -n "$H" link set tapG master br0 up
ip -n "$H" link add gt0 numtxqueues 4 type mqgretap local 10.5.0.1 \
	remote 10.5.0.2 key 42 || kvmtune_fail "mqgretap"
ip -n "$H" link set gt0 master br0 up

# --- the guest
# start_guest: QEMU in the background ($qpid), its console in
# $L2/console.log, its input on fd 3
start_guest() {
	rm -f "$L2/console.in" "$L2/console.log"
	mkfifo "$L2/console.in"
	ip netns exec "$H" timeout -k 5 600 qemu-system-x86_64 -enable-kvm -cpu host \
		-smp 2 -m 512M -M microvm,x-option-roms=off,rtc=off -nodefaults \
		-no-user-config -display none -no-reboot -serial stdio \
		-kernel "$KVMTUNE_VMLINUZ" -initrd "$L2/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet ipv6.disable=1 lpj=4000000 tsc=reliable" \
		-netdev tap,id=n0,ifname=tapG,script=no,downscript=no,queues=2,vhost=on \
		-device virtio-net-device,netdev=n0,mq=on \
		<"$L2/console.in" >"$L2/console.log" 2>&1 &
	qpid=$!
	exec 3>"$L2/console.in"
}

# wait_line WHAT PATTERN SECONDS: the guest printed a line matching PATTERN
# (the guest ends its lines with END: the console log may hold half a line),
# in $L2/line; else the console's last lines, and fail
wait_line() {
	local i

	for ((i = 0; i < $3 * 5; i++)); do
		if tr -d '\r' <"$L2/console.log" | grep -E "$2" | tail -n 1 >"$L2/line" &&
			[ -s "$L2/line" ]; then
			return 0
		fi
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 20 "$L2/console.log"
	kvmtune_fail "the guest did not $1"
}

# Under the proving ground's multi-threaded TCG a nested guest sometimes
# resets at boot without a word (Documentation/testing.rst; once after its
# first quiet line, "PCI: Fatal: No config space access function
# found"): a guest that ended before it was ready with no splat on its
# console boots once more, and the test says so.
start_guest
for ((i = 0; i < 500 * 5; i++)); do
	tr -d '\r' <"$L2/console.log" | grep -Eq '^KVMTUNE-L2-MQGRE-READY .* END$' && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.2
done
if ! kill -0 "$qpid" 2>/dev/null &&
	! tr -d '\r' <"$L2/console.log" | grep -Eq "$KVMTUNE_SPLAT|^KVMTUNE-L2-MQGRE-READY "; then
	wait "$qpid"
	echo "# [${SECONDS}s] the guest ended at boot with no splat (exit $?, $(wc -l <"$L2/console.log") console lines): booting it once more"
	exec 3>&-
	start_guest
fi
wait_line "boot to its init" '^KVMTUNE-L2-MQGRE-READY .* END$' 500
up=$(<"$L2/line")
up=${up% END}
echo "# [${SECONDS}s] guest up: $up"
[ "${up#* }" = "txq=2 cpus=2" ] || {
	tr -d '\r' <"$L2/console.log" | tail -n 40
	kvmtune_fail "guest virtio-net queues and vCPUs: expected 'txq=2 cpus=2', got '${up#* }'"
}
echo "ok: guest virtio-net queues and vCPUs = ${up#* }"

# round LEN: the guest sends K frames of length LEN from its queue 0 and
# K of LEN + 4 from its queue 1; measured at the NIC
round() {
	local sent

	mq_baseline
	echo "go $1" >&3
	wait_line "send frames of length $1" "^KVMTUNE-L2-MQGRE-SENT $1 .*END\$" 120
	sent=$(<"$L2/line")
	echo "# $sent"
	case $sent in
	*"rc=0 cpu 0 frames $K cpu 1 frames $K total $((2 * K)) "*END) ;;
	*) kvmtune_fail "the guest's framegen: $sent" ;;
	esac
	# wait until all of them went through vhost, the bridge and GRE
	for ((i = 0; i < 50; i++)); do
		mq_since
		[ "$(awk '$1 == "c" { n += $5 } END { print n + 0 }' "$TMPDIR/mq-delta")" \
			-ge $((2 * K)) ] && break
		sleep 0.2
	done
}

# nic: "packets:bytes" per NIC queue in the last round
nic() {
	awk '$1 == "c" { p[$3] = $5 } $1 == "b" { b[$3] = $5 }
		END { for (q = 0; q < 4; q++) printf "%s%d:%d", q ? " " : "", p[q], b[q]; print "" }' \
		"$TMPDIR/mq-delta"
}

# expected LEN Q0 Q1: "packets:bytes" per NIC queue when guest queue 0's
# frames (LEN + 42 at the NIC: GRE with key, IP, Ethernet) all leave on
# NIC queue Q0 and queue 1's (LEN + 46) on Q1
expected() {
	awk -v k="$K" -v a="$(($1 + 42))" -v q0="$2" -v q1="$3" 'BEGIN {
		p[q0] += k; b[q0] += k * a; p[q1] += k; b[q1] += k * (a + 4)
		for (q = 0; q < 4; q++) printf "%s%d:%d", q ? " " : "", p[q], b[q]
		print ""
	}'
}

# check_round WHAT EXPECTED: the NIC's queues, or what went where
check_round() {
	[ "$(nic)" = "$2" ] || {
		ip -n "$H" -s link show | sed 's/^/# /'
		ip netns exec "$H" tc -s qdisc show dev v0 | sed 's/^/# /'
		kvmtune_fail "$1: expected '$2', got '$(nic)'"
	}
	echo "ok: $1 = $2"
}

round 100
check_round "auto placement, XPS on: guest queue q on NIC queue q" \
	"$(expected 100 0 1)"
ip -n "$H" -d link show gt0 | grep -E 'vm tapG' | sed 's/^/# /'

ip -n "$H" link set gt0 type mqgretap vm tapG base 2 queues 2 || kvmtune_fail "pin tapG"
mq_xps "$H" v0 off
round 120
check_round "pinned to tunnel queues 2-3, XPS off: guest queue q on NIC queue 2 + q" \
	"$(expected 120 2 3)"

# the peer row: stock gretap, XPS on as NIC drivers set it
mq_xps "$H" v0 on
kvmtune_loaded ip_gre || kvmtune_modprobe ip_gre || kvmtune_fail "modprobe ip_gre"
ip -n "$H" link del gt0
ip -n "$H" link add gs0 type gretap local 10.5.0.1 remote 10.5.0.2 key 42 ||
	kvmtune_fail "gretap"
ip -n "$H" link set gs0 master br0 up
round 140
# per NIC queue, how many of guest queue 1's frames (4 bytes longer)
kept=$(nic | tr ' ' '\n' | awk -F: -v a=$((140 + 42)) '{
	q1 = ($2 - $1 * a) / 4; q0 = $1 - q1
	if (NR == 1) kept += q0
	if (NR == 2) kept += q1
} END { print kept + 0 }')
echo "# stock gretap, real guest: NIC queues (packets:bytes) $(nic), $((100 * kept / (2 * K)))% of the frames kept their queue (mqgretap: 100%)"

echo "quit" >&3
exec 3>&-
wait "$qpid"
rc=$?
qpid=
[ "$rc" -eq 0 ] || { tail -n 20 "$L2/console.log"; kvmtune_fail "nested qemu exited $rc"; }
echo "ok: guest"
