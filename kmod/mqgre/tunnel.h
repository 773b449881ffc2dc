/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An mqgre tunnel: the private data of an mqgre or mqgretap net_device.
 */
#ifndef MQGRE_TUNNEL_H
#define MQGRE_TUNNEL_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <net/ip_tunnels.h>

#include "spread.h"

struct mqgre_tunnel {
	/* first: the ip_tunnel library takes netdev_priv() for its own */
	struct ip_tunnel ip;
	struct mqgre_spread spread;
	/* the namespace's tunnels (struct mqgre_net), under RTNL */
	struct hlist_node node;
	/* ip_tunnel_init()'s destructor, which ours chains to */
	void (*ip_destructor)(struct net_device *dev);
};

static inline struct mqgre_tunnel *mqgre_tunnel(const struct net_device *dev)
{
	return netdev_priv(dev);
}

#endif /* MQGRE_TUNNEL_H */
