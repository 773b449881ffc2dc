/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storage checks (Documentation/kvmaudit.rst, "Storage"), per disk of a
 * QEMU VM: the bus, the cache mode, the AIO engine and the I/O scheduler
 * of the host device behind it.
 */
#ifndef KVMAUDIT_DISK_H
#define KVMAUDIT_DISK_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_disk_bus);
KVMAUDIT_CHECK(kvmaudit_check_disk_cache);
KVMAUDIT_CHECK(kvmaudit_check_disk_aio);
KVMAUDIT_CHECK(kvmaudit_check_disk_scheduler);

#endif /* KVMAUDIT_DISK_H */
