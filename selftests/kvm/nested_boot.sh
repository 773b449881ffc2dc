#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A nested Linux guest (-M microvm, real KVM inside the proving ground)
# boots the same Debian kernel to userspace and reports back on its serial
# console.

. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"

[ -c /dev/kvm ] || kvmtune_fail "/dev/kvm missing"
[ -f "$KVMTUNE_L2_INITRD" ] || kvmtune_fail "nested initramfs $KVMTUNE_L2_INITRD missing"

log=$TMPDIR/l2-console.log
timeout -k 5 240 qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256M \
	-M microvm,x-option-roms=off,rtc=off -nodefaults -no-user-config \
	-display none -no-reboot -serial stdio \
	-kernel "$KVMTUNE_VMLINUZ" -initrd "$KVMTUNE_L2_INITRD" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$log" 2>&1
rc=$?
tail -n 5 "$log"
[ "$rc" -eq 0 ] || kvmtune_fail "nested qemu exited $rc"
up=$(tr -d '\r' <"$log" | grep -m 1 '^KVMTUNE-L2-UP ')
[ -n "$up" ] || kvmtune_fail "nested guest did not report back"
kvmtune_expect_eq "nested guest kernel" "KVMTUNE-L2-UP $KVMTUNE_KVER cpus=1" "$up"
