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
#define KT_MAX_ROWS	256	/* more than any file has: 64 MSRs, ... */
#define KT_HIST_LO_MAX	0x800000000ULL	/* 2^35, the last bucket's lo_ns */

/* "<key> <value>" or "<NAME> <0xCODE> <count>" or "<0xIDX> <NAME> <w> <r>" */
struct kt_row {
	char key[48];
	char name[48];	/* first non-numeric field after the key, or "" */
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

/*
 * insmod kvmtrace.ko from $KVMTUNE_KMOD, or its debug build next to it
 * (build/<line>/mod-debug/kmod), with module parameters @args (may be
 * NULL); 0 or a shell status.
 */
static inline int kt_insmod_args(bool debug, const char *args)
{
	const char *kmod = getenv("KVMTUNE_KMOD");
	char cmd[1024];
	size_t len;

	if (!kmod)
		return -ENOENT;
	len = strlen(kmod);
	if (debug && (len < 9 || strcmp(kmod + len - 9, "/mod/kmod")))
		return -EINVAL;
	if (kt_loaded())
		kt_run("rmmod kvmtrace%s", "");
	snprintf(cmd, sizeof(cmd), "insmod %.*s%s/kvmtrace/kvmtrace.ko %s",
		 (int)(debug ? len - 9 : len), kmod,
		 debug ? "/mod-debug/kmod" : "", args ? args : "");
	return system(cmd);
}

static inline int kt_insmod(void)
{
	return kt_insmod_args(false, NULL);
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

			if (*end) {	/* a name column */
				if (!r->name[0])
					snprintf(r->name, sizeof(r->name), "%s",
						 tok);
				continue;
			}
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

/* @file of @vm's directory (@vcpu < 0) or of its vCPU @vcpu's */
static inline void kt_path(char *buf, size_t len, struct kvm_vm *vm, int vcpu,
			   const char *file)
{
	char dir[256];

	kt_vm_dir(vm, dir, sizeof(dir));
	if (vcpu < 0)
		snprintf(buf, len, "%s/%s", dir, file);
	else
		snprintf(buf, len, "%s/vcpu%d/%s", dir, vcpu, file);
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

/* Wait up to @ms for @path to disappear. */
static inline bool kt_wait_gone(const char *path, unsigned int ms)
{
	while (!access(path, F_OK)) {
		if (!ms)
			return false;
		usleep(10000);
		ms = ms > 10 ? ms - 10 : 0;
	}
	return true;
}

/* One command to kvmtrace's control file; 0 or -errno. */
static inline int kt_control(const char *cmd)
{
	FILE *f = fopen(KT_DIR "/control", "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(cmd, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * The lines of a "latency" or "user_latency" file, or the histogram lines
 * of "hlt" ("exit_hist <lo> <count>": name "exit_hist", code -1):
 * "<NAME> <0xCODE> <lo_ns> <count>", "OTHER - <lo_ns> <count>" (code -1).
 */
#define KT_MAX_HIST	1024

struct kt_hline {
	char name[32];
	long long code;
	unsigned long long lo, count;
};

struct kt_hfile {
	struct kt_hline l[KT_MAX_HIST];
	int n;
	int bad;	/* lines that did not parse */
};

static inline int kt_read_hist(const char *path, struct kt_hfile *h)
{
	char line[256], name[32], code[32];
	unsigned long long lo, count;
	FILE *fp;

	memset(h, 0, sizeof(*h));
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		struct kt_hline *l = &h->l[h->n];

		if (sscanf(line, "%31s %31s %llu %llu", name, code, &lo,
			   &count) == 4) {
			snprintf(l->name, sizeof(l->name), "%s", name);
			l->code = strcmp(code, "-") ? strtoll(code, NULL, 0) : -1;
		} else if (sscanf(line, "%31s %llu %llu", name, &lo, &count) == 3 &&
			   strstr(name, "_hist")) {
			snprintf(l->name, sizeof(l->name), "%s", name);
			l->code = -1;
		} else {
			if (sscanf(line, "%31s", name) == 1 &&
			    !strstr(line, "_hist"))
				continue;	/* a "key value" line of hlt */
			h->bad++;
			continue;
		}
		l->lo = lo;
		l->count = count;
		if (++h->n == KT_MAX_HIST)
			break;
	}
	fclose(fp);
	return 0;
}

/* Sum of the counts of lines named @name ("OTHER", "IOIO", "halt_hist") */
static inline unsigned long long kt_hist_count(const struct kt_hfile *h,
					       const char *name)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->l[i].name, name))
			sum += h->l[i].count;
	return sum;
}

/* Upper end (exclusive) of a bucket: lo_ns 0 is the bucket of 0 and 1 ns. */
static inline unsigned long long kt_bucket_hi(unsigned long long lo)
{
	return lo ? 2 * lo : 2;
}

/* Is @lo a valid lower bound: 0 or a power of two, at most 2^35? */
static inline bool kt_bucket_ok(unsigned long long lo)
{
	return lo == 0 || (lo <= KT_HIST_LO_MAX && !(lo & (lo - 1)) && lo >= 2);
}

#endif /* KVMTUNE_KT_UTIL_H */
