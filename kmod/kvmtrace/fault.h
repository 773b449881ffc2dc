/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, in debug builds only (fault.c); release builds get the
 * stubs, which inject nothing.
 */
#ifndef KVMTRACE_FAULT_H
#define KVMTRACE_FAULT_H

#ifdef DEBUG
unsigned int kt_fault_teardown_delay_ms(void);
int kt_fault_arm(const char *target);
#else
static inline unsigned int kt_fault_teardown_delay_ms(void)
{
	return 0;
}

static inline int kt_fault_arm(const char *target)
{
	return 0;
}
#endif

#endif /* KVMTRACE_FAULT_H */
