/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time, from the log2 histograms of latency, user_latency and hlt.
 *
 * Bucket b holds the exits that took lo(b) to hi(b) ns: [0, 1] for b = 0,
 * [2^b, 2^(b+1) - 1] after it.  The last one (2^35 ns, about 34 s) is
 * open-ended and is taken to end at 2^36 - 1.  From the buckets alone:
 *
 *   count  the sum of the buckets;
 *   time   every exit counted at its bucket's middle, (lo + hi) / 2;
 *   avg    time / count;
 *   pQ     linear interpolation inside the bucket that holds rank Q * count,
 *          between the upper bound of the bucket below (0 for bucket 0) and
 *          hi: what Prometheus' histogram_quantile() computes from the
 *          buckets that --prometheus exports (le = hi), so both agree;
 *   max    hi of the highest bucket that is not empty (an upper bound).
 */
#ifndef KVMTOP_STATS_H
#define KVMTOP_STATS_H

#include "sample.h"

struct kvmtop_time {
	__u64 count;
	double time_ns;
	double avg_ns;
	double p50_ns;
	double p99_ns;
	double max_ns;
};

__u64 kvmtop_bucket_lo(unsigned int b);
__u64 kvmtop_bucket_hi(unsigned int b);
__u64 kvmtop_hist_count(const struct kvmtop_hist *h);
double kvmtop_hist_quantile(const struct kvmtop_hist *h, double q);
void kvmtop_hist_add(struct kvmtop_hist *dst, const struct kvmtop_hist *src);
void kvmtop_time_of(struct kvmtop_time *t, const struct kvmtop_hist *h);

bool kvmtop_reason_is_hlt(const struct kvmtop_reason *r);
const struct kvmtop_hist *kvmtop_reason_hist(const struct kvmtop_scope *s,
					     const struct kvmtop_reason *r,
					     enum kvmtop_where where);
void kvmtop_scope_hist(const struct kvmtop_scope *s, enum kvmtop_where where,
		       struct kvmtop_hist *h);
double kvmtop_scope_time(const struct kvmtop_scope *s);
__u64 kvmtop_scope_msr_writes(const struct kvmtop_scope *s);
__u64 kvmtop_scope_msr_reads(const struct kvmtop_scope *s);

#endif /* KVMTOP_STATS_H */
