/* SPDX-License-Identifier: GPL-2.0 */
/* Timer, IPI and TLB shootdown benches (irq.c). */
#ifndef KVMBENCH_IRQ_H
#define KVMBENCH_IRQ_H

#include "bench.h"

extern const struct kb_bench kb_wr_tsc_deadline_msr;
extern const struct kb_bench kb_tscdeadline_immed;
extern const struct kb_bench kb_self_ipi;
extern const struct kb_bench kb_ipi;
extern const struct kb_bench kb_ipi_halt;
extern const struct kb_bench kb_tlb_shootdown;
extern const struct kb_bench kb_tlb_flush_local;

int kb_irq_check_params(void);

#endif /* KVMBENCH_IRQ_H */
