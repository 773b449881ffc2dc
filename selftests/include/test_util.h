/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_util - what every kvmtune selftest and load generator uses:
 * assertions, the skip helper, and small helpers for files and time.
 *
 * The libraries (kvm_util.h, kvmtrace_util.h) assert: an operation that
 * fails ends the program with TEST_ASSERT's report and exit status
 * KSFT_FAIL, so tests do not check every return value.  Where a test needs
 * the error itself, the same operation has a twin with a "__" prefix that
 * returns it (0 or a negative errno) and prints nothing.
 *
 * A failed assertion calls exit(): in a kselftest_harness test it fails
 * the test without running its FIXTURE_TEARDOWN (as a failed ASSERT_*()
 * in FIXTURE_SETUP does); what must be undone even then is undone at exit
 * (kvmtrace_load() unloads kvmtrace).
 */
#ifndef KVMTUNE_TEST_UTIL_H
#define KVMTUNE_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "kselftest.h"	/* the exit codes, __printf() */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_MSEC		1000000ULL

void __printf(5, 6) test_assert(bool ok, const char *expr, const char *file,
				unsigned int line, const char *fmt, ...);

/*
 * TEST_ASSERT(cond, fmt, ...): unless @cond holds, print where, the
 * condition, errno and the message, and exit with KSFT_FAIL.
 */
#define TEST_ASSERT(cond, fmt, ...)					\
	test_assert(!!(cond), #cond, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define TEST_FAIL(fmt, ...)	TEST_ASSERT(false, fmt, ##__VA_ARGS__)

/*
 * TEST_REQUIRE(why): skip the test when @why, a string naming what the
 * environment lacks, is not NULL: the test ends at once with KSFT_SKIP and
 * @why as its reason.  The kvm_need_*() and kvmtrace_need_*() helpers
 * return such strings (NULL when the environment has what they check).
 * For kselftest_harness tests (it uses their _metadata): in a TEST, a
 * FIXTURE_SETUP or a TEST_F body, where it also ends the test without its
 * FIXTURE_TEARDOWN.
 */
#define TEST_REQUIRE(why)						\
	test_require(why, _metadata->results->reason,			\
		     sizeof(_metadata->results->reason))

void test_require(const char *why, char *reason, size_t len);

/* CLOCK_MONOTONIC in ns */
u64 test_now_ns(void);

/* Is @s one of the @n strings of @list? */
bool test_str_in(const char *s, const char *const *list, size_t n);

/*
 * Write @s to the file @path (one write, as "echo -n s > path"); asserts,
 * __test_write_file() returns 0 or -errno.
 */
void test_write_file(const char *path, const char *s);
int __test_write_file(const char *path, const char *s);

/*
 * The first line of the file @path, without its newline, into @buf;
 * asserts, __test_read_line() returns 0 or -errno.
 */
void test_read_line(const char *path, char *buf, size_t len);
int __test_read_line(const char *path, char *buf, size_t len);

/* The number of entries of the directory @path (without . and ..), or -1. */
int test_dir_entries(const char *path);

/*
 * Wait up to @ms for @path to exist (test_wait_path()) or to be gone
 * (test_wait_path_gone()), polling every 10 ms; whether it did.
 */
bool test_wait_path(const char *path, unsigned int ms);
bool test_wait_path_gone(const char *path, unsigned int ms);

#endif /* KVMTUNE_TEST_UTIL_H */
