#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmbench/results: a bench the guest cannot run says so, with the reason,
# never a number: no virtio-mmio device yet, no PIC on this platform (a
# microvm: hardware-reduced ACPI), a userspace port a driver owns, an
# "unknown" MSR that is not (and that is then never written), a single
# online vCPU for the benches that need two. (That with everything there
# every bench is measured, kvmbench/crosscheck and kvmbench/allcpus show.)

# shellcheck source=../lib/kvmtune.sh
. "$KVMTUNE_REPO/selftests/lib/kvmtune.sh"
# shellcheck source=kb_lib.sh
. "$KVMTUNE_REPO/selftests/kvmbench/kb_lib.sh"

goal=${KB_TEST_GOAL:-2097152}

# expect_lines CPU BENCHES EXPECTED: the results of running BENCHES on CPU
# are exactly EXPECTED
expect_lines() {
	kb_l2_ok "kb_set cpu $1 goal $goal repeats 1 && kb_run $2"
	kvmtune_expect_eq "results of 'run $2' on $1" "$3" "$(kb_l2 kb_results)"
}

kb_l2_up

echo "---- no virtio-mmio device bound"
kb_l2_ok '[ ! -d /sys/module/virtio_mmio ] || rmmod virtio_mmio'
expect_lines 1 mmio_from_qemu \
	"mmio_from_qemu 1 unsupported no device bound to the virtio-mmio driver; set mmio_user="

echo "---- no PIC on this platform (hardware-reduced ACPI)"
kb_l2_ok rmmod kvmbench
kb_l2_ok insmod "$KB_L2_KO"
expect_lines 1 inl_from_kernel \
	"inl_from_kernel 1 unsupported the platform has no legacy PIC (KVM's has the ELCR, port 0x4d0); set pio_kernel="

echo "---- a port a driver owns, an MSR that exists"
kb_l2_ok rmmod kvmbench
kb_l2_insmod pio_user=0x3f8 msr_unknown=0x1a0
kb_reset
expect_lines 1 "inl_from_qemu rd_unknown_msr wr_unknown_msr" \
"inl_from_qemu 1 unsupported port 0x3f8 is claimed by a driver (/proc/ioports); set pio_user=
rd_unknown_msr 1 unsupported MSR 0x1a0 does not #GP here (kvm.ignore_msrs?); set msr_unknown=
wr_unknown_msr 1 unsupported MSR 0x1a0 reads without #GP (kvm.ignore_msrs?); not writing it; set msr_unknown="
kb_snap 1 res
kvmtune_expect_eq "writes of MSR 0x1a0 by the refused wr_unknown_msr" 0 \
	"$(kb_count res wrmsr 0x1a0)"
kb_l2_ok rmmod kvmbench
kb_l2_load

echo "---- one online vCPU"
kb_l2_ok "echo 0 >/sys/devices/system/cpu/cpu1/online"
expect_lines 0 "ipi ipi_halt tlb_shootdown" \
"ipi 0 unsupported needs a second online vCPU
ipi_halt 0 unsupported needs a second online vCPU
tlb_shootdown 0 unsupported needs a second online vCPU"
if kb_l2 kb_set cpu 1; then
	kvmtune_fail "cpu 1 accepted while vCPU 1 is offline"
fi
kb_l2_ok "echo 1 >/sys/devices/system/cpu/cpu1/online"

kb_l2_splats results
echo "ok: unsupported where it must be, with the reason"
