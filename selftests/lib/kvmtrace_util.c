// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrace_util (kvmtrace_util.h): kvmtrace.ko and its debugfs files, for
 * the kvmtrace selftests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmtrace_util.h"

#define KVMTRACE_SYSFS		"/sys/module/kvmtrace"
/* $KVMTUNE_KMOD is build/<line>/mod/kmod; the debug build's is beside it */
#define KMOD_RELEASE		"/mod/kmod"
#define KMOD_DEBUG		"/mod-debug/kmod"

static bool kvmtrace_loaded_here;

const char *kvmtrace_need_module(void)
{
	const char *why = kvm_need_dev();

	if (why)
		return why;
	if (!getenv("KVMTUNE_KMOD"))
		return "KVMTUNE_KMOD is not set (run in the proving ground)";
	return NULL;
}

static bool kvmtrace_loaded(void)
{
	return !access(KVMTRACE_SYSFS, F_OK);
}

static void kvmtrace_rmmod(void)
{
	if (kvmtrace_loaded() && system("rmmod kvmtrace"))
		fprintf(stderr, "# rmmod kvmtrace failed\n");
}

void kvmtrace_unload(void)
{
	if (kvmtrace_loaded_here)
		kvmtrace_rmmod();
	kvmtrace_loaded_here = false;
}

static void kvmtrace_insmod(bool debug, const char *params)
{
	const char *kmod = getenv("KVMTUNE_KMOD");
	size_t len, rel = strlen(KMOD_RELEASE);
	static bool unload_at_exit;
	char cmd[1024];
	int ret;

	TEST_ASSERT(kmod, "KVMTUNE_KMOD is not set");
	len = strlen(kmod);
	TEST_ASSERT(!debug ||
		    (len >= rel && !strcmp(kmod + len - rel, KMOD_RELEASE)),
		    "KVMTUNE_KMOD=%s: no debug build beside it", kmod);
	kvmtrace_rmmod();
	snprintf(cmd, sizeof(cmd), "insmod %.*s%s/kvmtrace/kvmtrace.ko %s",
		 (int)(debug ? len - rel : len), kmod,
		 debug ? KMOD_DEBUG : "", params ? params : "");
	if (!unload_at_exit)
		unload_at_exit = !atexit(kvmtrace_unload);
	ret = system(cmd);
	TEST_ASSERT(!ret, "%s: status %d", cmd, ret);
	kvmtrace_loaded_here = true;
}

void kvmtrace_load(void)
{
	kvmtrace_insmod(false, NULL);
}

void kvmtrace_load_debug(const char *params)
{
	kvmtrace_insmod(true, params);
}

void kvmtrace_vm_dir(struct kvm_vm *vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", KVMTRACE_DIR, KVMTRACE_VMS_DIR,
		 kvm_vm_debugfs_name(vm));
}

void kvmtrace_path(char *buf, size_t len, struct kvm_vm *vm, int vcpu,
		   const char *file)
{
	char dir[256];

	kvmtrace_vm_dir(vm, dir, sizeof(dir));
	if (vcpu < 0)
		snprintf(buf, len, "%s/%s", dir, file);
	else
		snprintf(buf, len, "%s/" KVMTRACE_VCPU_DIR "/%s", dir, vcpu,
			 file);
}

int kvmtrace_nr_vm_dirs(void)
{
	return test_dir_entries(KVMTRACE_DIR "/" KVMTRACE_VMS_DIR);
}

void kvmtrace_control(const char *cmd)
{
	test_write_file(KVMTRACE_DIR "/control", cmd);
}

int __kvmtrace_read(const char *path, struct kvmtrace_file *f)
{
	char line[256];
	FILE *fp;

	memset(f, 0, sizeof(*f));
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp) && f->n < KVMTRACE_MAX_ROWS) {
		struct kvmtrace_row *r = &f->row[f->n];
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

void kvmtrace_read(const char *path, struct kvmtrace_file *f)
{
	int ret = __kvmtrace_read(path, f);

	TEST_ASSERT(!ret, "reading %s: %s", path, strerror(-ret));
}

const struct kvmtrace_row *kvmtrace_find(const struct kvmtrace_file *f,
					 const char *key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->row[i].key, key))
			return &f->row[i];
	return NULL;
}

unsigned long long kvmtrace_val(const struct kvmtrace_file *f,
				const char *key, int i)
{
	const struct kvmtrace_row *r = kvmtrace_find(f, key);

	return r && i < r->nv ? r->v[i] : 0;
}

unsigned long long kvmtrace_get(const char *path, const char *key)
{
	struct kvmtrace_file *f = malloc(sizeof(*f));
	const struct kvmtrace_row *r;
	unsigned long long val = ~0ULL;

	TEST_ASSERT(f, "allocating a file buffer");
	if (!__kvmtrace_read(path, f)) {
		r = kvmtrace_find(f, key);
		if (r && r->nv)
			val = r->v[0];
	}
	free(f);
	return val;
}

static int __kvmtrace_read_hist(const char *path, struct kvmtrace_hist *h)
{
	char line[256], name[32], code[32];
	unsigned long long lo, count;
	FILE *fp;

	memset(h, 0, sizeof(*h));
	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		struct kvmtrace_hist_line *l = &h->l[h->n];

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
		if (++h->n == KVMTRACE_MAX_HIST)
			break;
	}
	fclose(fp);
	return 0;
}

void kvmtrace_read_hist(const char *path, struct kvmtrace_hist *h)
{
	int ret = __kvmtrace_read_hist(path, h);

	TEST_ASSERT(!ret, "reading %s: %s", path, strerror(-ret));
}

unsigned long long kvmtrace_hist_count(const struct kvmtrace_hist *h,
				       const char *name)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->l[i].name, name))
			sum += h->l[i].count;
	return sum;
}

unsigned long long kvmtrace_hist_count_at(const struct kvmtrace_hist *h,
					  const char *name,
					  unsigned long long lo)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->l[i].name, name) && h->l[i].lo == lo)
			sum += h->l[i].count;
	return sum;
}

unsigned long long kvmtrace_bucket_hi(unsigned long long lo)
{
	return lo ? 2 * lo : 2;
}

bool kvmtrace_bucket_ok(unsigned long long lo)
{
	return lo == 0 ||
	       (lo <= KVMTRACE_HIST_LO_MAX && !(lo & (lo - 1)) && lo >= 2);
}
