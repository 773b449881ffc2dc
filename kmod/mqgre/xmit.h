/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mqgre's transmit path: the tunnel queue a frame leaves on, its GRE and
 * IPv4 encapsulation, and the NIC queue it is kept on.
 */
#ifndef MQGRE_XMIT_H
#define MQGRE_XMIT_H

#include <linux/netdevice.h>

u16 mqgre_select_queue(struct net_device *dev, struct sk_buff *skb,
		       struct net_device *sb_dev);
netdev_tx_t mqgre_xmit(struct sk_buff *skb, struct net_device *dev);

#endif /* MQGRE_XMIT_H */
