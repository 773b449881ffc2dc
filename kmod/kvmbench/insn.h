/* SPDX-License-Identifier: GPL-2.0 */
/* Benches of one exiting instruction per operation (insn.c). */
#ifndef KVMBENCH_INSN_H
#define KVMBENCH_INSN_H

#include "bench.h"

extern const struct kb_bench kb_cpuid;
extern const struct kb_bench kb_vmcall;
extern const struct kb_bench kb_inl_from_kernel;
extern const struct kb_bench kb_inl_from_qemu;
extern const struct kb_bench kb_mmio_from_kernel;
extern const struct kb_bench kb_mmio_from_qemu;
extern const struct kb_bench kb_rd_misc_enable_msr;
extern const struct kb_bench kb_wr_misc_enable_msr;
extern const struct kb_bench kb_rd_unknown_msr;
extern const struct kb_bench kb_wr_unknown_msr;

#endif /* KVMBENCH_INSN_H */
