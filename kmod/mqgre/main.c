// SPDX-License-Identifier: GPL-2.0
/*
 * mqgre: multiqueue GRE tunnels whose transmit path keeps the queue a
 * guest chose, from tun through a bridge or a route and GRE to the NIC.
 *
 *   ip link add gt0 type mqgretap local 10.0.0.1 remote 10.0.0.2 key 42
 *
 * See Documentation/mqgre.rst.
 */
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "uapi/mqgre.h"
#include "link.h"
#include "nicq.h"
#include "rcv.h"

static int __init mqgre_init(void)
{
	int ret;

	ret = mqgre_nicq_init();
	if (ret)
		return ret;
	ret = mqgre_link_init();
	if (ret)
		goto err_nicq;
	ret = mqgre_rcv_init();
	if (ret)
		goto err_link;
	return 0;

err_link:
	mqgre_link_exit();
err_nicq:
	mqgre_nicq_exit();
	return ret;
}

static void __exit mqgre_exit(void)
{
	mqgre_rcv_exit();
	mqgre_link_exit();
	mqgre_nicq_exit();
}

module_init(mqgre_init);
module_exit(mqgre_exit);

MODULE_DESCRIPTION("Multiqueue GRE tunnels that keep the guest's queue to the NIC");
MODULE_LICENSE("GPL");
/* "ip link add ... type mqgre|mqgretap" loads the module */
MODULE_ALIAS_RTNL_LINK(MQGRE_KIND);
MODULE_ALIAS_RTNL_LINK(MQGRETAP_KIND);
