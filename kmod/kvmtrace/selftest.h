/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module self-tests, in debug builds only (selftest.c); release builds
 * get a stub that passes.
 */
#ifndef KVMTRACE_SELFTEST_H
#define KVMTRACE_SELFTEST_H

#ifdef DEBUG
int kt_selftests(void);
#else
static inline int kt_selftests(void)
{
	return 0;
}
#endif

#endif /* KVMTRACE_SELFTEST_H */
