// SPDX-License-Identifier: GPL-2.0
/*
 * Lines and tables that fit the terminal: a line longer than the width is
 * cut, a table first narrows its shrinkable column and then drops columns,
 * least important first; nothing is ever wrapped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

#define KVMTOP_LINE_MAX		1024

bool kvmtop_out_full(const struct kvmtop_out *o)
{
	return o->height && o->lines >= o->height;
}

void kvmtop_out_line(struct kvmtop_out *o, const char *fmt, ...)
{
	char line[KVMTOP_LINE_MAX];
	va_list ap;
	size_t len;

	if (kvmtop_out_full(o))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		len--;
	if (o->width && len > o->width)
		len = o->width;
	fwrite(line, 1, len, o->f);
	if (o->eol_clear)
		fputs("\033[K", o->f);
	fputc('\n', o->f);
	o->lines++;
}

static unsigned int kvmtop_table_width(const struct kvmtop_table *t)
{
	unsigned int i, w = t->indent, n = 0;

	for (i = 0; i < t->nr; i++) {
		if (!t->w[i])
			continue;
		w += t->w[i] + (n ? 1 : 0);
		n++;
	}
	return w;
}

void kvmtop_table_fit(struct kvmtop_table *t, const struct kvmtop_col *col,
		      unsigned int nr, unsigned int indent, unsigned int width)
{
	unsigned int i, over, drop;

	t->col = col;
	t->nr = nr < KVMTOP_MAX_COLS ? nr : KVMTOP_MAX_COLS;
	t->indent = indent;
	for (i = 0; i < t->nr; i++)
		t->w[i] = col[i].width;
	if (!width)
		return;
	for (i = 0; i < t->nr && kvmtop_table_width(t) > width; i++) {
		if (!col[i].min)
			continue;
		over = kvmtop_table_width(t) - width;
		t->w[i] -= over < t->w[i] - col[i].min ? over :
			   t->w[i] - col[i].min;
	}
	while (kvmtop_table_width(t) > width) {
		drop = t->nr;
		for (i = 0; i < t->nr; i++)
			if (t->w[i] && col[i].prio &&
			    (drop == t->nr || col[i].prio >= col[drop].prio))
				drop = i;
		if (drop == t->nr)
			break;		/* the line is cut instead */
		t->w[drop] = 0;
	}
}

void kvmtop_table_row(struct kvmtop_out *o, const struct kvmtop_table *t,
		      const char * const *cell)
{
	char line[KVMTOP_LINE_MAX];
	unsigned int i, n = 0;
	int len = 0;

	len = snprintf(line, sizeof(line), "%*s", (int)t->indent, "");
	for (i = 0; i < t->nr && len < (int)sizeof(line); i++) {
		int w = t->w[i];

		if (!w)
			continue;
		len += snprintf(line + len, sizeof(line) - len,
				t->col[i].left ? "%s%-*.*s" : "%s%*.*s",
				n++ ? " " : "", w, w, cell[i] ? cell[i] : "");
	}
	kvmtop_out_line(o, "%s", line);
}

void kvmtop_table_head(struct kvmtop_out *o, const struct kvmtop_table *t)
{
	const char *cell[KVMTOP_MAX_COLS];
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		cell[i] = t->col[i].head;
	kvmtop_table_row(o, t, cell);
}

/* Three significant digits, in ns, us, ms or s; "-" for none (< 0). */
void kvmtop_fmt_ns(char *buf, size_t size, double ns)
{
	static const char * const unit[] = { "ns", "us", "ms", "s" };
	unsigned int u = 0;

	if (ns < 0) {
		snprintf(buf, size, "-");
		return;
	}
	while (ns >= 999.5 && u < KVMTOP_ARRAY_SIZE(unit) - 1) {
		ns /= 1000;
		u++;
	}
	if (!u || ns >= 99.95)
		snprintf(buf, size, "%.0f%s", ns, unit[u]);
	else if (ns >= 9.995)
		snprintf(buf, size, "%.1f%s", ns, unit[u]);
	else
		snprintf(buf, size, "%.2f%s", ns, unit[u]);
}

void kvmtop_fmt_pct(char *buf, size_t size, double num, double den)
{
	if (den > 0)
		snprintf(buf, size, "%.1f%%", 100.0 * num / den);
	else
		snprintf(buf, size, "-");
}

void kvmtop_fmt_num(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.0f", v);
}
