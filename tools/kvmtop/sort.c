// SPDX-License-Identifier: GPL-2.0
/*
 * The sort keys: one table, used by -s/--sort, the screen's "s" key, the
 * help text and the documentation.  Each key orders VMs and vCPUs (scope)
 * and the exit reasons of one of them (reason); MSRs are ordered by writes
 * for "msr" and by writes plus reads otherwise.  Largest first.
 */
#include <string.h>

#include "output.h"

static double kvmtop_sort_exits_scope(const struct kvmtop_scope *s,
				      const struct kvmtop_scope *v)
{
	(void)v;
	return (double)s->exits_total;
}

static double kvmtop_sort_rate_scope(const struct kvmtop_scope *s,
				     const struct kvmtop_scope *v)
{
	(void)s;
	return (double)v->exits_total;
}

/* The reasons of v are the rows of s, in the same order. */
static double kvmtop_sort_exits_reason(const struct kvmtop_scope *v,
				       unsigned int i)
{
	return (double)v->reasons[i].exits;
}

static double kvmtop_sort_time_scope(const struct kvmtop_scope *s,
				     const struct kvmtop_scope *v)
{
	(void)s;
	return kvmtop_scope_time(v);
}

/* HLT's time is halted time, not work: it sorts last, as in TIME%. */
static double kvmtop_sort_time_reason(const struct kvmtop_scope *v,
				      unsigned int i)
{
	struct kvmtop_time t;

	if (kvmtop_reason_is_hlt(&v->reasons[i]))
		return -1;
	kvmtop_time_of(&t, &v->reasons[i].lat[KVMTOP_KERNEL]);
	return t.time_ns;
}

static double kvmtop_sort_p99_scope(const struct kvmtop_scope *s,
				    const struct kvmtop_scope *v)
{
	struct kvmtop_hist h;

	(void)s;
	kvmtop_scope_hist(v, KVMTOP_KERNEL, &h);
	return kvmtop_hist_quantile(&h, 0.99);
}

static double kvmtop_sort_p99_reason(const struct kvmtop_scope *v,
				     unsigned int i)
{
	return kvmtop_hist_quantile(kvmtop_reason_hist(v, &v->reasons[i],
						       KVMTOP_KERNEL), 0.99);
}

static double kvmtop_sort_msr_scope(const struct kvmtop_scope *s,
				    const struct kvmtop_scope *v)
{
	(void)s;
	return (double)kvmtop_scope_msr_writes(v);
}

const struct kvmtop_sort_key kvmtop_sort_keys[] = {
	{ "rate", "exits in the interval (totals: all exits); the default",
	  kvmtop_sort_rate_scope, kvmtop_sort_exits_reason },
	{ "exits", "all exits since load or reset, whatever is shown",
	  kvmtop_sort_exits_scope, kvmtop_sort_exits_reason },
	{ "time", "time KVM spent handling exits (latency, HLT apart)",
	  kvmtop_sort_time_scope, kvmtop_sort_time_reason },
	{ "p99", "99th percentile of the exit handling time",
	  kvmtop_sort_p99_scope, kvmtop_sort_p99_reason },
	{ "msr", "MSR writes (WRMSR exits); MSRs by writes",
	  kvmtop_sort_msr_scope, kvmtop_sort_exits_reason },
};

const unsigned int kvmtop_nr_sort_keys = KVMTOP_ARRAY_SIZE(kvmtop_sort_keys);

const struct kvmtop_sort_key *kvmtop_sort_key(const char *name)
{
	unsigned int i;

	for (i = 0; i < kvmtop_nr_sort_keys; i++)
		if (!strcmp(kvmtop_sort_keys[i].name, name))
			return &kvmtop_sort_keys[i];
	return NULL;
}
