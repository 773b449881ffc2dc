/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The results of the last run: one entry per bench and vCPU, added as they
 * complete, printed by the results file (uapi/kvmbench.h has the format).
 */
#ifndef KVMBENCH_RESULTS_H
#define KVMBENCH_RESULTS_H

#include <linux/seq_file.h>

struct kb_ctx;
struct kb_setup;

int kb_results_begin(unsigned int capacity);
void kb_results_add(const struct kb_ctx *c);
void kb_results_add_unsupported(const struct kb_setup *s, unsigned int cpu);
void kb_results_show(struct seq_file *m);
void kb_results_exit(void);

#endif /* KVMBENCH_RESULTS_H */
