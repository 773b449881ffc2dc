/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IRQ checks (Documentation/kvmaudit.rst, "NUMA and CPU"): host CPUs set
 * aside for NIC interrupts, and a VM's vCPUs kept off them.
 */
#ifndef KVMAUDIT_IRQ_H
#define KVMAUDIT_IRQ_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_nic_irqs);
KVMAUDIT_CHECK(kvmaudit_check_vcpu_irqs);

#endif /* KVMAUDIT_IRQ_H */
