// SPDX-License-Identifier: GPL-2.0
/*
 * The interactive screen.  The terminal is put in raw mode (no echo, no
 * line buffering; Ctrl-C still interrupts) and the alternate screen, and
 * both are restored on exit.  Every frame is drawn from the top, each line
 * cut at the width and erased to its end, so nothing ever wraps; the last
 * row is the key line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "screen.h"

#define KVMTOP_ESC		0x1b

int kvmtop_screen_start(struct kvmtop_screen *sc)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &sc->saved))
		return -errno;
	t = sc->saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
		return -errno;
	sc->raw = true;
	/* the alternate screen, cursor hidden */
	fputs("\033[?1049h\033[?25l", stdout);
	fflush(stdout);
	kvmtop_screen_size(sc);
	return 0;
}

void kvmtop_screen_stop(struct kvmtop_screen *sc)
{
	if (!sc->raw)
		return;
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &sc->saved);
	sc->raw = false;
}

void kvmtop_screen_size(struct kvmtop_screen *sc)
{
	struct winsize ws;

	sc->clear = true;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row) {
		sc->cols = 80;
		sc->rows = 24;
		return;
	}
	sc->cols = ws.ws_col;
	sc->rows = ws.ws_row;
}

void kvmtop_screen_view(const struct kvmtop_screen *sc, struct kvmtop_view *v)
{
	v->sort = &kvmtop_sort_keys[sc->sort];
	v->filter = sc->filter[0] ? sc->filter : NULL;
	v->vcpus = sc->drill && sc->filter[0];
	v->top = sc->top;
	v->width = sc->cols;
	v->height = sc->rows > 1 ? sc->rows - 1 : 1;
	v->screen = true;
}

/* The VM after the filtered one, by name; none after the last. */
static void kvmtop_screen_next_vm(struct kvmtop_screen *sc,
				  const struct kvmtop_sample *smp)
{
	unsigned int i;

	sc->drill = false;
	for (i = 0; smp && i < smp->nr_vms; i++) {
		if (!sc->filter[0] || strcmp(smp->vms[i].name, sc->filter) > 0) {
			kvmtop_copy(sc->filter, sizeof(sc->filter),
				    smp->vms[i].name);
			return;
		}
	}
	sc->filter[0] = '\0';
}

/* The VM drilled into: the filtered one, else the busiest shown. */
static void kvmtop_screen_drill(struct kvmtop_screen *sc,
				const struct kvmtop_sample *smp)
{
	const struct kvmtop_sort_key *key = &kvmtop_sort_keys[sc->sort];
	const struct kvmtop_vm *best = NULL;
	double bv = 0, x;
	unsigned int i;

	if (!sc->filter[0]) {
		for (i = 0; smp && i < smp->nr_vms; i++) {
			const struct kvmtop_scope *s = &smp->vms[i].s;

			x = key->scope(s, !sc->totals && s->delta ? s->delta : s);
			if (!best || x > bv) {
				best = &smp->vms[i];
				bv = x;
			}
		}
		if (!best) {
			snprintf(sc->status, sizeof(sc->status), "no VM to drill into");
			return;
		}
		kvmtop_copy(sc->filter, sizeof(sc->filter), best->name);
	}
	sc->drill = true;
}

static void kvmtop_screen_reset(struct kvmtop_screen *sc)
{
	const char *ctl = kvmtop_host_file_name(KVMTOP_HOST_control);
	const char *cmd = kvmtop_command_name(KVMTOP_CMD_reset);
	int err = kvmtop_control(sc->root, KVMTOP_CMD_reset);

	if (err)
		snprintf(sc->status, sizeof(sc->status),
			 "%s failed: %.80s/%s: %s", cmd, sc->root, ctl,
			 strerror(-err));
	else
		snprintf(sc->status, sizeof(sc->status),
			 "counters reset (wrote \"%s\" to %.80s/%s)", cmd,
			 sc->root, ctl);
}

/* Act on the bytes read from the terminal. */
unsigned int kvmtop_screen_keys(struct kvmtop_screen *sc, const char *in,
				unsigned int n,
				const struct kvmtop_sample *smp)
{
	unsigned int i, todo = 0;
	char c;

	for (i = 0; i < n; i++) {
		c = in[i];
		todo |= KVMTOP_KEY_REDRAW;
		sc->status[0] = '\0';
		if (c == KVMTOP_ESC && i + 1 < n &&
		    (in[i + 1] == '[' || in[i + 1] == 'O')) {
			/* a cursor key or the like: skip the sequence */
			for (i += 2; i < n && (in[i] < 0x40 || in[i] > 0x7e); i++)
				;
			continue;
		}
		if (sc->help && c != 'q' && c != 'Q') {
			sc->help = false;
			continue;
		}
		switch (c) {
		case 'q':
		case 'Q':
			return todo | KVMTOP_KEY_QUIT;
		case 'h':
		case '?':
			sc->help = true;
			break;
		case 's':
			sc->sort = (sc->sort + 1) % kvmtop_nr_sort_keys;
			break;
		case 'S':
			sc->sort = (sc->sort + kvmtop_nr_sort_keys - 1) %
				   kvmtop_nr_sort_keys;
			break;
		case 'f':
			kvmtop_screen_next_vm(sc, smp);
			break;
		case 'F':
			sc->filter[0] = '\0';
			sc->drill = false;
			break;
		case 'd':
		case '\r':
		case '\n':
			kvmtop_screen_drill(sc, smp);
			break;
		case 'u':
		case KVMTOP_ESC:
		case 0x7f:
		case '\b':
			if (sc->drill)
				sc->drill = false;
			else
				sc->filter[0] = '\0';
			break;
		case 'r':
			kvmtop_screen_reset(sc);
			todo |= KVMTOP_KEY_RESET;
			break;
		case 't':
			sc->totals = !sc->totals;
			break;
		case '+':
			if (sc->top < 1000)
				sc->top++;
			break;
		case '-':
			if (sc->top > 1)
				sc->top--;
			break;
		default:
			snprintf(sc->status, sizeof(sc->status),
				 "unknown key; h for help");
			break;
		}
	}
	return todo;
}

/* The keys, for the help screen and --help. */
const struct kvmtop_key_help kvmtop_screen_keys_help[] = {
	{ "s S", "next / previous sort key" },
	{ "f", "show only the next VM (by name); after the last, all VMs" },
	{ "F", "all VMs again" },
	{ "d Enter", "drill down: the vCPUs of the shown (or busiest) VM" },
	{ "u Esc Bksp", "up: leave the vCPUs, then the filter" },
	{ "r", "reset the counters (writes \"reset\" to control)" },
	{ "t", "totals / rates" },
	{ "+ -", "one row more / less per table" },
	{ "h ?", "this help; any key leaves it" },
	{ "q", "quit (also Ctrl-C)" },
};

const unsigned int kvmtop_nr_screen_keys =
	KVMTOP_ARRAY_SIZE(kvmtop_screen_keys_help);

static void kvmtop_screen_help(struct kvmtop_out *o)
{
	unsigned int i;

	kvmtop_out_line(o, "kvmtop keys (no Enter needed)");
	kvmtop_out_line(o, "%s", "");
	for (i = 0; i < kvmtop_nr_screen_keys; i++)
		kvmtop_out_line(o, "  %-12s %s", kvmtop_screen_keys_help[i].keys,
				kvmtop_screen_keys_help[i].what);
	kvmtop_out_line(o, "%s", "");
	kvmtop_out_line(o, "sort keys (-s KEY):");
	for (i = 0; i < kvmtop_nr_sort_keys; i++)
		kvmtop_out_line(o, "  %-12s %s", kvmtop_sort_keys[i].name,
				kvmtop_sort_keys[i].help);
	kvmtop_out_line(o, "%s", "");
	kvmtop_out_line(o, "times come from log2 buckets: AVG at bucket middles, P50/P99");
	kvmtop_out_line(o, "%s",
			"interpolated in the bucket, MAX its upper bound (Documentation/kvmtop.rst)");
}

int kvmtop_screen_draw(struct kvmtop_screen *sc, struct kvmtop_view *v,
		       const struct kvmtop_sample *smp)
{
	struct kvmtop_out o = { .f = stdout, .eol_clear = true };
	char keys[256];
	int err = 0;

	kvmtop_screen_view(sc, v);
	o.width = v->width;
	o.height = v->height;
	if (sc->clear)
		fputs("\033[2J", stdout);
	sc->clear = false;
	fputs("\033[H", stdout);
	if (sc->help)
		kvmtop_screen_help(&o);
	else if (smp)
		err = kvmtop_text(&o, v, smp);
	else
		kvmtop_out_line(&o, "kvmtop: the first sample comes after one interval");
	fputs("\033[J", stdout);
	/* the key line, or what the last key did, in reverse video */
	snprintf(keys, sizeof(keys), "%s", sc->status[0] ? sc->status :
		 "s:sort f:filter d:drill u:up r:reset t:totals h:help q:quit");
	if (strlen(keys) > sc->cols)
		keys[sc->cols] = '\0';
	printf("\033[%u;1H\033[7m%-*s\033[0m", sc->rows, (int)sc->cols, keys);
	return err;
}
