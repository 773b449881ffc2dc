// SPDX-License-Identifier: GPL-2.0
/*
 * hlt - kvmtrace's "hlt" file has the meaning of KVM's own per-vCPU halt_*
 * stats, exactly, with halt polling on and off.
 *
 * kvmtrace is loaded first; kvm.halt_poll_ns is set to the variant's value
 * (restored afterwards). One vCPU with an in-kernel irqchip:
 *
 * 1. K1 halts, each woken by the LAPIC timer after TIMER_NS (the wakeup
 *    routine's TIMER role). With polling on, KVM grows the vCPU's
 *    halt_poll_ns from 0 after the first short halts and then polls.
 * 2. One "sti; hlt" that only the test ends (IPI_RECV, one halt), made to
 *    halt H + 2 times:
 *    - the vCPU blocks (KVM's "blocking" stat); the test kicks its thread
 *      with a signal: the halt ends, having slept, and KVM_RUN fails with
 *      EINTR;
 *    - on the vCPU thread the VMM now blocks SIG_HALT in its own mask but
 *      not in the vCPU's KVM_SET_SIGNAL_MASK, and sends it to itself: the
 *      vCPU is still halted (mp_state HALTED), so each of the next H
 *      KVM_RUNs halts and fails with EINTR at once, without sleeping (and
 *      without polling, unless the vCPU's halt_poll_ns is non-zero: then
 *      KVM counts a successful poll). The signal stays pending until the
 *      VMM takes it with sigtimedwait();
 *    - the vCPU blocks again and the test sends it an MSI: it wakes,
 *      having slept, takes the interrupt and finishes.
 *
 * Expected, for the vCPU (KVM: binary stats fd, same vCPU):
 *   exits == halt_exits, exit_hist sums to exits, halt_hist to halts;
 *   poll_attempted == halt_attempted_poll, poll_success ==
 *   halt_successful_poll, poll_fail == attempted - successful, invalid ==
 *   halt_poll_invalid, waited == the count of halt_wait_hist;
 *   halt_wait_ns <= halted_ns <= halt_wait_ns + halt_poll_success_ns +
 *   halt_poll_fail_ns + a small bound per halt that did not sleep;
 *   step 2 adds exactly 1 HLT exit, H + 2 halts, 2 waited.
 * With polling off, nothing polled: poll_* are 0, although H halts ended
 * without sleeping. The old code counted every halt that did not sleep as
 * a successful poll, i.e. poll_success >= H here. With polling on, at
 * least H - 1 of the signalled halts are successful polls, whatever step 1
 * did: the first one that does not poll is short, so KVM grows the vCPU's
 * halt_poll_ns from 0 and the next ones poll (and end at once).
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define RUN_TIMEOUT_MS	60000
#define WAIT_MS		20000
#define K1		20
#define TIMER_NS	50000
#define GROW_TIMER_NS	5000000
#define NR_SIGHALTS	10	/* H */
#define SIG_HALT	SIGUSR2
#define HALT_POLL_PARAM	"/sys/module/kvm/parameters/halt_poll_ns"
#define NOSLEEP_NS	2000000ULL	/* bound per halt that did not sleep */
#define HIST_MAX	64

FIXTURE(hlt) {
	struct kvm_vm *vm;
	struct kvmtrace_file a, b;
	struct kvmtrace_hist hist;
};

FIXTURE_VARIANT(hlt) {
	const char *halt_poll_ns;
	bool polling;
};

FIXTURE_VARIANT_ADD(hlt, poll_on) {
	.halt_poll_ns = "5000000",
	.polling = true,
};

FIXTURE_VARIANT_ADD(hlt, poll_off) {
	.halt_poll_ns = "0",
	.polling = false,
};

/* kvm.halt_poll_ns before the test, restored after it, also at exit */
static char saved_poll[32];

static void restore_param(void)
{
	if (saved_poll[0])
		__test_write_file(HALT_POLL_PARAM, saved_poll);
}

FIXTURE_SETUP(hlt)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 1,
		.irqchip = true,
		.mode = KVM_MODE_LONG64,
	};

	self->vm = NULL;
	TEST_REQUIRE(kvmtrace_need_module());
	test_read_line(HALT_POLL_PARAM, saved_poll, sizeof(saved_poll));
	atexit(restore_param);
	test_write_file(HALT_POLL_PARAM, variant->halt_poll_ns);
	kvmtrace_load();
	self->vm = kvm_vm_create(&opts);
}

FIXTURE_TEARDOWN(hlt)
{
	kvm_vm_destroy(self->vm);
	kvmtrace_unload();
	restore_param();
}

enum {
	PHASE_KICK,		/* the first halt sleeps until the kick */
	PHASE_SIGNALLED,	/* SIG_HALT pending: halts end at once */
	PHASE_MSI,		/* the last halt sleeps until the MSI */
};

struct sig_ctx {
	int phase;		/* __atomic */
	unsigned int halts;	/* KVM_RUNs that ended with SIG_HALT pending */
	unsigned int late;	/* EINTRs after that */
	int err;
};

static void sig_halt_handler(int sig)
{
	(void)sig;
}

/* vCPU thread: KVM_RUN failed with EINTR. */
static int sig_cb(struct kvm_vcpu *vcpu, void *opaque)
{
	const struct timespec zero = { 0 };
	struct sig_ctx *ctx = opaque;
	sigset_t set;

	if (vcpu->run->exit_reason != KVM_EXIT_INTR)
		return KVM_UTIL_CB_DEFAULT;
	sigemptyset(&set);
	sigaddset(&set, SIG_HALT);
	switch (__atomic_load_n(&ctx->phase, __ATOMIC_ACQUIRE)) {
	case PHASE_KICK:
		/* blocked here, unblocked in KVM_RUN (the vCPU's mask) */
		if (pthread_sigmask(SIG_BLOCK, &set, NULL) ||
		    pthread_kill(pthread_self(), SIG_HALT)) {
			ctx->err = -EIO;
			return -EIO;
		}
		__atomic_store_n(&ctx->phase, PHASE_SIGNALLED, __ATOMIC_RELEASE);
		break;
	case PHASE_SIGNALLED:
		if (++ctx->halts < NR_SIGHALTS)
			break;
		/* take the signal, or KVM_RUN would fail forever */
		if (sigtimedwait(&set, NULL, &zero) != SIG_HALT) {
			ctx->err = -errno;
			return -EIO;
		}
		__atomic_store_n(&ctx->phase, PHASE_MSI, __ATOMIC_RELEASE);
		break;
	default:
		ctx->late++;
		break;
	}
	return KVM_UTIL_CB_HANDLED;
}

static bool wait_blocking(struct kvm_vcpu *vcpu)
{
	unsigned int ms;
	u64 val;

	for (ms = 0; ms < WAIT_MS; ms++) {
		if (!__kvm_vcpu_read_stat(vcpu, "blocking", &val) && val)
			return true;
		usleep(1000);
	}
	return false;
}

static bool wait_phase(struct sig_ctx *ctx, int phase, unsigned int ms)
{
	for (; ms; ms--) {
		if (__atomic_load_n(&ctx->phase, __ATOMIC_ACQUIRE) >= phase)
			return true;
		usleep(1000);
	}
	return __atomic_load_n(&ctx->phase, __ATOMIC_ACQUIRE) >= phase;
}

static u64 hist_count(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const char *name)
{
	u64 vals[HIST_MAX], sum = 0;
	unsigned int i, n;

	n = kvm_vcpu_read_stat_array(vcpu, name, vals, HIST_MAX);
	EXPECT_GE(HIST_MAX, n);
	for (i = 0; i < n && i < HIST_MAX; i++)
		sum += vals[i];
	return sum;
}

/*
 * KVM zeroes a vCPU's halt_poll_ns at the end of a halt without a
 * kvm_halt_poll_ns event when kvm.halt_poll_ns has become 0 meanwhile;
 * the halt still polled. kvmtrace once decided "polled" from the vCPU's
 * halt_poll_ns after the halt and missed it (KVM attempted 20, kvmtrace
 * 19). Here: timer halts grow the vCPU's halt_poll_ns, then one halt
 * blocks, the parameter drops to 0 under it, and an MSI ends it.
 */
TEST_F_TIMEOUT(hlt, param_drops_during_halt, 120)
{
	struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm, 0);
	/*
	 * Timer halts long enough to block: a 50 us timer may have fired by
	 * the time KVM handles the HLT (under icount, guest time per
	 * instruction grows when the host is loaded), and a halt that does
	 * not block never grows halt_poll_ns.
	 */
	struct kvm_wakeup timer = {
		.role = KVM_WAKEUP_TIMER,
		.count = K1,
		.timer_ns = GROW_TIMER_NS,
	};
	struct kvm_wakeup recv = { .role = KVM_WAKEUP_IPI_RECV, .count = 1 };
	u64 attempted, attempted0, successful;
	unsigned int round;
	char path[512];

	/*
	 * KVM grows the vCPU's halt_poll_ns from 0 after a halt that blocked
	 * and was shorter than the parameter: 1 s, far above the timer
	 * halts' length whatever the host's load. The growth stops near the
	 * halts' own length.
	 */
	test_write_file(HALT_POLL_PARAM, "1000000000");
	kvmtrace_path(path, sizeof(path), self->vm, 0, "hlt");
	/*
	 * How soon it grows depends on timing, so run timer halts until it
	 * has (kvmtrace's poll_ns is the last value KVM set).
	 */
	for (round = 0; round < 5; round++) {
		kvm_vcpu_set_wakeup(vcpu, &timer);
		kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
		kvmtrace_read(path, &self->a);
		if (kvmtrace_val(&self->a, "poll_ns", 0))
			break;
	}
	ASSERT_NE(0ULL, kvmtrace_val(&self->a, "poll_ns", 0))
		TH_LOG("KVM never grew halt_poll_ns in %u rounds", round);
	attempted0 = kvm_vcpu_read_stat(vcpu, "halt_attempted_poll");

	/* one halt that polls, then sleeps; the parameter drops under it */
	kvm_vcpu_set_wakeup(vcpu, &recv);
	kvm_vm_start(self->vm, NULL, NULL);
	ASSERT_TRUE(wait_blocking(vcpu));
	test_write_file(HALT_POLL_PARAM, "0");
	kvm_vm_signal_msi(self->vm, 0, KVM_UTIL_WAKEUP_VECTOR);
	kvm_vm_wait(self->vm, RUN_TIMEOUT_MS);

	kvmtrace_read(path, &self->b);
	attempted = kvm_vcpu_read_stat(vcpu, "halt_attempted_poll");
	successful = kvm_vcpu_read_stat(vcpu, "halt_successful_poll");
	TH_LOG("KVM attempted %llu (%llu before) successful %llu; kvmtrace %llu %llu %llu",
	       attempted, attempted0, successful,
	       kvmtrace_val(&self->b, "poll_attempted", 0),
	       kvmtrace_val(&self->b, "poll_success", 0),
	       kvmtrace_val(&self->b, "poll_fail", 0));
	/* the halt under the drop polled (and then slept) */
	EXPECT_EQ(attempted0 + 1, attempted);
	EXPECT_EQ(attempted, kvmtrace_val(&self->b, "poll_attempted", 0));
	EXPECT_EQ(successful, kvmtrace_val(&self->b, "poll_success", 0));
	EXPECT_EQ(attempted - successful, kvmtrace_val(&self->b, "poll_fail", 0));
}

TEST_F_TIMEOUT(hlt, against_kvm_stats, 120)
{
	struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm, 0);
	struct kvm_wakeup timer = {
		.role = KVM_WAKEUP_TIMER,
		.count = K1,
		.timer_ns = TIMER_NS,
	};
	struct kvm_wakeup recv = { .role = KVM_WAKEUP_IPI_RECV, .count = 1 };
	struct sigaction sa = { .sa_handler = sig_halt_handler };
	struct sig_ctx ctx = { .phase = PHASE_KICK };
	u64 attempted, successful, invalid, wait_ns, success_ns, fail_ns;
	u64 wait_count, halt_exits, halts, waited, halted_ns, nosleep;
	u64 attempted1, successful1;
	struct kvm_guest_result res;
	sigset_t none;
	char path[512];
	int i;

	/* 1: timer halts */
	kvm_vcpu_set_wakeup(vcpu, &timer);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(vcpu);
	EXPECT_EQ((u32)K1, res.hlts + res.hlt_skips);
	kvmtrace_path(path, sizeof(path), self->vm, 0, "hlt");
	ASSERT_TRUE(test_wait_path(path, 2000));
	kvmtrace_read(path, &self->a);
	attempted1 = kvm_vcpu_read_stat(vcpu, "halt_attempted_poll");
	successful1 = kvm_vcpu_read_stat(vcpu, "halt_successful_poll");

	/* 2: one HLT, H + 2 halts */
	sigemptyset(&none);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIG_HALT, &sa, NULL));
	kvm_vcpu_set_signal_mask(vcpu, &none);
	kvm_vcpu_set_wakeup(vcpu, &recv);
	kvm_vm_start(self->vm, sig_cb, &ctx);
	ASSERT_TRUE(wait_blocking(vcpu)) TH_LOG("vCPU did not block");
	i = 0;
	do
		kvm_vcpu_kick(vcpu);
	while (!wait_phase(&ctx, PHASE_SIGNALLED, 100) && ++i < 100);
	ASSERT_TRUE(wait_phase(&ctx, PHASE_MSI, WAIT_MS))
		TH_LOG("phase %d, %u signalled halts, err %d", ctx.phase,
		       ctx.halts, ctx.err);
	ASSERT_TRUE(wait_blocking(vcpu)) TH_LOG("vCPU did not block again");
	kvm_vm_signal_msi(self->vm, 0, KVM_UTIL_WAKEUP_VECTOR);
	kvm_vm_wait(self->vm, RUN_TIMEOUT_MS);
	kvm_vcpu_set_signal_mask(vcpu, NULL);
	EXPECT_EQ(0, ctx.err);
	EXPECT_EQ((unsigned int)NR_SIGHALTS, ctx.halts);
	EXPECT_EQ(0U, ctx.late);
	res = kvm_vcpu_guest_result(vcpu);
	EXPECT_EQ(1U, res.hlts);
	EXPECT_LE(1U, res.irqs);

	kvmtrace_read(path, &self->b);
	kvmtrace_read_hist(path, &self->hist);
	EXPECT_EQ(0, self->hist.bad);
	for (i = 0; i < self->b.n; i++)
		TH_LOG("hlt: %s %llu", self->b.row[i].key, self->b.row[i].v[0]);

	halt_exits = kvm_vcpu_read_stat(vcpu, "halt_exits");
	attempted = kvm_vcpu_read_stat(vcpu, "halt_attempted_poll");
	successful = kvm_vcpu_read_stat(vcpu, "halt_successful_poll");
	invalid = kvm_vcpu_read_stat(vcpu, "halt_poll_invalid");
	wait_ns = kvm_vcpu_read_stat(vcpu, "halt_wait_ns");
	success_ns = kvm_vcpu_read_stat(vcpu, "halt_poll_success_ns");
	fail_ns = kvm_vcpu_read_stat(vcpu, "halt_poll_fail_ns");
	wait_count = hist_count(_metadata, vcpu, "halt_wait_hist");
	TH_LOG("KVM: halt_exits %llu attempted %llu successful %llu invalid %llu",
	       halt_exits, attempted, successful, invalid);
	TH_LOG("KVM: wait_ns %llu success_ns %llu fail_ns %llu waits %llu",
	       wait_ns, success_ns, fail_ns, wait_count);
	halts = kvmtrace_val(&self->b, "halts", 0);
	waited = kvmtrace_val(&self->b, "waited", 0);
	halted_ns = kvmtrace_val(&self->b, "halted_ns", 0);

	/* the same vCPU's counters, with KVM's meaning */
	EXPECT_EQ(halt_exits, kvmtrace_val(&self->b, "exits", 0));
	EXPECT_EQ(attempted, kvmtrace_val(&self->b, "poll_attempted", 0));
	EXPECT_EQ(successful, kvmtrace_val(&self->b, "poll_success", 0));
	EXPECT_EQ(attempted - successful, kvmtrace_val(&self->b, "poll_fail", 0));
	EXPECT_EQ(invalid, kvmtrace_val(&self->b, "invalid", 0));
	EXPECT_EQ(wait_count, waited);
	EXPECT_LE(wait_ns, halted_ns);
	nosleep = halts - waited;
	EXPECT_GE(wait_ns + success_ns + fail_ns + nosleep * NOSLEEP_NS,
		  halted_ns) TH_LOG("%llu halts did not sleep", nosleep);
	/* histograms: every exit completed (the vCPU re-entered), every halt */
	EXPECT_EQ(kvmtrace_val(&self->b, "exits", 0),
		  kvmtrace_hist_count(&self->hist, "exit_hist"));
	EXPECT_EQ(halts, kvmtrace_hist_count(&self->hist, "halt_hist"));
	for (i = 0; i < self->hist.n; i++)
		EXPECT_TRUE(kvmtrace_bucket_ok(self->hist.l[i].lo));

	/* step 2 exactly: one HLT, the kick's, H signalled, the MSI's */
	EXPECT_EQ(1ULL, kvmtrace_val(&self->b, "exits", 0) - kvmtrace_val(&self->a, "exits", 0));
	EXPECT_EQ(NR_SIGHALTS + 2ULL, halts - kvmtrace_val(&self->a, "halts", 0));
	EXPECT_EQ(2ULL, waited - kvmtrace_val(&self->a, "waited", 0));

	if (variant->polling) {
		/* the signalled halts polled, see the top */
		EXPECT_LE(NR_SIGHALTS - 1ULL, successful - successful1);
		EXPECT_LE(NR_SIGHALTS - 1ULL, attempted - attempted1);
		EXPECT_LT(0ULL, kvmtrace_val(&self->b, "poll_grow", 0));
	} else {
		/* no polling at all, whatever the halts did */
		EXPECT_EQ(0ULL, attempted);
		EXPECT_EQ(0ULL, kvmtrace_val(&self->b, "poll_attempted", 0));
		EXPECT_EQ(0ULL, kvmtrace_val(&self->b, "poll_success", 0));
		EXPECT_EQ(0ULL, kvmtrace_val(&self->b, "poll_fail", 0));
		EXPECT_LE((u64)NR_SIGHALTS, nosleep);
	}
}

TEST_HARNESS_MAIN
