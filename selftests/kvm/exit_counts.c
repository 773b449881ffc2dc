// SPDX-License-Identifier: GPL-2.0
/*
 * exit_counts - a guest performing exactly N PIO, M MMIO and K HLT exits is
 * seen by userspace with exactly those counts per KVM_EXIT_* kind, and KVM's
 * own debugfs stats (io_exits, mmio_exits, halt_exits) agree.
 *
 * The VM has no in-kernel irqchip, so every HLT exits with KVM_EXIT_HLT.
 * Each vCPU ends with one "out" to KVM_UTIL_PORT_DONE, which is a
 * KVM_EXIT_IO too: expected IO exits are N + 1 per vCPU, both in
 * userspace and in KVM's io_exits stat.
 */
#include "kselftest_harness.h"
#include "kvm_util.h"

#define RUN_TIMEOUT_MS	100000
#define DONE_OUTS	1	/* one "out" to KVM_UTIL_PORT_DONE per vCPU */

struct expected_counts {
	u32 pio;
	u32 mmio;
	u32 hlt;
};

/* all different, per vCPU */
static const struct expected_counts expected[] = {
	{ .pio = 1000, .mmio = 700, .hlt = 300 },
	{ .pio = 450, .mmio = 850, .hlt = 125 },
};

static u16 vcpu_port(unsigned int id)
{
	return KVM_UTIL_PORT_WORK + id;
}

static u64 vcpu_mmio_gpa(struct kvm_vm *vm, unsigned int id)
{
	return kvm_vm_mmio_gpa(vm) + id * 0x1000;
}

FIXTURE(exit_counts) {
	struct kvm_vm *vm;
};

FIXTURE_VARIANT(exit_counts) {
	enum kvm_util_mode mode;
	unsigned int nr_vcpus;
};

FIXTURE_VARIANT_ADD(exit_counts, real) {
	.mode = KVM_MODE_REAL,
	.nr_vcpus = 1,
};

FIXTURE_VARIANT_ADD(exit_counts, prot32) {
	.mode = KVM_MODE_PROT32,
	.nr_vcpus = 1,
};

FIXTURE_VARIANT_ADD(exit_counts, long64) {
	.mode = KVM_MODE_LONG64,
	.nr_vcpus = 1,
};

FIXTURE_VARIANT_ADD(exit_counts, real_2vcpu) {
	.mode = KVM_MODE_REAL,
	.nr_vcpus = 2,
};

FIXTURE_VARIANT_ADD(exit_counts, prot32_2vcpu) {
	.mode = KVM_MODE_PROT32,
	.nr_vcpus = 2,
};

FIXTURE_VARIANT_ADD(exit_counts, long64_2vcpu) {
	.mode = KVM_MODE_LONG64,
	.nr_vcpus = 2,
};

FIXTURE_SETUP(exit_counts)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = variant->nr_vcpus,
		.irqchip = false,
		.mode = variant->mode,
	};
	unsigned int i;

	self->vm = NULL;
	TEST_REQUIRE(kvm_need_dev());
	self->vm = kvm_vm_create(&opts);
	for (i = 0; i < variant->nr_vcpus; i++) {
		struct kvm_workload wl = {
			.pio = expected[i].pio,
			.mmio = expected[i].mmio,
			.hlt = expected[i].hlt,
			.pio_port = vcpu_port(i),
			.mmio_gpa = vcpu_mmio_gpa(self->vm, i),
		};

		kvm_vcpu_set_workload(kvm_vm_vcpu(self->vm, i), &wl);
	}
}

FIXTURE_TEARDOWN(exit_counts)
{
	kvm_vm_destroy(self->vm);
}

static void run_and_check_vcpus(struct __test_metadata *_metadata,
				struct kvm_vm *vm, unsigned int nr_vcpus)
{
	unsigned int i, reason;

	/* asserts that every vCPU ended with its "out" to DONE */
	kvm_vm_run(vm, NULL, NULL, RUN_TIMEOUT_MS);
	for (i = 0; i < nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);
		const struct expected_counts *e = &expected[i];

		TH_LOG("vcpu %u: IO %llu MMIO %llu HLT %llu", i,
		       kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO),
		       kvm_vcpu_exit_count(vcpu, KVM_EXIT_MMIO),
		       kvm_vcpu_exit_count(vcpu, KVM_EXIT_HLT));
		EXPECT_EQ(e->pio + DONE_OUTS,
			  kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO));
		EXPECT_EQ(e->mmio, kvm_vcpu_exit_count(vcpu, KVM_EXIT_MMIO));
		EXPECT_EQ(e->hlt, kvm_vcpu_exit_count(vcpu, KVM_EXIT_HLT));
		EXPECT_EQ(e->pio, kvm_vcpu_pio_count(vcpu, vcpu_port(i)));
		EXPECT_EQ(DONE_OUTS,
			  kvm_vcpu_pio_count(vcpu, KVM_UTIL_PORT_DONE));
		EXPECT_EQ(e->mmio,
			  kvm_vcpu_mmio_count(vcpu, vcpu_mmio_gpa(vm, i)));
		EXPECT_EQ(0ULL, vcpu->untracked);
		/* nothing else exited to userspace */
		for (reason = 0; reason < KVM_UTIL_EXIT_MAX; reason++) {
			if (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO ||
			    reason == KVM_EXIT_HLT)
				continue;
			EXPECT_EQ(0ULL, kvm_vcpu_exit_count(vcpu, reason))
				TH_LOG("vcpu %u: unexpected KVM_EXIT_%s", i,
				       kvm_exit_reason_name(reason));
		}
	}
}

TEST_F_TIMEOUT(exit_counts, userspace, 120)
{
	run_and_check_vcpus(_metadata, self->vm, variant->nr_vcpus);
}

TEST_F_TIMEOUT(exit_counts, debugfs, 120)
{
	u64 pio = 0, mmio = 0, hlt = 0;
	unsigned int i;

	TEST_REQUIRE(kvm_need_debugfs(self->vm));
	run_and_check_vcpus(_metadata, self->vm, variant->nr_vcpus);

	for (i = 0; i < variant->nr_vcpus; i++) {
		pio += expected[i].pio + DONE_OUTS;
		mmio += expected[i].mmio;
		hlt += expected[i].hlt;
	}
	/* the VM still exists: its stats are the sum over its vCPUs */
	EXPECT_EQ(pio, kvm_vm_read_stat(self->vm, "io_exits"));
	EXPECT_EQ(mmio, kvm_vm_read_stat(self->vm, "mmio_exits"));
	EXPECT_EQ(hlt, kvm_vm_read_stat(self->vm, "halt_exits"));
}

TEST_HARNESS_MAIN
