#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the proving ground's initramfs images for one kernel:
#   OUTDIR/initramfs.cpio.gz     L1: busybox, /init, the 9p/virtio modules
#   OUTDIR/l2-initramfs.cpio.gz  nested guest: busybox and a tiny /init that
#                                reports "KVMTUNE-L2-UP <release>" and halts
#
# Usage: mkinitramfs.sh ENVFILE OUTDIR
#   ENVFILE is the kernel-supply.sh result for the kernel (KVER, ROOT, ...).

set -euo pipefail
# shellcheck source=host-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/host-env.sh"

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: mkinitramfs.sh ENVFILE OUTDIR"
envfile=$1 out=$2
# shellcheck disable=SC1090
. "$envfile"
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
if ! [ -x "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	die "needs a static /bin/busybox (package busybox-static)"
fi

# Modules the L1 init needs before the host root is mounted.
EARLY_MODULES="virtio_pci 9pnet_virtio 9p"

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

skeleton() {
	mkdir -p "$1"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
	cp "$busybox" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	mknod -m 600 "$1/dev/console" c 5 1
	mknod -m 666 "$1/dev/null" c 1 3
}

pack() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$2.tmp"
	mv "$2.tmp" "$2"
}

# --- L1 ---
l1=$stage/l1
skeleton "$l1"
install -m 755 "$here/init.sh" "$l1/init"
: >"$l1/modules.order"
for m in $EARLY_MODULES; do
	# modules built into this kernel print "builtin NAME" and need nothing
	modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	case $name in
	*.xz) xz -dc "$ko" >"$l1/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.zst) zstd -qdc "$ko" >"$l1/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*) cp "$ko" "$l1/lib/modules/$name" ;;
	esac
	echo "$name" >>"$l1/modules.order"
done
pack "$l1" "$out/initramfs.cpio.gz"

# --- L2 (nested microvm guest) ---
l2=$stage/l2
skeleton "$l2"
cat >"$l2/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
echo "KVMTUNE-L2-UP $(/bin/busybox uname -r) cpus=$(/bin/busybox nproc)"
/bin/busybox poweroff -f
EOF
chmod 755 "$l2/init"
pack "$l2" "$out/l2-initramfs.cpio.gz"
