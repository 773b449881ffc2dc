// SPDX-License-Identifier: GPL-2.0
/*
 * Recording results.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

#define MAX_RESULTS	1048576u
#define MAX_EVIDENCE	256u

static const char * const verdict_names[KVMAUDIT_VERDICT_NR] = {
	[KVMAUDIT_PASS] = "PASS",
	[KVMAUDIT_SKIP] = "SKIP",
	[KVMAUDIT_WARN] = "WARN",
	[KVMAUDIT_FAIL] = "FAIL",
};

static_assert(KVMAUDIT_ARRAY_SIZE(verdict_names) == KVMAUDIT_VERDICT_NR,
	      "a verdict without a name");

const char *kvmaudit_verdict_name(enum kvmaudit_verdict v)
{
	return v < KVMAUDIT_VERDICT_NR ? verdict_names[v] : "?";
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		*oom = true;
	return p;
}

struct kvmaudit_result *kvmaudit_begin(struct kvmaudit_results *rs,
				       const char *check, const char *vm,
				       const char *item)
{
	struct kvmaudit_result *r;

	if (rs->oom || kvmaudit_grow((void **)&rs->r, &rs->cap, rs->nr,
				     sizeof(*rs->r), MAX_RESULTS)) {
		rs->oom = true;
		return NULL;
	}
	r = &rs->r[rs->nr];
	memset(r, 0, sizeof(*r));
	r->check = check;
	r->verdict = KVMAUDIT_SKIP;
	r->vm = dup_or_null(vm, &rs->oom);
	r->item = dup_or_null(item, &rs->oom);
	rs->nr++;
	return r;
}

static void add_ev(struct kvmaudit_result *r, const char *key, char *val,
		   bool num)
{
	struct kvmaudit_ev *e;

	if (!val || kvmaudit_grow((void **)&r->ev, &r->cap_ev, r->nr_ev,
				  sizeof(*r->ev), MAX_EVIDENCE)) {
		free(val);
		return;
	}
	e = &r->ev[r->nr_ev];
	e->key = strdup(key);
	if (!e->key) {
		free(val);
		return;
	}
	e->val = val;
	e->num = num;
	r->nr_ev++;
}

void kvmaudit_ev(struct kvmaudit_result *r, const char *key, const char *fmt, ...)
{
	struct kvmaudit_str s = { 0 };
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	kvmaudit_str_vadd(&s, fmt, ap);
	va_end(ap);
	if (s.oom) {
		kvmaudit_str_free(&s);
		return;
	}
	add_ev(r, key, kvmaudit_str_take(&s), false);
}

void kvmaudit_ev_u64(struct kvmaudit_result *r, const char *key, __u64 v)
{
	char buf[32];

	if (!r)
		return;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	add_ev(r, key, strdup(buf), true);
}

static char *vformat(const char *fmt, va_list ap)
{
	struct kvmaudit_str s = { 0 };

	kvmaudit_str_vadd(&s, fmt, ap);
	if (s.oom) {
		kvmaudit_str_free(&s);
		return NULL;
	}
	return kvmaudit_str_take(&s);
}

void kvmaudit_verdict(struct kvmaudit_result *r, enum kvmaudit_verdict v,
		      const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	r->verdict = v;
	free(r->reason);
	va_start(ap, fmt);
	r->reason = vformat(fmt, ap);
	va_end(ap);
}

void kvmaudit_fix(struct kvmaudit_result *r, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	free(r->fix);
	va_start(ap, fmt);
	r->fix = vformat(fmt, ap);
	va_end(ap);
}

enum kvmaudit_verdict kvmaudit_worst(const struct kvmaudit_results *rs)
{
	enum kvmaudit_verdict w = KVMAUDIT_PASS;
	unsigned int i;

	for (i = 0; i < rs->nr; i++)
		if (rs->r[i].verdict > w)
			w = rs->r[i].verdict;
	return w;
}

void kvmaudit_results_free(struct kvmaudit_results *rs)
{
	unsigned int i, j;

	for (i = 0; i < rs->nr; i++) {
		struct kvmaudit_result *r = &rs->r[i];

		for (j = 0; j < r->nr_ev; j++) {
			free(r->ev[j].key);
			free(r->ev[j].val);
		}
		free(r->ev);
		free(r->vm);
		free(r->item);
		free(r->reason);
		free(r->fix);
	}
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}
