/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mqgre and mqgretap link kinds: net_devices, rtnetlink, and the
 * per-namespace tunnel tables the receive path looks tunnels up in.
 */
#ifndef MQGRE_LINK_H
#define MQGRE_LINK_H

#include <linux/types.h>

struct net;
struct ip_tunnel_net;

int mqgre_link_init(void);
void mqgre_link_exit(void);

/* The tunnel table of @net for L2 (mqgretap) or L3 (mqgre) tunnels */
struct ip_tunnel_net *mqgre_itn(struct net *net, bool tap);

#endif /* MQGRE_LINK_H */
