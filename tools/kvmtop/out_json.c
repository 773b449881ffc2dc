// SPDX-License-Identifier: GPL-2.0
/*
 * --json: one JSON document per sample, on one line (JSON Lines).  Counts
 * are the files' values; every count has a rate, null without a previous
 * sample.  Schema in Documentation/kvmtop.rst; it only grows within a
 * version.
 */
#include <stdio.h>
#include <string.h>

#include "output.h"

/* Non-ASCII and control bytes are escaped, so the output is always valid. */
static void kvmtop_json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void kvmtop_json_rate(FILE *f, bool has, double v)
{
	if (has)
		fprintf(f, "%.3f", v);
	else
		fputs("null", f);
}

/* A share (num / den) with six decimals, null when den is 0. */
static void kvmtop_json_share(FILE *f, double num, double den)
{
	if (den > 0)
		fprintf(f, "%.6f", num / den);
	else
		fputs("null", f);
}

/* An estimate in ns with one decimal, null when there is none (< 0). */
static void kvmtop_json_ns(FILE *f, const char *key, double ns)
{
	fprintf(f, ",\"%s\":", key);
	if (ns < 0)
		fputs("null", f);
	else
		fprintf(f, "%.1f", ns);
}

static double kvmtop_json_per_s(const struct kvmtop_sample *smp, __u64 n)
{
	return smp->interval > 0 ? (double)n / smp->interval : 0;
}

/* Decimal values as numbers, anything else as strings. */
static void kvmtop_json_kv(FILE *f, const struct kvmtop_kvs *kvs, bool open)
{
	unsigned int i, n = 0;

	if (open)
		fputc('{', f);
	for (i = 0; i < kvs->nr; i++) {
		if (!strcmp(kvs->kv[i].key, "rate"))
			continue;
		if (n++)
			fputc(',', f);
		kvmtop_json_str(f, kvs->kv[i].key);
		fputc(':', f);
		if (kvs->kv[i].num)
			fprintf(f, "%llu", (unsigned long long)kvs->kv[i].v);
		else
			kvmtop_json_str(f, kvs->kv[i].val);
	}
	if (open)
		fputc('}', f);
}

/*
 * "rate": the counts of a key/value file per second, or null.  Returns
 * true when it left the object open, for the caller to add to and close.
 */
static bool kvmtop_json_kv_rate(FILE *f, const struct kvmtop_sample *smp,
				const struct kvmtop_scope *s,
				enum kvmtop_file file)
{
	const struct kvmtop_kvs *d;
	unsigned int i, n = 0;

	fputs("\"rate\":", f);
	if (!smp->has_delta || !s->delta) {
		fputs("null", f);
		return false;
	}
	d = &s->delta->kv[file];
	fputc('{', f);
	for (i = 0; i < d->nr; i++) {
		if (!kvmtop_kv_is_count(file, &d->kv[i]) ||
		    !strcmp(d->kv[i].key, "rate"))
			continue;
		fprintf(f, "%s", n++ ? "," : "");
		kvmtop_json_str(f, d->kv[i].key);
		fprintf(f, ":%.3f", kvmtop_json_per_s(smp, d->kv[i].v));
	}
	return true;
}

static void kvmtop_json_kv_rate_end(FILE *f, const struct kvmtop_sample *smp,
				    const struct kvmtop_scope *s,
				    enum kvmtop_file file)
{
	if (kvmtop_json_kv_rate(f, smp, s, file))
		fputc('}', f);
}

/* The members of a histogram: buckets, count and the estimates. */
static void kvmtop_json_time(FILE *f, const struct kvmtop_time *t,
			     double time_all)
{
	fprintf(f, "\"count\":%llu", (unsigned long long)t->count);
	fprintf(f, ",\"time_ns\":%.1f,\"time_share\":", t->time_ns);
	kvmtop_json_share(f, t->time_ns, time_all);
	kvmtop_json_ns(f, "avg_ns", t->avg_ns);
	kvmtop_json_ns(f, "p50_ns", t->p50_ns);
	kvmtop_json_ns(f, "p99_ns", t->p99_ns);
	fputs(",\"max_ns\":", f);
	if (t->max_ns < 0)
		fputs("null", f);
	else
		fprintf(f, "%.0f", t->max_ns);
}

static void kvmtop_json_hist(FILE *f, const struct kvmtop_sample *smp,
			     const struct kvmtop_hist *h,
			     const struct kvmtop_hist *dh, double time_all,
			     double dtime_all)
{
	struct kvmtop_time t;
	unsigned int b, n = 0;

	fputs("\"buckets\":[", f);
	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++)
		if (h->b[b])
			fprintf(f, "%s[%llu,%llu]", n++ ? "," : "",
				(unsigned long long)kvmtop_bucket_lo(b),
				(unsigned long long)h->b[b]);
	fputs("],", f);
	kvmtop_time_of(&t, h);
	kvmtop_json_time(f, &t, time_all);
	fputs(",\"interval\":", f);
	if (!dh) {
		fputs("null", f);
		return;
	}
	kvmtop_time_of(&t, dh);
	fputc('{', f);
	kvmtop_json_time(f, &t, dtime_all);
	fprintf(f, ",\"rate\":%.3f}", kvmtop_json_per_s(smp, t.count));
}

static double kvmtop_json_time_all(const struct kvmtop_scope *s,
				   enum kvmtop_where where)
{
	struct kvmtop_time t;
	struct kvmtop_hist h;

	kvmtop_scope_hist(s, where, &h);
	kvmtop_time_of(&t, &h);
	return t.time_ns;
}

/* "latency" / "user_latency": the reasons that have lines there. */
static void kvmtop_json_lat(FILE *f, const struct kvmtop_sample *smp,
			    const struct kvmtop_scope *s,
			    enum kvmtop_where where)
{
	const struct kvmtop_scope *d = smp->has_delta ? s->delta : NULL;
	double all = kvmtop_json_time_all(s, where);
	double dall = d ? kvmtop_json_time_all(d, where) : 0;
	const struct kvmtop_reason *r;
	unsigned int i, n = 0;

	fprintf(f, ",\"%s\":[", kvmtop_file_name(where == KVMTOP_KERNEL ?
						 KVMTOP_FILE_latency :
						 KVMTOP_FILE_user_latency));
	for (i = 0; i < s->nr_reasons; i++) {
		r = &s->reasons[i];
		if (!kvmtop_hist_count(&r->lat[where]))
			continue;
		fprintf(f, "%s{\"name\":", n++ ? "," : "");
		kvmtop_json_str(f, r->name);
		if (r->other)
			fputs(",\"code\":null,", f);
		else
			fprintf(f, ",\"code\":%u,", r->code);
		kvmtop_json_hist(f, smp, &r->lat[where],
				 d ? &d->reasons[i].lat[where] : NULL, all,
				 dall);
		fputc('}', f);
	}
	fputc(']', f);
}

static void kvmtop_json_scope(FILE *f, const struct kvmtop_sample *smp,
			      const struct kvmtop_scope *s)
{
	const struct kvmtop_scope *d = smp->has_delta ? s->delta : NULL;
	__u64 piw, other, dpiw, dother;
	const struct kvmtop_reason *r;
	const struct kvmtop_msr *m;
	unsigned int i, n = 0;
	bool rt = d;

	fprintf(f, "\"exits_total\":%llu,\"exits_rate\":",
		(unsigned long long)s->exits_total);
	kvmtop_json_rate(f, rt, rt ? kvmtop_json_per_s(smp, d->exits_total) : 0);
	fputs(",\"exits\":[", f);
	for (i = 0; i < s->nr_reasons; i++) {
		r = &s->reasons[i];
		if (!r->in_exits)
			continue;
		fprintf(f, "%s{\"name\":", n++ ? "," : "");
		kvmtop_json_str(f, r->name);
		fprintf(f, ",\"code\":%u,\"count\":%llu,\"rate\":", r->code,
			(unsigned long long)r->exits);
		kvmtop_json_rate(f, rt, rt ? kvmtop_json_per_s(smp, d->reasons[i].exits) : 0);
		fputs(",\"share\":", f);
		kvmtop_json_share(f, (double)r->exits, (double)s->exits_total);
		fputc('}', f);
	}
	fputs("],\"msrs\":[", f);
	for (i = 0; i < s->nr_msrs; i++) {
		m = &s->msrs[i];
		fprintf(f, "%s{\"index\":%u,\"name\":", i ? "," : "", m->index);
		if (m->name[0])
			kvmtop_json_str(f, m->name);
		else
			fputs("null", f);
		fprintf(f, ",\"writes\":%llu,\"reads\":%llu,\"write_rate\":",
			(unsigned long long)m->writes,
			(unsigned long long)m->reads);
		kvmtop_json_rate(f, rt, rt ? kvmtop_json_per_s(smp, d->msrs[i].writes) : 0);
		fputs(",\"read_rate\":", f);
		kvmtop_json_rate(f, rt, rt ? kvmtop_json_per_s(smp, d->msrs[i].reads) : 0);
		fputc('}', f);
	}
	fputc(']', f);
	kvmtop_json_lat(f, smp, s, KVMTOP_KERNEL);
	kvmtop_json_lat(f, smp, s, KVMTOP_USER);

	fputs(",\"hlt\":{", f);
	kvmtop_json_kv(f, &s->kv[KVMTOP_FILE_hlt], false);
	for (i = 0; i < KVMTOP_HLT_HIST_NR; i++) {
		fprintf(f, "%s\"%s\":{", s->kv[KVMTOP_FILE_hlt].nr || i ? "," : "",
			kvmtop_hlt_hists[i].name);
		kvmtop_json_hist(f, smp, &s->hlt_hist[i],
				 d ? &d->hlt_hist[i] : NULL, 0, 0);
		fputc('}', f);
	}
	fputc(',', f);
	kvmtop_json_kv_rate_end(f, smp, s, KVMTOP_FILE_hlt);

	piw = kvmtop_kv_u64(s, KVMTOP_FILE_wakeups, KVMTOP_WAKEUPS_piw);
	other = kvmtop_kv_u64(s, KVMTOP_FILE_wakeups, KVMTOP_WAKEUPS_other);
	fputs("},\"wakeups\":{", f);
	kvmtop_json_kv(f, &s->kv[KVMTOP_FILE_wakeups], false);
	fprintf(f, "%s\"piw_share\":", s->kv[KVMTOP_FILE_wakeups].nr ? "," : "");
	kvmtop_json_share(f, (double)piw, (double)(piw + other));
	fputc(',', f);
	if (kvmtop_json_kv_rate(f, smp, s, KVMTOP_FILE_wakeups)) {
		/* the share of the interval's wakeups, null without any */
		dpiw = kvmtop_kv_u64(d, KVMTOP_FILE_wakeups,
				     KVMTOP_WAKEUPS_piw);
		dother = kvmtop_kv_u64(d, KVMTOP_FILE_wakeups,
				       KVMTOP_WAKEUPS_other);
		fputs(d->kv[KVMTOP_FILE_wakeups].nr ? ",\"piw_share\":" :
		      "\"piw_share\":", f);
		kvmtop_json_share(f, (double)dpiw, (double)(dpiw + dother));
		fputc('}', f);
	}
	fputs("},\"stats\":", f);
	kvmtop_json_kv(f, &s->kv[KVMTOP_FILE_stats], true);
	if (kvmtop_scope_has(s, KVMTOP_FILE_npf)) {
		fputs(",\"npf\":{", f);
		kvmtop_json_kv(f, &s->kv[KVMTOP_FILE_npf], false);
		fprintf(f, "%s", s->kv[KVMTOP_FILE_npf].nr ? "," : "");
		kvmtop_json_kv_rate_end(f, smp, s, KVMTOP_FILE_npf);
		fputc('}', f);
	}
}

void kvmtop_json(FILE *f, const struct kvmtop_sample *smp)
{
	const struct kvmtop_vm *vm;
	unsigned int i, j;

	fprintf(f, "{\"version\":1,\"time\":%lld.%06ld,\"interval\":",
		(long long)smp->real.tv_sec, smp->real.tv_nsec / 1000);
	if (smp->has_delta)
		fprintf(f, "%.6f", smp->interval);
	else
		fputs("null", f);
	fputs(",\"summary\":", f);
	kvmtop_json_kv(f, &smp->summary, true);
	fputs(",\"vms\":[", f);
	for (i = 0; i < smp->nr_vms; i++) {
		vm = &smp->vms[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		kvmtop_json_str(f, vm->name);
		fprintf(f, ",\"pid\":%ld,\"guest\":", vm->pid);
		if (vm->guest[0])
			kvmtop_json_str(f, vm->guest);
		else
			fputs("null", f);
		fputc(',', f);
		kvmtop_json_scope(f, smp, &vm->s);
		fputs(",\"vcpus\":[", f);
		for (j = 0; j < vm->nr_vcpus; j++) {
			fprintf(f, "%s{\"id\":%u,", j ? "," : "",
				vm->vcpus[j].id);
			kvmtop_json_scope(f, smp, &vm->vcpus[j].s);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}
