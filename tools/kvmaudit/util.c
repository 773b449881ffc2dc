// SPDX-License-Identifier: GPL-2.0
/*
 * kvmaudit's small helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static const char *root = "";

void kvmaudit_set_root(const char *dir)
{
	root = dir ? dir : "";
}

const char *kvmaudit_root(void)
{
	return root;
}

static int vpath(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = strlen(root);
	int m;

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, root, n);
	m = vsnprintf(buf + n, size - n, fmt, ap);
	if (m < 0 || (size_t)m >= size - n)
		return -ENAMETOOLONG;
	return 0;
}

int kvmaudit_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vpath(buf, size, fmt, ap);
	va_end(ap);
	return err;
}

long kvmaudit_vread(char **out, const char *fmt, va_list ap)
{
	char path[KVMAUDIT_PATH_LEN];
	size_t len = 0, size = 0;
	bool full = false;
	char *buf = NULL, *p;
	long ret;
	ssize_t n;
	int fd;

	*out = NULL;
	ret = vpath(path, sizeof(path), fmt, ap);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= size) {
			size_t nsize = size ? size * 2 : 4096;

			if (nsize > KVMAUDIT_MAX_FILE) {
				full = true;
				break;
			}
			p = realloc(buf, nsize);
			if (!p) {
				ret = -ENOMEM;
				goto out_free;
			}
			buf = p;
			size = nsize;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_free;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (full) {
		p = strrchr(buf, '\n');
		if (p) {
			p[1] = '\0';
			len = p + 1 - buf;
		}
	}
	close(fd);
	*out = buf;
	return len;

out_free:
	free(buf);
	close(fd);
	return ret;
}

long kvmaudit_read(char **buf, const char *fmt, ...)
{
	va_list ap;
	long ret;

	va_start(ap, fmt);
	ret = kvmaudit_vread(buf, fmt, ap);
	va_end(ap);
	return ret;
}

int kvmaudit_read_line(char *buf, size_t size, const char *fmt, ...)
{
	char *text, *nl;
	va_list ap;
	long ret;

	va_start(ap, fmt);
	ret = kvmaudit_vread(&text, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return ret;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	snprintf(buf, size, "%s", text);
	free(text);
	return 0;
}

int kvmaudit_read_u64(__u64 *v, const char *fmt, ...)
{
	char *text, *nl;
	va_list ap;
	long ret;

	va_start(ap, fmt);
	ret = kvmaudit_vread(&text, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return ret;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	ret = kvmaudit_parse_u64(text, v) ? 0 : -EINVAL;
	free(text);
	return ret;
}

int kvmaudit_readlink(char *buf, size_t size, const char *fmt, ...)
{
	char path[KVMAUDIT_PATH_LEN];
	va_list ap;
	ssize_t n;
	int err;

	va_start(ap, fmt);
	err = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (err)
		return err;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

void kvmaudit_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A decimal number and nothing else; no sign, no spaces. */
bool kvmaudit_parse_u64(const char *s, __u64 *v)
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

/* 0x and up to 8 hex digits' worth of value. */
bool kvmaudit_parse_hex(const char *s, unsigned int *v)
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

int kvmaudit_selected(const char *choices, char *buf, size_t size)
{
	const char *open = strchr(choices, '['), *close;

	if (!open)
		return -EINVAL;
	close = strchr(open, ']');
	if (!close || (size_t)(close - open - 1) >= size)
		return -EINVAL;
	memcpy(buf, open + 1, close - open - 1);
	buf[close - open - 1] = '\0';
	return 0;
}

unsigned int kvmaudit_split(char *line, char **tok, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL;
	char *t;

	for (t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	return n;
}

int kvmaudit_grow(void **arr, unsigned int *cap, unsigned int n, size_t size,
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

void kvmaudit_str_vadd(struct kvmaudit_str *s, const char *fmt, va_list ap)
{
	va_list aq;
	size_t need;
	char *p;
	int n;

	if (s->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	need = s->len + n + 1;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap : 64;

		while (cap < need)
			cap *= 2;
		p = realloc(s->p, cap);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	s->len += n;
}

void kvmaudit_str_add(struct kvmaudit_str *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvmaudit_str_vadd(s, fmt, ap);
	va_end(ap);
}

const char *kvmaudit_str_get(const struct kvmaudit_str *s)
{
	return s->p ? s->p : "";
}

char *kvmaudit_str_take(struct kvmaudit_str *s)
{
	char *p = s->p ? s->p : strdup("");

	memset(s, 0, sizeof(*s));
	return p;
}

void kvmaudit_str_free(struct kvmaudit_str *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}
