/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory checks (Documentation/kvmaudit.rst, "Memory"): transparent
 * hugepages, KSM across nodes, zone reclaim, swappiness, automatic NUMA
 * balancing and numastat on the host; hugetlbfs backing and memory
 * locality per VM.
 */
#ifndef KVMAUDIT_MEM_H
#define KVMAUDIT_MEM_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_thp);
KVMAUDIT_CHECK(kvmaudit_check_ksm);
KVMAUDIT_CHECK(kvmaudit_check_zone_reclaim);
KVMAUDIT_CHECK(kvmaudit_check_swappiness);
KVMAUDIT_CHECK(kvmaudit_check_numa_balancing);
KVMAUDIT_CHECK(kvmaudit_check_numastat);
KVMAUDIT_CHECK(kvmaudit_check_hugepages);
KVMAUDIT_CHECK(kvmaudit_check_numa_local);

#endif /* KVMAUDIT_MEM_H */
