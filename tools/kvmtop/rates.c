// SPDX-License-Identifier: GPL-2.0
/*
 * Rates.  A counter only grows, so a smaller value means "reset" happened
 * in between, and the count since then is the value itself.  A VM, vCPU,
 * reason or MSR that was not in the previous sample counts from zero.
 * Values (the kvmtrace_keys.h kind VALUE, such as poll_ns) are kept as they
 * are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"

__u64 kvmtop_delta(__u64 cur, __u64 prev)
{
	return cur >= prev ? cur - prev : cur;
}

static void kvmtop_hist_delta(struct kvmtop_hist *h,
			      const struct kvmtop_hist *p)
{
	unsigned int b;

	for (b = 0; b < KVMTRACE_HIST_BUCKETS; b++)
		h->b[b] = kvmtop_delta(h->b[b], p->b[b]);
}

static const struct kvmtop_reason *
kvmtop_reason_find(const struct kvmtop_scope *s, const struct kvmtop_reason *r)
{
	unsigned int i;

	for (i = 0; i < s->nr_reasons; i++)
		if (s->reasons[i].other == r->other &&
		    (r->other || s->reasons[i].code == r->code))
			return &s->reasons[i];
	return NULL;
}

static const struct kvmtop_kv *kvmtop_kv_find(const struct kvmtop_kvs *kvs,
					      const char *key)
{
	unsigned int i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->kv[i].key, key))
			return &kvs->kv[i];
	return NULL;
}

static void *kvmtop_dup(const void *p, size_t size)
{
	void *q;

	if (!size)
		return NULL;
	q = malloc(size);
	if (q)
		memcpy(q, p, size);
	return q;
}

/* d := s with the counts of p taken off; p may be NULL (all new). */
static int kvmtop_scope_delta(struct kvmtop_scope *d,
			      const struct kvmtop_scope *s,
			      const struct kvmtop_scope *p)
{
	static const struct kvmtop_scope empty;
	const struct kvmtop_reason *pr;
	const struct kvmtop_kv *pkv;
	struct kvmtop_kv *kv;
	unsigned int i, j, f;

	if (!p)
		p = &empty;
	memset(d, 0, sizeof(*d));
	d->files = s->files;
	d->nr_reasons = s->nr_reasons;
	d->reasons_cap = s->nr_reasons;
	d->reasons = kvmtop_dup(s->reasons,
				s->nr_reasons * sizeof(*s->reasons));
	d->nr_msrs = s->nr_msrs;
	d->msrs = kvmtop_dup(s->msrs, s->nr_msrs * sizeof(*s->msrs));
	if ((s->nr_reasons && !d->reasons) || (s->nr_msrs && !d->msrs))
		goto out_nomem;
	for (f = 0; f < KVMTOP_FILE_NR; f++) {
		d->kv[f].nr = s->kv[f].nr;
		d->kv[f].kv = kvmtop_dup(s->kv[f].kv,
					 s->kv[f].nr * sizeof(*s->kv[f].kv));
		if (s->kv[f].nr && !d->kv[f].kv)
			goto out_nomem;
	}

	for (i = 0; i < d->nr_reasons; i++) {
		pr = kvmtop_reason_find(p, &d->reasons[i]);
		if (!pr)
			continue;
		d->reasons[i].exits = kvmtop_delta(d->reasons[i].exits,
						   pr->exits);
		for (j = 0; j < KVMTOP_WHERE_NR; j++)
			kvmtop_hist_delta(&d->reasons[i].lat[j], &pr->lat[j]);
	}
	d->exits_total = 0;
	for (i = 0; i < d->nr_reasons; i++)
		d->exits_total += d->reasons[i].exits;
	/* Both tables are sorted by index: walk them together. */
	for (i = 0, j = 0; i < d->nr_msrs; i++) {
		struct kvmtop_msr *m = &d->msrs[i];

		while (j < p->nr_msrs && p->msrs[j].index < m->index)
			j++;
		if (j < p->nr_msrs && p->msrs[j].index == m->index) {
			m->writes = kvmtop_delta(m->writes, p->msrs[j].writes);
			m->reads = kvmtop_delta(m->reads, p->msrs[j].reads);
		}
	}
	for (f = 0; f < KVMTOP_FILE_NR; f++) {
		for (i = 0; i < d->kv[f].nr; i++) {
			kv = &d->kv[f].kv[i];
			if (!kvmtop_kv_is_count(f, kv))
				continue;
			pkv = kvmtop_kv_find(&p->kv[f], kv->key);
			if (pkv && pkv->num)
				kv->v = kvmtop_delta(kv->v, pkv->v);
		}
	}
	for (i = 0; i < KVMTOP_HLT_HIST_NR; i++) {
		d->hlt_hist[i] = s->hlt_hist[i];
		kvmtop_hist_delta(&d->hlt_hist[i], &p->hlt_hist[i]);
	}
	return 0;

out_nomem:
	kvmtop_scope_free(d);
	return -ENOMEM;
}

static int kvmtop_scope_add_delta(struct kvmtop_scope *s,
				  const struct kvmtop_scope *p)
{
	int err;

	s->delta = calloc(1, sizeof(*s->delta));
	if (!s->delta)
		return -ENOMEM;
	err = kvmtop_scope_delta(s->delta, s, p);
	if (err) {
		free(s->delta);
		s->delta = NULL;
	}
	return err;
}

/* Give every scope of cur its delta against prev.  0 or -ENOMEM. */
int kvmtop_sample_delta(struct kvmtop_sample *cur,
			const struct kvmtop_sample *prev)
{
	const struct kvmtop_vcpu *pv;
	const struct kvmtop_vm *pvm;
	struct kvmtop_vm *vm;
	unsigned int i, j;
	int err;

	cur->interval =
		(double)(cur->mono.tv_sec - prev->mono.tv_sec) +
		(double)(cur->mono.tv_nsec - prev->mono.tv_nsec) / 1e9;
	if (cur->interval <= 0)
		return 0;
	for (i = 0; i < cur->nr_vms; i++) {
		vm = &cur->vms[i];
		pvm = NULL;
		if (prev->nr_vms)
			pvm = bsearch(vm, prev->vms, prev->nr_vms, sizeof(*vm),
				      kvmtop_cmp_vm);
		err = kvmtop_scope_add_delta(&vm->s, pvm ? &pvm->s : NULL);
		if (err)
			return err;
		for (j = 0; j < vm->nr_vcpus; j++) {
			pv = NULL;
			if (pvm && pvm->nr_vcpus)
				pv = bsearch(&vm->vcpus[j], pvm->vcpus,
					     pvm->nr_vcpus, sizeof(*pv),
					     kvmtop_cmp_vcpu);
			err = kvmtop_scope_add_delta(&vm->vcpus[j].s,
						     pv ? &pv->s : NULL);
			if (err)
				return err;
		}
	}
	cur->has_delta = true;
	return 0;
}
