/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrace's run-time settings, and the commands of its control file that
 * change them. Every other unit only reads them.
 */
#ifndef KVMTRACE_CONTROL_H
#define KVMTRACE_CONTROL_H

#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/types.h>

DECLARE_STATIC_KEY_TRUE(kt_enabled);
DECLARE_STATIC_KEY_FALSE(kt_pid_filtering);	/* kt_pid_filter != 0 */
extern int kt_pid_filter;
extern u64 kt_slow_ns;
extern u64 kt_slow_threshold;	/* kt_slow_ns, or U64_MAX if that is 0 */
/* bumped by reset: every vCPU zeroes its counters at its next event */
extern u32 kt_epoch;
/*
 * The hot paths' generation, never 0: advanced by KT_GEN_STEP by enable,
 * disable, reset, a pid filter change and kvm_amd going away. Exits open
 * under an older one are dropped, and every vCPU takes the exit hook's
 * general path once to check its settings again (hooks.c).
 */
extern u32 kt_gen;
#define KT_GEN_STEP	4	/* the low bits of a stamp are flags (stats.h) */
/* bumped by disable: halts may have gone unseen */
extern u32 kt_halt_gen;

static inline bool kt_active(void)
{
	return static_branch_likely(&kt_enabled);
}

static inline bool kt_pid_match(int filter, pid_t pid)
{
	return !filter || pid == filter;
}

void kt_control_init(void);
void kt_gen_advance(void);
int kt_parse_u64(const char *s, u64 *val);
int kt_control_apply(char *cmd);

#endif /* KVMTRACE_CONTROL_H */
