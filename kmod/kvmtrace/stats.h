/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrace's counters: one struct kt_stats per vCPU, written only by that
 * vCPU's thread (every hook that touches it fires there), read by anyone.
 *
 * Single writer: the counters are plain u64, incremented with kt_inc() and
 * kt_add() (plain read-modify-write, marked as intended data races for
 * KCSAN); aligned 64-bit stores are single-copy atomic on x86-64, so a
 * reader sees each counter old or new, never torn. Slot tables publish a
 * slot's key before the slot is used; see stats.c.
 *
 * The common exit and entry are accounted by the fast paths below, inlined
 * into the two hooks that run on every VM exit; the general case of both,
 * and everything else, is in stats.c.
 */
#ifndef KVMTRACE_STATS_H
#define KVMTRACE_STATS_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched/clock.h>
#include <linux/types.h>
#include <asm/msr.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "control.h"
#include "uapi/kvmtrace.h"

/* The "isa" argument of the kvm_exit tracepoint. */
#define KT_ISA_VMX		1
#define KT_ISA_SVM		2

/*
 * Exit codes are counted in a dense array. VMX basic reasons are < 128.
 * SVM codes 0x000-0x0ff map 1:1 and 0x400-0x41f (NPF, AVIC, VMGEXIT) follow
 * them. Anything else (a VMX reason with flag bits set, SVM_EXIT_ERR, ...)
 * goes to a small table of unknown codes.
 */
#define KT_VMX_CODES		128
#define KT_SVM_LOW_CODES	0x100
#define KT_SVM_HIGH_BASE	0x400
#define KT_SVM_HIGH_CODES	0x20
#define KT_NR_CODES		(KT_SVM_LOW_CODES + KT_SVM_HIGH_CODES)
#define KT_UNKNOWN_SLOTS	KVMTRACE_UNKNOWN_SLOTS

/* Latency histograms: bucket b counts values in [2^b, 2^(b+1)) ns. */
#define KT_HIST_BUCKETS		KVMTRACE_HIST_BUCKETS
/* Per-reason latency histograms per vCPU; later reasons share "OTHER". */
#define KT_LAT_SLOTS		KVMTRACE_LAT_SLOTS
/* Distinct MSR indexes tracked per vCPU. */
#define KT_MSR_SLOTS		KVMTRACE_MSR_SLOTS

#define KT_REASON_LEN		KVMTRACE_NAME_LEN

struct kt_hist {
	u64 b[KT_HIST_BUCKETS];
};

/* The keys of the "hlt" file that are plain counters (COUNTER kind). */
#define KT_HLTC_ENUM_COUNTER(key)	KT_HLTC_##key,
#define KT_HLTC_ENUM_SUM(...)
#define KT_HLTC_ENUM_VALUE(...)
enum kt_hlt_counter {
#define KVMTRACE_HLT_KEY(key, kind, ...)	KT_HLTC_ENUM_##kind(key)
#include "uapi/kvmtrace_keys.h"
	KT_HLTC_NR,
};

/* Where an exit was handled: decides between "latency" and "user_latency". */
enum kt_where {
	KT_IN_KERNEL,
	KT_IN_USER,		/* KVM_RUN returned to userspace before re-entry */
	KT_WHERE_NR,
};

/* A latency histogram and the sum of its spans. */
struct kt_lat_hist {
	struct kt_hist h;
	u64 ns;
};

/*
 * A vCPU's latency histograms, in one array (kt_stats.lh) so that an exit
 * finds its reason's with one index: HLT exits (wherever they were
 * handled), OTHER, then a pair per reason slot. The KT_IN_USER histogram
 * of a pair follows its KT_IN_KERNEL one.
 */
enum {
	KT_LH_HLT,
	KT_LH_OTHER,
	KT_LH_SLOTS = KT_LH_OTHER + KT_WHERE_NR,
	KT_LH_NR = KT_LH_SLOTS + KT_LAT_SLOTS * KT_WHERE_NR,
};

struct kt_unknown {
	u32 code;
	u64 count;
};

/* An MSR's slot: published by its key; n[] is indexed by "is a write". */
struct kt_msr {
	u64 key;		/* index + 1; 0 while the slot is free */
	u64 n[2];		/* reads, writes */
};

static __always_inline u64 kt_msr_key(u32 index)
{
	return (u64)index + 1;
}

/*
 * VMX exit reasons carry flag bits above the 16-bit basic reason. The basic
 * reason is counted as the exit's code; each flag is counted here as well.
 */
enum kt_vmx_flag {
	KT_VMX_FAILED_ENTRY,	/* bit 31 */
	KT_VMX_BUS_LOCK,	/* bit 26 */
	KT_VMX_ENCLAVE,		/* bit 27 */
	KT_VMX_OTHER_FLAGS,	/* any other bit in 16-30 */
	KT_VMX_FLAGS_NR,
};

#define KT_VMX_BASIC_MASK	0xffffU
#define KT_VMX_BUS_LOCK_BIT	BIT(26)

/*
 * The exit in progress: opened by kvm_exit, closed by the next kvm_entry of
 * the vCPU. Written only by the vCPU's thread.
 *
 * @gen stamps it with kt_gen (control.h) when it is opened, and its low
 * bits, below KT_GEN_STEP, are flags: an entry that finds exactly the
 * current kt_gen there closes the exit on the fast path (kt_stats_entry_fast());
 * anything else (a flag, a stale stamp, 0 for none) takes kt_stats_entry().
 */
struct kt_open {
	u32 gen;
	u32 code;
	u64 ts;			/* clock at the exit */
	struct kt_lat_hist *lh;	/* its KT_IN_KERNEL histogram, NULL: no slot yet */
	s16 idx;		/* kt_code_idx(), -1 if out of range */
	bool npf;		/* an NPF/EPT exit, not yet classified */
	bool npf_mmio;		/* ... and KVM emulated MMIO for it */
};

#define KT_OPEN_SLOW	BIT(0)	/* NPF, reason without a slot yet, or not the TSC */
#define KT_OPEN_USER	BIT(1)	/* KVM_RUN returned to userspace meanwhile */
#define KT_OPEN_FLAGS	(KT_GEN_STEP - 1)

static_assert(KT_OPEN_FLAGS >= (KT_OPEN_SLOW | KT_OPEN_USER));

/*
 * Written only by the owning vCPU thread; see the comment at the top. The
 * fields every exit touches come first.
 */
struct kt_stats {
	struct kt_open open;

	u64 count[KT_NR_CODES];
	u8 lat_map[KT_NR_CODES];	/* lh[] index + 1, 0 = none yet */
	u32 lat_used;			/* reason slots taken */
	u32 lat_code[KT_LAT_SLOTS];	/* the code of each slot */
	struct kt_lat_hist lh[KT_LH_NR];
	u64 slow[KT_WHERE_NR];		/* non-HLT exits >= slow_ns */

	struct kt_msr msr[KT_MSR_SLOTS];
	u64 msr_lost_writes;	/* MSR table full */
	u64 msr_lost_reads;

	u64 vmx_flags[KT_VMX_FLAGS_NR];
	struct kt_unknown unknown[KT_UNKNOWN_SLOTS];
	u64 unknown_lost;	/* unknown codes beyond KT_UNKNOWN_SLOTS */

	u64 npf_mmio;		/* NPF/EPT exits with MMIO emulation */
	u64 npf_fault;		/* NPF/EPT exits without */

	/* halts, with the meaning of KVM's own halt_* stats */
	u64 hlt[KT_HLTC_NR];	/* the plain counters of the "hlt" file */
	u64 poll_ns;		/* last halt_poll_ns value KVM set */
	u64 wake_other;		/* wakeups of the vCPU that were not PIW */
	struct kt_hist halt;
};

/* Single-writer counters: readers race with the update by design. */
#define kt_inc(x)	data_race((x)++)
/* The same for sums. */
#define kt_add(x, n)	data_race((x) += (n))

/*
 * The clock: the TSC, converted to ns with the kernel's tsc_khz, when it is
 * stable (one rdtsc per event instead of local_clock()'s dozens of
 * instructions); local_clock() otherwise. Chosen once, at load.
 */
#define KT_CLOCK_SHIFT	24
DECLARE_STATIC_KEY_TRUE(kt_clock_tsc);
/* ns per cycle << KT_CLOCK_SHIFT, < 2^32; a u64 that mul can take from memory */
extern u64 kt_clock_mult;

void kt_clock_init(void);

static __always_inline u64 kt_clock_now(void)
{
	if (static_branch_likely(&kt_clock_tsc))
		return rdtsc();
	return local_clock();
}

/* @d TSC cycles in ns, exactly: d * kt_clock_mult >> KT_CLOCK_SHIFT. */
static __always_inline u64 kt_tsc_ns(u64 d)
{
	return mul_u64_u64_shr(d, kt_clock_mult, KT_CLOCK_SHIFT);
}

/*
 * @start to @end in ns; they may come from CPUs whose clocks differ, and a
 * span that seems to run backwards counts as 0.
 */
static __always_inline u64 kt_clock_ns(u64 start, u64 end)
{
	if (unlikely(end <= start))
		return 0;
	if (!static_branch_likely(&kt_clock_tsc))
		return end - start;
	return kt_tsc_ns(end - start);
}

static __always_inline int kt_code_idx(u8 isa, u32 code)
{
	if (isa == KT_ISA_VMX)
		return code < KT_VMX_CODES ? code : -1;
	if (code < KT_SVM_LOW_CODES)
		return code;
	if (code - KT_SVM_HIGH_BASE < KT_SVM_HIGH_CODES)
		return KT_SVM_LOW_CODES + code - KT_SVM_HIGH_BASE;
	return -1;
}

static __always_inline bool kt_code_is_hlt(u8 isa, u32 code)
{
	return isa == KT_ISA_VMX ? code == EXIT_REASON_HLT :
				   code == SVM_EXIT_HLT;
}

/* Nested page fault exits: SVM NPF, VMX EPT violation and misconfig. */
static __always_inline bool kt_code_is_npf(u8 isa, u32 code)
{
	if (isa == KT_ISA_VMX)
		return code == EXIT_REASON_EPT_VIOLATION ||
		       code == EXIT_REASON_EPT_MISCONFIG;
	return code == SVM_EXIT_NPF;
}

static __always_inline bool kt_code_is_msr(u8 isa, u32 code)
{
	if (isa == KT_ISA_VMX)
		return code == EXIT_REASON_MSR_WRITE ||
		       code == EXIT_REASON_MSR_READ;
	return code == SVM_EXIT_MSR;
}

static __always_inline unsigned long kt_hist_bucket(u64 ns)
{
	/* 0 and 1 both go to bucket 0 */
	return min_t(unsigned long, __fls(ns | 1), KT_HIST_BUCKETS - 1);
}

static __always_inline void kt_lat_add(struct kt_lat_hist *lh, u64 ns)
{
	kt_add(lh->ns, ns);
	kt_inc(lh->h.b[kt_hist_bucket(ns)]);
}

/* stats.c: the parts of the exit path that are not on every exit */
void kt_count_msr_slot(struct kt_stats *st, u32 index, bool write);

/*
 * An MSR exit: count it by index, read or write. The MSR's home slot is
 * looked at here; kt_count_msr_slot() probes further, takes a slot, or
 * counts the exit lost when the table is full.
 */
static __always_inline void kt_count_msr(struct kt_stats *st, u32 index,
					 bool write)
{
	struct kt_msr *m = &st->msr[hash_32(index, ilog2(KT_MSR_SLOTS))];

	if (likely(m->key == kt_msr_key(index)))
		kt_inc(m->n[write]);
	else
		kt_count_msr_slot(st, index, write);
}

/*
 * The common exit, on the fast path of the exit hook (hooks.c): @code, a
 * code below KT_FAST_CODES that is its own index (any SVM code there),
 * whose reason already has its histograms, measured with the TSC. Returns
 * false, having changed nothing, for anything else: kt_stats_exit() is
 * then the way. @gen is kt_gen as the caller read it.
 */
#define KT_FAST_CODES	KT_SVM_LOW_CODES

static __always_inline bool kt_stats_exit_fast(struct kt_stats *st,
					       unsigned long code, u32 gen)
{
	struct kt_open *o = &st->open;
	unsigned long m;

	if (unlikely(code >= KT_FAST_CODES))
		return false;
	m = st->lat_map[code];
	if (unlikely(!m))
		return false;
	kt_inc(st->count[code]);
	/* &lh[m - 1], the - 1 folded into the address */
	o->lh = st->lh + m - 1;
	o->code = code;
	/* a store of its own: the entry hook reads it first */
	WRITE_ONCE(o->gen, gen);
	o->ts = rdtsc();
	return true;
}

/*
 * Close, on the fast path of the entry hook, an exit whose stamp the caller
 * found to be exactly the current kt_gen: opened on the TSC, with its
 * histogram, handled in the kernel. Returns its time in ns.
 */
static __always_inline u64 kt_stats_entry_fast(struct kt_stats *st)
{
	struct kt_open *o = &st->open;
	s64 d;
	u64 ns;

	o->gen = 0;
	/* TSC values are far below 2^63: the same as "end <= start" */
	d = rdtsc() - o->ts;
	ns = likely(d > 0) ? kt_tsc_ns(d) : 0;
	kt_lat_add(o->lh, ns);
	return ns;
}

/* Is the exit opened last a HLT? */
static __always_inline bool kt_open_is_hlt(const struct kt_stats *st)
{
	return st->open.lh == &st->lh[KT_LH_HLT];
}

/* stats.c: on the owning vCPU's thread, but not on every exit */
void kt_stats_exit(struct kt_stats *st, u8 isa, u32 code, u64 info1, u32 msr,
		   u32 gen);
u64 kt_stats_entry(struct kt_stats *st, u32 gen, enum kt_where *where);
void kt_stats_user(struct kt_stats *st);
void kt_stats_mmio(struct kt_stats *st);
void kt_stats_poll_ns(struct kt_stats *st, bool grow, u32 new, u32 old);
/* What KVM's halt-polling did in one halt, from its own halt_* stats. */
enum kt_poll {
	KT_POLL_NONE,		/* did not poll */
	KT_POLL_SUCCESS,	/* polled, and the wakeup came while polling */
	KT_POLL_INVALID,	/* ... but KVM flagged it as not a valid one */
	KT_POLL_FAIL,		/* polled, then slept */
	KT_POLL_UNKNOWN,	/* cannot tell (halts were missed meanwhile) */
};

void kt_stats_halt(struct kt_stats *st, u64 ns, bool waited,
		   enum kt_poll poll);
void kt_stats_merge(struct kt_stats *dst, const struct kt_stats *src, u8 isa);
u32 kt_idx_code(u8 isa, int idx);
u64 kt_hist_sum(const struct kt_hist *h);
u64 kt_stats_exits(const struct kt_stats *st);
u64 kt_stats_exit_ns(const struct kt_stats *st, enum kt_where where);
u64 kt_stats_lat_exits(const struct kt_stats *st, enum kt_where where);
struct kt_lat_hist *kt_lat_slot(struct kt_stats *st, int idx, u32 code);

#endif /* KVMTRACE_STATS_H */
