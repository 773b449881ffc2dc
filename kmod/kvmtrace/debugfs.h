/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/kvmtrace/: the files of kmod/include/uapi/kvmtrace.h.
 * Optional: without debugfs kvmtrace counts all the same, unseen.
 */
#ifndef KVMTRACE_DEBUGFS_H
#define KVMTRACE_DEBUGFS_H

void kt_debugfs_init(void);
void kt_debugfs_exit(void);

#endif /* KVMTRACE_DEBUGFS_H */
