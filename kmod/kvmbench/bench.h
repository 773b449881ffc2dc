/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bench table: what a bench is, what one run of it on one vCPU keeps,
 * and the exits each one declares per operation.
 */
#ifndef KVMBENCH_BENCH_H
#define KVMBENCH_BENCH_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "uapi/kvmbench.h"

enum kb_exit_kind {
#define KVMBENCH_EXIT_KIND(kind)	KB_EXIT_##kind,
#include "uapi/kvmbench_keys.h"
	KB_EXIT_NR
};

/*
 * One declared exit. Exact benches: @lo == @hi per operation, plus @setup
 * once per vCPU and run. Timer and IPI benches: between @lo and @hi per
 * operation, plus whatever else the vCPU did meanwhile.
 */
struct kb_exit {
	u8 kind;
	bool partner;		/* an exit of the partner vCPU */
	u8 lo;
	u8 hi;
	u8 setup;
	u32 msr;		/* rdmsr, wrmsr */
};

#define KB_MAX_EXITS	3
#define KB_WHY_LEN	112

/* struct kb_bench flags */
#define KB_EXACT	BIT(0)	/* the exits are exact, not bounds */
#define KB_PARALLEL	BIT(1)	/* may run on every vCPU at once */
#define KB_PARTNER	BIT(2)	/* needs a second online vCPU */
#define KB_SPINNER	BIT(3)	/* run alone, the partner runs ->partner() */
#define KB_USER_MM	BIT(4)	/* works in the writer's address space */

struct kb_setup;
struct kb_ctx;

/*
 * A bench. Only ->name and ->loop are required.
 * @prepare:      on the writer's thread before any vCPU runs the bench:
 *                claim its targets, declare its exits; or say why it
 *                cannot run (kb_unsupported())
 * @release:      undo @prepare; called whenever @prepare was
 * @cpu_setup:    on the vCPU, before measuring; may say why this vCPU
 *                cannot run it
 * @cpu_teardown: on the vCPU, after measuring (also after @cpu_setup
 *                failed)
 * @loop:         run @n operations, return the cycles they took (only the
 *                timed part, where an operation needs untimed set-up)
 * @partner:      KB_SPINNER: the partner vCPU's thread, until
 *                kthread_should_stop(); sets ctx->partner_ready
 */
struct kb_bench {
	const char *name;
	unsigned int flags;
	void (*prepare)(struct kb_setup *s);
	void (*release)(struct kb_setup *s);
	void (*cpu_setup)(struct kb_ctx *c);
	void (*cpu_teardown)(struct kb_ctx *c);
	u64 (*loop)(struct kb_ctx *c, u64 n);
	void (*partner)(struct kb_ctx *c);
};

/* One bench in one run, shared by the vCPUs that run it. */
struct kb_setup {
	const struct kb_bench *b;
	struct mm_struct *mm;		/* KB_USER_MM: the writer's, held */
	char why[KB_WHY_LEN];		/* set: unsupported on every vCPU */
	struct kb_exit exits[KB_MAX_EXITS];
	unsigned int nexits;
	/* targets (targets.h), claimed by ->prepare */
	void __iomem *mmio;
	struct device *dev;
	u16 port;
	bool port_claimed;
	u32 msr;
};

/* One vCPU running one bench; owned by its thread while it runs. */
struct kb_ctx {
	struct kb_setup *s;
	const atomic_t *abort;		/* set: stop after the current loop */
	unsigned int cpu;
	int partner;			/* the partner vCPU, or -1 */
	char why[KB_WHY_LEN];		/* set: unsupported on this vCPU */
	/* the measurement */
	u64 goal;			/* cycles a measured loop must reach */
	u64 iters;			/* operations per measured loop */
	u64 ops;			/* all operations, doubling included */
	u64 samples[KVMBENCH_REPEATS_MAX];	/* cycles of each measured loop */
	unsigned int repeats;
	bool measured;			/* samples[] complete */
	/* bench state */
	bool failed;			/* an operation did not do its job */
	bool mm_used;
	u64 msr_val;
	unsigned long uaddr;
	int fired;
	bool partner_ready;
	struct hrtimer timer;
	struct irq_work work;
};

unsigned int kb_bench_count(void);
const struct kb_bench *kb_bench_get(unsigned int i);
const struct kb_bench *kb_bench_find(const char *name, size_t len);
unsigned int kb_bench_index(const struct kb_bench *b);

__printf(2, 3) void kb_unsupported(char *why, const char *fmt, ...);
void kb_declare(struct kb_setup *s, enum kb_exit_kind kind, u32 msr, u8 lo,
		u8 hi, u8 setup, bool partner);
void kb_print_exits(struct seq_file *m, const struct kb_exit *e,
		    unsigned int n, bool exact);

#endif /* KVMBENCH_BENCH_H */
