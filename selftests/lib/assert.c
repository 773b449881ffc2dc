// SPDX-License-Identifier: GPL-2.0
/*
 * TEST_ASSERT() and TEST_REQUIRE() (test_util.h): end the program with
 * KSFT_FAIL after a failed assertion, with KSFT_SKIP when it lacks what it
 * needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "test_util.h"

void test_assert(bool ok, const char *expr, const char *file,
		 unsigned int line, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	if (ok)
		return;
	fflush(stdout);
	fprintf(stderr, "# ==== Test Assertion Failure ====\n"
		"#   %s:%u: %s\n"
		"#   pid=%d tid=%ld errno=%d - %s\n",
		file, line, expr, getpid(), (long)syscall(SYS_gettid), err,
		strerror(err));
	if (fmt && *fmt) {
		fputs("#   ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	exit(KSFT_FAIL);
}

void test_require(const char *why, char *reason, size_t len)
{
	if (!why)
		return;
	/* what kselftest_harness's SKIP() does, and where it keeps the reason */
	snprintf(reason, len, "%s", why);
	fflush(stdout);
	fprintf(stderr, "#      SKIP      %s\n", why);
	exit(KSFT_SKIP);
}
