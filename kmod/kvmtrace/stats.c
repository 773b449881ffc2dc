// SPDX-License-Identifier: GPL-2.0
/*
 * Counter updates. kt_stats_exit(), kt_stats_entry() and kt_stats_halt() run
 * on the owning vCPU's thread only, with preemption disabled, so they use
 * plain increments. A reader on another CPU may race with them: slot tables
 * (MSRs, latency slots, unknown codes) publish a slot's key before the slot
 * becomes visible, so a reader never attributes counts to the wrong key.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sched/clock.h>
#include <asm/barrier.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "kvmtrace.h"

int kt_code_idx(u8 isa, u32 code)
{
	if (isa == KT_ISA_VMX)
		return code < KT_VMX_CODES ? code : -1;
	if (code < KT_SVM_LOW_CODES)
		return code;
	if (code - KT_SVM_HIGH_BASE < KT_SVM_HIGH_CODES)
		return KT_SVM_LOW_CODES + code - KT_SVM_HIGH_BASE;
	return -1;
}

u32 kt_idx_code(u8 isa, int idx)
{
	if (isa == KT_ISA_SVM && idx >= KT_SVM_LOW_CODES)
		return KT_SVM_HIGH_BASE + idx - KT_SVM_LOW_CODES;
	return idx;
}

static bool kt_code_is_hlt(u8 isa, u32 code)
{
	return isa == KT_ISA_VMX ? code == EXIT_REASON_HLT :
				   code == SVM_EXIT_HLT;
}

/* Nested page fault exits: SVM NPF, VMX EPT violation and misconfig. */
bool kt_code_is_npf(u8 isa, u32 code)
{
	if (isa == KT_ISA_VMX)
		return code == EXIT_REASON_EPT_VIOLATION ||
		       code == EXIT_REASON_EPT_MISCONFIG;
	return code == SVM_EXIT_NPF;
}

/* Classify the open NPF exit, if any, when it ends (entry or next exit). */
static void kt_npf_close(struct kt_stats *st)
{
	if (!st->npf_open)
		return;
	st->npf_open = false;
	if (!st->npf_mmio_seen)
		WRITE_ONCE(st->npf_fault, st->npf_fault + 1);
}

/* KVM emulated an MMIO access: the open NPF exit, if any, was MMIO. */
void kt_stats_mmio(struct kt_stats *st)
{
	if (!st->npf_open || st->npf_mmio_seen)
		return;
	st->npf_mmio_seen = true;
	WRITE_ONCE(st->npf_mmio, st->npf_mmio + 1);
}

unsigned int kt_hist_bucket(u64 ns)
{
	return ns ? min_t(unsigned int, ilog2(ns), KT_HIST_BUCKETS - 1) : 0;
}

static void kt_hist_add(struct kt_hist *dst, const struct kt_hist *src)
{
	unsigned int i;

	for (i = 0; i < KT_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
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

static struct kt_hist *kt_lat_hist(struct kt_stats *st, int idx, u32 code)
{
	struct kt_lat *l;
	u32 n;

	if (idx < 0)
		return &st->lat_other;
	if (st->lat_map[idx])
		return &st->lat[st->lat_map[idx] - 1].h;
	n = st->lat_used;
	if (n == KT_LAT_SLOTS)
		return &st->lat_other;
	l = &st->lat[n];
	l->code = code;
	st->lat_map[idx] = n + 1;
	/* code before lat_used; pairs with kt_stats_merge() */
	smp_store_release(&st->lat_used, n + 1);
	return &l->h;
}

static void kt_count_msr(struct kt_stats *st, u32 index, bool write)
{
	struct kt_msr *m = kt_msr_slot(st, index);

	if (!m) {
		if (write)
			st->msr_lost_writes++;
		else
			st->msr_lost_reads++;
	} else if (write) {
		WRITE_ONCE(m->writes, m->writes + 1);
	} else {
		WRITE_ONCE(m->reads, m->reads + 1);
	}
}

/*
 * Account one exit. @info1 and @msr are only used for MSR exits: @msr is the
 * guest's ECX, @info1 tells SVM's RDMSR (0) from WRMSR (1).
 */
void kt_stats_exit(struct kt_stats *st, u8 isa, u32 code, u64 info1,
		   u32 msr)
{
	int idx = kt_code_idx(isa, code);

	/* an entry was missed (e.g. while disabled) */
	kt_npf_close(st);
	if (kt_code_is_npf(isa, code)) {
		st->npf_open = true;
		st->npf_mmio_seen = false;
	}

	st->exits++;
	if (idx >= 0)
		WRITE_ONCE(st->count[idx], st->count[idx] + 1);
	else
		kt_unknown_add(st, code, 1);

	if (isa == KT_ISA_VMX) {
		if (code == EXIT_REASON_MSR_WRITE ||
		    code == EXIT_REASON_MSR_READ)
			kt_count_msr(st, msr, code == EXIT_REASON_MSR_WRITE);
	} else if (code == SVM_EXIT_MSR) {
		kt_count_msr(st, msr, info1 != 0);
	}

	st->exit_idx = idx;
	st->exit_code = code;
	st->exit_hlt = kt_code_is_hlt(isa, code);
	st->exit_gen = READ_ONCE(kt_gen);
	st->exit_ts = local_clock();
}

/*
 * Close the exit opened by kt_stats_exit(). Returns the exit handling time in
 * ns, or 0 if there was no open exit (first entry after load, reset, enable
 * or disable).
 */
u64 kt_stats_entry(struct kt_stats *st)
{
	u64 ts = st->exit_ts;
	u64 now, delta;
	unsigned int b;

	kt_npf_close(st);
	if (!ts)
		return 0;
	st->exit_ts = 0;
	if (st->exit_gen != READ_ONCE(kt_gen))
		return 0;

	/* The vCPU may have migrated; local_clock() is not synchronised. */
	now = local_clock();
	delta = now > ts ? now - ts : 1;
	b = kt_hist_bucket(delta);
	if (st->exit_hlt) {
		st->hlt_exit_ns += delta;
		WRITE_ONCE(st->lat_hlt.b[b], st->lat_hlt.b[b] + 1);
	} else {
		struct kt_hist *h = kt_lat_hist(st, st->exit_idx,
						st->exit_code);

		st->exit_ns += delta;
		WRITE_ONCE(h->b[b], h->b[b] + 1);
	}
	return delta;
}

void kt_stats_halt(struct kt_stats *st, u64 ns, bool waited, bool valid)
{
	unsigned int b = kt_hist_bucket(ns);

	st->halts++;
	if (waited)
		st->poll_fail++;
	else
		st->poll_success++;
	if (!valid)
		st->halt_invalid++;
	st->halted_ns += ns;
	WRITE_ONCE(st->halt.b[b], st->halt.b[b] + 1);
}

/*
 * Add @src (possibly being updated by its vCPU right now) into @dst (private
 * to the caller). Slot tables are re-keyed, so vCPUs that met reasons or
 * MSRs in a different order merge correctly.
 */
void kt_stats_merge(struct kt_stats *dst, const struct kt_stats *src, u8 isa)
{
	unsigned int i, n;

	dst->exits += READ_ONCE(src->exits);
	dst->exit_ns += READ_ONCE(src->exit_ns);
	dst->slow += READ_ONCE(src->slow);
	for (i = 0; i < KT_NR_CODES; i++)
		dst->count[i] += READ_ONCE(src->count[i]);

	for (i = 0; i < KT_UNKNOWN_SLOTS; i++) {
		u64 cnt = READ_ONCE(src->unknown[i].count);

		if (!cnt)
			break;
		smp_rmb(); /* pairs with kt_unknown_add() */
		kt_unknown_add(dst, READ_ONCE(src->unknown[i].code), cnt);
	}
	dst->unknown_lost += READ_ONCE(src->unknown_lost);

	/* pairs with kt_lat_hist() */
	n = smp_load_acquire(&src->lat_used);
	for (i = 0; i < n; i++) {
		u32 code = src->lat[i].code;

		kt_hist_add(kt_lat_hist(dst, kt_code_idx(isa, code), code),
			    &src->lat[i].h);
	}
	kt_hist_add(&dst->lat_other, &src->lat_other);
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
	dst->halts += READ_ONCE(src->halts);
	dst->poll_success += READ_ONCE(src->poll_success);
	dst->poll_fail += READ_ONCE(src->poll_fail);
	dst->halt_invalid += READ_ONCE(src->halt_invalid);
	dst->halted_ns += READ_ONCE(src->halted_ns);
	dst->poll_grow += READ_ONCE(src->poll_grow);
	dst->poll_shrink += READ_ONCE(src->poll_shrink);
	dst->poll_ns = max(dst->poll_ns, READ_ONCE(src->poll_ns));
	kt_hist_add(&dst->halt, &src->halt);
}
