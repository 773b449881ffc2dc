// SPDX-License-Identifier: GPL-2.0
/*
 * wakeups - a halted vCPU woken by an interrupt is counted as a wakeup of
 * that vCPU, and of no other.
 *
 * kvmtrace is loaded first. A VM with an in-kernel irqchip runs two vCPUs:
 * vCPU 0 halts K times, each time woken by its one-shot LAPIC timer
 * (kvm_vcpu_set_wakeup(), KVM_WAKEUP_TIMER); vCPU 1 sets up its LAPIC and
 * never halts. The timer period (2 ms) is far above KVM's halt-polling
 * window (halt_poll_ns, 200 us by default), so most halts block and are
 * woken from the hrtimer through kvm_vcpu_kick(). Expected:
 *
 *   vcpu0/wakeups: 1 <= other <= K (a halt whose interrupt arrived while
 *                  KVM was still polling is not a wakeup), piw 0
 *   vcpu1/wakeups: other 0, piw 0
 *   VM "other" == KVM's halt_wakeup stat: both count the same event, a
 *   successful wake-up of a waiting vCPU
 *   vcpu0/hlt: exits K
 *
 * piw is 0 here: a posted-interrupt wakeup needs Intel's PI wakeup vector
 * (kvm_intel is not even loaded under TCG, which emulates SVM only) or
 * AMD's IOMMU GA log, which needs AVIC and an IOMMU with guest virtual APIC
 * support; QEMU's TCG emulates neither, so the timer's wakeups are all
 * "other".
 */
#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define NR_HLTS		20
#define TIMER_NS	2000000
#define RUN_TIMEOUT_MS	100000

FIXTURE(wakeups) {
	struct kvm_vm *vm;
};

FIXTURE_SETUP(wakeups)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 2,
		.irqchip = true,
		.mode = KVM_MODE_LONG64,
	};
	struct kvm_wakeup timer = {
		.role = KVM_WAKEUP_TIMER,
		.count = NR_HLTS,
		.timer_ns = TIMER_NS,
	};
	struct kvm_wakeup idle = {
		.role = KVM_WAKEUP_TIMER,
		.count = 0,
	};

	self->vm = NULL;
	TEST_REQUIRE(kvmtrace_need_module());
	kvmtrace_load();
	self->vm = kvm_vm_create(&opts);
	kvm_vcpu_set_wakeup(kvm_vm_vcpu(self->vm, 0), &timer);
	kvm_vcpu_set_wakeup(kvm_vm_vcpu(self->vm, 1), &idle);
}

FIXTURE_TEARDOWN(wakeups)
{
	kvm_vm_destroy(self->vm);
	kvmtrace_unload();
}

/* <name> <kind> <target> <state> <hits> <nmissed> <errno>: the hits */
static unsigned long long probe_hits(const char *hook)
{
	return kvmtrace_get(KVMTRACE_DIR "/probes", hook);
}

TEST_F_TIMEOUT(wakeups, timer_wakes_halted_vcpu, 150)
{
	struct kvm_guest_result res;
	char dir[256], path[320];
	u64 other0, other1, piw0, piw1, vm_other, halt_wakeup;

	/* asserts that every vCPU ended with its "out" to DONE */
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(kvm_vm_vcpu(self->vm, 0));
	/* every "sti; hlt" halted or was skipped, see guest_routines.h */
	EXPECT_EQ(NR_HLTS, res.hlts + res.hlt_skips);
	/* timer interrupts may be duplicated by TCG, see kvm/wakeups.c */
	EXPECT_GE(res.irqs, NR_HLTS);

	kvmtrace_vm_dir(self->vm, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/vcpu1/wakeups", dir);
	ASSERT_TRUE(test_wait_path(path, 2000));

	snprintf(path, sizeof(path), "%s/vcpu0/wakeups", dir);
	other0 = kvmtrace_get(path, "other");
	piw0 = kvmtrace_get(path, "piw");
	snprintf(path, sizeof(path), "%s/vcpu1/wakeups", dir);
	other1 = kvmtrace_get(path, "other");
	piw1 = kvmtrace_get(path, "piw");
	snprintf(path, sizeof(path), "%s/wakeups", dir);
	vm_other = kvmtrace_get(path, "other");
	halt_wakeup = kvm_vm_read_stat(self->vm, "halt_wakeup");
	TH_LOG("vcpu0 other %llu piw %llu, vcpu1 other %llu piw %llu",
	       other0, piw0, other1, piw1);
	TH_LOG("VM other %llu, KVM halt_wakeup %llu", vm_other, halt_wakeup);

	EXPECT_LE(1ULL, other0);
	EXPECT_GE((u64)res.hlts, other0);
	EXPECT_EQ(0ULL, piw0);
	EXPECT_EQ(0ULL, other1);
	EXPECT_EQ(0ULL, piw1);
	EXPECT_EQ(other0, vm_other);
	EXPECT_EQ(halt_wakeup, vm_other);

	snprintf(path, sizeof(path), "%s/vcpu0/hlt", dir);
	/* kvmtrace's HLT exits are exactly the HLTs the guest executed */
	EXPECT_EQ((u64)res.hlts, kvmtrace_get(path, "exits"));
	snprintf(path, sizeof(path), "%s/vcpu1/hlt", dir);
	EXPECT_EQ(0ULL, kvmtrace_get(path, "exits"));

	/* no PIW source fired at all */
	EXPECT_EQ(0ULL, probe_hits("avic_ga_log_notifier"));
}

TEST_HARNESS_MAIN
