// SPDX-License-Identifier: GPL-2.0
/*
 * Debug builds only (make debug, or CONFIG_KVMTRACE_DEBUG=y): in-module
 * self-tests, run at load before any hook is armed.
 *
 * They drive the accounting code with inputs whose results are known,
 * including paths the proving ground cannot reach (VMX exit reasons and
 * fast MMIO, posted-interrupt wakeups, races between a wakeup and slot
 * reuse). On success the module logs "self-tests: pass"; on failure it
 * logs each failed check and refuses to load with -ENOTRECOVERABLE.
 */
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/kvm_host.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "control.h"
#include "hooks.h"
#include "selftest.h"
#include "state.h"
#include "stats.h"

/* ---- the self-tests ------------------------------------------------------ */

static unsigned int kt_st_failed;

#define KT_ST_EXPECT(cond)						\
	do {								\
		if (!(cond)) {						\
			pr_err("self-test %s:%d: %s failed\n", __func__,\
			       __LINE__, #cond);			\
			kt_st_failed++;					\
		}							\
	} while (0)

/* The per-vCPU counters are too big for the stack. */
static struct kt_stats *kt_st_stats(void)
{
	return kzalloc(sizeof(struct kt_stats), GFP_KERNEL);
}

static void kt_st_hash_bits(void)
{
	unsigned int n, bits;

	KT_ST_EXPECT(kt_hash_bits_for(0) >= 1);
	KT_ST_EXPECT(kt_hash_bits_for(1) >= 1);
	for (n = 1; n <= 16384; n = n * 2 + 1) {
		bits = kt_hash_bits_for(n);
		KT_ST_EXPECT(bits >= 1 && bits < 32);
		KT_ST_EXPECT((1ULL << bits) >= 2ULL * n);
		KT_ST_EXPECT(hash_ptr(&bits, bits) < (1U << bits));
	}
}

static void kt_st_hist_bounds(void)
{
	KT_ST_EXPECT(kt_hist_bucket(0) == 0);
	KT_ST_EXPECT(kt_hist_bucket(1) == 0);
	KT_ST_EXPECT(kt_hist_bucket(2) == 1);
	KT_ST_EXPECT(kt_hist_bucket(3) == 1);
	KT_ST_EXPECT(kt_hist_bucket(1023) == 9);
	KT_ST_EXPECT(kt_hist_bucket(1024) == 10);
	KT_ST_EXPECT(kt_hist_bucket((1ULL << 35) - 1) == 34);
	KT_ST_EXPECT(kt_hist_bucket(1ULL << 35) == KT_HIST_BUCKETS - 1);
	KT_ST_EXPECT(kt_hist_bucket(U64_MAX) == KT_HIST_BUCKETS - 1);
}

/* One exit of @code, closed by an entry; returns the entry's delta. */
static u64 kt_st_exit_entry(struct kt_stats *st, u8 isa, u32 code,
			    bool mmio, bool user, enum kt_where *where)
{
	kt_stats_exit(st, isa, code, 0, 0, kt_gen);
	if (mmio)
		kt_stats_mmio(st);
	if (user)
		kt_stats_user(st);
	return kt_stats_entry(st, kt_gen, where);
}

/* The latency histogram of @where of the reason in slot @slot. */
static const struct kt_hist *kt_st_slot(const struct kt_stats *st,
					unsigned int slot, enum kt_where where)
{
	return &st->lh[KT_LH_SLOTS + slot * KT_WHERE_NR + where].h;
}

static void kt_st_vmx_reasons(struct kt_stats *st)
{
	enum kt_where where;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	/* failed VM entry: basic reason INVALID_STATE with bit 31 */
	kt_st_exit_entry(st, KT_ISA_VMX, VMX_EXIT_REASONS_FAILED_VMENTRY |
			 EXIT_REASON_INVALID_STATE, false, false, &where);
	kt_st_exit_entry(st, KT_ISA_VMX, KT_VMX_BUS_LOCK_BIT |
			 EXIT_REASON_HLT, false, false, &where);
	kt_st_exit_entry(st, KT_ISA_VMX, VMX_EXIT_REASONS_SGX_ENCLAVE_MODE |
			 EXIT_REASON_EPT_VIOLATION, false, false, &where);
	kt_st_exit_entry(st, KT_ISA_VMX, BIT(28) | EXIT_REASON_CPUID, false,
			 false, &where);
	kt_st_exit_entry(st, KT_ISA_VMX, EXIT_REASON_CPUID, false, false,
			 &where);

	KT_ST_EXPECT(kt_stats_exits(st) == 5);
	KT_ST_EXPECT(st->count[EXIT_REASON_INVALID_STATE] == 1);
	KT_ST_EXPECT(st->count[EXIT_REASON_HLT] == 1);
	KT_ST_EXPECT(st->count[EXIT_REASON_EPT_VIOLATION] == 1);
	KT_ST_EXPECT(st->count[EXIT_REASON_CPUID] == 2);
	KT_ST_EXPECT(st->vmx_flags[KT_VMX_FAILED_ENTRY] == 1);
	KT_ST_EXPECT(st->vmx_flags[KT_VMX_BUS_LOCK] == 1);
	KT_ST_EXPECT(st->vmx_flags[KT_VMX_ENCLAVE] == 1);
	KT_ST_EXPECT(st->vmx_flags[KT_VMX_OTHER_FLAGS] == 1);
	/* nothing is UNKNOWN, and every latency has its reason's slot */
	for (i = 0; i < KT_UNKNOWN_SLOTS; i++)
		KT_ST_EXPECT(!st->unknown[i].count);
	KT_ST_EXPECT(!kt_hist_sum(&st->lh[KT_LH_OTHER + KT_IN_KERNEL].h));
	KT_ST_EXPECT(st->lat_used == 3);
	KT_ST_EXPECT(kt_hist_sum(&st->lh[KT_LH_HLT].h) == 1);
}

/* NPF/EPT exits are MMIO if kvm_mmio or kvm_fast_mmio fired for them. */
static void kt_st_npf(struct kt_stats *st)
{
	enum kt_where where;

	memset(st, 0, sizeof(*st));
	/* VMX ioeventfd write: EPT_MISCONFIG, kvm_fast_mmio */
	kt_st_exit_entry(st, KT_ISA_VMX, EXIT_REASON_EPT_MISCONFIG, true,
			 false, &where);
	kt_st_exit_entry(st, KT_ISA_VMX, EXIT_REASON_EPT_VIOLATION, false,
			 false, &where);
	/* an MMIO exit to userspace is classified at its next entry */
	kt_stats_exit(st, KT_ISA_VMX, EXIT_REASON_EPT_MISCONFIG, 0, 0, kt_gen);
	kt_stats_mmio(st);
	kt_stats_user(st);
	KT_ST_EXPECT(st->npf_mmio == 2);
	KT_ST_EXPECT(st->npf_fault == 1);
	KT_ST_EXPECT(st->open.gen & KT_OPEN_USER);
	kt_stats_entry(st, kt_gen, &where);
	KT_ST_EXPECT(where == KT_IN_USER);
	KT_ST_EXPECT(st->npf_mmio == 2 && st->npf_fault == 1);

	memset(st, 0, sizeof(*st));
	kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_NPF, true, false, &where);
	kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_NPF, false, false, &where);
	KT_ST_EXPECT(st->npf_mmio == 1 && st->npf_fault == 1);
}

/* "latency" keeps exits handled in the kernel, "user_latency" the others. */
static void kt_st_user_latency(struct kt_stats *st)
{
	enum kt_where where = KT_WHERE_NR;

	memset(st, 0, sizeof(*st));
	kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_IOIO, false, true, &where);
	KT_ST_EXPECT(where == KT_IN_USER);
	kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_IOIO, false, false, &where);
	KT_ST_EXPECT(where == KT_IN_KERNEL);
	KT_ST_EXPECT(st->lat_used == 1);
	KT_ST_EXPECT(st->lat_code[0] == SVM_EXIT_IOIO);
	KT_ST_EXPECT(kt_hist_sum(kt_st_slot(st, 0, KT_IN_USER)) == 1);
	KT_ST_EXPECT(kt_hist_sum(kt_st_slot(st, 0, KT_IN_KERNEL)) == 1);
	/* a HLT that went to userspace stays in the hlt histogram */
	kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_HLT, false, true, &where);
	KT_ST_EXPECT(kt_hist_sum(&st->lh[KT_LH_HLT].h) == 1);
	KT_ST_EXPECT(st->lat_used == 1);
	/* no exit open: an entry measures nothing */
	KT_ST_EXPECT(kt_stats_entry(st, kt_gen, &where) == 0);
	/* an exit opened before a settings change is dropped */
	kt_stats_exit(st, KT_ISA_SVM, SVM_EXIT_IOIO, 0, 0, kt_gen);
	KT_ST_EXPECT(kt_stats_entry(st, kt_gen + KT_GEN_STEP, &where) == 0);
	KT_ST_EXPECT(kt_hist_sum(kt_st_slot(st, 0, KT_IN_KERNEL)) == 1);
}

/* Reasons past the 16th merge into OTHER; MSRs past the 64th are lost. */
static void kt_st_overflow(struct kt_stats *st)
{
	enum kt_where where;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < KT_LAT_SLOTS + 2; i++)
		kt_st_exit_entry(st, KT_ISA_SVM, SVM_EXIT_READ_CR0 + i, false,
				 false, &where);
	KT_ST_EXPECT(st->lat_used == KT_LAT_SLOTS);
	KT_ST_EXPECT(kt_hist_sum(&st->lh[KT_LH_OTHER + KT_IN_KERNEL].h) == 2);

	memset(st, 0, sizeof(*st));
	for (i = 0; i <= KT_MSR_SLOTS; i++) {
		kt_stats_exit(st, KT_ISA_SVM, SVM_EXIT_MSR, 1, 0x100 + i,
			      kt_gen);
		kt_stats_exit(st, KT_ISA_SVM, SVM_EXIT_MSR, 0, 0x100 + i,
			      kt_gen);
	}
	KT_ST_EXPECT(st->msr_lost_writes == 1 && st->msr_lost_reads == 1);
	for (i = 0; i < KT_MSR_SLOTS; i++)
		KT_ST_EXPECT(st->msr[i].key && st->msr[i].n[1] == 1 &&
			     st->msr[i].n[0] == 1);
}

/* The TSC in ns, exactly as d * mult >> shift in 128 bits. */
static void kt_st_tsc_ns(void)
{
	static const u64 d[] = {
		0, 1, 2, 999, 1000, 123456789, BIT_ULL(32) - 1, BIT_ULL(32),
		BIT_ULL(40) + 12345, BIT_ULL(52) + 1, U64_MAX >> 8,
	};
	u32 mult = kt_clock_mult ?: 1U << KT_CLOCK_SHIFT;
	u64 saved = kt_clock_mult;
	unsigned int i;
	u64 lo, hi;

	for (i = 0; i < ARRAY_SIZE(d); i++) {
		/* the product in two halves, then shifted */
		lo = (d[i] & U32_MAX) * mult;
		hi = (d[i] >> 32) * mult + (lo >> 32);
		kt_clock_mult = mult;
		KT_ST_EXPECT(kt_tsc_ns(d[i]) ==
			     ((hi << (32 - KT_CLOCK_SHIFT)) |
			      ((lo & U32_MAX) >> KT_CLOCK_SHIFT)));
		kt_clock_mult = saved;
	}
}

/* One exit and its entry, as the hooks do them: fast where they can. */
static void kt_st_hook_exit_entry(struct kt_stats *st, bool fast, u32 code,
				  u64 info1, u32 msr, bool mmio, bool user)
{
	enum kt_where where;

	if (fast && kt_stats_exit_fast(st, code, kt_gen)) {
		if (code == SVM_EXIT_MSR)
			kt_count_msr(st, msr, info1 != 0);
	} else {
		kt_stats_exit(st, KT_ISA_SVM, code, info1, msr, kt_gen);
	}
	if (mmio)
		kt_stats_mmio(st);
	if (user)
		kt_stats_user(st);
	if (fast && st->open.gen == kt_gen)
		kt_stats_entry_fast(st);
	else
		kt_stats_entry(st, kt_gen, &where);
}

/*
 * The fast paths count exactly what the general ones count (the
 * histograms' buckets depend on time, their totals do not).
 */
static void kt_st_fast_paths(struct kt_stats *a, struct kt_stats *b)
{
	static const struct {
		u32 code, msr;
		u64 info1;
		bool mmio, user;
	} ev[] = {
		{ SVM_EXIT_CPUID },
		{ SVM_EXIT_MSR, 0x6e0, 1 },	/* TSC_DEADLINE write */
		{ SVM_EXIT_MSR, 0x6e0, 0 },
		{ SVM_EXIT_MSR, 0x838, 1 },	/* x2APIC TMICT */
		{ SVM_EXIT_VINTR },
		{ SVM_EXIT_HLT },
		{ SVM_EXIT_HLT, .user = true },
		{ SVM_EXIT_MSR, 0x80b, 1 },	/* x2APIC EOI */
		{ SVM_EXIT_IOIO, .user = true },
		{ SVM_EXIT_IOIO },
		{ SVM_EXIT_NPF, .mmio = true },
		{ SVM_EXIT_NPF },
		{ SVM_EXIT_NPF, .mmio = true, .user = true },
		{ SVM_EXIT_AVIC_INCOMPLETE_IPI },
		{ 0x500 },			/* unknown */
	};
	unsigned int r, i;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	for (r = 0; r < 3; r++) {
		for (i = 0; i < ARRAY_SIZE(ev); i++) {
			kt_st_hook_exit_entry(a, false, ev[i].code,
					      ev[i].info1, ev[i].msr,
					      ev[i].mmio, ev[i].user);
			kt_st_hook_exit_entry(b, true, ev[i].code,
					      ev[i].info1, ev[i].msr,
					      ev[i].mmio, ev[i].user);
		}
		/* more reasons than slots, and MSRs whose home slots collide */
		for (i = 0; i < KT_LAT_SLOTS; i++) {
			kt_st_hook_exit_entry(a, false, SVM_EXIT_READ_CR0 + i,
					      0, 0, false, false);
			kt_st_hook_exit_entry(b, true, SVM_EXIT_READ_CR0 + i,
					      0, 0, false, false);
		}
		for (i = 0; i < KT_MSR_SLOTS + 2; i++) {
			kt_st_hook_exit_entry(a, false, SVM_EXIT_MSR, i & 1,
					      0x40000000 + 3 * i, false, false);
			kt_st_hook_exit_entry(b, true, SVM_EXIT_MSR, i & 1,
					      0x40000000 + 3 * i, false, false);
		}
	}
	KT_ST_EXPECT(!memcmp(a->count, b->count, sizeof(a->count)));
	KT_ST_EXPECT(a->lat_used == KT_LAT_SLOTS &&
		     a->lat_used == b->lat_used);
	KT_ST_EXPECT(!memcmp(a->lat_code, b->lat_code, sizeof(a->lat_code)));
	for (i = 0; i < KT_LH_NR; i++)
		KT_ST_EXPECT(kt_hist_sum(&a->lh[i].h) ==
			     kt_hist_sum(&b->lh[i].h));
	KT_ST_EXPECT(kt_hist_sum(&b->lh[KT_LH_HLT].h) == 6);
	KT_ST_EXPECT(kt_hist_sum(&b->lh[KT_LH_OTHER].h) > 0);
	KT_ST_EXPECT(!memcmp(a->msr, b->msr, sizeof(a->msr)));
	KT_ST_EXPECT(a->msr_lost_writes == b->msr_lost_writes &&
		     a->msr_lost_reads == b->msr_lost_reads &&
		     a->msr_lost_writes + a->msr_lost_reads > 0);
	KT_ST_EXPECT(a->npf_mmio == 6 && a->npf_fault == 3);
	KT_ST_EXPECT(a->npf_mmio == b->npf_mmio &&
		     a->npf_fault == b->npf_fault);
	KT_ST_EXPECT(!memcmp(a->unknown, b->unknown, sizeof(a->unknown)));
	KT_ST_EXPECT(kt_stats_exits(a) == kt_stats_exits(b));
	KT_ST_EXPECT(kt_stats_lat_exits(a, KT_IN_USER) == 6 &&
		     kt_stats_lat_exits(b, KT_IN_USER) == 6);
}

/* poll_success and friends mean what KVM's halt_* stats mean. */
static void kt_st_halt(struct kt_stats *st)
{
	struct kvm_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL);
	struct kt_vcpu *v = vzalloc(sizeof(*v));
	struct kvm_vcpu_stat_generic *g;
	u32 gen = kt_halt_gen;
	u64 other;

	if (!vcpu || !v) {
		kt_st_failed++;
		goto out_free;
	}
	g = &vcpu->stat.generic;
	memset(st, 0, sizeof(*st));
	kt_halt_seen_set(v, vcpu);
	/* no poll (halt_poll_ns 0, or the guest disabled host polling) */
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_NONE);
	KT_ST_EXPECT(other == 0);
	g->halt_attempted_poll++;
	g->halt_successful_poll++;
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_SUCCESS);
	g->halt_attempted_poll++;
	g->halt_wakeup++;	/* slept, woken by a kick */
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_FAIL);
	KT_ST_EXPECT(other == 1);
	g->halt_attempted_poll++;
	g->halt_successful_poll++;
	g->halt_poll_invalid++;
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_INVALID);
	/* a PIW and a kick: one of the two wakeups is not a PIW */
	g->halt_wakeup += 2;
	atomic64_inc(&v->wake.piw);
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_NONE);
	KT_ST_EXPECT(other == 1);
	/*
	 * A PIW whose return handler ran after the halt ended counts as other
	 * at first; the next wakeup then counts as the PIW: totals agree.
	 */
	g->halt_wakeup++;
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_NONE);
	KT_ST_EXPECT(other == 1);
	atomic64_inc(&v->wake.piw);
	g->halt_wakeup++;
	kt_halt_update(v, vcpu, &other);
	KT_ST_EXPECT(other == 0);
	/* halts missed while disabled: the next one cannot be classified */
	kt_halt_gen++;
	g->halt_attempted_poll += 3;
	g->halt_wakeup += 3;
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_UNKNOWN);
	KT_ST_EXPECT(other == 0);
	KT_ST_EXPECT(kt_halt_update(v, vcpu, &other) == KT_POLL_NONE);
	KT_ST_EXPECT(other == 0);
	kt_halt_gen = gen;

	kt_stats_halt(st, 100, false, KT_POLL_NONE);
	kt_stats_halt(st, 200, false, KT_POLL_SUCCESS);
	kt_stats_halt(st, 900000, true, KT_POLL_FAIL);
	kt_stats_halt(st, 300, false, KT_POLL_INVALID);
	kt_stats_halt(st, 5000, true, KT_POLL_NONE);
	kt_stats_halt(st, 400, false, KT_POLL_UNKNOWN);
	KT_ST_EXPECT(st->hlt[KT_HLTC_halts] == 6 && st->hlt[KT_HLTC_poll_attempted] == 3);
	KT_ST_EXPECT(st->hlt[KT_HLTC_poll_success] == 2 && st->hlt[KT_HLTC_poll_fail] == 1);
	KT_ST_EXPECT(st->hlt[KT_HLTC_invalid] == 1 && st->hlt[KT_HLTC_waited] == 2);
	KT_ST_EXPECT(st->hlt[KT_HLTC_halted_ns] == 906000);
	KT_ST_EXPECT(kt_hist_sum(&st->halt) == 6);
out_free:
	vfree(v);
	kfree(vcpu);
}

/*
 * A wakeup is a PIW only in the task and the interrupt context of the PIW
 * handler: an interrupt that preempts AMD's GA-log thread is not one.
 */
struct kt_st_irq {
	struct irq_work work;
	bool in_piw_before;	/* mark made in task context */
	bool in_piw_own;	/* mark made in this hardirq */
};

static void kt_st_irq_fn(struct irq_work *work)
{
	struct kt_st_irq *t = container_of(work, struct kt_st_irq, work);
	struct kt_piw_save save;

	t->in_piw_before = kt_in_piw();
	kt_piw_begin(&save);
	t->in_piw_own = kt_in_piw();
	kt_piw_end(&save);
}

static void kt_st_piw(void)
{
	struct kt_st_irq t = { .in_piw_before = true };
	struct kt_piw_save save;

	init_irq_work(&t.work, kt_st_irq_fn);
	preempt_disable();
	kt_piw_begin(&save);
	KT_ST_EXPECT(kt_in_piw());
	irq_work_queue(&t.work);
	while (irq_work_is_busy(&t.work))
		cpu_relax();
	/* the interrupt's own mark is gone, ours is back */
	KT_ST_EXPECT(kt_in_piw());
	kt_piw_end(&save);
	KT_ST_EXPECT(!kt_in_piw());
	preempt_enable();
	KT_ST_EXPECT(!t.in_piw_before);
	KT_ST_EXPECT(t.in_piw_own);
}

/* A wakeup in flight is not charged to a slot that changed hands. */
static void kt_st_wake_identity(void)
{
	struct kt_vcpu *v = vzalloc(sizeof(*v));
	const struct kvm_vcpu *a = (const void *)0x1000, *b = (const void *)0x2000;

	if (!v) {
		kt_st_failed++;
		return;
	}
	v->key = a;
	v->gen = 7;
	KT_ST_EXPECT(kt_wake_same_vcpu(v, a, 7));
	v->key = NULL;		/* VM died, slot free */
	KT_ST_EXPECT(!kt_wake_same_vcpu(v, a, 7));
	v->key = b;		/* taken by another vCPU */
	v->gen = 8;
	KT_ST_EXPECT(!kt_wake_same_vcpu(v, a, 7));
	v->key = a;		/* same struct kvm_vcpu address, new vCPU */
	KT_ST_EXPECT(!kt_wake_same_vcpu(v, a, 7));
	KT_ST_EXPECT(!kt_wake_same_vcpu(v, NULL, 8));
	vfree(v);
}

int kt_selftests(void)
{
	struct kt_stats *st = kt_st_stats();
	struct kt_stats *st2 = kt_st_stats();

	if (!st || !st2) {
		kfree(st2);
		kfree(st);
		return -ENOMEM;
	}
	kt_st_failed = 0;
	kt_st_hash_bits();
	kt_st_hist_bounds();
	kt_st_vmx_reasons(st);
	kt_st_npf(st);
	kt_st_user_latency(st);
	kt_st_overflow(st);
	kt_st_tsc_ns();
	/* the fast paths read the TSC */
	if (static_branch_likely(&kt_clock_tsc))
		kt_st_fast_paths(st, st2);
	kt_st_halt(st);
	kt_st_piw();
	kt_st_wake_identity();
	kt_state_selftest(&kt_st_failed);
	kfree(st2);
	kfree(st);

	if (kt_st_failed) {
		pr_err("self-tests: %u failed\n", kt_st_failed);
		return -ENOTRECOVERABLE;
	}
	pr_info("self-tests: pass\n");
	return 0;
}
