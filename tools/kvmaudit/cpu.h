/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU checks (Documentation/kvmaudit.rst, "NUMA and CPU"), per VM: vCPU
 * threads pinned within one node, vCPUs sharing caches, the guest's
 * topology and its CPU model.
 */
#ifndef KVMAUDIT_CPU_H
#define KVMAUDIT_CPU_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_vcpu_node);
KVMAUDIT_CHECK(kvmaudit_check_cache_share);
KVMAUDIT_CHECK(kvmaudit_check_topology);
KVMAUDIT_CHECK(kvmaudit_check_cpu_model);

#endif /* KVMAUDIT_CPU_H */
