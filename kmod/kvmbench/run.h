/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running benches: a thread per vCPU, iterations doubled until the cycle
 * goal, then repeated; results go to results.h as each vCPU completes.
 */
#ifndef KVMBENCH_RUN_H
#define KVMBENCH_RUN_H

#include <linux/types.h>

struct kb_bench;

#define KB_CPU_ALL	(-1)

struct kb_run_args {
	const struct kb_bench **benches;
	unsigned int nbenches;
	int cpu;			/* a vCPU, or KB_CPU_ALL */
	u64 goal;
	unsigned int repeats;
};

/* Blocks until done; -EINTR if a signal cut it short (results kept). */
int kb_run(const struct kb_run_args *a);
/* the bench running now, or NULL */
const struct kb_bench *kb_run_current(void);

#endif /* KVMBENCH_RUN_H */
