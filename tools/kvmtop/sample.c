// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling: read the kvmtrace tree into a struct kvmtop_sample.
 *
 * Every file of a VM or vCPU directory has a reader, found by the file's
 * name in uapi/kvmtrace_keys.h: a file added there does not build until
 * it has one.  Keys of the "key value" files come from the same header, so
 * a new counter needs no change here.
 *
 * VMs and vCPUs come and go while we read: a VM whose files cannot be read
 * in a round (ENOENT, EIO, ...) is left out of that round.  Every table is
 * bounded (KVMTOP_MAX_*), so a misbehaving tree cannot make us grow without
 * limit.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

/* ---- the key tables ------------------------------------------------------ */

#define KVMTOP_KEY(key, kind, text)	{ #key, KVMTOP_##kind, text },

static const struct kvmtop_key kvmtop_hlt_key_table[] = {
#define KVMTRACE_HLT_KEY KVMTOP_KEY
#include "uapi/kvmtrace_keys.h"
};

static const struct kvmtop_key kvmtop_npf_key_table[] = {
#define KVMTRACE_NPF_KEY KVMTOP_KEY
#include "uapi/kvmtrace_keys.h"
};

static const struct kvmtop_key kvmtop_wakeups_key_table[] = {
#define KVMTRACE_WAKEUPS_KEY KVMTOP_KEY
#include "uapi/kvmtrace_keys.h"
};

static const struct kvmtop_key kvmtop_stats_key_table[] = {
#define KVMTRACE_STATS_KEY KVMTOP_KEY
#include "uapi/kvmtrace_keys.h"
};

static const struct kvmtop_key kvmtop_summary_key_table[] = {
#define KVMTRACE_SUMMARY_KEY KVMTOP_KEY
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMTOP_ARRAY_SIZE(kvmtop_hlt_key_table) == KVMTOP_HLT_NR,
	      "hlt keys and their enum differ");
static_assert(KVMTOP_ARRAY_SIZE(kvmtop_wakeups_key_table) == KVMTOP_WAKEUPS_NR,
	      "wakeups keys and their enum differ");
static_assert(KVMTOP_ARRAY_SIZE(kvmtop_stats_key_table) == KVMTOP_STATS_NR,
	      "stats keys and their enum differ");

const struct kvmtop_key kvmtop_hlt_hists[KVMTOP_HLT_HIST_NR] = {
#define KVMTRACE_HLT_HIST(name, text)	{ #name, KVMTOP_SUM, text },
#include "uapi/kvmtrace_keys.h"
};

enum {
#define KVMTRACE_NPF_KEY(key, ...)	KVMTOP_NPF_##key,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_NPF_NR,
};

enum {
#define KVMTRACE_SUMMARY_KEY(key, ...)	KVMTOP_SUMMARY_##key,
#include "uapi/kvmtrace_keys.h"
	KVMTOP_SUMMARY_NR,
};

static_assert(KVMTOP_ARRAY_SIZE(kvmtop_npf_key_table) == KVMTOP_NPF_NR,
	      "npf keys and their enum differ");
static_assert(KVMTOP_ARRAY_SIZE(kvmtop_summary_key_table) == KVMTOP_SUMMARY_NR,
	      "summary keys and their enum differ");

const struct kvmtop_keys kvmtop_file_keys[KVMTOP_FILE_NR] = {
	[KVMTOP_FILE_hlt]	= { kvmtop_hlt_key_table, KVMTOP_HLT_NR },
	[KVMTOP_FILE_npf]	= { kvmtop_npf_key_table, KVMTOP_NPF_NR },
	[KVMTOP_FILE_wakeups]	= { kvmtop_wakeups_key_table, KVMTOP_WAKEUPS_NR },
	[KVMTOP_FILE_stats]	= { kvmtop_stats_key_table, KVMTOP_STATS_NR },
};

const struct kvmtop_keys kvmtop_summary_keys = {
	kvmtop_summary_key_table, KVMTOP_SUMMARY_NR
};

/* ---- "key value" files --------------------------------------------------- */

static int kvmtop_key_index(const struct kvmtop_keys *keys, const char *key)
{
	unsigned int i;

	for (i = 0; keys && i < keys->nr; i++)
		if (!strcmp(keys->key[i].name, key))
			return i;
	return -1;
}

static int kvmtop_kvs_add(struct kvmtop_kvs *kvs, unsigned int max,
			  const struct kvmtop_keys *keys, const char *key,
			  const char *val)
{
	struct kvmtop_kv *kv;

	if (!kvs->kv) {
		kvs->kv = calloc(max, sizeof(*kvs->kv));
		if (!kvs->kv)
			return -ENOMEM;
	}
	if (kvs->nr >= max)
		return 0;
	kv = &kvs->kv[kvs->nr++];
	kvmtop_copy(kv->key, sizeof(kv->key), key);
	kvmtop_copy(kv->val, sizeof(kv->val), val);
	kv->num = kvmtop_parse_dec(val, &kv->v);
	kv->known = kvmtop_key_index(keys, key);
	return 0;
}

/* "key value" lines in file order; lines of any other shape are skipped. */
static int kvmtop_parse_kvs(char *buf, struct kvmtop_kvs *kvs,
			    const struct kvmtop_keys *keys)
{
	unsigned int max = kvmtop_count_lines(buf);
	char *line, *save = NULL, *tok[3];
	int err;

	if (max > KVMTOP_MAX_KV)
		max = KVMTOP_MAX_KV;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmtop_split(line, tok, 3) != 2)
			continue;
		err = kvmtop_kvs_add(kvs, max, keys, tok[0], tok[1]);
		if (err)
			return err;
	}
	return 0;
}

const struct kvmtop_kv *kvmtop_kv_known(const struct kvmtop_kvs *kvs, int key)
{
	unsigned int i;

	for (i = 0; i < kvs->nr; i++)
		if (kvs->kv[i].known == key)
			return &kvs->kv[i];
	return NULL;
}

/* A known key's value; 0 when the file or the key is missing. */
__u64 kvmtop_kv_u64(const struct kvmtop_scope *s, enum kvmtop_file f, int key)
{
	const struct kvmtop_kv *kv = kvmtop_kv_known(&s->kv[f], key);

	return kv && kv->num ? kv->v : 0;
}

/*
 * Does a difference of this key make sense?  Numbers do, unless the table
 * says the key is a value: keys newer than this kvmtop are taken to be
 * counts, which is what kvmtrace adds most.
 */
bool kvmtop_kv_is_count(enum kvmtop_file f, const struct kvmtop_kv *kv)
{
	const struct kvmtop_keys *keys = &kvmtop_file_keys[f];

	if (!kv->num)
		return false;
	if (kv->known < 0)
		return true;
	return keys->key[kv->known].kind == KVMTOP_SUM ||
	       keys->key[kv->known].kind == KVMTOP_COUNTER;
}

bool kvmtop_scope_has(const struct kvmtop_scope *s, enum kvmtop_file f)
{
	return s->files & (1u << f);
}

/* ---- reasons --------------------------------------------------------------- */

static struct kvmtop_reason *kvmtop_reason_get(struct kvmtop_scope *s,
					       const char *name,
					       unsigned int code, bool other)
{
	struct kvmtop_reason *r;
	unsigned int i;

	for (i = 0; i < s->nr_reasons; i++) {
		r = &s->reasons[i];
		if (r->other == other && (other || r->code == code))
			return r;
	}
	if (kvmtop_grow((void **)&s->reasons, &s->reasons_cap, s->nr_reasons,
			sizeof(*s->reasons), KVMTOP_MAX_LINES))
		return NULL;
	r = &s->reasons[s->nr_reasons++];
	kvmtop_copy(r->name, sizeof(r->name), name);
	r->code = other ? UINT_MAX : code;
	r->other = other;
	return r;
}

static int kvmtop_cmp_reason(const void *a, const void *b)
{
	const struct kvmtop_reason *x = a, *y = b;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The bucket whose lower bound is lo_ns, or -1. */
static int kvmtop_bucket_of(__u64 lo)
{
	int b;

	if (!lo)
		return 0;
	if (lo & (lo - 1))
		return -1;
	b = __builtin_ctzll(lo);
	return b < KVMTRACE_HIST_BUCKETS ? b : -1;
}

/* ---- the readers ----------------------------------------------------------- */

struct kvmtop_reader {
	const char *name;
	int (*parse)(struct kvmtop_scope *s, char *buf, enum kvmtop_file f);
	bool optional;		/* older modules do not have it */
};

/* <NAME> <0xCODE> <count> */
static int kvmtop_parse_exits(struct kvmtop_scope *s, char *buf,
			      enum kvmtop_file f)
{
	char *line, *save = NULL, *tok[3];
	struct kvmtop_reason *r;
	unsigned int code;
	__u64 count;

	(void)f;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmtop_split(line, tok, 3) != 3 ||
		    !kvmtop_parse_hex(tok[1], &code) ||
		    !kvmtop_parse_dec(tok[2], &count) ||
		    !strcmp(tok[0], KVMTRACE_OTHER))
			continue;
		r = kvmtop_reason_get(s, tok[0], code, false);
		if (!r)
			return -ENOMEM;
		if (r->in_exits)
			continue;	/* a code twice: keep the first */
		r->in_exits = true;
		r->exits = count;
		s->exits_total += count;
	}
	return 0;
}

/* <0xINDEX> <NAME|-> <writes> <reads> */
static int kvmtop_parse_msrs(struct kvmtop_scope *s, char *buf,
			     enum kvmtop_file f)
{
	unsigned int max = kvmtop_count_lines(buf);
	char *line, *save = NULL, *tok[4];
	struct kvmtop_msr *m;

	(void)f;
	s->msrs = calloc(max, sizeof(*s->msrs));
	if (!s->msrs)
		return -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line && s->nr_msrs < max;
	     line = strtok_r(NULL, "\n", &save)) {
		m = &s->msrs[s->nr_msrs];
		if (kvmtop_split(line, tok, 4) != 4 ||
		    !kvmtop_parse_hex(tok[0], &m->index) ||
		    !kvmtop_parse_dec(tok[2], &m->writes) ||
		    !kvmtop_parse_dec(tok[3], &m->reads))
			continue;
		if (strcmp(tok[1], KVMTRACE_MSR_NO_NAME))
			kvmtop_copy(m->name, sizeof(m->name), tok[1]);
		s->nr_msrs++;
	}
	return 0;
}

/* <NAME> <0xCODE> <lo_ns> <count>, and OTHER - <lo_ns> <count> */
static int kvmtop_parse_lat(struct kvmtop_scope *s, char *buf,
			    enum kvmtop_where where)
{
	char *line, *save = NULL, *tok[5];
	struct kvmtop_reason *r;
	unsigned int code = 0;
	__u64 lo, count;
	bool other;
	int b;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kvmtop_split(line, tok, 5) != 4 ||
		    !kvmtop_parse_dec(tok[2], &lo) ||
		    !kvmtop_parse_dec(tok[3], &count))
			continue;
		other = !strcmp(tok[0], KVMTRACE_OTHER) && !strcmp(tok[1], "-");
		if (!other && !kvmtop_parse_hex(tok[1], &code))
			continue;
		b = kvmtop_bucket_of(lo);
		if (b < 0)
			continue;
		r = kvmtop_reason_get(s, tok[0], code, other);
		if (!r)
			return -ENOMEM;
		r->lat[where].b[b] += count;
	}
	return 0;
}

static int kvmtop_parse_latency(struct kvmtop_scope *s, char *buf,
				enum kvmtop_file f)
{
	(void)f;
	return kvmtop_parse_lat(s, buf, KVMTOP_KERNEL);
}

static int kvmtop_parse_user_latency(struct kvmtop_scope *s, char *buf,
				     enum kvmtop_file f)
{
	(void)f;
	return kvmtop_parse_lat(s, buf, KVMTOP_USER);
}

static int kvmtop_parse_kv_file(struct kvmtop_scope *s, char *buf,
				enum kvmtop_file f)
{
	return kvmtop_parse_kvs(buf, &s->kv[f], &kvmtop_file_keys[f]);
}

/* hlt: its "key value" lines, then <hist> <lo_ns> <count> lines. */
static int kvmtop_parse_hlt(struct kvmtop_scope *s, char *buf,
			    enum kvmtop_file f)
{
	unsigned int i, max = kvmtop_count_lines(buf);
	char *line, *save = NULL, *tok[4];
	__u64 lo, count;
	int b, err;

	if (max > KVMTOP_MAX_KV)
		max = KVMTOP_MAX_KV;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		switch (kvmtop_split(line, tok, 4)) {
		case 2:
			err = kvmtop_kvs_add(&s->kv[f], max,
					     &kvmtop_file_keys[f], tok[0],
					     tok[1]);
			if (err)
				return err;
			break;
		case 3:
			if (!kvmtop_parse_dec(tok[1], &lo) ||
			    !kvmtop_parse_dec(tok[2], &count))
				break;
			b = kvmtop_bucket_of(lo);
			for (i = 0; b >= 0 && i < KVMTOP_HLT_HIST_NR; i++)
				if (!strcmp(tok[0], kvmtop_hlt_hists[i].name))
					s->hlt_hist[i].b[b] += count;
			break;
		}
	}
	return 0;
}

#define kvmtop_parse_npf	kvmtop_parse_kv_file
#define kvmtop_parse_wakeups	kvmtop_parse_kv_file
#define kvmtop_parse_stats	kvmtop_parse_kv_file

/* npf, latency and user_latency are newer than the first kvmtrace. */
#define KVMTOP_OPTIONAL_npf		true
#define KVMTOP_OPTIONAL_latency		true
#define KVMTOP_OPTIONAL_user_latency	true
#define KVMTOP_OPTIONAL_exits		false
#define KVMTOP_OPTIONAL_msrs		false
#define KVMTOP_OPTIONAL_hlt		false
#define KVMTOP_OPTIONAL_wakeups		false
#define KVMTOP_OPTIONAL_stats		false

static const struct kvmtop_reader kvmtop_readers[KVMTOP_FILE_NR] = {
#define KVMTRACE_SCOPE_FILE(name)					\
	[KVMTOP_FILE_##name] = {					\
		#name, kvmtop_parse_##name, KVMTOP_OPTIONAL_##name	\
	},
#include "uapi/kvmtrace_keys.h"
};

const char *kvmtop_file_name(enum kvmtop_file f)
{
	return kvmtop_readers[f].name;
}

struct kvmtop_name {
	const char *name;
};

static const struct kvmtop_name kvmtop_host_files[] = {
#define KVMTRACE_HOST_FILE(name)	{ #name },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMTOP_ARRAY_SIZE(kvmtop_host_files) == KVMTOP_HOST_NR,
	      "host files and their enum differ");

const char *kvmtop_host_file_name(enum kvmtop_host_file f)
{
	return kvmtop_host_files[f].name;
}

static const struct kvmtop_name kvmtop_commands[] = {
#define KVMTRACE_COMMAND(name, ...)	{ #name },
#include "uapi/kvmtrace_keys.h"
};

static_assert(KVMTOP_ARRAY_SIZE(kvmtop_commands) == KVMTOP_CMD_NR,
	      "commands and their enum differ");

const char *kvmtop_command_name(enum kvmtop_command cmd)
{
	return kvmtop_commands[cmd].name;
}

/* ---- scopes, VMs, samples --------------------------------------------------- */

void kvmtop_scope_free(struct kvmtop_scope *s)
{
	unsigned int f;

	if (s->delta) {
		kvmtop_scope_free(s->delta);
		free(s->delta);
	}
	free(s->reasons);
	free(s->msrs);
	for (f = 0; f < KVMTOP_FILE_NR; f++)
		free(s->kv[f].kv);
	memset(s, 0, sizeof(*s));
}

static int kvmtop_cmp_msr(const void *a, const void *b)
{
	const struct kvmtop_msr *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Read every file of a VM or vCPU directory.  Returns 0 or -errno. */
static int kvmtop_read_scope(struct kvmtop_source *src, const char *dir,
			     struct kvmtop_scope *s)
{
	unsigned int f;
	int err;

	for (f = 0; f < KVMTOP_FILE_NR; f++) {
		err = kvmtop_read_at(&src->buf, dir, kvmtop_file_name(f));
		if (err == -ENOENT && kvmtop_readers[f].optional)
			continue;
		if (err)
			goto out_free;
		err = kvmtop_readers[f].parse(s, src->buf.p, f);
		if (err)
			goto out_free;
		s->files |= 1u << f;
	}
	if (s->nr_reasons)
		qsort(s->reasons, s->nr_reasons, sizeof(*s->reasons),
		      kvmtop_cmp_reason);
	if (s->nr_msrs)
		qsort(s->msrs, s->nr_msrs, sizeof(*s->msrs), kvmtop_cmp_msr);
	return 0;

out_free:
	kvmtop_scope_free(s);
	return err;
}

static void kvmtop_vm_free(struct kvmtop_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		kvmtop_scope_free(&vm->vcpus[i].s);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	vm->vcpus_cap = 0;
	kvmtop_scope_free(&vm->s);
}

void kvmtop_sample_free(struct kvmtop_sample *smp)
{
	unsigned int i;

	if (!smp)
		return;
	for (i = 0; i < smp->nr_vms; i++)
		kvmtop_vm_free(&smp->vms[i]);
	free(smp->vms);
	free(smp->summary.kv);
	free(smp);
}

int kvmtop_cmp_vcpu(const void *a, const void *b)
{
	const struct kvmtop_vcpu *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int kvmtop_cmp_vm(const void *a, const void *b)
{
	const struct kvmtop_vm *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* "vcpu<id>" with a decimal id; anything else is not a vCPU directory. */
static bool kvmtop_vcpu_id(const char *name, unsigned int *id)
{
	__u64 v;

	if (strncmp(name, "vcpu", 4) || !kvmtop_parse_dec(name + 4, &v) ||
	    v > UINT_MAX)
		return false;
	*id = v;
	return true;
}

/*
 * Read one VM and its vCPUs.  Returns 0, or -errno: the caller drops the VM
 * for this round unless the error is fatal (ENOMEM, EACCES).
 */
static int kvmtop_read_vm(struct kvmtop_source *src, const char *vmdir,
			  struct kvmtop_vm *vm)
{
	char path[KVMTOP_PATH_LEN];
	struct kvmtop_vcpu *v;
	struct dirent *de;
	unsigned int id;
	DIR *d;
	int err;

	d = opendir(vmdir);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			if (err)
				goto out_free;
			break;
		}
		if (!kvmtop_vcpu_id(de->d_name, &id))
			continue;
		err = kvmtop_grow((void **)&vm->vcpus, &vm->vcpus_cap,
				  vm->nr_vcpus, sizeof(*vm->vcpus),
				  KVMTOP_MAX_VCPUS);
		if (err == -ENOSPC)
			continue;
		if (err)
			goto out_free;
		v = &vm->vcpus[vm->nr_vcpus];
		v->id = id;
		err = kvmtop_join(path, sizeof(path), vmdir, de->d_name);
		if (!err)
			err = kvmtop_read_scope(src, path, &v->s);
		if (err)
			goto out_free;
		vm->nr_vcpus++;
	}
	closedir(d);
	d = NULL;
	if (vm->nr_vcpus)
		qsort(vm->vcpus, vm->nr_vcpus, sizeof(*vm->vcpus),
		      kvmtop_cmp_vcpu);
	/* The VM files last: they sum at least what the vCPU files showed. */
	err = kvmtop_read_scope(src, vmdir, &vm->s);
	if (err)
		goto out_free;
	return 0;

out_free:
	kvmtop_vm_free(vm);
	if (d)
		closedir(d);
	return err;
}

int kvmtop_errno_exit(int err, const char *root, const char *what)
{
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr,
			"kvmtop: %s/%s: permission denied; the kvmtrace files are readable by root only, run kvmtop as root\n",
			root, what);
		return KVMTOP_EXIT_NOT_ROOT;
	}
	if (err == -ENOENT) {
		fprintf(stderr,
			"kvmtop: %s/%s: not found; the kvmtrace module is not loaded (insmod kvmtrace.ko)\n",
			root, what);
		return KVMTOP_EXIT_NOT_LOADED;
	}
	fprintf(stderr, "kvmtop: %s/%s: %s\n", root, what, strerror(-err));
	return KVMTOP_EXIT_ERROR;
}

/*
 * Take one sample.  Returns 0 with *out set, or a KVMTOP_EXIT_* code after
 * printing why.
 */
int kvmtop_sample_take(struct kvmtop_source *src, struct kvmtop_sample **out)
{
	const char *summary = kvmtop_host_file_name(KVMTOP_HOST_summary);
	char vmsdir[KVMTOP_PATH_LEN], path[KVMTOP_PATH_LEN];
	struct kvmtop_sample *smp;
	struct kvmtop_vm *vm;
	struct dirent *de;
	DIR *d = NULL;
	int err, ret;

	smp = calloc(1, sizeof(*smp));
	if (!smp)
		goto out_nomem;
	clock_gettime(CLOCK_MONOTONIC, &smp->mono);
	clock_gettime(CLOCK_REALTIME, &smp->real);

	err = kvmtop_read_at(&src->buf, src->root, summary);
	if (err) {
		ret = kvmtop_errno_exit(err, src->root, summary);
		goto out_free;
	}
	err = kvmtop_parse_kvs(src->buf.p, &smp->summary, &kvmtop_summary_keys);
	if (err)
		goto out_nomem;

	kvmtop_join(vmsdir, sizeof(vmsdir), src->root, KVMTRACE_VMS_DIR);
	d = opendir(vmsdir);
	if (!d) {
		err = -errno;
		kvmtop_join(path, sizeof(path), src->root, summary);
		if (err == -ENOENT && !access(path, F_OK))
			goto out_done;	/* no vms/ directory: no VMs */
		ret = kvmtop_errno_exit(err, src->root, KVMTRACE_VMS_DIR);
		goto out_free;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			if (err) {
				ret = kvmtop_errno_exit(err, src->root,
							KVMTRACE_VMS_DIR);
				goto out_free;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		err = kvmtop_grow((void **)&smp->vms, &smp->vms_cap,
				  smp->nr_vms, sizeof(*smp->vms),
				  KVMTOP_MAX_VMS);
		if (err == -ENOSPC)
			continue;
		if (err)
			goto out_nomem;
		vm = &smp->vms[smp->nr_vms];
		memset(vm, 0, sizeof(*vm));
		kvmtop_copy(vm->name, sizeof(vm->name), de->d_name);
		vm->pid = strtol(vm->name, NULL, 10);
		if (src->pid >= 0 && vm->pid != src->pid)
			continue;
		err = kvmtop_join(path, sizeof(path), vmsdir, de->d_name);
		if (!err)
			err = kvmtop_read_vm(src, path, vm);
		if (err == -ENOMEM)
			goto out_nomem;
		if (err == -EACCES || err == -EPERM) {
			ret = kvmtop_errno_exit(err, src->root,
						KVMTRACE_VMS_DIR);
			goto out_free;
		}
		if (err)
			continue;	/* went away while we read it */
		if (src->proc)
			kvmtop_guest_name(src->proc, vm->pid, vm->guest,
					  sizeof(vm->guest));
		smp->nr_vms++;
	}
out_done:
	if (smp->nr_vms)
		qsort(smp->vms, smp->nr_vms, sizeof(*smp->vms), kvmtop_cmp_vm);
	if (d)
		closedir(d);
	*out = smp;
	return 0;

out_nomem:
	fprintf(stderr, "kvmtop: out of memory\n");
	ret = KVMTOP_EXIT_ERROR;
out_free:
	if (d)
		closedir(d);
	kvmtop_sample_free(smp);
	return ret;
}

/* Write one command (without an argument) to control; 0 or -errno. */
int kvmtop_control(const char *root, enum kvmtop_command cmd)
{
	char path[KVMTOP_PATH_LEN], line[64];
	ssize_t n;
	int fd, len, err = 0;

	err = kvmtop_join(path, sizeof(path), root,
			  kvmtop_host_file_name(KVMTOP_HOST_control));
	if (err)
		return err;
	len = snprintf(line, sizeof(line), "%s\n", kvmtop_command_name(cmd));
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, len);
	if (n < 0)
		err = -errno;
	else if (n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}
