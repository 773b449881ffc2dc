// SPDX-License-Identifier: GPL-2.0
/*
 * Time from histograms; the method is described in stats.h.
 */
#include <string.h>

#include "stats.h"

__u64 kvmtop_bucket_lo(unsigned int b)
{
	return b ? 1ULL << b : 0;
}

__u64 kvmtop_bucket_hi(unsigned int b)
{
	return b ? (1ULL << (b + 1)) - 1 : 1;
}

__u64 kvmtop_hist_count(const struct kvmtop_hist *h)
{
	__u64 n = 0;
	unsigned int b;

	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++)
		n += h->b[b];
	return n;
}

/*
 * Prometheus' bucket quantile on le = hi(b): rank q * count, the first
 * bucket whose cumulative count reaches it, and linear interpolation from
 * the bucket below's bound.  The last bucket is +Inf there: a rank in it
 * gives the bound below it.  -1 for an empty histogram.
 */
double kvmtop_hist_quantile(const struct kvmtop_hist *h, double q)
{
	const unsigned int last = KVMTRACE_HIST_BUCKETS - 1;
	__u64 total = kvmtop_hist_count(h), below = 0;
	double rank = q * (double)total, start;
	unsigned int b;

	if (!total)
		return -1;
	for (b = 0; b < last; b++) {
		if ((double)(below + h->b[b]) >= rank)
			break;
		below += h->b[b];
	}
	if (b == last)
		return (double)kvmtop_bucket_hi(last - 1);
	start = b ? (double)kvmtop_bucket_hi(b - 1) : 0;
	if (!h->b[b])
		return (double)kvmtop_bucket_hi(b);
	return start + ((double)kvmtop_bucket_hi(b) - start) *
		       ((rank - (double)below) / (double)h->b[b]);
}

void kvmtop_hist_add(struct kvmtop_hist *dst, const struct kvmtop_hist *src)
{
	unsigned int b;

	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++)
		dst->b[b] += src->b[b];
}

void kvmtop_time_of(struct kvmtop_time *t, const struct kvmtop_hist *h)
{
	unsigned int b;

	memset(t, 0, sizeof(*t));
	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++) {
		if (!h->b[b])
			continue;
		t->count += h->b[b];
		t->time_ns += (double)h->b[b] *
			      ((double)kvmtop_bucket_lo(b) +
			       (double)kvmtop_bucket_hi(b)) / 2;
		t->max_ns = (double)kvmtop_bucket_hi(b);
	}
	if (!t->count) {
		t->avg_ns = -1;
		t->p50_ns = -1;
		t->p99_ns = -1;
		t->max_ns = -1;
		return;
	}
	t->avg_ns = t->time_ns / (double)t->count;
	t->p50_ns = kvmtop_hist_quantile(h, 0.5);
	t->p99_ns = kvmtop_hist_quantile(h, 0.99);
}

bool kvmtop_reason_is_hlt(const struct kvmtop_reason *r)
{
	return !r->other && !strcmp(r->name, "HLT");
}

/*
 * A reason's histogram: its latency or user_latency lines; HLT, which is
 * in neither, has hlt's exit_hist as its time in the kernel.
 */
const struct kvmtop_hist *kvmtop_reason_hist(const struct kvmtop_scope *s,
					     const struct kvmtop_reason *r,
					     enum kvmtop_where where)
{
	if (where == KVMTOP_KERNEL && kvmtop_reason_is_hlt(r))
		return &s->hlt_hist[KVMTOP_HLT_HIST_exit_hist];
	return &r->lat[where];
}

/* All the latency (or user_latency) lines of a scope, HLT not included. */
void kvmtop_scope_hist(const struct kvmtop_scope *s, enum kvmtop_where where,
		       struct kvmtop_hist *h)
{
	unsigned int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < s->nr_reasons; i++)
		kvmtop_hist_add(h, &s->reasons[i].lat[where]);
}

/*
 * Time in the kernel handling the exits of "latency", ns: exact, from
 * stats' exit_ns, when the module has it; else estimated from the buckets.
 */
double kvmtop_scope_time(const struct kvmtop_scope *s)
{
	struct kvmtop_time t;
	struct kvmtop_hist h;

	if (kvmtop_kv_known(&s->kv[KVMTOP_FILE_stats], KVMTOP_STATS_exit_ns))
		return (double)kvmtop_kv_u64(s, KVMTOP_FILE_stats,
					     KVMTOP_STATS_exit_ns);
	kvmtop_scope_hist(s, KVMTOP_KERNEL, &h);
	kvmtop_time_of(&t, &h);
	return t.time_ns;
}

__u64 kvmtop_scope_msr_writes(const struct kvmtop_scope *s)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < s->nr_msrs; i++)
		n += s->msrs[i].writes;
	return n;
}

__u64 kvmtop_scope_msr_reads(const struct kvmtop_scope *s)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < s->nr_msrs; i++)
		n += s->msrs[i].reads;
	return n;
}
