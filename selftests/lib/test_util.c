// SPDX-License-Identifier: GPL-2.0
/*
 * test_util (test_util.h): small helpers for files and time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

u64 test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

bool test_str_in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

int __test_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

void test_write_file(const char *path, const char *s)
{
	int ret = __test_write_file(path, s);

	TEST_ASSERT(!ret, "writing '%s' to %s: %s", s, path, strerror(-ret));
}

int __test_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	fclose(f);
	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

void test_read_line(const char *path, char *buf, size_t len)
{
	int ret = __test_read_line(path, buf, len);

	TEST_ASSERT(!ret, "reading %s: %s", path, strerror(-ret));
}

int test_dir_entries(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool test_wait_access(const char *path, bool exists, unsigned int ms)
{
	while (!access(path, F_OK) != exists) {
		if (!ms)
			return false;
		usleep(10000);
		ms = ms > 10 ? ms - 10 : 0;
	}
	return true;
}

bool test_wait_path(const char *path, unsigned int ms)
{
	return test_wait_access(path, true, ms);
}

bool test_wait_path_gone(const char *path, unsigned int ms)
{
	return test_wait_access(path, false, ms);
}
