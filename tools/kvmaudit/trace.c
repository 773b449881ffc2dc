// SPDX-License-Identifier: GPL-2.0
/*
 * Reading kvmtrace's per-vCPU files through the shared format definition.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "trace.h"
#include "util.h"

#define MAX_VMS		4096u
#define MAX_VCPUS	4096u

/* A name from kvmtrace_keys.h */
struct kvmaudit_name {
	const char *s;
};

/* The files of a vCPU directory, named as kvmtrace_keys.h lists them. */
enum scope_file {
#define KVMTRACE_SCOPE_FILE(name)	FILE_##name,
#include "uapi/kvmtrace_keys.h"
	FILE_NR,
};

static const struct kvmaudit_name file_names[] = {
#define KVMTRACE_SCOPE_FILE(name)	{ #name },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMAUDIT_ARRAY_SIZE(file_names) == FILE_NR, "file_names and the enum differ");

enum hlt_key {
#define KVMTRACE_HLT_KEY(key, ...)	HLT_##key,
#include "uapi/kvmtrace_keys.h"
	HLT_NR,
};

static const struct kvmaudit_name hlt_keys[] = {
#define KVMTRACE_HLT_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMAUDIT_ARRAY_SIZE(hlt_keys) == HLT_NR, "hlt_keys and the enum differ");

enum wakeups_key {
#define KVMTRACE_WAKEUPS_KEY(key, ...)	WAKEUPS_##key,
#include "uapi/kvmtrace_keys.h"
	WAKEUPS_NR,
};

static const struct kvmaudit_name wakeups_keys[] = {
#define KVMTRACE_WAKEUPS_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMAUDIT_ARRAY_SIZE(wakeups_keys) == WAKEUPS_NR, "wakeups_keys and the enum differ");

enum stats_key {
#define KVMTRACE_STATS_KEY(key, ...)	STATS_##key,
#include "uapi/kvmtrace_keys.h"
	STATS_NR,
};

static const struct kvmaudit_name stats_keys[] = {
#define KVMTRACE_STATS_KEY(key, ...)	{ #key },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMAUDIT_ARRAY_SIZE(stats_keys) == STATS_NR, "stats_keys and the enum differ");

static const char * const counter_names[KVMAUDIT_TRACE_NR] = {
	[KVMAUDIT_TSC_DEADLINE]	= "tsc_deadline_writes",
	[KVMAUDIT_PIO]		= "pio_exits",
	[KVMAUDIT_HLT]		= "hlt_exits",
	[KVMAUDIT_PIW]		= "piw",
	[KVMAUDIT_WAKEUPS]	= "wakeups",
};

static_assert(KVMAUDIT_ARRAY_SIZE(counter_names) == KVMAUDIT_TRACE_NR,
	      "a counter without a name");

const char *kvmaudit_trace_counter_name(enum kvmaudit_trace_counter c)
{
	return counter_names[c];
}

bool kvmaudit_trace_loaded(void)
{
	char path[KVMAUDIT_PATH_LEN];
	struct stat st;

	return !kvmaudit_path(path, sizeof(path), KVMAUDIT_TRACE_DIR "/%s",
			      KVMTRACE_VMS_DIR) &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* One file of a vCPU directory, whole. */
static long read_file(char **text, const char *vm, unsigned int id,
		      enum scope_file f)
{
	return kvmaudit_read(text, KVMAUDIT_TRACE_DIR "/" KVMTRACE_VMS_DIR
			     "/%s/" KVMTRACE_VCPU_DIR "/%s", vm, id,
			     file_names[f].s);
}

/* The value of key in a "key value" file, -ENOENT if it has none. */
static int kv_value(char *text, const char *key, char *val, size_t size)
{
	char *line, *save = NULL, *tok[3];

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmaudit_split(line, tok, 3) == 2 && !strcmp(tok[0], key)) {
			snprintf(val, size, "%s", tok[1]);
			return 0;
		}
	}
	return -ENOENT;
}

static int kv_u64(const char *vm, unsigned int id, enum scope_file f,
		  const char *key, __u64 *v)
{
	char *text, val[32];
	long len;
	int err;

	len = read_file(&text, vm, id, f);
	if (len < 0)
		return len;
	err = kv_value(text, key, val, sizeof(val));
	free(text);
	if (err)
		return err;
	return kvmaudit_parse_u64(val, v) ? 0 : -EINVAL;
}

/* msrs: "<index> <name> <writes> <reads>" (KVMTRACE_MSRS_FMT) */
static int msr_writes(const char *vm, unsigned int id, unsigned int index,
		      __u64 *writes)
{
	char *text, *line, *save = NULL, *tok[5];
	unsigned int idx;
	long len;

	*writes = 0;
	len = read_file(&text, vm, id, FILE_msrs);
	if (len < 0)
		return len;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmaudit_split(line, tok, 5) == 4 &&
		    kvmaudit_parse_hex(tok[0], &idx) && idx == index &&
		    kvmaudit_parse_u64(tok[2], writes))
			break;
	}
	free(text);
	return 0;
}

/* exits: "<name> <code> <count>" (KVMTRACE_EXITS_FMT) */
static int exit_count(const char *vm, unsigned int id, unsigned int code,
		      __u64 *count)
{
	char *text, *line, *save = NULL, *tok[4];
	unsigned int c;
	long len;

	*count = 0;
	len = read_file(&text, vm, id, FILE_exits);
	if (len < 0)
		return len;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmaudit_split(line, tok, 4) == 3 &&
		    kvmaudit_parse_hex(tok[1], &c) && c == code &&
		    kvmaudit_parse_u64(tok[2], count))
			break;
	}
	free(text);
	return 0;
}

static int read_vcpu(const char *vm, struct kvmaudit_trace_vcpu *v)
{
	__u64 piw, other;
	char *text, isa[16];
	unsigned int io;
	long len;
	int err;

	len = read_file(&text, vm, v->id, FILE_stats);
	if (len < 0)
		return len;
	err = kv_value(text, stats_keys[STATS_isa].s, isa, sizeof(isa));
	free(text);
	if (err)
		return err;
	io = !strcmp(isa, "vmx") ? EXIT_REASON_IO_INSTRUCTION : SVM_EXIT_IOIO;

	err = msr_writes(vm, v->id, KVMAUDIT_MSR_TSC_DEADLINE,
			 &v->c[KVMAUDIT_TSC_DEADLINE]);
	if (!err)
		err = exit_count(vm, v->id, io, &v->c[KVMAUDIT_PIO]);
	if (!err)
		err = kv_u64(vm, v->id, FILE_hlt, hlt_keys[HLT_exits].s,
			     &v->c[KVMAUDIT_HLT]);
	if (!err)
		err = kv_u64(vm, v->id, FILE_wakeups, wakeups_keys[WAKEUPS_piw].s,
			     &piw);
	if (!err)
		err = kv_u64(vm, v->id, FILE_wakeups, wakeups_keys[WAKEUPS_other].s,
			     &other);
	if (err)
		return err;
	v->c[KVMAUDIT_PIW] = piw;
	v->c[KVMAUDIT_WAKEUPS] = piw + other;
	v->ok = true;
	return 0;
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct kvmaudit_trace_vcpu *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int read_vm(struct kvmaudit_trace_vm *vm)
{
	char path[KVMAUDIT_PATH_LEN];
	struct dirent *de;
	unsigned int id;
	DIR *d;
	int err = 0;

	err = kvmaudit_path(path, sizeof(path),
			    KVMAUDIT_TRACE_DIR "/" KVMTRACE_VMS_DIR "/%s", vm->name);
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct kvmaudit_trace_vcpu *v;
		char end;

		if (sscanf(de->d_name, KVMTRACE_VCPU_DIR "%c", &id, &end) != 1)
			continue;
		err = kvmaudit_grow((void **)&vm->vcpus, &vm->cap_vcpus,
				    vm->nr_vcpus, sizeof(*vm->vcpus), MAX_VCPUS);
		if (err)
			break;
		v = &vm->vcpus[vm->nr_vcpus];
		memset(v, 0, sizeof(*v));
		v->id = id;
		err = read_vcpu(vm->name, v);
		if (err == -ENOENT || err == -EIO) {
			err = 0;	/* gone while being read */
			continue;
		}
		if (err)
			break;
		vm->nr_vcpus++;
	}
	closedir(d);
	qsort(vm->vcpus, vm->nr_vcpus, sizeof(*vm->vcpus), cmp_vcpu);
	return err;
}

int kvmaudit_trace_sample(struct kvmaudit_trace_sample *s)
{
	char path[KVMAUDIT_PATH_LEN];
	struct dirent *de;
	DIR *d;
	int err;

	memset(s, 0, sizeof(*s));
	err = kvmaudit_path(path, sizeof(path),
			    KVMAUDIT_TRACE_DIR "/" KVMTRACE_VMS_DIR);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &s->t);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct kvmaudit_trace_vm *vm;

		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= sizeof(vm->name))
			continue;
		err = kvmaudit_grow((void **)&s->vms, &s->cap_vms, s->nr_vms,
				    sizeof(*s->vms), MAX_VMS);
		if (err)
			break;
		vm = &s->vms[s->nr_vms++];
		memset(vm, 0, sizeof(*vm));
		snprintf(vm->name, sizeof(vm->name), "%s", de->d_name);
		err = read_vm(vm);
		if (err == -ENOENT || err == -EIO)
			err = 0;
		if (err)
			break;
	}
	closedir(d);
	if (err)
		kvmaudit_trace_free(s);
	return err;
}

void kvmaudit_trace_free(struct kvmaudit_trace_sample *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_vms; i++)
		free(s->vms[i].vcpus);
	free(s->vms);
	memset(s, 0, sizeof(*s));
}

const struct kvmaudit_trace_vcpu *
kvmaudit_trace_vcpu(const struct kvmaudit_trace_sample *s, const char *vm,
		    unsigned int id)
{
	unsigned int i, j;

	for (i = 0; i < s->nr_vms; i++) {
		if (strcmp(s->vms[i].name, vm))
			continue;
		for (j = 0; j < s->vms[i].nr_vcpus; j++)
			if (s->vms[i].vcpus[j].id == id)
				return &s->vms[i].vcpus[j];
	}
	return NULL;
}
