// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtop - a top-like view of the kvmtrace debugfs files.
 *
 * Reads /sys/kernel/debug/kvmtrace/{summary,vms/<vm>/...,vms/<vm>/vcpu<id>/...}
 * (formats in Documentation/kvmtrace.rst) and shows, per VM and per vCPU,
 * exit rates by reason, the busiest MSRs, HLT/halt-polling behaviour and
 * posted-interrupt wakeups.  Output is a refreshing text screen or one JSON
 * document per sample (Documentation/kvmtop.rst).
 *
 * VMs and vCPUs come and go while we read: a VM whose files cannot be read
 * in a round (ENOENT, EIO, ...) is left out of that round.  Every table is
 * bounded (KT_MAX_*), so a misbehaving tree cannot make us grow without
 * limit.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define KT_DEBUGFS		"/sys/kernel/debug"
#define KT_DEFAULT_ROOT		KT_DEBUGFS "/kvmtrace"
#define KT_DEBUGFS_MAGIC	0x64626720

#define KT_MAX_FILE		(4u << 20)	/* bytes read from one file */
#define KT_MAX_LINES		4096u		/* rows kept from one file */
#define KT_MAX_VMS		4096u
#define KT_MAX_VCPUS		4096u		/* per VM */
#define KT_MAX_KV		64u		/* key/value lines per file */
#define KT_NAME_LEN		48
#define KT_KEY_LEN		32
#define KT_VAL_LEN		32
#define KT_PATH_LEN		(PATH_MAX + 64)

#define KT_DEFAULT_TOP		5
#define KT_MAX_TOP		1000
#define KT_MAX_DELAY		86400.0

#define KT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes, documented in Documentation/kvmtop.rst. */
enum {
	KT_EXIT_OK = 0,
	KT_EXIT_ERROR = 1,
	KT_EXIT_USAGE = 2,
	KT_EXIT_NOT_ROOT = 3,
	KT_EXIT_NO_DEBUGFS = 4,
	KT_EXIT_NOT_LOADED = 5,
};

/* Keys of the "hlt" file we use; poll_ns is a value, not a counter. */
enum {
	KT_HLT_EXITS,
	KT_HLT_EXIT_NS,
	KT_HLT_HALTS,
	KT_HLT_POLL_SUCCESS,
	KT_HLT_POLL_FAIL,
	KT_HLT_INVALID,
	KT_HLT_HALTED_NS,
	KT_HLT_POLL_GROW,
	KT_HLT_POLL_SHRINK,
	KT_HLT_POLL_NS,
	KT_HLT_NR,
};

static const char * const kt_hlt_keys[KT_HLT_NR] = {
	[KT_HLT_EXITS]		= "exits",
	[KT_HLT_EXIT_NS]	= "exit_ns",
	[KT_HLT_HALTS]		= "halts",
	[KT_HLT_POLL_SUCCESS]	= "poll_success",
	[KT_HLT_POLL_FAIL]	= "poll_fail",
	[KT_HLT_INVALID]	= "invalid",
	[KT_HLT_HALTED_NS]	= "halted_ns",
	[KT_HLT_POLL_GROW]	= "poll_grow",
	[KT_HLT_POLL_SHRINK]	= "poll_shrink",
	[KT_HLT_POLL_NS]	= "poll_ns",
};

struct kt_kv {
	char key[KT_KEY_LEN];
	char val[KT_VAL_LEN];
	double rate;		/* npf only */
};

struct kt_exit {
	char name[KT_NAME_LEN];
	unsigned int code;
	__u64 count;
	double rate;
	double val;		/* what the screen sorts and shows */
};

struct kt_msr {
	unsigned int index;
	char name[KT_NAME_LEN];	/* empty for "-" */
	__u64 writes;
	__u64 reads;
	double wrate;
	double rrate;
	double val;
};

/* One VM or one vCPU: the same files, the same format. */
struct kt_scope {
	struct kt_exit *exits;
	unsigned int nr_exits;
	struct kt_msr *msrs;
	unsigned int nr_msrs;
	__u64 hlt[KT_HLT_NR];
	double hlt_rate[KT_HLT_NR];
	__u64 piw;
	__u64 other;
	double piw_rate;
	double other_rate;
	__u64 exits_total;	/* sum of the "exits" file */
	double exits_rate;
	double val;
	struct kt_kv *stats;
	unsigned int nr_stats;
	struct kt_kv *npf;	/* optional file, NULL when absent */
	unsigned int nr_npf;
};

struct kt_vcpu {
	unsigned int id;
	struct kt_scope s;
};

struct kt_vm {
	char name[NAME_MAX + 1];
	long pid;
	struct kt_scope s;
	struct kt_vcpu *vcpus;
	unsigned int nr_vcpus;
	unsigned int vcpus_cap;
};

struct kt_sample {
	struct timespec mono;
	struct timespec real;
	struct kt_kv *summary;
	unsigned int nr_summary;
	struct kt_vm *vms;
	unsigned int nr_vms;
	unsigned int vms_cap;
	bool has_rates;
	double interval;	/* seconds since the previous sample */
};

struct kt_opts {
	const char *root;
	double delay;
	long count;		/* 0: forever */
	long pid;		/* -1: all */
	unsigned int top;
	bool once;
	bool totals;
	bool json;
};

struct kt_ctx {
	struct kt_opts o;
	char *buf;		/* file read buffer, reused */
	size_t buf_size;
	int sigfd;
	bool stdin_tty;
	bool stdout_tty;
};

/* ---- small helpers ---------------------------------------------------- */

static bool kt_parse_dec(const char *s, __u64 *v)
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

static bool kt_parse_hex(const char *s, unsigned int *v)
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

static void kt_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* dir/name into buf; -ENAMETOOLONG if it does not fit. */
static int kt_join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Make room for one more element in *arr (n used, *cap allocated), up to
 * max elements.  Returns 0, -ENOSPC at the limit, or -ENOMEM.
 */
static int kt_grow(void **arr, unsigned int *cap, unsigned int n,
		   size_t size, unsigned int max)
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

static unsigned int kt_split(char *line, char **tok, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL;
	char *t;

	for (t = strtok_r(line, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

static unsigned int kt_count_lines(const char *s)
{
	unsigned int n = 1;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n < KT_MAX_LINES ? n : KT_MAX_LINES;
}

static double kt_ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* Counters only grow; a smaller value means "reset" happened in between. */
static double kt_rate(__u64 cur, __u64 prev, double interval)
{
	__u64 delta = cur >= prev ? cur - prev : cur;

	return interval > 0 ? (double)delta / interval : 0;
}

static const char *kt_kv_get(const struct kt_kv *kv, unsigned int n,
			     const char *key)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

/*
 * Read a whole file into c->buf, NUL-terminated.  Returns 0 or -errno.  A
 * file larger than KT_MAX_FILE is cut after its last complete line.
 */
static int kt_read_file(struct kt_ctx *c, const char *path)
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
		if (len + 1 >= c->buf_size) {
			size_t size = c->buf_size ? c->buf_size * 2 : 4096;

			if (size > KT_MAX_FILE) {
				full = true;
				break;
			}
			p = realloc(c->buf, size);
			if (!p) {
				err = -ENOMEM;
				goto out_close;
			}
			c->buf = p;
			c->buf_size = size;
		}
		n = read(fd, c->buf + len, c->buf_size - len - 1);
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
	c->buf[len] = '\0';
	if (full) {
		p = strrchr(c->buf, '\n');
		if (p)
			p[1] = '\0';
	}
out_close:
	close(fd);
	return err;
}

/* ---- parsing ------------------------------------------------------------ */

/* "key value" lines; lines of any other shape are skipped. */
static int kt_parse_kv(struct kt_ctx *c, struct kt_kv **out, unsigned int *nr)
{
	unsigned int n = 0, max = kt_count_lines(c->buf);
	char *line, *save = NULL, *tok[3];
	struct kt_kv *kv;

	if (max > KT_MAX_KV)
		max = KT_MAX_KV;
	kv = calloc(max, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	for (line = strtok_r(c->buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kt_split(line, tok, 3) != 2)
			continue;
		kt_copy(kv[n].key, sizeof(kv[n].key), tok[0]);
		kt_copy(kv[n].val, sizeof(kv[n].val), tok[1]);
		n++;
	}
	*out = kv;
	*nr = n;
	return 0;
}

static int kt_cmp_exit(const void *a, const void *b)
{
	const struct kt_exit *x = a, *y = b;

	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* <NAME> <0xCODE> <count> */
static int kt_parse_exits(struct kt_ctx *c, struct kt_scope *s)
{
	char *line, *save = NULL, *tok[3];
	unsigned int max = kt_count_lines(c->buf);
	struct kt_exit *e;

	s->exits = calloc(max, sizeof(*s->exits));
	if (!s->exits)
		return -ENOMEM;
	for (line = strtok_r(c->buf, "\n", &save); line && s->nr_exits < max;
	     line = strtok_r(NULL, "\n", &save)) {
		e = &s->exits[s->nr_exits];
		if (kt_split(line, tok, 3) != 3 ||
		    !kt_parse_hex(tok[1], &e->code) ||
		    !kt_parse_dec(tok[2], &e->count))
			continue;
		kt_copy(e->name, sizeof(e->name), tok[0]);
		s->exits_total += e->count;
		s->nr_exits++;
	}
	qsort(s->exits, s->nr_exits, sizeof(*s->exits), kt_cmp_exit);
	return 0;
}

static int kt_cmp_msr(const void *a, const void *b)
{
	const struct kt_msr *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/* <0xINDEX> <NAME|-> <writes> <reads> */
static int kt_parse_msrs(struct kt_ctx *c, struct kt_scope *s)
{
	char *line, *save = NULL, *tok[4];
	unsigned int max = kt_count_lines(c->buf);
	struct kt_msr *m;

	s->msrs = calloc(max, sizeof(*s->msrs));
	if (!s->msrs)
		return -ENOMEM;
	for (line = strtok_r(c->buf, "\n", &save); line && s->nr_msrs < max;
	     line = strtok_r(NULL, "\n", &save)) {
		m = &s->msrs[s->nr_msrs];
		if (kt_split(line, tok, 4) != 4 ||
		    !kt_parse_hex(tok[0], &m->index) ||
		    !kt_parse_dec(tok[2], &m->writes) ||
		    !kt_parse_dec(tok[3], &m->reads))
			continue;
		if (strcmp(tok[1], "-"))
			kt_copy(m->name, sizeof(m->name), tok[1]);
		s->nr_msrs++;
	}
	qsort(s->msrs, s->nr_msrs, sizeof(*s->msrs), kt_cmp_msr);
	return 0;
}

/* "key value" lines we know, histogram lines ignored. */
static void kt_parse_hlt(struct kt_ctx *c, struct kt_scope *s)
{
	char *line, *save = NULL, *tok[3];
	unsigned int i;
	__u64 v;

	for (line = strtok_r(c->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kt_split(line, tok, 3) != 2 || !kt_parse_dec(tok[1], &v))
			continue;
		for (i = 0; i < KT_HLT_NR; i++)
			if (!strcmp(tok[0], kt_hlt_keys[i]))
				s->hlt[i] = v;
	}
}

static void kt_parse_wakeups(struct kt_ctx *c, struct kt_scope *s)
{
	char *line, *save = NULL, *tok[3];
	__u64 v;

	for (line = strtok_r(c->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (kt_split(line, tok, 3) != 2 || !kt_parse_dec(tok[1], &v))
			continue;
		if (!strcmp(tok[0], "piw"))
			s->piw = v;
		else if (!strcmp(tok[0], "other"))
			s->other = v;
	}
}

static void kt_scope_free(struct kt_scope *s)
{
	free(s->exits);
	free(s->msrs);
	free(s->stats);
	free(s->npf);
	memset(s, 0, sizeof(*s));
}

/* Read the six files of a VM or vCPU directory.  Returns 0 or -errno. */
static int kt_read_scope(struct kt_ctx *c, const char *dir, struct kt_scope *s)
{
	char path[KT_PATH_LEN];
	int err;

	err = kt_join(path, sizeof(path), dir, "exits");
	if (!err)
		err = kt_read_file(c, path);
	if (err)
		goto out_free;
	err = kt_parse_exits(c, s);
	if (err)
		goto out_free;

	err = kt_join(path, sizeof(path), dir, "msrs");
	if (!err)
		err = kt_read_file(c, path);
	if (err)
		goto out_free;
	err = kt_parse_msrs(c, s);
	if (err)
		goto out_free;

	err = kt_join(path, sizeof(path), dir, "hlt");
	if (!err)
		err = kt_read_file(c, path);
	if (err)
		goto out_free;
	kt_parse_hlt(c, s);

	err = kt_join(path, sizeof(path), dir, "wakeups");
	if (!err)
		err = kt_read_file(c, path);
	if (err)
		goto out_free;
	kt_parse_wakeups(c, s);

	err = kt_join(path, sizeof(path), dir, "stats");
	if (!err)
		err = kt_read_file(c, path);
	if (err)
		goto out_free;
	err = kt_parse_kv(c, &s->stats, &s->nr_stats);
	if (err)
		goto out_free;

	/* Optional, newer modules only. */
	err = kt_join(path, sizeof(path), dir, "npf");
	if (!err)
		err = kt_read_file(c, path);
	if (err == -ENOENT)
		return 0;
	if (err)
		goto out_free;
	err = kt_parse_kv(c, &s->npf, &s->nr_npf);
	if (err)
		goto out_free;
	return 0;

out_free:
	kt_scope_free(s);
	return err;
}

static void kt_vm_free(struct kt_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		kt_scope_free(&vm->vcpus[i].s);
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	vm->vcpus_cap = 0;
	kt_scope_free(&vm->s);
}

static void kt_sample_free(struct kt_sample *smp)
{
	unsigned int i;

	if (!smp)
		return;
	for (i = 0; i < smp->nr_vms; i++)
		kt_vm_free(&smp->vms[i]);
	free(smp->vms);
	free(smp->summary);
	free(smp);
}

static int kt_cmp_vcpu(const void *a, const void *b)
{
	const struct kt_vcpu *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* "vcpu<id>" with a decimal id; anything else is not a vCPU directory. */
static bool kt_vcpu_id(const char *name, unsigned int *id)
{
	__u64 v;

	if (strncmp(name, "vcpu", 4) || !kt_parse_dec(name + 4, &v) ||
	    v > UINT_MAX)
		return false;
	*id = v;
	return true;
}

/*
 * Read one VM and its vCPUs.  Returns 0, or -errno: the caller drops the VM
 * for this round unless the error is fatal (ENOMEM, EACCES).
 */
static int kt_read_vm(struct kt_ctx *c, const char *vmdir, struct kt_vm *vm)
{
	char path[KT_PATH_LEN];
	struct kt_vcpu *v;
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
		if (!kt_vcpu_id(de->d_name, &id))
			continue;
		err = kt_grow((void **)&vm->vcpus, &vm->vcpus_cap,
			      vm->nr_vcpus, sizeof(*vm->vcpus), KT_MAX_VCPUS);
		if (err == -ENOSPC)
			continue;
		if (err)
			goto out_free;
		v = &vm->vcpus[vm->nr_vcpus];
		v->id = id;
		err = kt_join(path, sizeof(path), vmdir, de->d_name);
		if (!err)
			err = kt_read_scope(c, path, &v->s);
		if (err)
			goto out_free;
		vm->nr_vcpus++;
	}
	closedir(d);
	d = NULL;
	if (vm->nr_vcpus)
		qsort(vm->vcpus, vm->nr_vcpus, sizeof(*vm->vcpus), kt_cmp_vcpu);
	/* The VM files last: they sum at least what the vCPU files showed. */
	err = kt_read_scope(c, vmdir, &vm->s);
	if (err)
		goto out_free;
	return 0;

out_free:
	kt_vm_free(vm);
	if (d)
		closedir(d);
	return err;
}

static int kt_cmp_vm(const void *a, const void *b)
{
	const struct kt_vm *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int kt_errno_exit(int err, const char *root, const char *what)
{
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr,
			"kvmtop: %s/%s: permission denied; the kvmtrace files are readable by root only, run kvmtop as root\n",
			root, what);
		return KT_EXIT_NOT_ROOT;
	}
	if (err == -ENOENT) {
		fprintf(stderr,
			"kvmtop: %s/%s: not found; the kvmtrace module is not loaded (insmod kvmtrace.ko)\n",
			root, what);
		return KT_EXIT_NOT_LOADED;
	}
	fprintf(stderr, "kvmtop: %s/%s: %s\n", root, what, strerror(-err));
	return KT_EXIT_ERROR;
}

/*
 * Take one sample.  Returns 0 with *out set, or a KT_EXIT_* code after
 * printing why.
 */
static int kt_sample(struct kt_ctx *c, struct kt_sample **out)
{
	char vmsdir[KT_PATH_LEN], path[KT_PATH_LEN];
	struct kt_sample *smp;
	struct kt_vm *vm;
	struct dirent *de;
	DIR *d = NULL;
	int err, ret;

	smp = calloc(1, sizeof(*smp));
	if (!smp)
		goto out_nomem;
	clock_gettime(CLOCK_MONOTONIC, &smp->mono);
	clock_gettime(CLOCK_REALTIME, &smp->real);

	err = kt_join(path, sizeof(path), c->o.root, "summary");
	if (!err)
		err = kt_read_file(c, path);
	if (err) {
		ret = kt_errno_exit(err, c->o.root, "summary");
		goto out_free;
	}
	err = kt_parse_kv(c, &smp->summary, &smp->nr_summary);
	if (err)
		goto out_nomem;

	kt_join(vmsdir, sizeof(vmsdir), c->o.root, "vms");
	d = opendir(vmsdir);
	if (!d) {
		err = -errno;
		if (err == -ENOENT && !access(path, F_OK))
			goto out_done;	/* no vms/ directory: no VMs */
		ret = kt_errno_exit(err, c->o.root, "vms");
		goto out_free;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			if (err) {
				ret = kt_errno_exit(err, c->o.root, "vms");
				goto out_free;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		err = kt_grow((void **)&smp->vms, &smp->vms_cap, smp->nr_vms,
			      sizeof(*smp->vms), KT_MAX_VMS);
		if (err == -ENOSPC)
			continue;
		if (err)
			goto out_nomem;
		vm = &smp->vms[smp->nr_vms];
		kt_copy(vm->name, sizeof(vm->name), de->d_name);
		vm->pid = strtol(vm->name, NULL, 10);
		if (c->o.pid >= 0 && vm->pid != c->o.pid)
			continue;
		err = kt_join(path, sizeof(path), vmsdir, de->d_name);
		if (!err)
			err = kt_read_vm(c, path, vm);
		if (err == -ENOMEM)
			goto out_nomem;
		if (err == -EACCES || err == -EPERM) {
			ret = kt_errno_exit(err, c->o.root, "vms");
			goto out_free;
		}
		if (err)
			continue;	/* went away while we read it */
		smp->nr_vms++;
	}
out_done:
	if (smp->nr_vms)
		qsort(smp->vms, smp->nr_vms, sizeof(*smp->vms), kt_cmp_vm);
	if (d)
		closedir(d);
	*out = smp;
	return 0;

out_nomem:
	fprintf(stderr, "kvmtop: out of memory\n");
	ret = KT_EXIT_ERROR;
out_free:
	if (d)
		closedir(d);
	kt_sample_free(smp);
	return ret;
}

/* ---- rates -------------------------------------------------------------- */

/* Rates of the decimal values of a key/value file, matched by key. */
static void kt_kv_rates(struct kt_kv *kv, unsigned int n,
			const struct kt_kv *pkv, unsigned int pn, double dt)
{
	const char *pval;
	unsigned int i;
	__u64 v, pv;

	for (i = 0; i < n; i++) {
		kv[i].rate = 0;
		if (!kt_parse_dec(kv[i].val, &v))
			continue;
		pval = kt_kv_get(pkv, pn, kv[i].key);
		if (!pval || !kt_parse_dec(pval, &pv))
			pv = 0;
		kv[i].rate = kt_rate(v, pv, dt);
	}
}

static void kt_scope_rates(struct kt_scope *s, const struct kt_scope *p,
			   double dt)
{
	static const struct kt_scope empty;
	unsigned int i, j;

	if (!p)
		p = &empty;
	/* Both tables are sorted: walk them together. */
	for (i = 0, j = 0; i < s->nr_exits; i++) {
		while (j < p->nr_exits && p->exits[j].code < s->exits[i].code)
			j++;
		if (j < p->nr_exits && p->exits[j].code == s->exits[i].code)
			s->exits[i].rate = kt_rate(s->exits[i].count,
						   p->exits[j].count, dt);
		else
			s->exits[i].rate = kt_rate(s->exits[i].count, 0, dt);
	}
	for (i = 0, j = 0; i < s->nr_msrs; i++) {
		struct kt_msr *m = &s->msrs[i];
		__u64 pw = 0, pr = 0;

		while (j < p->nr_msrs && p->msrs[j].index < m->index)
			j++;
		if (j < p->nr_msrs && p->msrs[j].index == m->index) {
			pw = p->msrs[j].writes;
			pr = p->msrs[j].reads;
		}
		m->wrate = kt_rate(m->writes, pw, dt);
		m->rrate = kt_rate(m->reads, pr, dt);
	}
	for (i = 0; i < KT_HLT_NR; i++)
		s->hlt_rate[i] = kt_rate(s->hlt[i], p->hlt[i], dt);
	s->piw_rate = kt_rate(s->piw, p->piw, dt);
	s->other_rate = kt_rate(s->other, p->other, dt);
	s->exits_rate = kt_rate(s->exits_total, p->exits_total, dt);
	kt_kv_rates(s->npf, s->nr_npf, p->npf, p->nr_npf, dt);
}

/* A VM or vCPU new since the previous sample counts from zero. */
static void kt_rates(struct kt_sample *cur, const struct kt_sample *prev)
{
	const struct kt_vcpu *pv;
	const struct kt_vm *pvm;
	struct kt_vm *vm;
	unsigned int i, j;

	cur->interval = kt_ts_diff(&cur->mono, &prev->mono);
	if (cur->interval <= 0)
		return;
	cur->has_rates = true;
	for (i = 0; i < cur->nr_vms; i++) {
		vm = &cur->vms[i];
		pvm = NULL;
		if (prev->nr_vms)
			pvm = bsearch(vm, prev->vms, prev->nr_vms, sizeof(*vm),
				      kt_cmp_vm);
		kt_scope_rates(&vm->s, pvm ? &pvm->s : NULL, cur->interval);
		for (j = 0; j < vm->nr_vcpus; j++) {
			pv = NULL;
			if (pvm && pvm->nr_vcpus)
				pv = bsearch(&vm->vcpus[j], pvm->vcpus,
					     pvm->nr_vcpus, sizeof(*pv),
					     kt_cmp_vcpu);
			kt_scope_rates(&vm->vcpus[j].s, pv ? &pv->s : NULL,
				       cur->interval);
		}
	}
}

/* ---- JSON --------------------------------------------------------------- */

/* Non-ASCII and control bytes are escaped, so the output is always valid. */
static void kt_json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void kt_json_rate(bool has, double v)
{
	if (has)
		printf("%.3f", v);
	else
		fputs("null", stdout);
}

/* Decimal values as numbers, anything else as strings. */
static void kt_json_kv(const struct kt_kv *kv, unsigned int n)
{
	unsigned int i;
	__u64 v;

	putchar('{');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		kt_json_str(kv[i].key);
		putchar(':');
		if (kt_parse_dec(kv[i].val, &v))
			printf("%llu", (unsigned long long)v);
		else
			kt_json_str(kv[i].val);
	}
	putchar('}');
}

/* npf: its keys as numbers, plus "rate": {key: rate} of the numeric ones. */
static void kt_json_npf(const struct kt_scope *s, bool r)
{
	unsigned int i, n = 0;
	__u64 v;

	fputs(",\"npf\":{", stdout);
	for (i = 0; i < s->nr_npf; i++) {
		if (!strcmp(s->npf[i].key, "rate"))
			continue;
		kt_json_str(s->npf[i].key);
		putchar(':');
		if (kt_parse_dec(s->npf[i].val, &v))
			printf("%llu", (unsigned long long)v);
		else
			kt_json_str(s->npf[i].val);
		putchar(',');
	}
	fputs("\"rate\":", stdout);
	if (!r) {
		fputs("null}", stdout);
		return;
	}
	putchar('{');
	for (i = 0; i < s->nr_npf; i++) {
		if (!kt_parse_dec(s->npf[i].val, &v))
			continue;
		printf("%s", n++ ? "," : "");
		kt_json_str(s->npf[i].key);
		printf(":%.3f", s->npf[i].rate);
	}
	fputs("}}", stdout);
}

static void kt_json_scope(const struct kt_scope *s, bool r)
{
	const struct kt_exit *e;
	const struct kt_msr *m;
	__u64 wakes = s->piw + s->other;
	double rwakes = s->piw_rate + s->other_rate;
	unsigned int i;

	printf("\"exits_total\":%llu,\"exits_rate\":",
	       (unsigned long long)s->exits_total);
	kt_json_rate(r, s->exits_rate);
	fputs(",\"exits\":[", stdout);
	for (i = 0; i < s->nr_exits; i++) {
		e = &s->exits[i];
		printf("%s{\"name\":", i ? "," : "");
		kt_json_str(e->name);
		printf(",\"code\":%u,\"count\":%llu,\"rate\":", e->code,
		       (unsigned long long)e->count);
		kt_json_rate(r, e->rate);
		putchar('}');
	}
	fputs("],\"msrs\":[", stdout);
	for (i = 0; i < s->nr_msrs; i++) {
		m = &s->msrs[i];
		printf("%s{\"index\":%u,\"name\":", i ? "," : "", m->index);
		if (m->name[0])
			kt_json_str(m->name);
		else
			fputs("null", stdout);
		printf(",\"writes\":%llu,\"reads\":%llu,\"write_rate\":",
		       (unsigned long long)m->writes,
		       (unsigned long long)m->reads);
		kt_json_rate(r, m->wrate);
		fputs(",\"read_rate\":", stdout);
		kt_json_rate(r, m->rrate);
		putchar('}');
	}
	fputs("],\"hlt\":{", stdout);
	for (i = 0; i < KT_HLT_NR; i++)
		printf("%s\"%s\":%llu", i ? "," : "", kt_hlt_keys[i],
		       (unsigned long long)s->hlt[i]);
	fputs(",\"rate\":", stdout);
	if (r) {
		putchar('{');
		for (i = 0; i < KT_HLT_NR; i++) {
			if (i == KT_HLT_POLL_NS)
				continue;
			printf("%s\"%s\":%.3f", i ? "," : "", kt_hlt_keys[i],
			       s->hlt_rate[i]);
		}
		putchar('}');
	} else {
		fputs("null", stdout);
	}
	printf("},\"wakeups\":{\"piw\":%llu,\"other\":%llu,\"piw_share\":",
	       (unsigned long long)s->piw, (unsigned long long)s->other);
	kt_json_rate(wakes, wakes ? (double)s->piw / wakes : 0);
	fputs(",\"rate\":", stdout);
	if (r) {
		printf("{\"piw\":%.3f,\"other\":%.3f,\"piw_share\":",
		       s->piw_rate, s->other_rate);
		kt_json_rate(rwakes > 0, rwakes > 0 ? s->piw_rate / rwakes : 0);
		putchar('}');
	} else {
		fputs("null", stdout);
	}
	fputs("},\"stats\":", stdout);
	kt_json_kv(s->stats, s->nr_stats);
	if (s->npf)
		kt_json_npf(s, r);
}

static void kt_json(const struct kt_sample *smp)
{
	const struct kt_vm *vm;
	bool r = smp->has_rates;
	unsigned int i, j;

	printf("{\"version\":1,\"time\":%lld.%06ld,\"interval\":",
	       (long long)smp->real.tv_sec, smp->real.tv_nsec / 1000);
	if (r)
		printf("%.6f", smp->interval);
	else
		fputs("null", stdout);
	fputs(",\"summary\":", stdout);
	kt_json_kv(smp->summary, smp->nr_summary);
	fputs(",\"vms\":[", stdout);
	for (i = 0; i < smp->nr_vms; i++) {
		vm = &smp->vms[i];
		printf("%s{\"name\":", i ? "," : "");
		kt_json_str(vm->name);
		printf(",\"pid\":%ld,", vm->pid);
		kt_json_scope(&vm->s, r);
		fputs(",\"vcpus\":[", stdout);
		for (j = 0; j < vm->nr_vcpus; j++) {
			printf("%s{\"id\":%u,", j ? "," : "", vm->vcpus[j].id);
			kt_json_scope(&vm->vcpus[j].s, r);
			putchar('}');
		}
		fputs("]}", stdout);
	}
	fputs("]}\n", stdout);
}

/* ---- text screen -------------------------------------------------------- */

static int kt_cmp_exit_val(const void *a, const void *b)
{
	const struct kt_exit *x = *(const struct kt_exit * const *)a;
	const struct kt_exit *y = *(const struct kt_exit * const *)b;

	if (x->val != y->val)
		return x->val > y->val ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

static int kt_cmp_msr_val(const void *a, const void *b)
{
	const struct kt_msr *x = *(const struct kt_msr * const *)a;
	const struct kt_msr *y = *(const struct kt_msr * const *)b;

	if (x->val != y->val)
		return x->val > y->val ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int kt_cmp_vcpu_val(const void *a, const void *b)
{
	const struct kt_vcpu *x = *(const struct kt_vcpu * const *)a;
	const struct kt_vcpu *y = *(const struct kt_vcpu * const *)b;

	if (x->s.val != y->s.val)
		return x->s.val > y->s.val ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int kt_cmp_vm_val(const void *a, const void *b)
{
	const struct kt_vm *x = *(const struct kt_vm * const *)a;
	const struct kt_vm *y = *(const struct kt_vm * const *)b;

	if (x->s.val != y->s.val)
		return x->s.val > y->s.val ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Choose what is shown: rates, or totals (--totals, or no rates yet). */
static void kt_scope_vals(struct kt_scope *s, bool rates)
{
	unsigned int i;

	s->val = rates ? s->exits_rate : (double)s->exits_total;
	for (i = 0; i < s->nr_exits; i++)
		s->exits[i].val = rates ? s->exits[i].rate :
					  (double)s->exits[i].count;
	for (i = 0; i < s->nr_msrs; i++)
		s->msrs[i].val = rates ?
				 s->msrs[i].wrate + s->msrs[i].rrate :
				 (double)(s->msrs[i].writes + s->msrs[i].reads);
}

static void kt_pct(char *buf, size_t size, double num, double den)
{
	if (den > 0)
		snprintf(buf, size, "%.1f%%", 100.0 * num / den);
	else
		snprintf(buf, size, "-");
}

static const char *kt_top_exit(const struct kt_scope *s)
{
	const struct kt_exit *best = NULL;
	unsigned int i;

	for (i = 0; i < s->nr_exits; i++)
		if (s->exits[i].val > 0 && (!best || s->exits[i].val > best->val))
			best = &s->exits[i];
	return best ? best->name : "-";
}

static void kt_top_msr(char *buf, size_t size, const struct kt_scope *s)
{
	const struct kt_msr *best = NULL;
	unsigned int i;

	for (i = 0; i < s->nr_msrs; i++)
		if (s->msrs[i].val > 0 && (!best || s->msrs[i].val > best->val))
			best = &s->msrs[i];
	if (!best)
		snprintf(buf, size, "-");
	else if (best->name[0])
		snprintf(buf, size, "%s", best->name);
	else
		snprintf(buf, size, "0x%x", best->index);
}

/* Top reasons and top MSRs side by side. */
static int kt_show_tables(const struct kt_ctx *c, const struct kt_scope *s,
			  bool rates)
{
	const struct kt_exit **ex;
	const struct kt_msr **ms;
	unsigned int i, ne = 0, nm = 0;
	char name[KT_NAME_LEN + 16], code[16];

	ex = calloc(s->nr_exits + 1, sizeof(*ex));
	ms = calloc(s->nr_msrs + 1, sizeof(*ms));
	if (!ex || !ms)
		goto out_nomem;
	for (i = 0; i < s->nr_exits; i++)
		if (s->exits[i].val > 0)
			ex[ne++] = &s->exits[i];
	for (i = 0; i < s->nr_msrs; i++)
		if (s->msrs[i].val > 0)
			ms[nm++] = &s->msrs[i];
	qsort(ex, ne, sizeof(*ex), kt_cmp_exit_val);
	qsort(ms, nm, sizeof(*ms), kt_cmp_msr_val);
	ne = ne < c->o.top ? ne : c->o.top;
	nm = nm < c->o.top ? nm : c->o.top;

	if (!ne && !nm) {
		printf("  no exits%s\n", rates ? " in this interval" : "");
		goto out_free;
	}
	printf("  %-24s %10s %12s   %-34s %12s %12s\n", "REASON", "CODE",
	       rates ? "EXITS/S" : "EXITS", "MSR",
	       rates ? "WRITES/S" : "WRITES", rates ? "READS/S" : "READS");
	for (i = 0; i < ne || i < nm; i++) {
		if (i < ne) {
			snprintf(code, sizeof(code), "0x%x", ex[i]->code);
			printf("  %-24.24s %10s %12.0f", ex[i]->name, code,
			       ex[i]->val);
		} else if (i < nm) {
			printf("  %-24s %10s %12s", "", "", "");
		}
		if (i < nm) {
			snprintf(name, sizeof(name), "0x%-8x %s", ms[i]->index,
				 ms[i]->name[0] ? ms[i]->name : "-");
			printf("   %-34.34s %12.0f %12.0f", name,
			       rates ? ms[i]->wrate : (double)ms[i]->writes,
			       rates ? ms[i]->rrate : (double)ms[i]->reads);
		}
		putchar('\n');
	}
out_free:
	free(ex);
	free(ms);
	return 0;

out_nomem:
	free(ex);
	free(ms);
	return -ENOMEM;
}

/* HLT and wakeup lines; nr_vcpus scales "halted" to a share of the time. */
static void kt_show_hlt(const struct kt_scope *s, unsigned int nr_vcpus,
			bool rates, double dt)
{
	char ok[16], halted[32], share[16];
	double v[KT_HLT_NR], piw, other;
	const char *u = rates ? "/s" : "";
	unsigned int i;

	for (i = 0; i < KT_HLT_NR; i++)
		v[i] = rates ? s->hlt_rate[i] : (double)s->hlt[i];
	piw = rates ? s->piw_rate : (double)s->piw;
	other = rates ? s->other_rate : (double)s->other;
	kt_pct(ok, sizeof(ok), v[KT_HLT_POLL_SUCCESS],
	       v[KT_HLT_POLL_SUCCESS] + v[KT_HLT_POLL_FAIL]);
	if (rates)
		kt_pct(halted, sizeof(halted), v[KT_HLT_HALTED_NS] / 1e9,
		       dt > 0 ? nr_vcpus : 0);
	else
		snprintf(halted, sizeof(halted), "%.3f s",
			 v[KT_HLT_HALTED_NS] / 1e9);
	kt_pct(share, sizeof(share), piw, piw + other);
	printf("  hlt: exits %.0f%s  halts %.0f%s", v[KT_HLT_EXITS], u,
	       v[KT_HLT_HALTS], u);
	printf("  poll success %.0f%s fail %.0f%s (%s)  halted %s\n",
	       v[KT_HLT_POLL_SUCCESS], u, v[KT_HLT_POLL_FAIL], u, ok, halted);
	printf("  wakeups: piw %.0f%s  other %.0f%s  piw share %s\n",
	       piw, u, other, u, share);
	if (!s->npf)
		return;
	printf("  npf:");
	for (i = 0; i < s->nr_npf; i++) {
		if (rates)
			printf(" %s %.0f/s", s->npf[i].key, s->npf[i].rate);
		else
			printf(" %s %s", s->npf[i].key, s->npf[i].val);
	}
	putchar('\n');
}

static int kt_show_vcpus(const struct kt_ctx *c, struct kt_vm *vm, bool rates)
{
	char ok[16], halted[32], share[16], msr[KT_NAME_LEN];
	const struct kt_vcpu **vs;
	const struct kt_scope *s;
	unsigned int i, n;
	double ps, pf, piw, other;

	if (!vm->nr_vcpus)
		return 0;
	vs = calloc(vm->nr_vcpus, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++)
		vs[i] = &vm->vcpus[i];
	qsort(vs, vm->nr_vcpus, sizeof(*vs), kt_cmp_vcpu_val);
	n = vm->nr_vcpus < c->o.top ? vm->nr_vcpus : c->o.top;

	printf("  %-6s %12s %10s %8s %9s %10s %10s %6s  %-20s %s\n", "VCPU",
	       rates ? "EXITS/S" : "EXITS", rates ? "HALTS/S" : "HALTS",
	       "POLL_OK", rates ? "HALTED" : "HALTED_S",
	       rates ? "PIW/S" : "PIW", rates ? "OTHER/S" : "OTHER", "PIW%",
	       "TOP_REASON", "TOP_MSR");
	for (i = 0; i < n; i++) {
		s = &vs[i]->s;
		ps = rates ? s->hlt_rate[KT_HLT_POLL_SUCCESS] :
			     (double)s->hlt[KT_HLT_POLL_SUCCESS];
		pf = rates ? s->hlt_rate[KT_HLT_POLL_FAIL] :
			     (double)s->hlt[KT_HLT_POLL_FAIL];
		piw = rates ? s->piw_rate : (double)s->piw;
		other = rates ? s->other_rate : (double)s->other;
		kt_pct(ok, sizeof(ok), ps, ps + pf);
		kt_pct(share, sizeof(share), piw, piw + other);
		if (rates)
			kt_pct(halted, sizeof(halted),
			       s->hlt_rate[KT_HLT_HALTED_NS] / 1e9, 1);
		else
			snprintf(halted, sizeof(halted), "%.3f",
				 s->hlt[KT_HLT_HALTED_NS] / 1e9);
		kt_top_msr(msr, sizeof(msr), s);
		printf("  %-6u %12.0f %10.0f %8s %9s %10.0f %10.0f %6s  %-20.20s %s\n",
		       vs[i]->id, s->val,
		       rates ? s->hlt_rate[KT_HLT_HALTS] :
			       (double)s->hlt[KT_HLT_HALTS],
		       ok, halted, piw, other, share, kt_top_exit(s), msr);
	}
	if (n < vm->nr_vcpus)
		printf("  ... %u more vCPUs\n", vm->nr_vcpus - n);
	free(vs);
	return 0;
}

static const char * const kt_summary_keys[] = {
	"enabled", "pid", "vms", "max_vms", "vcpus", "max_vcpus",
	"dropped_vm_full", "dropped_vcpu_full", "untracked", "noreason",
	"dir_failures",
};

static int kt_screen(const struct kt_ctx *c, struct kt_sample *smp)
{
	bool rates = smp->has_rates && !c->o.totals;
	const char *u = rates ? "/s" : "";
	struct kt_vm **vms = NULL;
	unsigned int i, j, nr_vcpus = 0;
	char when[32];
	const char *v;
	struct tm tm;
	double sum = 0;
	int err = 0;

	vms = calloc(smp->nr_vms + 1, sizeof(*vms));
	if (!vms)
		return -ENOMEM;
	for (i = 0; i < smp->nr_vms; i++) {
		vms[i] = &smp->vms[i];
		kt_scope_vals(&vms[i]->s, rates);
		for (j = 0; j < vms[i]->nr_vcpus; j++)
			kt_scope_vals(&vms[i]->vcpus[j].s, rates);
		sum += vms[i]->s.val;
		nr_vcpus += vms[i]->nr_vcpus;
	}
	qsort(vms, smp->nr_vms, sizeof(*vms), kt_cmp_vm_val);

	if (c->stdout_tty && !c->o.once)
		fputs("\033[H\033[2J", stdout);
	localtime_r(&smp->real.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("kvmtop %s  ", when);
	if (rates)
		printf("interval %.2f s", smp->interval);
	else
		printf("totals");
	printf("  VMs %u  vCPUs %u  exits %.0f%s\n", smp->nr_vms, nr_vcpus,
	       sum, u);
	printf("kvmtrace:");
	for (i = 0; i < KT_ARRAY_SIZE(kt_summary_keys); i++) {
		v = kt_kv_get(smp->summary, smp->nr_summary,
			      kt_summary_keys[i]);
		if (v)
			printf(" %s %s", kt_summary_keys[i], v);
	}
	putchar('\n');

	for (i = 0; i < smp->nr_vms; i++) {
		struct kt_vm *vm = vms[i];

		printf("\nVM %s  pid %ld  vcpus %u  exits %.0f%s\n", vm->name,
		       vm->pid, vm->nr_vcpus, vm->s.val, u);
		err = kt_show_tables(c, &vm->s, rates);
		if (err)
			goto out_free;
		kt_show_hlt(&vm->s, vm->nr_vcpus, rates, smp->interval);
		err = kt_show_vcpus(c, vm, rates);
		if (err)
			goto out_free;
	}
	if (!smp->nr_vms)
		printf("\nno VMs%s\n", c->o.pid >= 0 ? " for this pid" : "");
	if (!c->stdout_tty && !c->o.once)
		putchar('\n');
out_free:
	free(vms);
	return err;
}

/* ---- main loop ---------------------------------------------------------- */

/*
 * Wait until @deadline (CLOCK_MONOTONIC).  Returns true when the user asked
 * to quit: SIGINT, SIGTERM, SIGHUP, or "q" on a terminal's stdin.
 */
static bool kt_wait(struct kt_ctx *c, const struct timespec *deadline)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct timespec now;
	char in[64];
	double left;
	ssize_t n;
	int nfds, i;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = kt_ts_diff(deadline, &now);
		if (left <= 0)
			return false;
		pfd[0].fd = c->sigfd;
		pfd[0].events = POLLIN;
		nfds = 1;
		if (c->stdin_tty) {
			pfd[1].fd = STDIN_FILENO;
			pfd[1].events = POLLIN;
			nfds = 2;
		}
		if (poll(pfd, nfds, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			return true;
		}
		if (pfd[0].revents) {
			n = read(c->sigfd, &si, sizeof(si));
			if (n == sizeof(si))
				return true;
		}
		if (nfds == 2 && pfd[1].revents) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n <= 0) {
				c->stdin_tty = false;	/* EOF: stop watching */
				continue;
			}
			for (i = 0; i < n; i++)
				if (in[i] == 'q' || in[i] == 'Q')
					return true;
		}
	}
}

static int kt_output(struct kt_ctx *c, struct kt_sample *smp)
{
	if (c->o.json)
		kt_json(smp);
	else if (kt_screen(c, smp))
		return -ENOMEM;
	if (fflush(stdout) == EOF || ferror(stdout))
		return -EIO;
	return 0;
}

static int kt_run(struct kt_ctx *c)
{
	struct kt_sample *prev = NULL, *cur = NULL;
	struct timespec deadline;
	long done = 0;
	long ns;
	int ret;

	/* Rates need a first sample one interval earlier. */
	if (!c->o.totals) {
		ret = kt_sample(c, &prev);
		if (ret)
			return ret;
	}
	for (;;) {
		if (prev) {
			deadline = prev->mono;
			deadline.tv_sec += (time_t)c->o.delay;
			ns = (long)((c->o.delay - (time_t)c->o.delay) * 1e9);
			deadline.tv_nsec += ns;
			if (deadline.tv_nsec >= 1000000000L) {
				deadline.tv_sec++;
				deadline.tv_nsec -= 1000000000L;
			}
			if (kt_wait(c, &deadline)) {
				ret = KT_EXIT_OK;
				goto out_free;
			}
		}
		ret = kt_sample(c, &cur);
		if (ret)
			goto out_free;
		if (prev)
			kt_rates(cur, prev);
		if (kt_output(c, cur)) {
			fprintf(stderr, "kvmtop: cannot write output\n");
			ret = KT_EXIT_ERROR;
			goto out_free;
		}
		kt_sample_free(prev);
		prev = cur;
		cur = NULL;
		if (c->o.count && ++done >= c->o.count) {
			ret = KT_EXIT_OK;
			goto out_free;
		}
	}

out_free:
	kt_sample_free(cur);
	kt_sample_free(prev);
	return ret;
}

/* ---- startup ------------------------------------------------------------ */

/*
 * Tell apart the usual reasons the files cannot be read, in the order a
 * user fixes them.  The mount check is only done for the default root.
 */
static int kt_check_env(const struct kt_ctx *c)
{
	bool def = !strcmp(c->o.root, KT_DEFAULT_ROOT);
	struct statfs sfs;
	struct stat st;

	if (def && geteuid()) {
		fprintf(stderr,
			"kvmtop: must be run as root: %s is readable by root only\n",
			KT_DEBUGFS);
		return KT_EXIT_NOT_ROOT;
	}
	if (def && (statfs(KT_DEBUGFS, &sfs) ||
		    sfs.f_type != KT_DEBUGFS_MAGIC)) {
		fprintf(stderr,
			"kvmtop: debugfs is not mounted on %s (mount -t debugfs none %s)\n",
			KT_DEBUGFS, KT_DEBUGFS);
		return KT_EXIT_NO_DEBUGFS;
	}
	if (stat(c->o.root, &st)) {
		if (errno == EACCES || errno == EPERM) {
			fprintf(stderr,
				"kvmtop: %s: permission denied; run kvmtop as root\n",
				c->o.root);
			return KT_EXIT_NOT_ROOT;
		}
		if (errno == ENOENT) {
			fprintf(stderr,
				"kvmtop: %s does not exist: the kvmtrace module is not loaded (insmod kvmtrace.ko)\n",
				c->o.root);
			return KT_EXIT_NOT_LOADED;
		}
		fprintf(stderr, "kvmtop: %s: %s\n", c->o.root, strerror(errno));
		return KT_EXIT_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kvmtop: %s is not a directory\n", c->o.root);
		return KT_EXIT_NOT_LOADED;
	}
	return KT_EXIT_OK;
}

static void kt_usage(FILE *f)
{
	fprintf(f,
		"USAGE\n"
		"  kvmtop [OPTIONS]\n"
		"\n"
		"Show per-VM and per-vCPU KVM exit rates, top exit reasons, top MSRs,\n"
		"HLT/halt-polling and posted-interrupt wakeups from the kvmtrace module.\n"
		"\n"
		"OPTIONS\n"
		"  -d, --delay SECS    seconds between samples (default 1, fractions allowed)\n"
		"  -n, --iterations N  stop after N screens/documents (default: run until q)\n"
		"  -p, --pid PID       only VMs created by process PID\n"
		"  -t, --top N         rows per table: reasons, MSRs, vCPUs (default %d)\n"
		"      --once          one sample of rates over one interval, then exit\n"
		"      --totals        cumulative counts instead of rates (no wait with --once)\n"
		"      --json          one JSON document per sample (all rows, -t ignored)\n"
		"      --root DIR      kvmtrace directory (default %s)\n"
		"  -h, --help          this text\n"
		"\n"
		"Interactive: q then Enter, or Ctrl-C, quits.\n"
		"\n"
		"EXIT STATUS\n"
		"  0 ok, 1 error, 2 bad arguments, 3 not root / permission denied,\n"
		"  4 debugfs not mounted, 5 kvmtrace not loaded\n"
		"\n"
		"EXAMPLES\n"
		"  kvmtop                          refresh every second\n"
		"  kvmtop -d 5 -t 10 -p 4242       VMs of pid 4242, 10 rows, every 5 s\n"
		"  kvmtop --once                   rates over one second, printed once\n"
		"  kvmtop --once --totals --json   cumulative counts as JSON, no wait\n"
		"  kvmtop --json -n 60 > log.jsonl one JSON line per second for a minute\n",
		KT_DEFAULT_TOP, KT_DEFAULT_ROOT);
}

enum {
	KT_OPT_ONCE = 256,
	KT_OPT_TOTALS,
	KT_OPT_JSON,
	KT_OPT_ROOT,
};

static const struct option kt_long_opts[] = {
	{ "delay",	required_argument,	NULL, 'd' },
	{ "iterations",	required_argument,	NULL, 'n' },
	{ "pid",	required_argument,	NULL, 'p' },
	{ "top",	required_argument,	NULL, 't' },
	{ "once",	no_argument,		NULL, KT_OPT_ONCE },
	{ "totals",	no_argument,		NULL, KT_OPT_TOTALS },
	{ "json",	no_argument,		NULL, KT_OPT_JSON },
	{ "root",	required_argument,	NULL, KT_OPT_ROOT },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

static bool kt_arg_long(const char *s, long min, long max, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < min || x > max)
		return false;
	*v = x;
	return true;
}

static int kt_parse_args(int argc, char **argv, struct kt_opts *o)
{
	char *end;
	long v;
	int opt;

	o->root = KT_DEFAULT_ROOT;
	o->delay = 1.0;
	o->pid = -1;
	o->top = KT_DEFAULT_TOP;
	while ((opt = getopt_long(argc, argv, "d:n:p:t:h", kt_long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			o->delay = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o->delay >= 0.01 && o->delay <= KT_MAX_DELAY)) {
				fprintf(stderr, "kvmtop: bad delay '%s' (0.01 to %.0f seconds)\n",
					optarg, KT_MAX_DELAY);
				goto out_usage;
			}
			break;
		case 'n':
			if (!kt_arg_long(optarg, 1, LONG_MAX, &o->count)) {
				fprintf(stderr, "kvmtop: bad count '%s'\n", optarg);
				goto out_usage;
			}
			break;
		case 'p':
			if (!kt_arg_long(optarg, 1, INT_MAX, &o->pid)) {
				fprintf(stderr, "kvmtop: bad pid '%s'\n", optarg);
				goto out_usage;
			}
			break;
		case 't':
			if (!kt_arg_long(optarg, 1, KT_MAX_TOP, &v)) {
				fprintf(stderr, "kvmtop: bad row count '%s' (1 to %d)\n",
					optarg, KT_MAX_TOP);
				goto out_usage;
			}
			o->top = v;
			break;
		case KT_OPT_ONCE:
			o->once = true;
			break;
		case KT_OPT_TOTALS:
			o->totals = true;
			break;
		case KT_OPT_JSON:
			o->json = true;
			break;
		case KT_OPT_ROOT:
			if (!*optarg || strlen(optarg) >= PATH_MAX) {
				fprintf(stderr, "kvmtop: bad --root\n");
				goto out_usage;
			}
			o->root = optarg;
			break;
		case 'h':
			kt_usage(stdout);
			exit(KT_EXIT_OK);
		default:
			goto out_usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmtop: unexpected argument '%s'\n", argv[optind]);
		goto out_usage;
	}
	if (o->once)
		o->count = 1;
	return 0;

out_usage:
	kt_usage(stderr);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct kt_ctx c = { .sigfd = -1 };
	sigset_t mask;
	int ret;

	if (kt_parse_args(argc, argv, &c.o))
		return KT_EXIT_USAGE;
	ret = kt_check_env(&c);
	if (ret)
		return ret;

	/* Signals are taken from a signalfd in kt_wait(): no handlers. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		perror("kvmtop: sigprocmask");
		return KT_EXIT_ERROR;
	}
	c.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (c.sigfd < 0) {
		perror("kvmtop: signalfd");
		return KT_EXIT_ERROR;
	}
	c.stdin_tty = isatty(STDIN_FILENO);
	c.stdout_tty = isatty(STDOUT_FILENO);

	ret = kt_run(&c);

	close(c.sigfd);
	free(c.buf);
	return ret;
}
