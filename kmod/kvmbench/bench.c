// SPDX-License-Identifier: GPL-2.0
/*
 * The bench table, in the order "run" runs it, and the declared exits.
 *
 * Names follow kvm-unit-tests' x86/vmexit.c where it has the same bench
 * (cpuid, vmcall, inl_from_kernel, inl_from_qemu, tscdeadline_immed, ipi,
 * ipi_halt), so that figures can be compared with its vmexit group.
 */
#include <linux/kernel.h>
#include <linux/stdarg.h>
#include <linux/string.h>

#include "bench.h"
#include "insn.h"
#include "irq.h"

static const struct kb_bench *const kb_table[] = {
	&kb_cpuid,
	&kb_vmcall,
	&kb_inl_from_kernel,
	&kb_inl_from_qemu,
	&kb_mmio_from_kernel,
	&kb_mmio_from_qemu,
	&kb_rd_misc_enable_msr,
	&kb_wr_misc_enable_msr,
	&kb_rd_unknown_msr,
	&kb_wr_unknown_msr,
	&kb_wr_tsc_deadline_msr,
	&kb_tscdeadline_immed,
	&kb_self_ipi,
	&kb_ipi,
	&kb_ipi_halt,
	&kb_tlb_shootdown,
	&kb_tlb_flush_local,
};

static const struct {
	const char *name;
} kb_exit_names[] = {
#define KVMBENCH_EXIT_KIND(kind)	{ #kind },
#include "uapi/kvmbench_keys.h"
};

static_assert(ARRAY_SIZE(kb_exit_names) == KB_EXIT_NR);

unsigned int kb_bench_count(void)
{
	return ARRAY_SIZE(kb_table);
}

const struct kb_bench *kb_bench_get(unsigned int i)
{
	return i < ARRAY_SIZE(kb_table) ? kb_table[i] : NULL;
}

/* @name need not be NUL-terminated: a word of a control command */
const struct kb_bench *kb_bench_find(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kb_table); i++)
		if (strlen(kb_table[i]->name) == len &&
		    !memcmp(kb_table[i]->name, name, len))
			return kb_table[i];
	return NULL;
}

unsigned int kb_bench_index(const struct kb_bench *b)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kb_table); i++)
		if (kb_table[i] == b)
			break;
	return i;
}

void kb_unsupported(char *why, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(why, KB_WHY_LEN, fmt, args);
	va_end(args);
}

void kb_declare(struct kb_setup *s, enum kb_exit_kind kind, u32 msr, u8 lo,
		u8 hi, u8 setup, bool partner)
{
	struct kb_exit *e;

	if (WARN_ON_ONCE(s->nexits >= KB_MAX_EXITS))
		return;
	e = &s->exits[s->nexits++];
	e->kind = kind;
	e->msr = msr;
	e->lo = lo;
	e->hi = hi;
	e->setup = setup;
	e->partner = partner;
}

/* The exits field of a results line (uapi/kvmbench.h). */
void kb_print_exits(struct seq_file *m, const struct kb_exit *e,
		    unsigned int n, bool exact)
{
	unsigned int i;

	if (!n)
		seq_puts(m, "-");
	for (i = 0; i < n; i++, e++) {
		seq_printf(m, "%s%s%s", i ? "," : "",
			   e->partner ? KVMBENCH_PARTNER_PREFIX : "",
			   kb_exit_names[e->kind].name);
		if (e->kind == KB_EXIT_rdmsr || e->kind == KB_EXIT_wrmsr)
			seq_printf(m, ":0x%x", e->msr);
		if (exact)
			seq_printf(m, "=%u", e->lo);
		else
			seq_printf(m, "=%u..%u", e->lo, e->hi);
		if (exact && e->setup)
			seq_printf(m, "+%u", e->setup);
	}
}
