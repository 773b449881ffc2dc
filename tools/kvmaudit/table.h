/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of checks, in the order they run and print: host checks once,
 * VM checks once per VM (and, within one, per disk, NIC or tap).
 */
#ifndef KVMAUDIT_TABLE_H
#define KVMAUDIT_TABLE_H

#include <stdbool.h>

#include "audit.h"

struct kvmaudit_check {
	const char *name;	/* area.what, e.g. "mem.thp" */
	bool per_vm;
	const char *title;
	const char *seed;	/* where the advice comes from */
	void (*run)(struct kvmaudit *a, const char *check,
		    const struct kvmaudit_vm *vm);
};

extern const struct kvmaudit_check kvmaudit_checks[];
extern const unsigned int kvmaudit_nr_checks;

/*
 * Does name match a selection, a comma-separated list of check names or
 * areas ("mem", "net.vhost")? NULL selects everything.
 */
bool kvmaudit_selected_check(const char *sel, const char *name);
/* Is every item of a selection a check or an area? */
bool kvmaudit_valid_selection(const char *sel, char *bad, size_t size);

/* Run the selected checks: host ones, then each VM's. */
void kvmaudit_run(struct kvmaudit *a, const char *sel);

#endif /* KVMAUDIT_TABLE_H */
