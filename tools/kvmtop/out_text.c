// SPDX-License-Identifier: GPL-2.0
/*
 * The text screen: a header, then one block per VM (busiest first by the
 * sort key): its exit reasons with their share of exits and of time and
 * their handling times, the exits completed in userspace apart, its MSRs,
 * HLT and wakeup lines, and its vCPUs.  Drilled down (view->vcpus) a VM's
 * block is followed by a block per vCPU instead of the vCPU table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"

#define KVMTOP_CELL	64

struct kvmtop_rank {
	double key;
	unsigned int i;
};

static int kvmtop_cmp_rank(const void *a, const void *b)
{
	const struct kvmtop_rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static struct kvmtop_rank *kvmtop_ranks(unsigned int n)
{
	return calloc(n + 1, sizeof(struct kvmtop_rank));
}

/* A count as shown: per second, or as it is. */
static double kvmtop_shown(const struct kvmtop_view *v, __u64 count)
{
	return v->rates && v->interval > 0 ? (double)count / v->interval :
					     (double)count;
}

static const char *kvmtop_unit(const struct kvmtop_view *v)
{
	return v->rates ? "/s" : "";
}

/* ---- reasons ------------------------------------------------------------ */

enum {
	KVMTOP_RC_NAME, KVMTOP_RC_CODE, KVMTOP_RC_EXITS, KVMTOP_RC_EXITP,
	KVMTOP_RC_TIMEP, KVMTOP_RC_AVG, KVMTOP_RC_P50, KVMTOP_RC_P99,
	KVMTOP_RC_MAX, KVMTOP_RC_NR,
};

static const struct kvmtop_col kvmtop_reason_cols[2][KVMTOP_RC_NR] = {
	{
		{ "REASON", 24, 11, 0, true }, { "CODE", 10, 0, 5, false },
		{ "EXITS", 11, 0, 0, false }, { "EXIT%", 6, 0, 1, false },
		{ "TIME%", 6, 0, 1, false }, { "AVG", 7, 0, 3, false },
		{ "P50", 7, 0, 6, false }, { "P99", 7, 0, 2, false },
		{ "MAX", 7, 0, 4, false },
	}, {
		{ "USER_REASON", 24, 11, 0, true }, { "CODE", 10, 0, 5, false },
		{ "EXITS", 11, 0, 0, false }, { "USER%", 6, 0, 1, false },
		{ "TIME%", 6, 0, 1, false }, { "AVG", 7, 0, 3, false },
		{ "P50", 7, 0, 6, false }, { "P99", 7, 0, 2, false },
		{ "MAX", 7, 0, 4, false },
	},
};

static const char *kvmtop_exits_head(const struct kvmtop_view *v)
{
	return v->rates ? "EXITS/S" : "EXITS";
}

/*
 * The reasons of a scope, in the kernel (where KERNEL) or completed in
 * userspace (USER).  TIME% is a share of the time of all the rows of the
 * same histograms; HLT (halted time, not work) has none.
 */
static int kvmtop_show_reasons(struct kvmtop_out *o,
			       const struct kvmtop_view *v,
			       const struct kvmtop_scope *s,
			       enum kvmtop_where where)
{
	char cell[KVMTOP_RC_NR][KVMTOP_CELL];
	const char *cells[KVMTOP_RC_NR];
	struct kvmtop_col col[KVMTOP_RC_NR];
	const struct kvmtop_scope *vs = kvmtop_view_scope(v, s);
	const struct kvmtop_reason *r;
	struct kvmtop_table t;
	struct kvmtop_rank *rk;
	struct kvmtop_time tm;
	double time_all = 0;
	unsigned int i, n = 0;
	const struct kvmtop_hist *in_kernel;
	__u64 count, kernel;

	rk = kvmtop_ranks(vs->nr_reasons);
	if (!rk)
		return -ENOMEM;
	for (i = 0; i < vs->nr_reasons; i++) {
		r = &vs->reasons[i];
		kvmtop_time_of(&tm, &r->lat[where]);
		if (!kvmtop_reason_is_hlt(r) || where == KVMTOP_USER)
			time_all += tm.time_ns;
		count = where == KVMTOP_USER ? tm.count :
			r->other ? tm.count : r->exits;
		if (!count)
			continue;
		rk[n].key = where == KVMTOP_USER ? (double)tm.count :
			    v->sort->reason(vs, i);
		rk[n++].i = i;
	}
	if (!n && where == KVMTOP_USER)
		goto out_free;
	if (!n) {
		kvmtop_out_line(o, "  no exits%s",
				v->rates ? " in this interval" : "");
		goto out_free;
	}
	qsort(rk, n, sizeof(*rk), kvmtop_cmp_rank);
	memcpy(col, kvmtop_reason_cols[where], sizeof(col));
	col[KVMTOP_RC_EXITS].head = kvmtop_exits_head(v);
	kvmtop_table_fit(&t, col, KVMTOP_RC_NR, 2, o->width);
	kvmtop_table_head(o, &t);
	for (i = 0; i < n && i < v->top; i++) {
		r = &vs->reasons[rk[i].i];
		kvmtop_time_of(&tm, kvmtop_reason_hist(vs, r, where));
		snprintf(cell[KVMTOP_RC_NAME], KVMTOP_CELL, "%s", r->name);
		if (r->other)
			snprintf(cell[KVMTOP_RC_CODE], KVMTOP_CELL, "-");
		else
			snprintf(cell[KVMTOP_RC_CODE], KVMTOP_CELL, "0x%x",
				 r->code);
		if (where == KVMTOP_USER) {
			/*
			 * USER%: of the reason's exits in the two histograms,
			 * the share in this one (not of "exits", a file read
			 * at another moment: over an interval the two differ)
			 */
			in_kernel = kvmtop_reason_hist(vs, r, KVMTOP_KERNEL);
			kernel = kvmtop_hist_count(in_kernel);
			kvmtop_fmt_num(cell[KVMTOP_RC_EXITS], KVMTOP_CELL,
				       kvmtop_shown(v, tm.count));
			kvmtop_fmt_pct(cell[KVMTOP_RC_EXITP], KVMTOP_CELL,
				       (double)tm.count,
				       (double)(tm.count + kernel));
		} else if (r->other) {
			kvmtop_fmt_num(cell[KVMTOP_RC_EXITS], KVMTOP_CELL,
				       kvmtop_shown(v, tm.count));
			snprintf(cell[KVMTOP_RC_EXITP], KVMTOP_CELL, "-");
		} else {
			kvmtop_fmt_num(cell[KVMTOP_RC_EXITS], KVMTOP_CELL,
				       kvmtop_shown(v, r->exits));
			kvmtop_fmt_pct(cell[KVMTOP_RC_EXITP], KVMTOP_CELL,
				       (double)r->exits,
				       (double)vs->exits_total);
		}
		if (kvmtop_reason_is_hlt(r) && where == KVMTOP_KERNEL)
			snprintf(cell[KVMTOP_RC_TIMEP], KVMTOP_CELL, "-");
		else
			kvmtop_fmt_pct(cell[KVMTOP_RC_TIMEP], KVMTOP_CELL,
				       tm.time_ns, time_all);
		kvmtop_fmt_ns(cell[KVMTOP_RC_AVG], KVMTOP_CELL, tm.avg_ns);
		kvmtop_fmt_ns(cell[KVMTOP_RC_P50], KVMTOP_CELL, tm.p50_ns);
		kvmtop_fmt_ns(cell[KVMTOP_RC_P99], KVMTOP_CELL, tm.p99_ns);
		kvmtop_fmt_ns(cell[KVMTOP_RC_MAX], KVMTOP_CELL, tm.max_ns);
		for (count = 0; count < KVMTOP_RC_NR; count++)
			cells[count] = cell[count];
		kvmtop_table_row(o, &t, cells);
	}
out_free:
	free(rk);
	return 0;
}

/* ---- MSRs --------------------------------------------------------------- */

static int kvmtop_show_msrs(struct kvmtop_out *o, const struct kvmtop_view *v,
			    const struct kvmtop_scope *s)
{
	struct kvmtop_col col[] = {
		{ "MSR", 34, 12, 0, true },
		{ v->rates ? "WRITES/S" : "WRITES", 11, 0, 0, false },
		{ v->rates ? "READS/S" : "READS", 11, 0, 1, false },
	};
	const struct kvmtop_scope *vs = kvmtop_view_scope(v, s);
	bool by_writes = !strcmp(v->sort->name, "msr");
	char name[KVMTOP_CELL + 16], w[KVMTOP_CELL], r[KVMTOP_CELL];
	const char *cells[3] = { name, w, r };
	const struct kvmtop_msr *m;
	struct kvmtop_table t;
	struct kvmtop_rank *rk;
	unsigned int i, n = 0;

	rk = kvmtop_ranks(vs->nr_msrs);
	if (!rk)
		return -ENOMEM;
	for (i = 0; i < vs->nr_msrs; i++) {
		m = &vs->msrs[i];
		if (!m->writes && !m->reads)
			continue;
		rk[n].key = (double)m->writes + (by_writes ? 0 : m->reads);
		rk[n++].i = i;
	}
	if (!n)
		goto out_free;
	qsort(rk, n, sizeof(*rk), kvmtop_cmp_rank);
	kvmtop_table_fit(&t, col, KVMTOP_ARRAY_SIZE(col), 2, o->width);
	kvmtop_table_head(o, &t);
	for (i = 0; i < n && i < v->top; i++) {
		m = &vs->msrs[rk[i].i];
		snprintf(name, sizeof(name), "0x%-8x %s", m->index,
			 m->name[0] ? m->name : KVMTRACE_MSR_NO_NAME);
		kvmtop_fmt_num(w, sizeof(w), kvmtop_shown(v, m->writes));
		kvmtop_fmt_num(r, sizeof(r), kvmtop_shown(v, m->reads));
		kvmtop_table_row(o, &t, cells);
	}
out_free:
	free(rk);
	return 0;
}

/* ---- HLT, wakeups, npf ---------------------------------------------------- */

static void kvmtop_show_hlt(struct kvmtop_out *o, const struct kvmtop_view *v,
			    const struct kvmtop_scope *s, unsigned int nr_vcpus)
{
	const struct kvmtop_scope *vs = kvmtop_view_scope(v, s);
	char ok[16], halted[32], share[16], p50[16], p99[16];
	const char *u = kvmtop_unit(v);
	char npf[256];
	struct kvmtop_time ht;
	double ps, pf, piw, other, hns;
	unsigned int i;
	int len;

#define HLT(key)	kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_hlt, \
						      KVMTOP_HLT_##key))
	ps = HLT(poll_success);
	pf = HLT(poll_fail);
	hns = (double)kvmtop_kv_u64(vs, KVMTOP_FILE_hlt, KVMTOP_HLT_halted_ns);
	piw = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_wakeups, KVMTOP_WAKEUPS_piw));
	other = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_wakeups, KVMTOP_WAKEUPS_other));
	kvmtop_fmt_pct(ok, sizeof(ok), ps, ps + pf);
	if (v->rates)
		kvmtop_fmt_pct(halted, sizeof(halted), hns / 1e9,
			       v->interval * nr_vcpus);
	else
		snprintf(halted, sizeof(halted), "%.3f s", hns / 1e9);
	kvmtop_fmt_pct(share, sizeof(share), piw, piw + other);
	kvmtop_time_of(&ht, &vs->hlt_hist[KVMTOP_HLT_HIST_halt_hist]);
	kvmtop_fmt_ns(p50, sizeof(p50), ht.p50_ns);
	kvmtop_fmt_ns(p99, sizeof(p99), ht.p99_ns);
	kvmtop_out_line(o,
			"  hlt: exits %.0f%s  halts %.0f%s  poll success %.0f%s fail %.0f%s (%s)  halted %s  halt p50 %s p99 %s",
			HLT(exits), u, HLT(halts), u, ps, u, pf, u, ok, halted,
			p50, p99);
#undef HLT
	kvmtop_out_line(o, "  wakeups: piw %.0f%s  other %.0f%s  piw share %s",
			piw, u, other, u, share);
	if (!kvmtop_scope_has(vs, KVMTOP_FILE_npf))
		return;
	len = snprintf(npf, sizeof(npf), "  npf:");
	for (i = 0; i < vs->kv[KVMTOP_FILE_npf].nr && len < (int)sizeof(npf);
	     i++) {
		const struct kvmtop_kv *kv = &vs->kv[KVMTOP_FILE_npf].kv[i];

		if (v->rates && kv->num)
			len += snprintf(npf + len, sizeof(npf) - len,
					" %s %.0f/s", kv->key,
					kvmtop_shown(v, kv->v));
		else
			len += snprintf(npf + len, sizeof(npf) - len, " %s %s",
					kv->key, kv->val);
	}
	kvmtop_out_line(o, "%s", npf);
}

/* ---- scope summaries ------------------------------------------------------ */

/* The busiest reason and MSR of a scope as shown, or "-". */
static const char *kvmtop_top_reason(const struct kvmtop_scope *vs)
{
	const struct kvmtop_reason *best = NULL;
	unsigned int i;

	for (i = 0; i < vs->nr_reasons; i++)
		if (vs->reasons[i].exits &&
		    (!best || vs->reasons[i].exits > best->exits))
			best = &vs->reasons[i];
	return best ? best->name : "-";
}

static void kvmtop_top_msr(char *buf, size_t size,
			   const struct kvmtop_scope *vs)
{
	const struct kvmtop_msr *best = NULL;
	unsigned int i;

	for (i = 0; i < vs->nr_msrs; i++)
		if (vs->msrs[i].writes + vs->msrs[i].reads &&
		    (!best || vs->msrs[i].writes + vs->msrs[i].reads >
			      best->writes + best->reads))
			best = &vs->msrs[i];
	if (!best)
		snprintf(buf, size, "-");
	else if (best->name[0])
		snprintf(buf, size, "%s", best->name);
	else
		snprintf(buf, size, "0x%x", best->index);
}

/*
 * Time handling exits, exact from stats (exit_ns, user_exit_ns): with
 * rates, as a share of the vCPUs' time in the interval.
 */
static void kvmtop_fmt_busy(char *buf, size_t size,
			    const struct kvmtop_view *v,
			    const struct kvmtop_scope *vs,
			    enum kvmtop_stats_key key, unsigned int nr_vcpus)
{
	double ns;

	if (!kvmtop_kv_known(&vs->kv[KVMTOP_FILE_stats], key)) {
		snprintf(buf, size, "-");
		return;
	}
	ns = (double)kvmtop_kv_u64(vs, KVMTOP_FILE_stats, key);
	if (v->rates)
		kvmtop_fmt_pct(buf, size, ns / 1e9, v->interval * nr_vcpus);
	else
		kvmtop_fmt_ns(buf, size, ns);
}

static void kvmtop_scope_line(struct kvmtop_out *o,
			      const struct kvmtop_view *v,
			      const struct kvmtop_scope *s,
			      unsigned int nr_vcpus, const char *what)
{
	const struct kvmtop_scope *vs = kvmtop_view_scope(v, s);
	char kvm[32], vmm[32];

	kvmtop_fmt_busy(kvm, sizeof(kvm), v, vs, KVMTOP_STATS_exit_ns,
			nr_vcpus);
	kvmtop_fmt_busy(vmm, sizeof(vmm), v, vs, KVMTOP_STATS_user_exit_ns,
			nr_vcpus);
	kvmtop_out_line(o, "%s  exits %.0f%s  in KVM %s  in VMM %s", what,
			kvmtop_shown(v, vs->exits_total), kvmtop_unit(v), kvm,
			vmm);
}

static int kvmtop_show_scope(struct kvmtop_out *o, const struct kvmtop_view *v,
			     const struct kvmtop_scope *s, unsigned int nr_vcpus)
{
	int err;

	err = kvmtop_show_reasons(o, v, s, KVMTOP_KERNEL);
	if (!err)
		err = kvmtop_show_reasons(o, v, s, KVMTOP_USER);
	if (!err)
		err = kvmtop_show_msrs(o, v, s);
	if (!err)
		kvmtop_show_hlt(o, v, s, nr_vcpus);
	return err;
}

/* ---- vCPUs ------------------------------------------------------------- */

enum {
	KVMTOP_VC_ID, KVMTOP_VC_EXITS, KVMTOP_VC_HALTS, KVMTOP_VC_POLL,
	KVMTOP_VC_HALTED, KVMTOP_VC_PIW, KVMTOP_VC_OTHER, KVMTOP_VC_PIWP,
	KVMTOP_VC_P99, KVMTOP_VC_REASON, KVMTOP_VC_MSR, KVMTOP_VC_NR,
};

static int kvmtop_show_vcpus(struct kvmtop_out *o, const struct kvmtop_view *v,
			     const struct kvmtop_vm *vm)
{
	struct kvmtop_col col[KVMTOP_VC_NR] = {
		{ "VCPU", 6, 0, 0, true },
		{ v->rates ? "EXITS/S" : "EXITS", 12, 0, 0, false },
		{ v->rates ? "HALTS/S" : "HALTS", 10, 0, 3, false },
		{ "POLL_OK", 8, 0, 4, false },
		{ v->rates ? "HALTED" : "HALTED_S", 9, 0, 2, false },
		{ v->rates ? "PIW/S" : "PIW", 10, 0, 3, false },
		{ v->rates ? "OTHER/S" : "OTHER", 10, 0, 5, false },
		{ "PIW%", 6, 0, 4, false },
		{ "P99", 7, 0, 2, false },
		{ " TOP_REASON", 21, 9, 1, true },
		{ "TOP_MSR", 20, 7, 2, true },
	};
	char cell[KVMTOP_VC_NR][KVMTOP_CELL];
	const char *cells[KVMTOP_VC_NR];
	const struct kvmtop_scope *vs;
	struct kvmtop_table t;
	struct kvmtop_rank *rk;
	struct kvmtop_hist h;
	double ps, pf, piw, other;
	unsigned int i, j;

	if (!vm->nr_vcpus)
		return 0;
	rk = kvmtop_ranks(vm->nr_vcpus);
	if (!rk)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		rk[i].key = v->sort->scope(&vm->vcpus[i].s,
					   kvmtop_view_scope(v, &vm->vcpus[i].s));
		rk[i].i = i;
	}
	qsort(rk, vm->nr_vcpus, sizeof(*rk), kvmtop_cmp_rank);
	kvmtop_table_fit(&t, col, KVMTOP_VC_NR, 2, o->width);
	kvmtop_table_head(o, &t);
	for (i = 0; i < vm->nr_vcpus && i < v->top; i++) {
		const struct kvmtop_vcpu *c = &vm->vcpus[rk[i].i];

		vs = kvmtop_view_scope(v, &c->s);
		ps = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_hlt,
						   KVMTOP_HLT_poll_success));
		pf = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_hlt,
						   KVMTOP_HLT_poll_fail));
		piw = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_wakeups,
						    KVMTOP_WAKEUPS_piw));
		other = kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_wakeups,
						      KVMTOP_WAKEUPS_other));
		snprintf(cell[KVMTOP_VC_ID], KVMTOP_CELL, "%u", c->id);
		kvmtop_fmt_num(cell[KVMTOP_VC_EXITS], KVMTOP_CELL,
			       kvmtop_shown(v, vs->exits_total));
		kvmtop_fmt_num(cell[KVMTOP_VC_HALTS], KVMTOP_CELL,
			       kvmtop_shown(v, kvmtop_kv_u64(vs, KVMTOP_FILE_hlt,
							     KVMTOP_HLT_halts)));
		kvmtop_fmt_pct(cell[KVMTOP_VC_POLL], KVMTOP_CELL, ps, ps + pf);
		if (v->rates)
			kvmtop_fmt_pct(cell[KVMTOP_VC_HALTED], KVMTOP_CELL,
				       kvmtop_kv_u64(vs, KVMTOP_FILE_hlt,
						     KVMTOP_HLT_halted_ns) / 1e9,
				       v->interval);
		else
			snprintf(cell[KVMTOP_VC_HALTED], KVMTOP_CELL, "%.3f",
				 kvmtop_kv_u64(vs, KVMTOP_FILE_hlt,
					       KVMTOP_HLT_halted_ns) / 1e9);
		kvmtop_fmt_num(cell[KVMTOP_VC_PIW], KVMTOP_CELL, piw);
		kvmtop_fmt_num(cell[KVMTOP_VC_OTHER], KVMTOP_CELL, other);
		kvmtop_fmt_pct(cell[KVMTOP_VC_PIWP], KVMTOP_CELL, piw,
			       piw + other);
		kvmtop_scope_hist(vs, KVMTOP_KERNEL, &h);
		kvmtop_fmt_ns(cell[KVMTOP_VC_P99], KVMTOP_CELL,
			      kvmtop_hist_quantile(&h, 0.99));
		snprintf(cell[KVMTOP_VC_REASON], KVMTOP_CELL, " %s",
			 kvmtop_top_reason(vs));
		kvmtop_top_msr(cell[KVMTOP_VC_MSR], KVMTOP_CELL, vs);
		for (j = 0; j < KVMTOP_VC_NR; j++)
			cells[j] = cell[j];
		kvmtop_table_row(o, &t, cells);
	}
	if (i < vm->nr_vcpus)
		kvmtop_out_line(o, "  ... %u more vCPUs", vm->nr_vcpus - i);
	free(rk);
	return 0;
}

/* Drilled down: every vCPU of the VM with its own tables. */
static int kvmtop_show_vcpu_blocks(struct kvmtop_out *o,
				   const struct kvmtop_view *v,
				   const struct kvmtop_vm *vm)
{
	struct kvmtop_rank *rk;
	char what[64];
	unsigned int i;
	int err = 0;

	rk = kvmtop_ranks(vm->nr_vcpus);
	if (!rk)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		rk[i].key = v->sort->scope(&vm->vcpus[i].s,
					   kvmtop_view_scope(v, &vm->vcpus[i].s));
		rk[i].i = i;
	}
	qsort(rk, vm->nr_vcpus, sizeof(*rk), kvmtop_cmp_rank);
	for (i = 0; i < vm->nr_vcpus && !err; i++) {
		const struct kvmtop_vcpu *c = &vm->vcpus[rk[i].i];

		kvmtop_out_line(o, "%s", "");
		snprintf(what, sizeof(what), "vCPU %u of %.32s", c->id,
			 vm->name);
		kvmtop_scope_line(o, v, &c->s, 1, what);
		err = kvmtop_show_scope(o, v, &c->s, 1);
	}
	if (!vm->nr_vcpus)
		kvmtop_out_line(o, "  no vCPUs");
	free(rk);
	return err;
}

/* ---- the screen ------------------------------------------------------------ */

static void kvmtop_header(struct kvmtop_out *o, const struct kvmtop_view *v,
			  const struct kvmtop_sample *smp, unsigned int nr_vms,
			  unsigned int nr_vcpus, __u64 exits)
{
	char when[32], line[512], state[128] = "";
	unsigned int i;
	struct tm tm;
	int len;

	localtime_r(&smp->real.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (v->filter)
		snprintf(state, sizeof(state), "  %s %.64s",
			 v->vcpus ? "vCPUs of" : "filter", v->filter);
	if (v->rates)
		len = snprintf(line, sizeof(line), "interval %.2f s",
			       v->interval);
	else
		len = snprintf(line, sizeof(line), "totals");
	kvmtop_out_line(o, "kvmtop %s  %s  VMs %u  vCPUs %u  exits %.0f%s  sort %s%s",
			when, line, nr_vms, nr_vcpus, kvmtop_shown(v, exits),
			kvmtop_unit(v), v->sort->name, state);
	len = snprintf(line, sizeof(line), "kvmtrace:");
	for (i = 0; i < smp->summary.nr && len < (int)sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %s %s",
				smp->summary.kv[i].key, smp->summary.kv[i].val);
	kvmtop_out_line(o, "%s", line);
	kvmtop_out_line(o, "%s",
			"times from log2 buckets: AVG at bucket middles, P50/P99 interpolated in the bucket, MAX its upper bound");
}

int kvmtop_text(struct kvmtop_out *o, const struct kvmtop_view *v,
		const struct kvmtop_sample *smp)
{
	unsigned int i, n = 0, nr_vcpus = 0;
	struct kvmtop_rank *rk;
	char what[NAME_MAX + 128];
	__u64 exits = 0;
	int err = 0;

	rk = kvmtop_ranks(smp->nr_vms);
	if (!rk)
		return -ENOMEM;
	for (i = 0; i < smp->nr_vms; i++) {
		const struct kvmtop_vm *vm = &smp->vms[i];

		if (v->filter && strcmp(vm->name, v->filter))
			continue;
		rk[n].key = v->sort->scope(&vm->s, kvmtop_view_scope(v, &vm->s));
		rk[n++].i = i;
		nr_vcpus += vm->nr_vcpus;
		exits += kvmtop_view_scope(v, &vm->s)->exits_total;
	}
	qsort(rk, n, sizeof(*rk), kvmtop_cmp_rank);
	kvmtop_header(o, v, smp, n, nr_vcpus, exits);
	for (i = 0; i < n && !err && !kvmtop_out_full(o); i++) {
		const struct kvmtop_vm *vm = &smp->vms[rk[i].i];

		kvmtop_out_line(o, "%s", "");
		if (vm->guest[0])
			snprintf(what, sizeof(what), "VM %s  guest %s  pid %ld  vcpus %u",
				 vm->name, vm->guest, vm->pid, vm->nr_vcpus);
		else
			snprintf(what, sizeof(what), "VM %s  pid %ld  vcpus %u",
				 vm->name, vm->pid, vm->nr_vcpus);
		kvmtop_scope_line(o, v, &vm->s, vm->nr_vcpus, what);
		if (v->vcpus) {
			err = kvmtop_show_vcpu_blocks(o, v, vm);
			continue;
		}
		err = kvmtop_show_scope(o, v, &vm->s, vm->nr_vcpus);
		if (!err)
			err = kvmtop_show_vcpus(o, v, vm);
	}
	if (!n) {
		kvmtop_out_line(o, "%s", "");
		kvmtop_out_line(o, "no VMs%s", v->filter ? " by this name" :
				v->pid >= 0 ? " for this pid" : "");
	}
	free(rk);
	return err;
}
