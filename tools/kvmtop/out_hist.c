// SPDX-License-Identifier: GPL-2.0
/*
 * --hist [REASON]: the log2 histograms as bars, the way bpftrace prints a
 * hist(): one line per bucket from the first to the last that is not
 * empty, "[lo, hi)" with K, M, G for powers of 1024, the count, and a bar
 * of up to 52 '@' scaled to the largest bucket.  Per VM, or per vCPU
 * (view->vcpus): latency and user_latency by reason, and hlt's
 * histograms, those with exits (in the interval).  A REASON (a name, any
 * case, or a 0x code) keeps that reason's histograms, and for HLT hlt's.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output.h"

#define KVMTOP_BAR	52

/* 1536 -> "1536", 2048 -> "2K", 1 << 30 -> "1G" */
static void kvmtop_hist_bound(char *buf, size_t size, __u64 v)
{
	static const char suffix[] = "KMGTP";
	unsigned int s = 0;

	while (v >= 1024 && !(v & 1023) && s < sizeof(suffix) - 1) {
		v >>= 10;
		s++;
	}
	if (s)
		snprintf(buf, size, "%llu%c", (unsigned long long)v,
			 suffix[s - 1]);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void kvmtop_hist_print(FILE *f, const char *title,
			      const struct kvmtop_hist *h, const char *what)
{
	char lo[24], hi[24], range[64];
	unsigned int b, first = KVMTRACE_HIST_BUCKETS, last = 0, w;
	char bar[KVMTOP_BAR + 1];
	struct kvmtop_time t;
	__u64 top = 0;

	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++) {
		if (!h->b[b])
			continue;
		if (first == KVMTRACE_HIST_BUCKETS)
			first = b;
		last = b;
		if (h->b[b] > top)
			top = h->b[b];
	}
	kvmtop_time_of(&t, h);
	fprintf(f, "@%s: count %llu%s", title, (unsigned long long)t.count,
		what);
	if (t.count)
		fprintf(f, ", avg %.1f, p50 %.1f, p99 %.1f, max %.0f", t.avg_ns,
			t.p50_ns, t.p99_ns, t.max_ns);
	fputc('\n', f);
	for (b = first; b <= last && first < KVMTRACE_HIST_BUCKETS; b++) {
		kvmtop_hist_bound(lo, sizeof(lo), kvmtop_bucket_lo(b));
		if (b == KVMTRACE_HIST_BUCKETS - 1) {
			snprintf(range, sizeof(range), "[%s, ...)", lo);
		} else {
			kvmtop_hist_bound(hi, sizeof(hi),
					  kvmtop_bucket_hi(b) + 1);
			snprintf(range, sizeof(range), "[%s, %s)", lo, hi);
		}
		w = (unsigned int)(h->b[b] * KVMTOP_BAR / top);
		memset(bar, '@', w);
		memset(bar + w, ' ', KVMTOP_BAR - w);
		bar[KVMTOP_BAR] = '\0';
		fprintf(f, "%-16s %8llu |%s|\n", range,
			(unsigned long long)h->b[b], bar);
	}
	fputc('\n', f);
}

/* Does REASON (a name or a 0x code) select r? NULL selects all. */
static bool kvmtop_hist_match(const char *want, const struct kvmtop_reason *r)
{
	unsigned int code;

	if (!want)
		return true;
	if (kvmtop_parse_hex(want, &code))
		return !r->other && r->code == code;
	return !strcasecmp(want, r->name);
}

static unsigned int kvmtop_hist_scope(FILE *f, const struct kvmtop_view *v,
				      const char *who,
				      const struct kvmtop_scope *s,
				      const char *want)
{
	static const char * const file[KVMTOP_WHERE_NR] = {
		"latency_ns", "user_latency_ns",
	};
	const struct kvmtop_scope *vs = kvmtop_view_scope(v, s);
	const char *what = v->rates ? " in the interval" : "";
	char title[NAME_MAX + 128];
	const struct kvmtop_reason *r;
	unsigned int i, w, n = 0;
	bool hlt = !want || !strcasecmp(want, "HLT");

	for (w = 0; w < KVMTOP_WHERE_NR; w++) {
		for (i = 0; i < vs->nr_reasons; i++) {
			r = &vs->reasons[i];
			if (!kvmtop_hist_match(want, r) ||
			    !kvmtop_hist_count(&r->lat[w]))
				continue;
			if (r->other)
				snprintf(title, sizeof(title), "%s[%s, OTHER]",
					 file[w], who);
			else
				snprintf(title, sizeof(title), "%s[%s, %s 0x%x]",
					 file[w], who, r->name, r->code);
			kvmtop_hist_print(f, title, &r->lat[w], what);
			n++;
		}
	}
	for (i = 0; hlt && i < KVMTOP_HLT_HIST_NR; i++) {
		if (!kvmtop_hist_count(&vs->hlt_hist[i]))
			continue;
		snprintf(title, sizeof(title), "%s_ns[%s]",
			 kvmtop_hlt_hists[i].name, who);
		kvmtop_hist_print(f, title, &vs->hlt_hist[i], what);
		n++;
	}
	return n;
}

int kvmtop_hist(FILE *f, const struct kvmtop_view *v,
		const struct kvmtop_sample *smp, const char *reason)
{
	char who[NAME_MAX + 32];
	unsigned int i, j, n = 0;

	if (v->rates)
		fprintf(f, "kvmtop: histograms of the last %.2f s", v->interval);
	else
		fprintf(f, "kvmtop: histograms since load or reset");
	fprintf(f, ", in ns; p50/p99 interpolated in the bucket, max its upper bound\n\n");
	for (i = 0; i < smp->nr_vms; i++) {
		const struct kvmtop_vm *vm = &smp->vms[i];

		if (!v->vcpus) {
			n += kvmtop_hist_scope(f, v, vm->name, &vm->s, reason);
			continue;
		}
		for (j = 0; j < vm->nr_vcpus; j++) {
			snprintf(who, sizeof(who), "%s vcpu%u", vm->name,
				 vm->vcpus[j].id);
			n += kvmtop_hist_scope(f, v, who, &vm->vcpus[j].s,
					       reason);
		}
	}
	if (!n)
		fprintf(f, "no histograms%s%s%s\n\n", reason ? " for " : "",
			reason ? reason : "",
			v->rates ? " in the interval" : "");
	return 0;
}
