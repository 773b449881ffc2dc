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
 * The exit and entry accounting is inlined into the two hooks that run on
 * every VM exit; everything else is in stats.c.
 */
#ifndef KVMTRACE_STATS_H
#define KVMTRACE_STATS_H

#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/log2.h>
#include <linux/bits.h>
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

struct kt_lat {
	u32 code;
	struct kt_hist h[KT_WHERE_NR];
};

struct kt_unknown {
	u32 code;
	u64 count;
};

struct kt_msr {
	u32 index;
	bool used;
	u64 writes;
	u64 reads;
};

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
 */
struct kt_open {
	u64 ts;			/* 0: no exit open */
	u32 code;
	u32 gen;		/* kt_gen when opened */
	s16 idx;		/* kt_code_idx(), -1 if out of range */
	bool hlt;
	bool npf;		/* an NPF/EPT exit, not yet classified */
	bool npf_mmio;		/* ... and KVM emulated MMIO for it */
	u8 where;		/* enum kt_where */
};

/* Written only by the owning vCPU thread; see the comment at the top. */
struct kt_stats {
	struct kt_open open;

	u64 exit_ns[KT_WHERE_NR];	/* sum of paired non-HLT latencies */
	u64 slow[KT_WHERE_NR];		/* non-HLT exits >= slow_ns */
	u64 count[KT_NR_CODES];
	u64 vmx_flags[KT_VMX_FLAGS_NR];
	struct kt_unknown unknown[KT_UNKNOWN_SLOTS];
	u64 unknown_lost;	/* unknown codes beyond KT_UNKNOWN_SLOTS */

	u8 lat_map[KT_NR_CODES];	/* slot + 1, 0 = none */
	u32 lat_used;
	struct kt_lat lat[KT_LAT_SLOTS];
	struct kt_hist lat_other[KT_WHERE_NR];
	struct kt_hist lat_hlt;

	struct kt_msr msr[KT_MSR_SLOTS];
	struct kt_msr *msr_last;	/* the slot of the last MSR exit */
	u64 msr_lost_writes;	/* MSR table full */
	u64 msr_lost_reads;

	u64 npf_mmio;		/* NPF/EPT exits with MMIO emulation */
	u64 npf_fault;		/* NPF/EPT exits without */

	/* halts, with the meaning of KVM's own halt_* stats */
	u64 hlt_exit_ns;	/* sum of paired HLT exit latencies */
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
extern u32 kt_clock_mult;	/* ns per cycle << KT_CLOCK_SHIFT */

void kt_clock_init(void);

static __always_inline u64 kt_clock_now(void)
{
	if (static_branch_likely(&kt_clock_tsc))
		return rdtsc();
	return local_clock();
}

/*
 * @start to @end in ns; they may come from CPUs whose clocks differ. The
 * cycles are scaled in two 64-bit halves rather than with a 128-bit
 * product, which would make GCC realign the stack of the hot path.
 */
static __always_inline u64 kt_clock_ns(u64 start, u64 end)
{
	u64 d = end - start;

	if (unlikely(end <= start))
		return 0;
	if (!static_branch_likely(&kt_clock_tsc))
		return d;
	/* up to 2^40 cycles (minutes) the product fits in 64 bits */
	if (likely(d < BIT_ULL(64 - 32)))
		return (d * kt_clock_mult) >> KT_CLOCK_SHIFT;
	return (d >> KT_CLOCK_SHIFT) * kt_clock_mult +
	       (((d & (BIT_ULL(KT_CLOCK_SHIFT) - 1)) * kt_clock_mult) >>
		KT_CLOCK_SHIFT);
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

static __always_inline unsigned int kt_hist_bucket(u64 ns)
{
	/* 0 and 1 both go to bucket 0 */
	return min_t(unsigned int, ilog2(ns | 1), KT_HIST_BUCKETS - 1);
}

/* stats.c: the parts of the exit path that are not on every exit */
void kt_vmx_flags(struct kt_stats *st, u32 flags);
void kt_unknown_add(struct kt_stats *st, u32 code, u64 n);
void kt_count_msr(struct kt_stats *st, u8 isa, u32 code, u64 info1,
		  u32 index);
struct kt_hist *kt_lat_slot_new(struct kt_stats *st, int idx, u32 code);

/* Classify the open NPF exit, if any, when it ends (entry or next exit). */
static __always_inline void kt_npf_close(struct kt_stats *st)
{
	if (likely(!st->open.npf))
		return;
	st->open.npf = false;
	if (!st->open.npf_mmio)
		kt_inc(st->npf_fault);
}

/* The latency histograms (kernel, user) of reason @idx (code @code). */
static __always_inline struct kt_hist *kt_lat_hists(struct kt_stats *st,
						    int idx, u32 code)
{
	if (likely(idx >= 0 && st->lat_map[idx]))
		return st->lat[st->lat_map[idx] - 1].h;
	return kt_lat_slot_new(st, idx, code);
}

/*
 * Account one exit, on every kvm_exit. @code is the exit reason as
 * get_exit_info() returns it (on VMX with its flag bits). @info1 and @msr
 * are only used for MSR exits: @msr is the guest's ECX, @info1 tells SVM's
 * RDMSR (0) from WRMSR (1).
 */
static __always_inline void kt_stats_exit(struct kt_stats *st, u8 isa,
					  u32 code, u64 info1, u32 msr)
{
	struct kt_open *o = &st->open;
	int idx;

	if (isa == KT_ISA_VMX) {
		if (unlikely(code & ~KT_VMX_BASIC_MASK))
			kt_vmx_flags(st, code & ~KT_VMX_BASIC_MASK);
		code &= KT_VMX_BASIC_MASK;
	}
	idx = kt_code_idx(isa, code);

	/* an entry was missed (e.g. while disabled) */
	kt_npf_close(st);
	o->npf = kt_code_is_npf(isa, code);
	o->npf_mmio = false;

	if (likely(idx >= 0))
		kt_inc(st->count[idx]);
	else
		kt_unknown_add(st, code, 1);
	if (kt_code_is_msr(isa, code))
		kt_count_msr(st, isa, code, info1, msr);

	o->idx = idx;
	o->code = code;
	o->hlt = kt_code_is_hlt(isa, code);
	o->where = KT_IN_KERNEL;
	o->gen = READ_ONCE(kt_gen);
	o->ts = kt_clock_now();
}

/*
 * Close the exit opened by kt_stats_exit(), on every kvm_entry. Returns the
 * exit handling time in ns (where it was spent is st->open.where), or 0 if
 * there was no open exit (first entry after load, reset, enable or
 * disable). A span that seems to run backwards (the clocks of two CPUs)
 * counts as 0 ns. The caller need not kt_vcpu_own() the counters first: a
 * reset bumps kt_gen as well as kt_epoch, so an exit opened before it is
 * dropped here, and counters of an older epoch are zeroed at the next exit.
 */
static __always_inline u64 kt_stats_entry(struct kt_stats *st)
{
	struct kt_open *o = &st->open;
	u64 ts = o->ts, ns;
	struct kt_hist *h;
	unsigned int b;

	if (!ts)
		return 0;
	o->ts = 0;
	if (unlikely(o->gen != READ_ONCE(kt_gen)))
		return 0;
	kt_npf_close(st);

	ns = kt_clock_ns(ts, kt_clock_now());
	b = kt_hist_bucket(ns);
	if (unlikely(o->hlt)) {
		kt_add(st->hlt_exit_ns, ns);
		kt_inc(st->lat_hlt.b[b]);
		return ns;
	}
	h = &kt_lat_hists(st, o->idx, o->code)[o->where];
	kt_add(st->exit_ns[o->where], ns);
	kt_inc(h->b[b]);
	return ns;
}

/* KVM_RUN returned to userspace: the open exit, if any, is a user exit. */
static inline void kt_stats_user(struct kt_stats *st)
{
	st->open.where = KT_IN_USER;
}

/* stats.c: on the owning vCPU's thread, but not on every exit */
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

#endif /* KVMTRACE_STATS_H */
