// SPDX-License-Identifier: GPL-2.0
/*
 * mqgre's transmit path. The tunnel is lockless (lltx) and has no qdisc
 * (noqueue) on any of its queues, so nothing here is shared between CPUs
 * but the tunnel's read-mostly configuration, its per-CPU route cache and
 * statistics, and, with the "seq" option, its sequence counter:
 *
 *   select_queue: tunnel queue = the VM's base + the guest's queue
 *                 (spread.c), from the queue tun recorded
 *   xmit:         GRE header, route (per-CPU cache), path MTU, then the
 *                 frame is owned by the socket of NIC queue
 *                 tunnel queue mod NIC queues (nicq.c), and sent
 *
 * The outer header and the path MTU rules are those of ip_gre's gretap and
 * gre for point-to-point tunnels (no NBMA, no metadata mode, no FOU/GUE).
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <net/dst.h>
#include <net/dst_metadata.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/inet_dscp.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/route.h>

#include "nicq.h"
#include "spread.h"
#include "tunnel.h"
#include "xmit.h"

u16 mqgre_select_queue(struct net_device *dev, struct sk_buff *skb,
		       struct net_device *sb_dev)
{
	struct mqgre_tunnel *mt = mqgre_tunnel(dev);

	return mqgre_spread_pick(&mt->spread, skb, dev_net(dev));
}

/*
 * The path MTU check of ip_tunnel_xmit(): with DF, the route's MTU less
 * the outer headers; a frame too big for it is refused with an ICMP "too
 * big" to its sender, and the inner route learns the MTU.
 */
static int mqgre_check_pmtu(struct net_device *dev, struct sk_buff *skb,
			    struct rtable *rt, __be16 df,
			    const struct iphdr *inner_iph)
{
	struct ip_tunnel *t = netdev_priv(dev);
	int l2 = dev->type == ARPHRD_ETHER ? dev->hard_header_len : 0;
	int len = skb->len - t->hlen - l2;
	int mtu;

	if (df)
		mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr) - t->hlen - l2;
	else
		mtu = skb_valid_dst(skb) ? dst_mtu(skb_dst(skb)) : dev->mtu;

	if (skb_valid_dst(skb))
		skb_dst_update_pmtu_no_confirm(skb, mtu);

	if (skb_is_gso(skb) || len <= mtu)
		return 0;
	if (skb->protocol == htons(ETH_P_IP) &&
	    (inner_iph->frag_off & htons(IP_DF))) {
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		return -E2BIG;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6) && mtu >= IPV6_MIN_MTU) {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		return -E2BIG;
	}
#endif
	return 0;
}

/* Outer IPv4 header and send; @skb starts with the GRE header. */
static void mqgre_ip_xmit(struct sk_buff *skb, struct net_device *dev,
			  u16 txq)
{
	struct ip_tunnel *t = netdev_priv(dev);
	const struct iphdr *tnl = &t->parms.iph;
	const struct iphdr *inner_iph;
	__be16 payload = skb_protocol(skb, true);
	unsigned int headroom;
	bool cache = true;
	struct flowi4 fl4;
	struct rtable *rt;
	u8 tos, ttl;
	__be16 df;

	inner_iph = (const struct iphdr *)skb_inner_network_header(skb);
	memset(&IPCB(skb)->opt, 0, sizeof(IPCB(skb)->opt));

	/* "tos inherit" routes by the inner TOS: not per tunnel, no cache */
	tos = tnl->tos;
	if (tos & 0x1) {
		tos &= ~0x1;
		if (payload == htons(ETH_P_IP) ||
		    payload == htons(ETH_P_IPV6)) {
			tos = ip_tunnel_get_dsfield(inner_iph, skb);
			cache = false;
		}
	}

	ip_tunnel_init_flow(&fl4, IPPROTO_GRE, tnl->daddr, tnl->saddr,
			    t->parms.o_key, tos & INET_DSCP_MASK, t->net,
			    READ_ONCE(t->parms.link), t->fwmark,
			    skb_get_hash(skb), 0);

	rt = cache ? dst_cache_get_ip4(&t->dst_cache, &fl4.saddr) : NULL;
	if (!rt) {
		rt = ip_route_output_key(t->net, &fl4);
		if (IS_ERR(rt)) {
			DEV_STATS_INC(dev, tx_carrier_errors);
			goto tx_error;
		}
		if (cache)
			dst_cache_set_ip4(&t->dst_cache, &rt->dst, fl4.saddr);
	}
	if (rt->dst.dev == dev) {
		DEV_STATS_INC(dev, collisions);
		goto tx_error_rt;
	}

	df = tnl->frag_off;
	if (payload == htons(ETH_P_IP) && !t->ignore_df)
		df |= inner_iph->frag_off & htons(IP_DF);
	if (mqgre_check_pmtu(dev, skb, rt, df, inner_iph))
		goto tx_error_rt;

	tos = ip_tunnel_ecn_encap(tos, inner_iph, skb);
	ttl = tnl->ttl;
	if (!ttl) {
		if (payload == htons(ETH_P_IP))
			ttl = inner_iph->ttl;
#if IS_ENABLED(CONFIG_IPV6)
		else if (payload == htons(ETH_P_IPV6))
			ttl = ((const struct ipv6hdr *)inner_iph)->hop_limit;
#endif
		else
			ttl = ip4_dst_hoplimit(&rt->dst);
	}

	headroom = LL_RESERVED_SPACE(rt->dst.dev) + sizeof(struct iphdr) +
		   rt->dst.header_len;
	if (skb_cow_head(skb, headroom)) {
		DEV_STATS_INC(dev, tx_dropped);
		ip_rt_put(rt);
		kfree_skb(skb);
		return;
	}
	ip_tunnel_adj_headroom(dev, headroom);

	mqgre_nicq_pin(skb, txq, rt->dst.dev);
	iptunnel_xmit(NULL, rt, skb, fl4.saddr, fl4.daddr, IPPROTO_GRE, tos,
		      ttl, df, !net_eq(t->net, dev_net(dev)));
	return;

tx_error_rt:
	ip_rt_put(rt);
tx_error:
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
}

netdev_tx_t mqgre_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ip_tunnel *t = netdev_priv(dev);
	/* the queue select_queue chose (0 with a single queue) */
	u16 txq = skb_get_queue_mapping(skb);
	bool csum = kvmtune_tnl_flag(t->parms.o_flags, CSUM);
	__be16 proto;
	__be32 seq = 0;

	if (!pskb_inet_may_pull(skb))
		goto drop;
	if (iptunnel_handle_offloads(skb, csum ? SKB_GSO_GRE_CSUM :
						 SKB_GSO_GRE))
		goto drop;
	if (skb_cow_head(skb, dev->needed_headroom))
		goto drop;

	proto = dev->type == ARPHRD_ETHER ? htons(ETH_P_TEB) : skb->protocol;
	if (kvmtune_tnl_flag(t->parms.o_flags, SEQ))
		seq = htonl(atomic_fetch_inc(&t->o_seqno));
	gre_build_header(skb, t->tun_hlen, t->parms.o_flags, proto,
			 t->parms.o_key, seq);

	mqgre_ip_xmit(skb, dev, txq);
	return NETDEV_TX_OK;

drop:
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
