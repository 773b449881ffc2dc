/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/debug/kvmbench/: control and results (uapi/kvmbench.h). */
#ifndef KVMBENCH_DEBUGFS_H
#define KVMBENCH_DEBUGFS_H

void kb_debugfs_init(void);
void kb_debugfs_exit(void);

#endif /* KVMBENCH_DEBUGFS_H */
