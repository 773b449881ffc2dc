/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network checks (Documentation/kvmaudit.rst, "Network"): per NIC of a
 * QEMU VM vhost-net, multiqueue and ring sizes; per tap its queue length;
 * on the host, GRE tunnels with one queue and NIC XPS against them.
 */
#ifndef KVMAUDIT_NET_H
#define KVMAUDIT_NET_H

#include "audit.h"

KVMAUDIT_CHECK(kvmaudit_check_vhost);
KVMAUDIT_CHECK(kvmaudit_check_multiqueue);
KVMAUDIT_CHECK(kvmaudit_check_queue_size);
KVMAUDIT_CHECK(kvmaudit_check_txqueuelen);
KVMAUDIT_CHECK(kvmaudit_check_gre_queues);
KVMAUDIT_CHECK(kvmaudit_check_gre_xps);

#endif /* KVMAUDIT_NET_H */
