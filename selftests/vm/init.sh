#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# busybox ash, which shellcheck knows as its POSIX subset:
# shellcheck shell=dash
#
# /init of the proving-ground initramfs (busybox only).
#
# Mounts the host's root file system read-only over 9p at /host, gives it
# writable scratch space and the guest's /proc, /sys, /dev, then runs the
# test runner (selftests/vm/guest-run.sh) chrooted into it, so tests use the
# host's own bash, qemu and test binaries.  Powers off in every case.
#
# Serial ports: ttyS0 kernel console, ttyS1 results (TAP), ttyS2 test output.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

res=/dev/ttyS1
say() { echo "$*" >"$res"; }
die() {
	say "Bail out! init: $*"
	echo "kvmtune-init: $*" >/dev/console
	poweroff -f
}

arg() {
	read -r cmdline </proc/cmdline
	for w in $cmdline; do
		case $w in "$1"=*) echo "${w#*=}" ;; esac
	done
}

while read -r mod; do
	insmod "/lib/modules/$mod" || die "insmod $mod failed"
done </modules.order

mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /host || die "cannot mount the host root over 9p"

envfile=$(arg kvmtune.env)
if [ -z "$envfile" ] || [ ! -f "/host$envfile" ]; then
	die "no kvmtune.env= on the command line"
fi
# shellcheck disable=SC1090
. "/host$envfile"

mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -o bind /dev /host/dev
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t debugfs debugfs /host/sys/kernel/debug
mount -t tracefs tracefs /host/sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmpfs /host/run
# /tmp becomes private scratch unless the repo or cache live under it
case "$KVMTUNE_REPO:$KVMTUNE_CACHE" in
*/tmp/* | /tmp*) ;;
*) mount -t tmpfs tmpfs /host/tmp ;;
esac
mount -t tmpfs tmpfs /host/var/tmp

if [ "$(arg kvmtune.shell)" = 1 ]; then
	echo "kvmtune-init: root shell in the proving ground; exit to power off" >/dev/console
	chroot /host /bin/bash -c ". $KVMTUNE_REPO/selftests/lib/kvmtune.sh; \
		set -a; . $envfile; set +a; cd $KVMTUNE_REPO; exec bash -i" \
		</dev/console >/dev/console 2>&1
	poweroff -f
fi

echo "kvmtune-init: running $KVMTUNE_REPO/selftests/vm/guest-run.sh" >/dev/console
chroot /host /bin/bash "$KVMTUNE_REPO/selftests/vm/guest-run.sh" "$envfile" \
	>/dev/ttyS2 2>&1 </dev/null
rc=$?
[ "$rc" -eq 0 ] || say "# guest-run.sh exited $rc"
sync
poweroff -f
