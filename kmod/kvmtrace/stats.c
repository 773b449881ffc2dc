// SPDX-License-Identifier: GPL-2.0
/*
 * Counter updates that are not inlined into the exit path (see stats.h),
 * the clock, and the merge of per-vCPU counters for readers.
 *
 * Everything here runs on the owning vCPU's thread, except kt_stats_merge(),
 * which readers run on a private copy. A reader on another CPU may race
 * with the writer: slot tables (MSRs, latency slots, unknown codes) publish
 * a slot's key before the slot becomes visible, so a reader never
 * attributes counts to the wrong key.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sched/clock.h>
#include <asm/barrier.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "control.h"
#include "stats.h"

DEFINE_STATIC_KEY_TRUE(kt_clock_tsc);
u64 kt_clock_mult;

/*
 * Use the TSC if the kernel trusts it across CPUs (it is not marked
 * unstable) and its rate is known; the vCPU thread may migrate between an
 * exit and the next entry.
 */
void kt_clock_init(void)
{
	u64 mult = tsc_khz ? div_u64((u64)NSEC_PER_MSEC << KT_CLOCK_SHIFT,
				     tsc_khz) : 0;

	if (boot_cpu_has(X86_FEATURE_TSC) && !check_tsc_unstable() &&
	    mult && mult <= U32_MAX) {
		kt_clock_mult = mult;
		pr_debug("clock: TSC at %u kHz\n", tsc_khz);
		return;
	}
	static_branch_disable(&kt_clock_tsc);
	pr_info("clock: local_clock(), the TSC is unstable or unknown\n");
}

u32 kt_idx_code(u8 isa, int idx)
{
	if (isa == KT_ISA_SVM && idx >= KT_SVM_LOW_CODES)
		return KT_SVM_HIGH_BASE + idx - KT_SVM_LOW_CODES;
	return idx;
}

/*
 * KVM emulated an MMIO access (kvm_mmio, or VMX's kvm_fast_mmio for
 * ioeventfd writes on EPT misconfig): the open NPF exit, if any, was MMIO.
 */
void kt_stats_mmio(struct kt_stats *st)
{
	if (!st->open.npf || st->open.npf_mmio)
		return;
	st->open.npf_mmio = true;
	WRITE_ONCE(st->npf_mmio, st->npf_mmio + 1);
}

/* All exits: the exit path counts only by reason, so add them up. */
u64 kt_stats_exits(const struct kt_stats *st)
{
	u64 sum = READ_ONCE(st->unknown_lost);
	unsigned int i;

	for (i = 0; i < KT_NR_CODES; i++)
		sum += READ_ONCE(st->count[i]);
	for (i = 0; i < KT_UNKNOWN_SLOTS; i++)
		sum += READ_ONCE(st->unknown[i].count);
	return sum;
}

u64 kt_hist_sum(const struct kt_hist *h)
{
	u64 sum = 0;
	unsigned int b;

	for (b = 0; b < KT_HIST_BUCKETS; b++)
		sum += READ_ONCE(h->b[b]);
	return sum;
}

/* The time of the non-HLT exits handled @where: OTHER and every slot. */
u64 kt_stats_exit_ns(const struct kt_stats *st, enum kt_where where)
{
	u64 sum = READ_ONCE(st->lh[KT_LH_OTHER + where].ns);
	unsigned int i;

	for (i = 0; i < KT_LAT_SLOTS; i++)
		sum += READ_ONCE(st->lh[KT_LH_SLOTS + i * KT_WHERE_NR + where].ns);
	return sum;
}

/* The number of non-HLT exits in the histograms of @where. */
u64 kt_stats_lat_exits(const struct kt_stats *st, enum kt_where where)
{
	u64 sum = kt_hist_sum(&st->lh[KT_LH_OTHER + where].h);
	unsigned int i;

	for (i = 0; i < KT_LAT_SLOTS; i++)
		sum += kt_hist_sum(&st->lh[KT_LH_SLOTS + i * KT_WHERE_NR +
					   where].h);
	return sum;
}

static void kt_hist_add(struct kt_hist *dst, const struct kt_hist *src)
{
	unsigned int i;

	for (i = 0; i < KT_HIST_BUCKETS; i++)
		dst->b[i] += READ_ONCE(src->b[i]);
}

static void kt_lat_hist_add(struct kt_lat_hist *dst,
			    const struct kt_lat_hist *src)
{
	kt_hist_add(&dst->h, &src->h);
	dst->ns += READ_ONCE(src->ns);
}

static void kt_unknown_add(struct kt_stats *st, u32 code, u64 n)
{
	struct kt_unknown *u;
	unsigned int i;

	for (i = 0; i < KT_UNKNOWN_SLOTS; i++) {
		u = &st->unknown[i];
		if (!u->count) {
			u->code = code;
			smp_wmb(); /* code before count; see kt_stats_merge() */
			WRITE_ONCE(u->count, n);
			return;
		}
		if (u->code == code) {
			WRITE_ONCE(u->count, u->count + n);
			return;
		}
	}
	st->unknown_lost += n;
}

/*
 * The slot of MSR @index, taken if it has none yet; NULL if the table is
 * full. Slots are probed from the MSR's home slot on, the one
 * kt_count_msr() looks at first.
 */
static struct kt_msr *kt_msr_slot(struct kt_stats *st, u32 index)
{
	unsigned int h = hash_32(index, ilog2(KT_MSR_SLOTS));
	u64 key = kt_msr_key(index);
	struct kt_msr *m;
	unsigned int i;

	for (i = 0; i < KT_MSR_SLOTS; i++) {
		m = &st->msr[(h + i) & (KT_MSR_SLOTS - 1)];
		if (!m->key) {
			/* zeroed counts before the key; pairs with kt_stats_merge() */
			smp_store_release(&m->key, key);
			return m;
		}
		if (m->key == key)
			return m;
	}
	return NULL;
}

/* kt_count_msr() did not find MSR @index in its home slot. */
void kt_count_msr_slot(struct kt_stats *st, u32 index, bool write)
{
	struct kt_msr *m = kt_msr_slot(st, index);

	if (m)
		kt_inc(m->n[write]);
	else if (write)
		kt_inc(st->msr_lost_writes);
	else
		kt_inc(st->msr_lost_reads);
}

/*
 * The KT_IN_KERNEL latency histogram of reason @idx (code @code), the
 * KT_IN_USER one following it: the reason's slot, taken if it has none
 * yet, or OTHER once all slots are taken (or for codes out of range).
 */
struct kt_lat_hist *kt_lat_slot(struct kt_stats *st, int idx, u32 code)
{
	u32 n;

	if (idx < 0)
		return &st->lh[KT_LH_OTHER];
	if (st->lat_map[idx])
		return &st->lh[st->lat_map[idx] - 1];
	n = st->lat_used;
	if (n == KT_LAT_SLOTS) {
		st->lat_map[idx] = KT_LH_OTHER + 1;
		return &st->lh[KT_LH_OTHER];
	}
	st->lat_code[n] = code;
	st->lat_map[idx] = KT_LH_SLOTS + n * KT_WHERE_NR + 1;
	/* code before lat_used; pairs with kt_stats_merge() */
	smp_store_release(&st->lat_used, n + 1);
	return &st->lh[KT_LH_SLOTS + n * KT_WHERE_NR];
}

/* VMX: count the flag bits above the basic exit reason. */
static void kt_vmx_flags(struct kt_stats *st, u32 flags)
{
	if (flags & VMX_EXIT_REASONS_FAILED_VMENTRY)
		kt_inc(st->vmx_flags[KT_VMX_FAILED_ENTRY]);
	if (flags & KT_VMX_BUS_LOCK_BIT)
		kt_inc(st->vmx_flags[KT_VMX_BUS_LOCK]);
	if (flags & VMX_EXIT_REASONS_SGX_ENCLAVE_MODE)
		kt_inc(st->vmx_flags[KT_VMX_ENCLAVE]);
	if (flags & ~(VMX_EXIT_REASONS_FAILED_VMENTRY | KT_VMX_BUS_LOCK_BIT |
		      VMX_EXIT_REASONS_SGX_ENCLAVE_MODE))
		kt_inc(st->vmx_flags[KT_VMX_OTHER_FLAGS]);
}

/* Classify the open NPF exit, if any, when it ends (entry or next exit). */
static void kt_npf_close(struct kt_stats *st)
{
	if (likely(!st->open.npf))
		return;
	st->open.npf = false;
	if (!st->open.npf_mmio)
		kt_inc(st->npf_fault);
}

/*
 * Account one exit and open it, in general: what kt_stats_exit_fast() does
 * not take. @code is the exit reason as get_exit_info() returns it (on VMX
 * with its flag bits). @info1 and @msr are only used for MSR exits: @msr is
 * the guest's ECX, @info1 tells SVM's RDMSR (0) from WRMSR. @gen is kt_gen
 * as the caller read it.
 *
 * A reason gets its latency slot when its first exit is closed (see
 * kt_stats_entry()), so that only reasons seen with a latency take slots;
 * HLT exits always go to their own histogram.
 */
void kt_stats_exit(struct kt_stats *st, u8 isa, u32 code, u64 info1, u32 msr,
		   u32 gen)
{
	struct kt_open *o = &st->open;
	unsigned int m;
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
		kt_count_msr(st, msr, isa == KT_ISA_VMX ?
			     code == EXIT_REASON_MSR_WRITE : info1 != 0);

	if (kt_code_is_hlt(isa, code))
		st->lat_map[idx] = KT_LH_HLT + 1;
	m = idx >= 0 ? st->lat_map[idx] : 0;
	o->lh = m ? &st->lh[m - 1] : NULL;
	o->idx = idx;
	o->code = code;
	if (!o->lh || o->npf || !static_branch_likely(&kt_clock_tsc))
		gen |= KT_OPEN_SLOW;
	o->gen = gen;
	o->ts = kt_clock_now();
}

/*
 * Close the exit opened by kt_stats_exit() or kt_stats_exit_fast(), on a
 * kvm_entry that kt_stats_entry_fast() did not take. Returns the exit
 * handling time in ns and sets @where to where it was spent, or returns 0
 * if there was no open exit (first entry after load, reset, enable or
 * disable). A span that seems to run backwards (the clocks of two CPUs)
 * counts as 0 ns. The caller need not kt_vcpu_own() the counters first: a
 * reset advances kt_gen as well as kt_epoch, so an exit opened before it
 * is dropped here, and counters of an older epoch are zeroed at the next
 * exit. @gen is kt_gen as the caller read it.
 */
u64 kt_stats_entry(struct kt_stats *st, u32 gen, enum kt_where *where)
{
	struct kt_open *o = &st->open;
	u32 stamp = o->gen;
	struct kt_lat_hist *lh;
	u64 ns;

	*where = KT_IN_KERNEL;
	if (!stamp)
		return 0;
	o->gen = 0;
	if (unlikely((stamp & ~KT_OPEN_FLAGS) != gen))
		return 0;
	kt_npf_close(st);

	ns = kt_clock_ns(o->ts, kt_clock_now());
	if (!o->lh)
		o->lh = kt_lat_slot(st, o->idx, o->code);
	lh = o->lh;
	if ((stamp & KT_OPEN_USER) && !kt_open_is_hlt(st)) {
		*where = KT_IN_USER;
		lh += KT_IN_USER;
	}
	kt_lat_add(lh, ns);
	return ns;
}

/* KVM_RUN returned to userspace: the open exit, if any, is a user exit. */
void kt_stats_user(struct kt_stats *st)
{
	if (st->open.gen)
		st->open.gen |= KT_OPEN_USER;
}

/* kvm_halt_poll_ns: KVM changed the vCPU's halt_poll_ns from @old to @new. */
void kt_stats_poll_ns(struct kt_stats *st, bool grow, u32 new, u32 old)
{
	if (grow)
		kt_inc(st->hlt[KT_HLTC_poll_grow]);
	else
		kt_inc(st->hlt[KT_HLTC_poll_shrink]);
	WRITE_ONCE(st->poll_ns, new);
}

/* kvm_vcpu_wakeup: a halt of @ns ended; the thread slept if @waited. */
void kt_stats_halt(struct kt_stats *st, u64 ns, bool waited,
		   enum kt_poll poll)
{
	unsigned int b = kt_hist_bucket(ns);

	kt_inc(st->hlt[KT_HLTC_halts]);
	switch (poll) {
	case KT_POLL_INVALID:
		kt_inc(st->hlt[KT_HLTC_invalid]);
		fallthrough;
	case KT_POLL_SUCCESS:
		kt_inc(st->hlt[KT_HLTC_poll_attempted]);
		kt_inc(st->hlt[KT_HLTC_poll_success]);
		break;
	case KT_POLL_FAIL:
		kt_inc(st->hlt[KT_HLTC_poll_attempted]);
		kt_inc(st->hlt[KT_HLTC_poll_fail]);
		break;
	case KT_POLL_NONE:
	case KT_POLL_UNKNOWN:
		break;
	}
	if (waited)
		kt_inc(st->hlt[KT_HLTC_waited]);
	kt_add(st->hlt[KT_HLTC_halted_ns], ns);
	kt_inc(st->halt.b[b]);
}

/*
 * Add @src (possibly being updated by its vCPU right now) into @dst (private
 * to the caller). Slot tables are re-keyed, so vCPUs that met reasons or
 * MSRs in a different order merge correctly.
 */
void kt_stats_merge(struct kt_stats *dst, const struct kt_stats *src, u8 isa)
{
	unsigned int i, w, n;

	for (w = 0; w < KT_WHERE_NR; w++) {
		dst->slow[w] += READ_ONCE(src->slow[w]);
		kt_lat_hist_add(&dst->lh[KT_LH_OTHER + w],
				&src->lh[KT_LH_OTHER + w]);
	}
	kt_lat_hist_add(&dst->lh[KT_LH_HLT], &src->lh[KT_LH_HLT]);
	for (i = 0; i < KT_NR_CODES; i++)
		dst->count[i] += READ_ONCE(src->count[i]);
	for (i = 0; i < KT_VMX_FLAGS_NR; i++)
		dst->vmx_flags[i] += READ_ONCE(src->vmx_flags[i]);

	for (i = 0; i < KT_UNKNOWN_SLOTS; i++) {
		u64 cnt = READ_ONCE(src->unknown[i].count);

		if (!cnt)
			break;
		smp_rmb(); /* pairs with kt_unknown_add() */
		kt_unknown_add(dst, READ_ONCE(src->unknown[i].code), cnt);
	}
	dst->unknown_lost += READ_ONCE(src->unknown_lost);

	/* pairs with kt_lat_slot() */
	n = smp_load_acquire(&src->lat_used);
	for (i = 0; i < n; i++) {
		u32 code = src->lat_code[i];
		struct kt_lat_hist *lh = kt_lat_slot(dst, kt_code_idx(isa, code),
						     code);

		for (w = 0; w < KT_WHERE_NR; w++)
			kt_lat_hist_add(&lh[w],
					&src->lh[KT_LH_SLOTS + i * KT_WHERE_NR + w]);
	}

	for (i = 0; i < KT_MSR_SLOTS; i++) {
		const struct kt_msr *sm = &src->msr[i];
		/* pairs with kt_msr_slot() */
		u64 key = smp_load_acquire(&sm->key);
		struct kt_msr *dm;

		if (!key)
			continue;
		dm = kt_msr_slot(dst, key - 1);
		if (dm) {
			dm->n[0] += READ_ONCE(sm->n[0]);
			dm->n[1] += READ_ONCE(sm->n[1]);
		} else {
			dst->msr_lost_reads += READ_ONCE(sm->n[0]);
			dst->msr_lost_writes += READ_ONCE(sm->n[1]);
		}
	}
	dst->msr_lost_writes += READ_ONCE(src->msr_lost_writes);
	dst->msr_lost_reads += READ_ONCE(src->msr_lost_reads);
	dst->npf_mmio += READ_ONCE(src->npf_mmio);
	dst->npf_fault += READ_ONCE(src->npf_fault);

	for (i = 0; i < KT_HLTC_NR; i++)
		dst->hlt[i] += READ_ONCE(src->hlt[i]);
	dst->poll_ns = max(dst->poll_ns, READ_ONCE(src->poll_ns));
	dst->wake_other += READ_ONCE(src->wake_other);
	kt_hist_add(&dst->halt, &src->halt);
}
