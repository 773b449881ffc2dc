// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtop's small helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* A decimal number and nothing else; no sign, no spaces. */
bool kvmtop_parse_dec(const char *s, __u64 *v)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

/* 0x and 1 to 8 hex digits' worth of value. */
bool kvmtop_parse_hex(const char *s, unsigned int *v)
{
	unsigned long x;
	char *end;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    !isxdigit((unsigned char)s[2]))
		return false;
	errno = 0;
	x = strtoul(s + 2, &end, 16);
	if (errno || *end || x > 0xffffffffUL)
		return false;
	*v = x;
	return true;
}

void kvmtop_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* dir/name into buf; -ENAMETOOLONG if it does not fit. */
int kvmtop_join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Make room for one more element in *arr (n used, *cap allocated), up to
 * max elements.  Returns 0, -ENOSPC at the limit, or -ENOMEM.
 */
int kvmtop_grow(void **arr, unsigned int *cap, unsigned int n, size_t size,
		unsigned int max)
{
	unsigned int ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -ENOSPC;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > max)
		ncap = max;
	p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + (size_t)*cap * size, 0,
	       (size_t)(ncap - *cap) * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Split at blanks into at most max tokens; returns how many were found. */
unsigned int kvmtop_split(char *line, char **tok, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL;
	char *t;

	for (t = strtok_r(line, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

unsigned int kvmtop_count_lines(const char *s)
{
	unsigned int n = 1;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n < KVMTOP_MAX_LINES ? n : KVMTOP_MAX_LINES;
}

/*
 * Read a whole file into b, NUL-terminated.  Returns 0 or -errno.  A file
 * larger than KVMTOP_MAX_FILE is cut after its last complete line.
 */
int kvmtop_read_file(struct kvmtop_buf *b, const char *path)
{
	size_t len = 0;
	bool full = false;
	ssize_t n;
	char *p;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= b->size) {
			size_t size = b->size ? b->size * 2 : 4096;

			if (size > KVMTOP_MAX_FILE) {
				full = true;
				break;
			}
			p = realloc(b->p, size);
			if (!p) {
				err = -ENOMEM;
				goto out_close;
			}
			b->p = p;
			b->size = size;
		}
		n = read(fd, b->p + len, b->size - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_close;
		}
		if (!n)
			break;
		len += n;
	}
	b->p[len] = '\0';
	if (full) {
		p = strrchr(b->p, '\n');
		if (p)
			p[1] = '\0';
	}
out_close:
	close(fd);
	return err;
}

int kvmtop_read_at(struct kvmtop_buf *b, const char *dir, const char *name)
{
	char path[KVMTOP_PATH_LEN];
	int err;

	err = kvmtop_join(path, sizeof(path), dir, name);
	return err ? err : kvmtop_read_file(b, path);
}
