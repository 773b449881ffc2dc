// SPDX-License-Identifier: GPL-2.0
/*
 * wakeups - halted vCPUs of a VM with an in-kernel irqchip are woken
 * exactly as often as the guest arranged, and KVM's stats agree.
 *
 * One VM, 2 vCPUs, x2APIC (kvm_vcpu_set_wakeup(), see kvm_util.h):
 *   timer phase: vCPU0 halts TIMER_K0 times, vCPU1 TIMER_K1 times, each
 *                woken by its own one-shot LAPIC timer;
 *   IPI phase:   vCPU1 sends IPI_K IPIs to vCPU0, which halts waiting for
 *                each (memory handshake: vCPU1 sends IPI i only once vCPU0
 *                announced that it is about to halt for IPI i).
 *
 * Exact, and asserted:
 *   - guest side: every HLT returned because of exactly one interrupt
 *     (the guest checks this after each HLT and fails otherwise), HLTs and
 *     interrupts handled equal what was armed or sent, IPIs sent = IPI_K;
 *   - userspace sees exactly one exit per vCPU and phase, the "out" to the
 *     DONE port: HLTs block in the kernel and never exit to userspace;
 *   - per-vCPU binary stat halt_exits (KVM_GET_STATS_FD) grows by the
 *     number of HLTs that vCPU executed: KVM counts every intercepted HLT;
 *   - debugfs (VM-wide sums): halt_exits = all HLTs of both phases,
 *     io_exits = one DONE "out" per vCPU and phase, mmio_exits = 0 (x2APIC
 *     is MSR based).
 * Not exact, so only logged: halt_wakeup (an interrupt arriving before the
 * HLT or while KVM halt-polls wakes nothing, host events may wake a blocked
 * vCPU spuriously), halt_successful_poll & co (timing), exits (includes
 * NPF, INTR, VINTR and PAUSE exits that depend on the host).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kvm_util.h"

#define KVM_DEBUGFS_DIR	"/sys/kernel/debug/kvm"
#define RUN_TIMEOUT_MS	100000
#define NR_VCPUS	2
#define TIMER_K0	50	/* vCPU0 timer wakeups */
#define TIMER_K1	30	/* vCPU1 timer wakeups */
#define TIMER_NS	200000	/* 200 us: longer than the default halt poll */
#define IPI_K		100	/* IPIs vCPU1 -> vCPU0 */

FIXTURE(wakeups) {
	struct kvm_vm *vm;
};

FIXTURE_VARIANT(wakeups) {
	enum kvm_util_mode mode;
};

FIXTURE_VARIANT_ADD(wakeups, prot32) {
	.mode = KVM_MODE_PROT32,
};

FIXTURE_VARIANT_ADD(wakeups, long64) {
	.mode = KVM_MODE_LONG64,
};

FIXTURE_SETUP(wakeups)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = NR_VCPUS,
		.irqchip = true,
		.mode = variant->mode,
	};

	self->vm = NULL;
	if (!kvm_available())
		SKIP(return, "/dev/kvm is missing or not accessible");
	self->vm = kvm_vm_create(&opts);
	ASSERT_NE(NULL, self->vm);
}

FIXTURE_TEARDOWN(wakeups)
{
	kvm_vm_destroy(self->vm);
}

/*
 * What one vCPU must report after a phase.  With @irqs_at_least, the
 * interrupt count may exceed @irqs: TCG's emulation of nested SVM (the
 * proving ground) occasionally delivers a re-injected interrupt twice.
 * HLTs asked for and IPIs sent stay exact, and executed HLTs must equal
 * KVM's halt_exits.
 */
struct expect {
	u32 hlts;
	u32 irqs;
	u32 ipis_sent;
	bool irqs_at_least;
};

/* Per-vCPU halt_exits, or false if binary stats are not available. */
static bool read_halt_exits(struct kvm_vm *vm, u64 *val)
{
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++)
		if (kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i), "halt_exits",
				       &val[i]))
			return false;
	return true;
}

/* Runs one phase; returns the HLTs the vCPUs executed. */
static u32 run_phase(struct __test_metadata *_metadata, struct kvm_vm *vm,
		     const struct expect *e)
{
	u64 before[NR_VCPUS], after[NR_VCPUS];
	u32 executed = 0;
	struct kvm_guest_result res;
	unsigned int i, reason;
	bool stats;
	int ret;

	stats = read_halt_exits(vm, before);
	ret = kvm_vm_run(vm, NULL, NULL, RUN_TIMEOUT_MS);
	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);

		if (!vcpu->failed)
			continue;
		TH_LOG("vcpu %u: %s", i, vcpu->err);
		/* on timeout the library already dumped the stuck vCPUs */
		if (ret != -ETIMEDOUT)
			kvm_vcpu_dump(vcpu, stderr);
	}
	ASSERT_EQ(0, ret);
	if (stats)
		stats = read_halt_exits(vm, after);
	if (!stats)
		TH_LOG("no binary stats (KVM_GET_STATS_FD): per-vCPU halt_exits not checked");

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);

		ASSERT_EQ(0, kvm_vcpu_guest_result(vcpu, &res));
		TH_LOG("vcpu %u: hlts %u (skipped %u) irqs %u ipis_sent %u", i,
		       res.hlts, res.hlt_skips, res.irqs, res.ipis_sent);
		EXPECT_TRUE(vcpu->done);
		/* every "sti; hlt" either halted or was skipped by the handler */
		EXPECT_EQ(e[i].hlts, res.hlts + res.hlt_skips);
		executed += res.hlts;
		EXPECT_GE(res.irqs, e[i].irqs);
		EXPECT_TRUE(e[i].irqs_at_least || res.irqs == e[i].irqs);
		EXPECT_EQ(e[i].ipis_sent, res.ipis_sent);
		/* the only userspace exit is the "out" to the DONE port */
		EXPECT_EQ(1ULL, kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO));
		EXPECT_EQ(1ULL, kvm_vcpu_pio_count(vcpu, KVM_UTIL_PORT_DONE));
		for (reason = 0; reason < KVM_UTIL_EXIT_MAX; reason++) {
			if (reason == KVM_EXIT_IO)
				continue;
			EXPECT_EQ(0ULL, kvm_vcpu_exit_count(vcpu, reason))
				TH_LOG("vcpu %u: unexpected KVM_EXIT_%s", i,
				       kvm_exit_reason_name(reason));
		}
		if (stats)
			EXPECT_EQ(res.hlts, after[i] - before[i])
				TH_LOG("vcpu %u: stat halt_exits %llu -> %llu",
				       i, (unsigned long long)before[i],
				       (unsigned long long)after[i]);
	}
	return executed;
}

static u32 timer_phase(struct __test_metadata *_metadata, struct kvm_vm *vm)
{
	static const struct expect e[NR_VCPUS] = {
		{ .hlts = TIMER_K0, .irqs = TIMER_K0, .irqs_at_least = true },
		{ .hlts = TIMER_K1, .irqs = TIMER_K1, .irqs_at_least = true },
	};
	struct kvm_wakeup wk = {
		.role = KVM_WAKEUP_TIMER,
		.timer_ns = TIMER_NS,
	};
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++) {
		wk.count = e[i].hlts;
		ASSERT_EQ(0, kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, i), &wk));
	}
	return run_phase(_metadata, vm, e);
}

static u32 ipi_phase(struct __test_metadata *_metadata, struct kvm_vm *vm)
{
	static const struct expect e[NR_VCPUS] = {
		{ .hlts = IPI_K, .irqs = IPI_K, .irqs_at_least = true },
		{ .ipis_sent = IPI_K },
	};
	struct kvm_wakeup recv = {
		.role = KVM_WAKEUP_IPI_RECV,
		.count = IPI_K,
	};
	struct kvm_wakeup send = {
		.role = KVM_WAKEUP_IPI_SEND,
		.count = IPI_K,
		.peer = 0,
	};

	ASSERT_EQ(0, kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, 0), &recv));
	ASSERT_EQ(0, kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, 1), &send));
	return run_phase(_metadata, vm, e);
}

TEST_F_TIMEOUT(wakeups, timer, 120)
{
	timer_phase(_metadata, self->vm);
}

TEST_F_TIMEOUT(wakeups, ipi, 120)
{
	ipi_phase(_metadata, self->vm);
}

/* Returns false (after SKIP) if debugfs stats cannot be read here. */
static bool read_debugfs_stat(struct __test_metadata *_metadata,
			      struct kvm_vm *vm, const char *name, u64 *val)
{
	int ret;

	ret = kvm_vm_read_stat(vm, name, val);
	if (ret == -EPERM)
		SKIP(return false,
		     "%s/%s: reading debugfs stats not permitted here (%s)",
		     kvm_vm_debugfs_dir(vm), name, strerror(-ret));
	if (ret)
		TH_LOG("reading %s/%s: %s", kvm_vm_debugfs_dir(vm), name,
		       strerror(-ret));
	EXPECT_EQ(0, ret);
	return !ret;
}

TEST_F_TIMEOUT(wakeups, debugfs, 120)
{
	u64 halt_exits = 0, io_exits = 0, mmio_exits = 0, val = 0;
	u32 executed;

	if (access(KVM_DEBUGFS_DIR, F_OK))
		SKIP(return, "%s is missing (debugfs not mounted?)",
		     KVM_DEBUGFS_DIR);
	/* debugfs has KVM: the per-VM directory must exist */
	if (access(kvm_vm_debugfs_dir(self->vm), F_OK))
		TH_LOG("%s: %s", kvm_vm_debugfs_dir(self->vm), strerror(errno));
	ASSERT_EQ(0, access(kvm_vm_debugfs_dir(self->vm), F_OK));

	executed = timer_phase(_metadata, self->vm);
	executed += ipi_phase(_metadata, self->vm);

	/* the VM still exists: VM-wide sums over its vCPUs, both phases */
	if (!read_debugfs_stat(_metadata, self->vm, "halt_exits", &halt_exits) ||
	    !read_debugfs_stat(_metadata, self->vm, "io_exits", &io_exits) ||
	    !read_debugfs_stat(_metadata, self->vm, "mmio_exits", &mmio_exits))
		return;
	EXPECT_EQ(executed, halt_exits);
	EXPECT_EQ(2 * NR_VCPUS, io_exits);
	EXPECT_EQ(0, mmio_exits);
	/* informational only, see the top of this file */
	if (!kvm_vm_read_stat(self->vm, "halt_wakeup", &val))
		TH_LOG("halt_wakeup %llu (of %llu HLTs)",
		       (unsigned long long)val,
		       (unsigned long long)halt_exits);
	if (!kvm_vm_read_stat(self->vm, "halt_successful_poll", &val))
		TH_LOG("halt_successful_poll %llu", (unsigned long long)val);
}

TEST_HARNESS_MAIN
