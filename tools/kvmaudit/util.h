/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmaudit's small helpers: paths under the audited root, whole-file
 * reads, number parsing and a growable string. Everything of kvmaudit is
 * named kvmaudit_.
 */
#ifndef KVMAUDIT_UTIL_H
#define KVMAUDIT_UTIL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define KVMAUDIT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KVMAUDIT_MAX_FILE	(8u << 20)	/* bytes read from one file */
#define KVMAUDIT_PATH_LEN	(PATH_MAX + 64)

/* printf-like: the compiler checks the format against the arguments */
#define KVMAUDIT_FORMAT(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((KVMAUDIT_FORMAT(a, b)))
/* a parameter a function of a table need not use */
#define KVMAUDIT_UNUSED		unused
#define __maybe_unused		__attribute__((KVMAUDIT_UNUSED))

/*
 * Every /proc and /sys path is read under this root: "" for the live
 * host, a directory for a fake tree (the tests' fixtures, --sysroot).
 */
void kvmaudit_set_root(const char *root);
const char *kvmaudit_root(void);

/* Format a path under the root; -ENAMETOOLONG if it does not fit. */
__printf(3, 4)
int kvmaudit_path(char *buf, size_t size, const char *fmt, ...);

/*
 * Read a whole file under the root, NUL-terminated, into *buf (malloc'd,
 * the caller frees it). Returns its length or -errno. A file larger than
 * KVMAUDIT_MAX_FILE is cut after its last complete line.
 */
__printf(2, 3)
long kvmaudit_read(char **buf, const char *fmt, ...);
long kvmaudit_vread(char **buf, const char *fmt, va_list ap);

/* The first line of a file, without its newline, into buf. */
__printf(3, 4)
int kvmaudit_read_line(char *buf, size_t size, const char *fmt, ...);

/* A file holding one decimal number (and a newline). */
__printf(2, 3)
int kvmaudit_read_u64(__u64 *v, const char *fmt, ...);

/* readlink() under the root, NUL-terminated. */
__printf(3, 4)
int kvmaudit_readlink(char *buf, size_t size, const char *fmt, ...);

/* Copy a string, cut to size (with its NUL). */
void kvmaudit_copy(char *dst, size_t size, const char *src);

bool kvmaudit_parse_u64(const char *s, __u64 *v);
bool kvmaudit_parse_hex(const char *s, unsigned int *v);

/* "sel" of a sysfs choice file ("always [madvise] never") */
int kvmaudit_selected(const char *choices, char *buf, size_t size);

/* Split at blanks into at most max tokens; returns how many were found. */
unsigned int kvmaudit_split(char *line, char **tok, unsigned int max);

/*
 * Make room for one more element in *arr (n used, *cap allocated), up to
 * max elements. Returns 0, -ENOSPC at the limit, or -ENOMEM.
 */
int kvmaudit_grow(void **arr, unsigned int *cap, unsigned int n, size_t size,
		  unsigned int max);

/* A growable string; a failed allocation sets oom and keeps what it had. */
struct kvmaudit_str {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

__printf(2, 3)
void kvmaudit_str_add(struct kvmaudit_str *s, const char *fmt, ...);
void kvmaudit_str_vadd(struct kvmaudit_str *s, const char *fmt, va_list ap);
/* The string so far ("" when empty), owned by s. */
const char *kvmaudit_str_get(const struct kvmaudit_str *s);
/* Take the string out of s (malloc'd, "" as a copy when empty); s is reset. */
char *kvmaudit_str_take(struct kvmaudit_str *s);
void kvmaudit_str_free(struct kvmaudit_str *s);

#endif /* KVMAUDIT_UTIL_H */
