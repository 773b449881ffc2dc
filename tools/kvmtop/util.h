/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtop's small helpers: number parsing, bounded arrays, whole-file reads.
 * Everything of kvmtop is named kvmtop_ (kt_ belongs to the kernel module).
 */
#ifndef KVMTOP_UTIL_H
#define KVMTOP_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define KVMTOP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KVMTOP_MAX_FILE		(4u << 20)	/* bytes read from one file */
#define KVMTOP_MAX_LINES	4096u		/* rows kept from one file */
#define KVMTOP_PATH_LEN		(PATH_MAX + 64)

/* Exit codes, documented in Documentation/kvmtop.rst. */
enum {
	KVMTOP_EXIT_OK = 0,
	KVMTOP_EXIT_ERROR = 1,
	KVMTOP_EXIT_USAGE = 2,
	KVMTOP_EXIT_NOT_ROOT = 3,
	KVMTOP_EXIT_NO_DEBUGFS = 4,
	KVMTOP_EXIT_NOT_LOADED = 5,
};

/* A growable buffer that whole files are read into, reused. */
struct kvmtop_buf {
	char *p;
	size_t size;
};

bool kvmtop_parse_dec(const char *s, __u64 *v);
bool kvmtop_parse_hex(const char *s, unsigned int *v);
void kvmtop_copy(char *dst, size_t size, const char *src);
int kvmtop_join(char *buf, size_t size, const char *dir, const char *name);
int kvmtop_grow(void **arr, unsigned int *cap, unsigned int n, size_t size,
		unsigned int max);
unsigned int kvmtop_split(char *line, char **tok, unsigned int max);
unsigned int kvmtop_count_lines(const char *s);
int kvmtop_read_file(struct kvmtop_buf *b, const char *path);
int kvmtop_read_at(struct kvmtop_buf *b, const char *dir, const char *name);

#endif /* KVMTOP_UTIL_H */
