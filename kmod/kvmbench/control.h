/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmbench's settings (cpu, goal, repeats) and the commands of its control
 * file that change them or start a run. Commands are serialised; while a
 * run is in progress every other command fails with -EBUSY.
 */
#ifndef KVMBENCH_CONTROL_H
#define KVMBENCH_CONTROL_H

#include <linux/seq_file.h>

int kb_control_check_params(void);
/* one command; -EINVAL (nothing changed), -EBUSY, or the run's error */
int kb_control_apply(char *cmd);
void kb_control_show(struct seq_file *m);

#endif /* KVMBENCH_CONTROL_H */
