// SPDX-License-Identifier: GPL-2.0
/*
 * Receive. GRE has one receive handler per version, and ip_gre takes it
 * (gre_add_protocol() fails with EBUSY for anyone else), so mqgre does not
 * use it: a netfilter hook at IPv4 LOCAL_IN, last of all hooks (after
 * filtering, NAT and conntrack, as a protocol handler would be), looks at
 * each GRE packet for this host. If its endpoints and key are those of an
 * mqgre tunnel that is up, mqgre takes it and decapsulates it as ip_gre
 * would (checksum, sequence and key rules of ip_tunnel_rcv()); otherwise it
 * goes on to ip_gre, or to "protocol unreachable" when that is not loaded.
 * An mqgre tunnel and an ip_gre tunnel with the same endpoints and key
 * cannot be created in one namespace (link.c), and if ip_gre creates one
 * later, mqgre sees the packets first.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/gre.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "link.h"
#include "rcv.h"

/*
 * The mqgre tunnel @skb is for, without changing @skb but for making its
 * GRE header linear. skb->data is at the outer IP header.
 */
static struct ip_tunnel *mqgre_rcv_lookup(struct net *net, struct sk_buff *skb)
{
	const struct gre_base_hdr *greh;
	unsigned int ihl = ip_hdrlen(skb), len = ihl + sizeof(*greh);
	struct tnl_ptk_info tpi = { };	/* only its flags, declared per kernel */
	struct ip_tunnel_net *itn;
	const struct iphdr *iph;
	__be32 key = 0;

	if (!pskb_may_pull(skb, len))
		return NULL;
	greh = (const struct gre_base_hdr *)(skb->data + ihl);
	if (greh->flags & (GRE_VERSION | GRE_ROUTING))
		return NULL;
	if (greh->flags & GRE_CSUM)
		len += 4;
	if (greh->flags & GRE_KEY) {
		if (!pskb_may_pull(skb, len + 4))
			return NULL;
		key = *(const __be32 *)(skb->data + len);
	}
	greh = (const struct gre_base_hdr *)(skb->data + ihl);
	kvmtune_tnl_flags_from_gre(tpi.flags, greh->flags);

	itn = mqgre_itn(net, greh->protocol == htons(ETH_P_TEB));
	iph = ip_hdr(skb);
	return ip_tunnel_lookup(itn, skb->dev->ifindex, tpi.flags, iph->saddr,
				iph->daddr, key);
}

static unsigned int mqgre_rcv_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct tnl_ptk_info tpi;
	struct ip_tunnel *t;
	bool csum_err = false;
	int hdr_len;

	if (ip_hdr(skb)->protocol != IPPROTO_GRE)
		return NF_ACCEPT;
	t = mqgre_rcv_lookup(state->net, skb);
	if (!t)
		return NF_ACCEPT;

	/* ours: from here on the packet is consumed, whatever happens */
	__skb_pull(skb, ip_hdrlen(skb));
	skb_reset_transport_header(skb);
	hdr_len = gre_parse_header(skb, &tpi, &csum_err, htons(ETH_P_IP), 0);
	if (hdr_len < 0) {
		if (csum_err) {
			DEV_STATS_INC(t->dev, rx_crc_errors);
			DEV_STATS_INC(t->dev, rx_errors);
		}
		goto drop;
	}
	if (__iptunnel_pull_header(skb, hdr_len, tpi.proto, false, false) < 0)
		goto drop;
	skb_reset_mac_header(skb);
	ip_tunnel_rcv(t, skb, &tpi, NULL, true);
	return NF_STOLEN;

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops mqgre_rcv_ops = {
	.hook		= mqgre_rcv_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= NF_IP_PRI_LAST,
};

static int __net_init mqgre_rcv_net_init(struct net *net)
{
	return nf_register_net_hook(net, &mqgre_rcv_ops);
}

static void __net_exit mqgre_rcv_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &mqgre_rcv_ops);
}

static struct pernet_operations mqgre_rcv_net_ops = {
	.init = mqgre_rcv_net_init,
	.exit = mqgre_rcv_net_exit,
};

int mqgre_rcv_init(void)
{
	return register_pernet_subsys(&mqgre_rcv_net_ops);
}

void mqgre_rcv_exit(void)
{
	unregister_pernet_subsys(&mqgre_rcv_net_ops);
}
