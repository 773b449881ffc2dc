// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the counters of one sample for Prometheus, in one of its
 * two text formats, with the same series in both:
 *
 *   openmetrics  OpenMetrics 1.0 (the default): what Prometheus scrapes
 *   text         the text format 0.0.4: what node_exporter's textfile
 *                collector and the Pushgateway read
 *
 * Names and units:
 *
 *   kvmtrace_<key>                         summary, host-wide
 *   kvmtrace_vm_<file>_<key>{vm}           hlt, npf, wakeups, stats of a VM
 *   kvmtrace_vcpu_<file>_<key>{vm,vcpu}    the same of a vCPU
 *   kvmtrace_{vm,vcpu}_exits_total{reason,code}
 *   kvmtrace_{vm,vcpu}_msr_{writes,reads}_total{msr,msr_name}
 *   kvmtrace_vm_{,user_}exit_duration_seconds{reason,code}   histograms
 *   kvmtrace_vm_hlt_{exit,halt}_duration_seconds             histograms
 *
 * taken from the key tables of uapi/kvmtrace_keys.h: SUM and COUNTER keys
 * are counters (_total), VALUE keys gauges, WORD keys labels of an _info
 * gauge.  Keys in ns are exported in seconds (_ns becomes _seconds).
 *
 * The histograms are their _bucket series only: the files have no exact
 * time per reason, so there is no _sum, and hence no _count (the +Inf
 * bucket is the count).  OpenMetrics allows that.  The text format does
 * not: a consumer would publish a _sum and _count of 0 (node_exporter
 * does), so there the buckets are declared as what they are, a counter
 * family named <histogram>_bucket.  The samples are the same, and
 * histogram_quantile() gives the same on both.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

#define KVMTOP_PROM_NAME	160

enum kvmtop_prom_type {
	KVMTOP_PROM_COUNTER,
	KVMTOP_PROM_GAUGE,
	KVMTOP_PROM_HISTOGRAM,
};

static const char * const kvmtop_prom_types[] = {
	[KVMTOP_PROM_COUNTER]	= "counter",
	[KVMTOP_PROM_GAUGE]	= "gauge",
	[KVMTOP_PROM_HISTOGRAM]	= "histogram",
};

static_assert(KVMTOP_ARRAY_SIZE(kvmtop_prom_types) ==
	      KVMTOP_PROM_HISTOGRAM + 1, "a Prometheus type without a name");

/* The output: where, and in which format. */
struct kvmtop_prom {
	FILE *f;
	bool om;			/* OpenMetrics, else the text format */
};

/*
 * Label values: \, " and newline escaped; tabs and printable ASCII as
 * they are, other bytes '?' (the text must be UTF-8).
 */
static void kvmtop_prom_str(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			fputc('?', f);
		else
			fputc(*p, f);
	}
}

/* HELP text: \ and newline escaped in both formats, " in OpenMetrics. */
static void kvmtop_prom_help_str(const struct kvmtop_prom *p, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || (*s == '"' && p->om))
			fprintf(p->f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", p->f);
		else
			fputc(*s, p->f);
	}
}

/* ns as seconds, exactly: 18100000000 is 18.100000000. */
static void kvmtop_prom_seconds(FILE *f, __u64 ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
		(unsigned long long)(ns % 1000000000ULL));
}

static bool kvmtop_ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && !strcmp(s + n - m, end);
}

/*
 * A family's TYPE, UNIT and HELP lines.  @name is the family's name: in
 * OpenMetrics a counter's samples add _total to it and a histogram's
 * _bucket.  The text format names the samples in TYPE and HELP, and has
 * no UNIT; a histogram there is its buckets, a counter (see the top).
 */
static void kvmtop_prom_head(const struct kvmtop_prom *p, const char *name,
			     enum kvmtop_prom_type type, const char *unit,
			     const char *help)
{
	const char *suffix = "";

	if (p->om) {
		fprintf(p->f, "# TYPE %s %s\n", name, kvmtop_prom_types[type]);
		if (unit)
			fprintf(p->f, "# UNIT %s %s\n", name, unit);
		fprintf(p->f, "# HELP %s ", name);
		kvmtop_prom_help_str(p, help);
		fputc('\n', p->f);
		return;
	}
	if (type == KVMTOP_PROM_COUNTER)
		suffix = "_total";
	if (type == KVMTOP_PROM_HISTOGRAM) {
		suffix = "_bucket";
		type = KVMTOP_PROM_COUNTER;
	}
	fprintf(p->f, "# HELP %s%s ", name, suffix);
	kvmtop_prom_help_str(p, help);
	fprintf(p->f, "\n# TYPE %s%s %s\n", name, suffix,
		kvmtop_prom_types[type]);
}

/* The family of a key of a "key value" file. */
struct kvmtop_family {
	char name[KVMTOP_PROM_NAME];	/* without _total */
	bool seconds;			/* the values are ns: print seconds */
	bool total;			/* a counter: samples end in _total */
};

static void kvmtop_family(const struct kvmtop_prom *p,
			  struct kvmtop_family *fam, const char *prefix,
			  const struct kvmtop_key *key)
{
	char help[KVMTOP_PROM_NAME];
	const char *unit = NULL;
	size_t n;

	snprintf(fam->name, sizeof(fam->name), "%s%s", prefix, key->name);
	snprintf(help, sizeof(help), "%s", key->help);
	fam->seconds = kvmtop_ends_with(fam->name, "_ns");
	if (fam->seconds) {
		n = strlen(fam->name) - 3;
		snprintf(fam->name + n, sizeof(fam->name) - n, "_seconds");
		unit = "seconds";
		/* "total time, ns": the unit is in the name now */
		if (kvmtop_ends_with(help, ", ns"))
			help[strlen(help) - 4] = '\0';
	} else if (kvmtop_ends_with(fam->name, "_bytes")) {
		unit = "bytes";
	}
	fam->total = key->kind == KVMTOP_SUM || key->kind == KVMTOP_COUNTER;
	kvmtop_prom_head(p, fam->name, fam->total ? KVMTOP_PROM_COUNTER :
			 KVMTOP_PROM_GAUGE, unit, help);
}

static void kvmtop_prom_value(FILE *f, const struct kvmtop_family *fam,
			      __u64 v)
{
	if (fam->seconds)
		kvmtop_prom_seconds(f, v);
	else
		fprintf(f, "%llu", (unsigned long long)v);
	fputc('\n', f);
}

/* The labels of a VM or a vCPU, without the closing brace. */
static void kvmtop_prom_labels(FILE *f, const struct kvmtop_vm *vm,
			       const struct kvmtop_vcpu *c)
{
	fputs("{vm=\"", f);
	kvmtop_prom_str(f, vm->name);
	fputc('"', f);
	if (c)
		fprintf(f, ",vcpu=\"%u\"", c->id);
}

/* ---- per scope --------------------------------------------------------------- */

typedef void (*kvmtop_prom_fn)(FILE *f, const void *arg,
			       const struct kvmtop_vm *vm,
			       const struct kvmtop_vcpu *c,
			       const struct kvmtop_scope *s);

/* Call fn for every VM, or every vCPU of every VM. */
static void kvmtop_prom_each(FILE *f, const struct kvmtop_sample *smp,
			     bool vcpus, kvmtop_prom_fn fn, const void *arg)
{
	const struct kvmtop_vm *vm;
	unsigned int i, j;

	for (i = 0; i < smp->nr_vms; i++) {
		vm = &smp->vms[i];
		if (!vcpus) {
			fn(f, arg, vm, NULL, &vm->s);
			continue;
		}
		for (j = 0; j < vm->nr_vcpus; j++)
			fn(f, arg, vm, &vm->vcpus[j], &vm->vcpus[j].s);
	}
}

struct kvmtop_prom_kv {
	const struct kvmtop_family *fam;
	enum kvmtop_file file;
	int key;
};

static void kvmtop_prom_kv_one(FILE *f, const void *arg,
			       const struct kvmtop_vm *vm,
			       const struct kvmtop_vcpu *c,
			       const struct kvmtop_scope *s)
{
	const struct kvmtop_prom_kv *a = arg;
	const struct kvmtop_kv *kv;

	kv = kvmtop_kv_known(&s->kv[a->file], a->key);
	if (!kv || !kv->num)
		return;
	fprintf(f, "%s%s", a->fam->name, a->fam->total ? "_total" : "");
	kvmtop_prom_labels(f, vm, c);
	fputs("} ", f);
	kvmtop_prom_value(f, a->fam, kv->v);
}

static void kvmtop_prom_exits_one(FILE *f, const void *arg,
				  const struct kvmtop_vm *vm,
				  const struct kvmtop_vcpu *c,
				  const struct kvmtop_scope *s)
{
	const char *name = arg;
	unsigned int i;

	for (i = 0; i < s->nr_reasons; i++) {
		if (!s->reasons[i].in_exits)
			continue;
		fprintf(f, "%s_total", name);
		kvmtop_prom_labels(f, vm, c);
		fputs(",reason=\"", f);
		kvmtop_prom_str(f, s->reasons[i].name);
		fprintf(f, "\",code=\"0x%x\"} %llu\n", s->reasons[i].code,
			(unsigned long long)s->reasons[i].exits);
	}
}

struct kvmtop_prom_msr {
	const char *name;
	bool writes;
};

static void kvmtop_prom_msr_one(FILE *f, const void *arg,
				const struct kvmtop_vm *vm,
				const struct kvmtop_vcpu *c,
				const struct kvmtop_scope *s)
{
	const struct kvmtop_prom_msr *a = arg;
	const struct kvmtop_msr *m;
	unsigned int i;

	for (i = 0; i < s->nr_msrs; i++) {
		m = &s->msrs[i];
		fprintf(f, "%s_total", a->name);
		kvmtop_prom_labels(f, vm, c);
		fprintf(f, ",msr=\"0x%x\"", m->index);
		if (m->name[0]) {
			fputs(",msr_name=\"", f);
			kvmtop_prom_str(f, m->name);
			fputc('"', f);
		}
		fprintf(f, "} %llu\n",
			(unsigned long long)(a->writes ? m->writes : m->reads));
	}
}

/*
 * One histogram: every bucket, cumulative, le = the largest ns the bucket
 * holds, in seconds; the last, open-ended bucket is +Inf.
 */
static void kvmtop_prom_buckets(FILE *f, const char *name,
				const struct kvmtop_vm *vm,
				const struct kvmtop_reason *r,
				const struct kvmtop_hist *h)
{
	unsigned int b;
	__u64 cum = 0;

	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++) {
		cum += h->b[b];
		fprintf(f, "%s_bucket", name);
		kvmtop_prom_labels(f, vm, NULL);
		if (r) {
			fputs(",reason=\"", f);
			kvmtop_prom_str(f, r->name);
			fputc('"', f);
			if (!r->other)
				fprintf(f, ",code=\"0x%x\"", r->code);
		}
		fputs(",le=\"", f);
		if (b == KVMTRACE_HIST_BUCKETS - 1)
			fputs("+Inf", f);
		else
			kvmtop_prom_seconds(f, kvmtop_bucket_hi(b));
		fprintf(f, "\"} %llu\n", (unsigned long long)cum);
	}
}

struct kvmtop_prom_lat {
	const char *name;
	enum kvmtop_where where;
	const char *help;
};

static void kvmtop_prom_lat_one(FILE *f, const void *arg,
				const struct kvmtop_vm *vm,
				const struct kvmtop_vcpu *c,
				const struct kvmtop_scope *s)
{
	const struct kvmtop_prom_lat *a = arg;
	unsigned int i;

	(void)c;
	for (i = 0; i < s->nr_reasons; i++)
		if (kvmtop_hist_count(&s->reasons[i].lat[a->where]))
			kvmtop_prom_buckets(f, a->name, vm, &s->reasons[i],
					    &s->reasons[i].lat[a->where]);
}

struct kvmtop_prom_hlt {
	const char *name;
	unsigned int hist;
};

static void kvmtop_prom_hlt_one(FILE *f, const void *arg,
				const struct kvmtop_vm *vm,
				const struct kvmtop_vcpu *c,
				const struct kvmtop_scope *s)
{
	const struct kvmtop_prom_hlt *a = arg;

	(void)c;
	if (kvmtop_scope_has(s, KVMTOP_FILE_hlt))
		kvmtop_prom_buckets(f, a->name, vm, NULL, &s->hlt_hist[a->hist]);
}

static void kvmtop_prom_info_one(FILE *f, const void *arg,
				 const struct kvmtop_vm *vm,
				 const struct kvmtop_vcpu *c,
				 const struct kvmtop_scope *s)
{
	const struct kvmtop_kv *isa;

	(void)arg;
	fputs("kvmtrace_vm_info", f);
	kvmtop_prom_labels(f, vm, c);
	fprintf(f, ",pid=\"%ld\"", vm->pid);
	if (vm->guest[0]) {
		fputs(",guest=\"", f);
		kvmtop_prom_str(f, vm->guest);
		fputc('"', f);
	}
	isa = kvmtop_kv_known(&s->kv[KVMTOP_FILE_stats], KVMTOP_STATS_isa);
	if (isa) {
		fputs(",isa=\"", f);
		kvmtop_prom_str(f, isa->val);
		fputc('"', f);
	}
	fputs("} 1\n", f);
}

/* The key/value files of every VM (or vCPU), key by key. */
static void kvmtop_prom_kv_files(const struct kvmtop_prom *p,
				 const struct kvmtop_sample *smp, bool vcpus)
{
	char prefix[KVMTOP_PROM_NAME];
	struct kvmtop_family fam;
	struct kvmtop_prom_kv a = { .fam = &fam };
	const struct kvmtop_keys *keys;
	unsigned int file, k;

	for (file = 0; file < KVMTOP_FILE_NR; file++) {
		keys = &kvmtop_file_keys[file];
		snprintf(prefix, sizeof(prefix), "kvmtrace_%s_%s_",
			 vcpus ? "vcpu" : "vm", kvmtop_file_name(file));
		for (k = 0; k < keys->nr; k++) {
			if (keys->key[k].kind == KVMTOP_WORD)
				continue;
			kvmtop_family(p, &fam, prefix, &keys->key[k]);
			a.file = file;
			a.key = k;
			kvmtop_prom_each(p->f, smp, vcpus, kvmtop_prom_kv_one,
					 &a);
		}
	}
}

static void kvmtop_prom_scopes(const struct kvmtop_prom *p,
			       const struct kvmtop_sample *smp, bool vcpus)
{
	const char *pre = vcpus ? "kvmtrace_vcpu" : "kvmtrace_vm";
	char name[KVMTOP_PROM_NAME];
	struct kvmtop_prom_msr msr;

	snprintf(name, sizeof(name), "%s_exits", pre);
	kvmtop_prom_head(p, name, KVMTOP_PROM_COUNTER, NULL,
			 "exits by reason (exits)");
	kvmtop_prom_each(p->f, smp, vcpus, kvmtop_prom_exits_one, name);

	snprintf(name, sizeof(name), "%s_msr_writes", pre);
	kvmtop_prom_head(p, name, KVMTOP_PROM_COUNTER, NULL,
			 "WRMSR exits by MSR index (msrs)");
	msr.name = name;
	msr.writes = true;
	kvmtop_prom_each(p->f, smp, vcpus, kvmtop_prom_msr_one, &msr);

	snprintf(name, sizeof(name), "%s_msr_reads", pre);
	kvmtop_prom_head(p, name, KVMTOP_PROM_COUNTER, NULL,
			 "RDMSR exits by MSR index (msrs)");
	msr.writes = false;
	kvmtop_prom_each(p->f, smp, vcpus, kvmtop_prom_msr_one, &msr);

	kvmtop_prom_kv_files(p, smp, vcpus);
}

/* host-wide: summary's words as the labels of kvmtrace_info, its numbers */
static void kvmtop_prom_summary(const struct kvmtop_prom *p,
				const struct kvmtop_sample *smp)
{
	const struct kvmtop_keys *keys = &kvmtop_summary_keys;
	const struct kvmtop_kv *kv;
	struct kvmtop_family fam;
	unsigned int k, n = 0;

	kvmtop_prom_head(p, "kvmtrace_info", KVMTOP_PROM_GAUGE, NULL,
			 "the words of kvmtrace's summary, as labels");
	fputs("kvmtrace_info{", p->f);
	for (k = 0; k < keys->nr; k++) {
		kv = kvmtop_kv_known(&smp->summary, k);
		if (keys->key[k].kind != KVMTOP_WORD || !kv)
			continue;
		fprintf(p->f, "%s%s=\"", n++ ? "," : "", keys->key[k].name);
		kvmtop_prom_str(p->f, kv->val);
		fputc('"', p->f);
	}
	fputs("} 1\n", p->f);
	for (k = 0; k < keys->nr; k++) {
		kv = kvmtop_kv_known(&smp->summary, k);
		if (keys->key[k].kind == KVMTOP_WORD || !kv || !kv->num)
			continue;
		kvmtop_family(p, &fam, "kvmtrace_", &keys->key[k]);
		fprintf(p->f, "%s%s ", fam.name, fam.total ? "_total" : "");
		kvmtop_prom_value(p->f, &fam, kv->v);
	}
}

static void kvmtop_prom_hists(const struct kvmtop_prom *p,
			      const struct kvmtop_sample *smp)
{
	static const struct kvmtop_prom_lat lat[KVMTOP_WHERE_NR] = {
		{ "kvmtrace_vm_exit_duration_seconds", KVMTOP_KERNEL,
		  "exit handling time in the kernel, by reason (latency)" },
		{ "kvmtrace_vm_user_exit_duration_seconds", KVMTOP_USER,
		  "exit to entry time of exits completed in userspace, by reason (user_latency)" },
	};
	char name[KVMTOP_PROM_NAME];
	struct kvmtop_prom_hlt hlt;
	unsigned int i;
	size_t len;

	for (i = 0; i < KVMTOP_ARRAY_SIZE(lat); i++) {
		kvmtop_prom_head(p, lat[i].name, KVMTOP_PROM_HISTOGRAM,
				 "seconds", lat[i].help);
		kvmtop_prom_each(p->f, smp, false, kvmtop_prom_lat_one,
				 &lat[i]);
	}
	for (i = 0; i < KVMTOP_HLT_HIST_NR; i++) {
		/* exit_hist -> kvmtrace_vm_hlt_exit_duration_seconds */
		len = strcspn(kvmtop_hlt_hists[i].name, "_");
		snprintf(name, sizeof(name),
			 "kvmtrace_vm_hlt_%.*s_duration_seconds", (int)len,
			 kvmtop_hlt_hists[i].name);
		kvmtop_prom_head(p, name, KVMTOP_PROM_HISTOGRAM, "seconds",
				 kvmtop_hlt_hists[i].help);
		hlt.name = name;
		hlt.hist = i;
		kvmtop_prom_each(p->f, smp, false, kvmtop_prom_hlt_one, &hlt);
	}
}

void kvmtop_prometheus(FILE *f, const struct kvmtop_sample *smp,
		       enum kvmtop_prom_format format)
{
	const struct kvmtop_prom p = {
		.f = f,
		.om = format == KVMTOP_PROM_OPENMETRICS,
	};

	kvmtop_prom_summary(&p, smp);
	kvmtop_prom_head(&p, "kvmtrace_vm_info", KVMTOP_PROM_GAUGE, NULL,
			 "a traced VM: its creator's pid, QEMU's -name, isa");
	kvmtop_prom_each(f, smp, false, kvmtop_prom_info_one, NULL);
	kvmtop_prom_scopes(&p, smp, false);
	kvmtop_prom_scopes(&p, smp, true);
	kvmtop_prom_hists(&p, smp);
	if (p.om)
		fputs("# EOF\n", f);
}
