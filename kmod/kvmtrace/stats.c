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
u32 kt_clock_mult;

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

static void kt_hist_add(struct kt_hist *dst, const struct kt_hist *src)
{
	unsigned int i;

	for (i = 0; i < KT_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

void kt_unknown_add(struct kt_stats *st, u32 code, u64 n)
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

static struct kt_msr *kt_msr_slot(struct kt_stats *st, u32 index)
{
	unsigned int h = hash_32(index, ilog2(KT_MSR_SLOTS));
	struct kt_msr *m;
	unsigned int i;

	for (i = 0; i < KT_MSR_SLOTS; i++) {
		m = &st->msr[(h + i) & (KT_MSR_SLOTS - 1)];
		if (!m->used) {
			m->index = index;
			/* index before used; pairs with kt_stats_merge() */
			smp_store_release(&m->used, true);
			return m;
		}
		if (m->index == index)
			return m;
	}
	return NULL;
}

/*
 * The latency histograms of reason @idx (code @code), both kinds, when the
 * reason has no slot yet: give it the next free one, or OTHER.
 */
struct kt_hist *kt_lat_slot_new(struct kt_stats *st, int idx, u32 code)
{
	struct kt_lat *l;
	u32 n;

	if (idx < 0)
		return st->lat_other;
	if (st->lat_map[idx])
		return st->lat[st->lat_map[idx] - 1].h;
	n = st->lat_used;
	if (n == KT_LAT_SLOTS)
		return st->lat_other;
	l = &st->lat[n];
	l->code = code;
	st->lat_map[idx] = n + 1;
	/* code before lat_used; pairs with kt_stats_merge() */
	smp_store_release(&st->lat_used, n + 1);
	return l->h;
}

/* An MSR exit: count it by index, read or write. */
void kt_count_msr(struct kt_stats *st, u8 isa, u32 code, u64 info1,
		  u32 index)
{
	bool write = isa == KT_ISA_VMX ? code == EXIT_REASON_MSR_WRITE :
					 info1 != 0;
	struct kt_msr *m = st->msr_last;

	/* MSR exits come in storms of one MSR: look up only on a change */
	if (!m || m->index != index) {
		m = kt_msr_slot(st, index);
		st->msr_last = m;
	}

	if (!m) {
		if (write)
			kt_inc(st->msr_lost_writes);
		else
			kt_inc(st->msr_lost_reads);
	} else if (write) {
		kt_inc(m->writes);
	} else {
		kt_inc(m->reads);
	}
}

/* VMX: count the flag bits above the basic exit reason. */
void kt_vmx_flags(struct kt_stats *st, u32 flags)
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
		dst->exit_ns[w] += READ_ONCE(src->exit_ns[w]);
		dst->slow[w] += READ_ONCE(src->slow[w]);
		kt_hist_add(&dst->lat_other[w], &src->lat_other[w]);
	}
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

	/* pairs with kt_lat_hists() */
	n = smp_load_acquire(&src->lat_used);
	for (i = 0; i < n; i++) {
		u32 code = src->lat[i].code;
		struct kt_hist *h = kt_lat_hists(dst, kt_code_idx(isa, code),
						 code);

		for (w = 0; w < KT_WHERE_NR; w++)
			kt_hist_add(&h[w], &src->lat[i].h[w]);
	}
	kt_hist_add(&dst->lat_hlt, &src->lat_hlt);

	for (i = 0; i < KT_MSR_SLOTS; i++) {
		const struct kt_msr *sm = &src->msr[i];
		struct kt_msr *dm;

		/* pairs with kt_msr_slot() */
		if (!smp_load_acquire(&sm->used))
			continue;
		dm = kt_msr_slot(dst, sm->index);
		if (dm) {
			dm->writes += READ_ONCE(sm->writes);
			dm->reads += READ_ONCE(sm->reads);
		} else {
			dst->msr_lost_writes += READ_ONCE(sm->writes);
			dst->msr_lost_reads += READ_ONCE(sm->reads);
		}
	}
	dst->msr_lost_writes += READ_ONCE(src->msr_lost_writes);
	dst->msr_lost_reads += READ_ONCE(src->msr_lost_reads);
	dst->npf_mmio += READ_ONCE(src->npf_mmio);
	dst->npf_fault += READ_ONCE(src->npf_fault);

	dst->hlt_exit_ns += READ_ONCE(src->hlt_exit_ns);
	for (i = 0; i < KT_HLTC_NR; i++)
		dst->hlt[i] += READ_ONCE(src->hlt[i]);
	dst->poll_ns = max(dst->poll_ns, READ_ONCE(src->poll_ns));
	dst->wake_other += READ_ONCE(src->wake_other);
	kt_hist_add(&dst->halt, &src->halt);
}
