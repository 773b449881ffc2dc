// SPDX-License-Identifier: GPL-2.0
/*
 * wakeups - halted vCPUs of a VM with an in-kernel irqchip are woken
 * exactly as often as the guest arranged, and KVM's stats agree.
 *
 * One VM, 2 vCPUs, x2APIC (kvm_vcpu_set_wakeup(), see guest_routines.h):
 *   timer phase: vCPU0 halts TIMER_K0 times, vCPU1 TIMER_K1 times, each
 *                woken by its own one-shot LAPIC timer;
 *   IPI phase:   vCPU1 sends IPI_K IPIs to vCPU0, which halts waiting for
 *                each (memory handshake: vCPU1 sends IPI i only once vCPU0
 *                announced that it is about to halt for IPI i).
 *
 * Exact, and asserted:
 *   - guest side: every HLT returned because of exactly one interrupt
 *     (the guest checks this after each HLT and fails otherwise), HLTs
 *     executed + HLTs skipped = HLTs asked for, IPIs sent = IPI_K;
 *   - userspace sees exactly one exit per vCPU and phase, the "out" to the
 *     DONE port: HLTs block in the kernel and never exit to userspace;
 *   - per-vCPU binary stat halt_exits (KVM_GET_STATS_FD) grows by the
 *     number of HLTs that vCPU executed, plus at most its skipped ones:
 *     KVM counts every intercepted HLT, and the emulator's interrupt at an
 *     HLT's boundary comes before the intercept or after it (run_phase());
 *   - the IPI sender handles no interrupt and KVM injects none into it;
 *   - debugfs (VM-wide sums): halt_exits = the binary stats' of both phases,
 *     io_exits = one DONE "out" per vCPU and phase, mmio_exits = 0 (x2APIC
 *     is MSR based).
 * Bounded on both sides (the proving ground's emulator duplicates an
 * interrupt now and then, see check_irqs()): interrupts handled, at least
 * one per HLT asked for, at most DUP_MAX more, and at most DUP_MAX more
 * than KVM injected (irq_injections); at most DUP_MAX skipped HLTs.
 * Without binary stats the test skips, naming KVM_CAP_BINARY_STATS_FD.
 * Not exact, so only logged: halt_wakeup (an interrupt arriving before the
 * HLT or while KVM halt-polls wakes nothing, host events may wake a blocked
 * vCPU spuriously), halt_successful_poll & co (timing), exits (includes
 * NPF, INTR, VINTR and PAUSE exits that depend on the host).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kvm_util.h"

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
	TEST_REQUIRE(kvm_need_dev());
	self->vm = kvm_vm_create(&opts);
	/* halt_exits and irq_injections per vCPU: no check may be dropped */
	TEST_REQUIRE(kvm_need_cap(self->vm, KVM_CAP_BINARY_STATS_FD));
}

FIXTURE_TEARDOWN(wakeups)
{
	kvm_vm_destroy(self->vm);
}

/*
 * What one vCPU must report after a phase: the HLTs it was asked to do, the
 * interrupts its peers or its timer generated for it (one per armed timer
 * or received IPI) and the IPIs it sent.  See check_irqs() for how far the
 * handled interrupts may exceed @irqs.
 */
struct expect {
	u32 hlts;
	u32 irqs;
	u32 ipis_sent;
};

/* Per-vCPU binary stats (KVM_GET_STATS_FD) read around each phase. */
enum {
	ST_HALT_EXITS,
	ST_IRQ_INJECTIONS,
	NR_ST,
};

static const char *const stat_names[] = {
	[ST_HALT_EXITS] = "halt_exits",
	[ST_IRQ_INJECTIONS] = "irq_injections",
};

static_assert(ARRAY_SIZE(stat_names) == NR_ST, "a stat without a name");

static void read_stats(struct kvm_vm *vm, u64 val[NR_VCPUS][NR_ST])
{
	unsigned int i, s;

	for (i = 0; i < NR_VCPUS; i++)
		for (s = 0; s < NR_ST; s++)
			val[i][s] = kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i),
						       stat_names[s]);
}

/*
 * The interrupts a vCPU handled, against those generated for it (@want,
 * one per armed timer or IPI sent):
 *
 * - at least @want: every "sti; hlt" needs its own interrupt (the guest
 *   checks this after each HLT);
 * - at most DUP_MAX more: the proving ground's emulator now and then
 *   delivers an interrupt twice (see "Known emulator artifacts" in
 *   Documentation/testing.rst), rarely (not once in 48 vCPU phases on 6.1
 *   and 6.12, once in the next 24, when this was written), so a run that
 *   needs more shows a new defect rather than the known one;
 * - at most DUP_MAX more than KVM injected (irq_injections, re-injections
 *   included): a duplicate is the emulator's, not KVM's, so beyond that
 *   budget every interrupt the guest handled must be one KVM injected;
 * - at most DUP_MAX HLTs, or a quarter of the interrupts generated if that
 *   is more, stepped over because an interrupt came inside the STI shadow
 *   (hlt_skips), the other face of the same artifact, a delivery at the
 *   wrong instruction boundary: it comes in bursts (3 of 30 timer HLTs on
 *   one vCPU, 6.12, in a make check on a loaded host), and a defect that
 *   made it systematic would still show.
 * A vCPU that nobody interrupts (@want 0) handles none, and KVM injects
 * none into it.
 */
#define DUP_MAX		2

static void check_irqs(struct __test_metadata *_metadata, unsigned int id,
		       const struct kvm_guest_result *res, u32 want,
		       u64 injected)
{
	u32 skips_max = want / 4 > DUP_MAX ? want / 4 : DUP_MAX;

	EXPECT_LE(want, res->irqs);
	EXPECT_LE(res->irqs, want + DUP_MAX)
		TH_LOG("vcpu %u: %u interrupts handled for %u generated",
		       id, res->irqs, want);
	EXPECT_LE(res->irqs, injected + DUP_MAX)
		TH_LOG("vcpu %u: %u interrupts handled, KVM injected %llu",
		       id, res->irqs, (unsigned long long)injected);
	EXPECT_LE(res->hlt_skips, skips_max)
		TH_LOG("vcpu %u: %u HLTs stepped over, of %u", id,
		       res->hlt_skips, want);
	if (!want) {
		EXPECT_EQ(0, res->irqs);
		EXPECT_EQ(0ULL, injected);
	}
}

/*
 * Runs one phase; returns the HLT exits its vCPUs' binary stats counted,
 * each held to the HLTs its guest executed (and skipped) above.
 */
static u32 run_phase(struct __test_metadata *_metadata, struct kvm_vm *vm,
		     const struct expect *e)
{
	u64 before[NR_VCPUS][NR_ST], after[NR_VCPUS][NR_ST];
	u32 exits = 0;
	struct kvm_guest_result res;
	unsigned int i, reason;

	read_stats(vm, before);
	/* asserts that every vCPU ended with its "out" to DONE */
	kvm_vm_run(vm, NULL, NULL, RUN_TIMEOUT_MS);
	read_stats(vm, after);

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);
		u64 halt_exits = after[i][ST_HALT_EXITS] -
				 before[i][ST_HALT_EXITS];
		u64 injected = after[i][ST_IRQ_INJECTIONS] -
			       before[i][ST_IRQ_INJECTIONS];

		res = kvm_vcpu_guest_result(vcpu);
		TH_LOG("vcpu %u: hlts %u (skipped %u) irqs %u (injected %llu) ipis_sent %u",
		       i, res.hlts, res.hlt_skips, res.irqs,
		       (unsigned long long)injected, res.ipis_sent);
		/* every "sti; hlt" either halted or was skipped by the handler */
		EXPECT_EQ(e[i].hlts, res.hlts + res.hlt_skips);
		exits += halt_exits;
		check_irqs(_metadata, i, &res, e[i].irqs, injected);
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
		/*
		 * KVM counts every intercepted HLT. A skipped one is the
		 * emulator's interrupt at the HLT's boundary (check_irqs()),
		 * which it delivers either before the intercept (no exit) or
		 * with the intercepted HLT's RIP not yet advanced (an exit):
		 * each skip may add one exit, and nothing else may.
		 */
		EXPECT_LE(res.hlts, halt_exits)
			TH_LOG("vcpu %u: stat halt_exits %llu -> %llu", i,
			       (unsigned long long)before[i][ST_HALT_EXITS],
			       (unsigned long long)after[i][ST_HALT_EXITS]);
		EXPECT_GE(res.hlts + res.hlt_skips, halt_exits)
			TH_LOG("vcpu %u: stat halt_exits %llu -> %llu", i,
			       (unsigned long long)before[i][ST_HALT_EXITS],
			       (unsigned long long)after[i][ST_HALT_EXITS]);
	}
	return exits;
}

static u32 timer_phase(struct __test_metadata *_metadata, struct kvm_vm *vm)
{
	static const struct expect e[NR_VCPUS] = {
		{ .hlts = TIMER_K0, .irqs = TIMER_K0 },
		{ .hlts = TIMER_K1, .irqs = TIMER_K1 },
	};
	struct kvm_wakeup wk = {
		.role = KVM_WAKEUP_TIMER,
		.timer_ns = TIMER_NS,
	};
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++) {
		wk.count = e[i].hlts;
		kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, i), &wk);
	}
	return run_phase(_metadata, vm, e);
}

static u32 ipi_phase(struct __test_metadata *_metadata, struct kvm_vm *vm)
{
	static const struct expect e[NR_VCPUS] = {
		{ .hlts = IPI_K, .irqs = IPI_K },
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

	kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, 0), &recv);
	kvm_vcpu_set_wakeup(kvm_vm_vcpu(vm, 1), &send);
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

	ret = __kvm_vm_read_stat(vm, name, val);
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
	u32 exits;

	TEST_REQUIRE(kvm_need_debugfs(self->vm));

	exits = timer_phase(_metadata, self->vm);
	exits += ipi_phase(_metadata, self->vm);

	/* the VM still exists: VM-wide sums over its vCPUs, both phases */
	if (!read_debugfs_stat(_metadata, self->vm, "halt_exits", &halt_exits) ||
	    !read_debugfs_stat(_metadata, self->vm, "io_exits", &io_exits) ||
	    !read_debugfs_stat(_metadata, self->vm, "mmio_exits", &mmio_exits))
		return;
	EXPECT_EQ(exits, halt_exits);
	EXPECT_EQ(2 * NR_VCPUS, io_exits);
	EXPECT_EQ(0, mmio_exits);
	/* informational only, see the top of this file */
	if (!__kvm_vm_read_stat(self->vm, "halt_wakeup", &val))
		TH_LOG("halt_wakeup %llu (of %llu HLTs)",
		       (unsigned long long)val,
		       (unsigned long long)halt_exits);
	if (!__kvm_vm_read_stat(self->vm, "halt_successful_poll", &val))
		TH_LOG("halt_successful_poll %llu", (unsigned long long)val);
}

TEST_HARNESS_MAIN
