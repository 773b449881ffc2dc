// SPDX-License-Identifier: GPL-2.0
/*
 * The results of the last run. A run starts a new table (the previous one
 * is dropped), then adds one entry per bench and vCPU as each completes, so
 * that a run cut short by a signal keeps what it measured. The table is
 * sized at the start of the run; nothing is allocated while benches run.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "bench.h"
#include "results.h"

struct kb_result {
	const struct kb_bench *b;
	unsigned int cpu;
	int partner;
	char why[KB_WHY_LEN];		/* set: unsupported */
	u64 min;			/* cycles per operation */
	u64 median;
	u32 spread;			/* per mille of the median */
	u64 iters;
	unsigned int repeats;
	u64 ops;
	struct kb_exit exits[KB_MAX_EXITS];
	unsigned int nexits;
};

static DEFINE_MUTEX(kb_results_mutex);
static struct kb_result *kb_results;
static unsigned int kb_nresults, kb_results_cap;

int kb_results_begin(unsigned int capacity)
{
	struct kb_result *r = kvcalloc(capacity, sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	mutex_lock(&kb_results_mutex);
	kvfree(kb_results);
	kb_results = r;
	kb_results_cap = capacity;
	kb_nresults = 0;
	mutex_unlock(&kb_results_mutex);
	return 0;
}

/* a free entry for @s on @cpu, or NULL; under kb_results_mutex */
static struct kb_result *kb_result_new(const struct kb_setup *s,
				       unsigned int cpu)
{
	struct kb_result *r;

	if (WARN_ON_ONCE(kb_nresults >= kb_results_cap))
		return NULL;
	r = &kb_results[kb_nresults++];
	r->b = s->b;
	r->cpu = cpu;
	r->partner = -1;
	memcpy(r->exits, s->exits, sizeof(r->exits));
	r->nexits = s->nexits;
	return r;
}

void kb_results_add_unsupported(const struct kb_setup *s, unsigned int cpu)
{
	struct kb_result *r;

	mutex_lock(&kb_results_mutex);
	r = kb_result_new(s, cpu);
	if (r)
		strscpy(r->why, s->why, sizeof(r->why));
	mutex_unlock(&kb_results_mutex);
}

static int kb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Cycles per operation of each loop: min, median, spread. */
static void kb_summarize(struct kb_result *r, const struct kb_ctx *c)
{
	u64 per_op[KVMBENCH_REPEATS_MAX];
	unsigned int i, n = c->repeats;

	for (i = 0; i < n; i++)
		per_op[i] = div64_u64(c->samples[i] + c->iters / 2, c->iters);
	sort(per_op, n, sizeof(per_op[0]), kb_cmp_u64, NULL);
	r->min = per_op[0];
	r->median = n & 1 ? per_op[n / 2] :
			    (per_op[n / 2 - 1] + per_op[n / 2] + 1) / 2;
	r->spread = r->median ?
		min_t(u64, div64_u64((per_op[n - 1] - per_op[0]) * 1000,
				     r->median), 99999) : 0;
	r->iters = c->iters;
	r->repeats = n;
	r->ops = c->ops;
}

/* A vCPU's run: measured, or unsupported there. Aborted runs add nothing. */
void kb_results_add(const struct kb_ctx *c)
{
	struct kb_result *r;

	if (!c->why[0] && !c->measured)
		return;
	mutex_lock(&kb_results_mutex);
	r = kb_result_new(c->s, c->cpu);
	if (r) {
		r->partner = c->partner;
		if (c->why[0])
			strscpy(r->why, c->why, sizeof(r->why));
		else
			kb_summarize(r, c);
	}
	mutex_unlock(&kb_results_mutex);
}

void kb_results_show(struct seq_file *m)
{
	const struct kb_result *r;
	char partner[12];
	unsigned int i;

	seq_puts(m, KVMBENCH_RESULTS_HEADER);
	mutex_lock(&kb_results_mutex);
	for (i = 0; i < kb_nresults; i++) {
		r = &kb_results[i];
		if (r->why[0]) {
			seq_printf(m, KVMBENCH_UNSUPPORTED_FMT, r->b->name,
				   r->cpu, r->why);
			continue;
		}
		if (r->partner >= 0)
			snprintf(partner, sizeof(partner), "%d", r->partner);
		else
			strscpy(partner, KVMBENCH_NO_PARTNER, sizeof(partner));
		seq_printf(m, KVMBENCH_RESULT_FMT,
			   r->b->name, r->cpu, r->min, r->median,
			   r->spread / 10, r->spread % 10, r->iters,
			   r->repeats, r->ops, partner);
		kb_print_exits(m, r->exits, r->nexits,
			       r->b->flags & KB_EXACT);
		seq_putc(m, '\n');
	}
	mutex_unlock(&kb_results_mutex);
}

void kb_results_exit(void)
{
	kvfree(kb_results);
	kb_results = NULL;
}
