/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvmtrace selftests: load/unload kvmtrace.ko and read
 * its debugfs files (formats in Documentation/kvmtrace.rst).
 */
#ifndef KVMTUNE_KT_UTIL_H
#define KVMTUNE_KT_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"

#define KT_DIR		"/sys/kernel/debug/kvmtrace"
#define KT_MAX_ROWS	64

/* "<key> <value>" or "<NAME> <0xCODE> <count>" or "<0xIDX> <NAME> <w> <r>" */
struct kt_row {
	char key[48];
	unsigned long long v[3];
	int nv;
};

struct kt_file {
	struct kt_row row[KT_MAX_ROWS];
	int n;
};

static inline int kt_run(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

static inline bool kt_loaded(void)
{
	return !access("/sys/module/kvmtrace", F_OK);
}

/* insmod kvmtrace.ko from $KVMTUNE_KMOD; 0 or a shell status */
static inline int kt_insmod(void)
{
	const char *kmod = getenv("KVMTUNE_KMOD");

	if (!kmod)
		return -ENOENT;
	if (kt_loaded())
		kt_run("rmmod kvmtrace%s", "");
	return kt_run("insmod %s/kvmtrace/kvmtrace.ko", kmod);
}

static inline void kt_rmmod(void)
{
	if (kt_loaded())
		kt_run("rmmod kvmtrace%s", "");
}

/*
 * Parse a kvmtrace file. The first field is the key, unless the second
 * field is not a number (msrs: "<0xIDX> <NAME> <w> <r>", exits and latency:
 * "<NAME> <0xCODE> <count>"), then the key is the first field and all
 * numeric fields are values. Returns 0 or -errno.
 */
static inline int kt_read(const char *path, struct kt_file *f)
{
	char line[256];
	FILE *fp;

	memset(f, 0, sizeof(*f));
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp) && f->n < KT_MAX_ROWS) {
		struct kt_row *r = &f->row[f->n];
		char *save, *tok = strtok_r(line, " \t\n", &save);

		if (!tok)
			continue;
		snprintf(r->key, sizeof(r->key), "%s", tok);
		while ((tok = strtok_r(NULL, " \t\n", &save)) && r->nv < 3) {
			char *end;
			unsigned long long v = strtoull(tok, &end, 0);

			if (*end)
				continue;	/* a name column */
			r->v[r->nv++] = v;
		}
		f->n++;
	}
	fclose(fp);
	return 0;
}

static inline const struct kt_row *kt_find(const struct kt_file *f,
					   const char *key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->row[i].key, key))
			return &f->row[i];
	return NULL;
}

/* Value number @i of row @key, 0 if the row is absent. */
static inline unsigned long long kt_val(const struct kt_file *f,
					const char *key, int i)
{
	const struct kt_row *r = kt_find(f, key);

	return r && i < r->nv ? r->v[i] : 0;
}

/* "key value" file: the value of @key, or ~0ULL if absent. */
static inline unsigned long long kt_get(const char *path, const char *key)
{
	struct kt_file f;
	const struct kt_row *r;

	if (kt_read(path, &f))
		return ~0ULL;
	r = kt_find(&f, key);
	return r && r->nv ? r->v[0] : ~0ULL;
}

/* kvmtrace's directory of @vm: same name as KVM's debugfs directory */
static inline void kt_vm_dir(struct kvm_vm *vm, char *buf, size_t len)
{
	const char *kdir = kvm_vm_debugfs_dir(vm);
	const char *name = strrchr(kdir, '/');

	snprintf(buf, len, "%s/vms/%s", KT_DIR, name ? name + 1 : kdir);
}

/* Wait up to @ms for @path to appear (directories are made by a worker). */
static inline bool kt_wait_path(const char *path, unsigned int ms)
{
	while (access(path, F_OK)) {
		if (!ms)
			return false;
		usleep(10000);
		ms = ms > 10 ? ms - 10 : 0;
	}
	return true;
}

#endif /* KVMTUNE_KT_UTIL_H */
