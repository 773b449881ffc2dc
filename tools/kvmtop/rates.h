/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rates: what changed between two samples.  Every scope of the newer
 * sample gets a delta, a scope with the same rows whose counts are the
 * differences; a rate is a delta divided by the sample's interval.
 */
#ifndef KVMTOP_RATES_H
#define KVMTOP_RATES_H

#include "sample.h"

int kvmtop_sample_delta(struct kvmtop_sample *cur,
			const struct kvmtop_sample *prev);
__u64 kvmtop_delta(__u64 cur, __u64 prev);

#endif /* KVMTOP_RATES_H */
