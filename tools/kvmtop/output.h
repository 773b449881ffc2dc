/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtop's outputs: the text screen, JSON, Prometheus and histograms.
 * What is shown and how (rates or totals, sort key, filter, the terminal's
 * size) is a struct kvmtop_view, kept apart from the data it shows.
 */
#ifndef KVMTOP_OUTPUT_H
#define KVMTOP_OUTPUT_H

#include <stdio.h>

#include "sample.h"
#include "stats.h"

/* The sort-key table (-s, and "s" on the screen). */
struct kvmtop_sort_key {
	const char *name;
	const char *help;
	/* s: the totals; v: what is shown (s, or its delta for rates) */
	double (*scope)(const struct kvmtop_scope *s,
			const struct kvmtop_scope *v);
	double (*reason)(const struct kvmtop_scope *v, unsigned int i);
};

extern const struct kvmtop_sort_key kvmtop_sort_keys[];
extern const unsigned int kvmtop_nr_sort_keys;
const struct kvmtop_sort_key *kvmtop_sort_key(const char *name);

struct kvmtop_view {
	bool rates;			/* deltas per second, else totals */
	double interval;
	const struct kvmtop_sort_key *sort;
	unsigned int top;		/* rows per table */
	const char *filter;		/* only this VM (by name), or NULL */
	bool vcpus;			/* per-vCPU blocks (drill-down, --hist -V) */
	bool screen;			/* the interactive screen */
	unsigned int width;		/* 0: no limit */
	unsigned int height;		/* 0: no limit */
	long pid;			/* the -p filter, -1 for none */
};

/* The scope a view shows: the totals, or their delta. */
static inline const struct kvmtop_scope *
kvmtop_view_scope(const struct kvmtop_view *v, const struct kvmtop_scope *s)
{
	return v->rates && s->delta ? s->delta : s;
}

/* Lines out, cut at the width and stopped at the height: never wrapped. */
struct kvmtop_out {
	FILE *f;
	unsigned int width;
	unsigned int height;
	unsigned int lines;
	bool eol_clear;			/* erase to the end of each line */
};

void kvmtop_out_line(struct kvmtop_out *o, const char *fmt, ...);
bool kvmtop_out_full(const struct kvmtop_out *o);

/* A table whose columns are narrowed, then dropped, to fit the width. */
#define KVMTOP_MAX_COLS		16

struct kvmtop_col {
	const char *head;
	unsigned int width;
	unsigned int min;		/* > 0: may shrink to this */
	unsigned int prio;		/* 0 always shown; higher dropped first */
	bool left;
};

struct kvmtop_table {
	const struct kvmtop_col *col;
	unsigned int nr;
	unsigned int indent;
	unsigned int w[KVMTOP_MAX_COLS];	/* 0: dropped */
};

void kvmtop_table_fit(struct kvmtop_table *t, const struct kvmtop_col *col,
		      unsigned int nr, unsigned int indent, unsigned int width);
void kvmtop_table_row(struct kvmtop_out *o, const struct kvmtop_table *t,
		      const char * const *cell);
void kvmtop_table_head(struct kvmtop_out *o, const struct kvmtop_table *t);

/* Formatting of numbers for people. */
void kvmtop_fmt_ns(char *buf, size_t size, double ns);
void kvmtop_fmt_pct(char *buf, size_t size, double num, double den);
void kvmtop_fmt_num(char *buf, size_t size, double v);

int kvmtop_text(struct kvmtop_out *o, const struct kvmtop_view *v,
		const struct kvmtop_sample *smp);
void kvmtop_json(FILE *f, const struct kvmtop_sample *smp);

/* --prometheus=FORMAT */
enum kvmtop_prom_format {
	KVMTOP_PROM_OPENMETRICS,	/* OpenMetrics 1.0 */
	KVMTOP_PROM_TEXT,		/* the text format 0.0.4 */
};

void kvmtop_prometheus(FILE *f, const struct kvmtop_sample *smp,
		       enum kvmtop_prom_format format);
int kvmtop_hist(FILE *f, const struct kvmtop_view *v,
		const struct kvmtop_sample *smp, const char *reason);

#endif /* KVMTOP_OUTPUT_H */
