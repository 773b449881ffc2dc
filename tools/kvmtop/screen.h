/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive screen: a raw terminal (no Enter needed), the keys and
 * the state they change, kept out of the data model.
 */
#ifndef KVMTOP_SCREEN_H
#define KVMTOP_SCREEN_H

#include <stdbool.h>
#include <termios.h>

#include "output.h"

struct kvmtop_screen {
	struct termios saved;
	bool raw;
	bool clear;			/* erase it all before the next frame */
	unsigned int rows;
	unsigned int cols;
	unsigned int sort;		/* index in kvmtop_sort_keys */
	char filter[NAME_MAX + 1];	/* empty: every VM */
	bool drill;			/* the filtered VM's vCPUs */
	bool help;
	bool totals;
	unsigned int top;
	const char *root;		/* for "reset" */
	char status[160];
};

struct kvmtop_key_help {
	const char *keys;
	const char *what;
};

extern const struct kvmtop_key_help kvmtop_screen_keys_help[];
extern const unsigned int kvmtop_nr_screen_keys;

/* What a key asks the main loop to do. */
enum {
	KVMTOP_KEY_REDRAW = 1 << 0,
	KVMTOP_KEY_QUIT = 1 << 1,
	KVMTOP_KEY_RESET = 1 << 2,	/* counters reset: take a new base */
};

int kvmtop_screen_start(struct kvmtop_screen *sc);
void kvmtop_screen_stop(struct kvmtop_screen *sc);
void kvmtop_screen_size(struct kvmtop_screen *sc);
unsigned int kvmtop_screen_keys(struct kvmtop_screen *sc, const char *in,
				unsigned int n,
				const struct kvmtop_sample *smp);
int kvmtop_screen_draw(struct kvmtop_screen *sc, struct kvmtop_view *v,
		       const struct kvmtop_sample *smp);
void kvmtop_screen_view(const struct kvmtop_screen *sc, struct kvmtop_view *v);

#endif /* KVMTOP_SCREEN_H */
