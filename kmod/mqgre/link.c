// SPDX-License-Identifier: GPL-2.0
/*
 * The mqgre (L3, like gre) and mqgretap (L2, like gretap) link kinds.
 *
 * They are ip_gre's point-to-point tunnels, built on the same IPv4 tunnel
 * library and configured with the same IFLA_GRE_* attributes, with three
 * differences: they are multiqueue (one TX queue per possible CPU unless
 * "numtxqueues" says otherwise), they have no qdisc on any queue
 * (IFF_NO_QUEUE) and no TX lock (lltx), and they pick the TX queue
 * themselves (xmit.c, spread.c). Statistics are ip_tunnel's per-CPU ones.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_tunnel.h>
#include <linux/netdevice.h>
#include <net/gre.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "uapi/mqgre.h"
#include "link.h"
#include "nicq.h"
#include "spread.h"
#include "tunnel.h"
#include "xmit.h"

static unsigned int mqgre_net_id __read_mostly;		/* L3 tunnel table */
static unsigned int mqgretap_net_id __read_mostly;	/* L2 tunnel table */
static unsigned int mqgre_devs_net_id __read_mostly;	/* struct mqgre_net */

/* The mqgre devices of a namespace, for forgetting VMs whose device goes */
struct mqgre_net {
	struct hlist_head tunnels;	/* under RTNL; empty when zeroed */
};

static struct rtnl_link_ops mqgre_link_ops;
static struct rtnl_link_ops mqgretap_link_ops;

/* extack messages name the module, as NL_SET_ERR_MSG_MOD() does */
#define MQGRE_MSG	KBUILD_MODNAME ": "

#define MQGRE_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
			 NETIF_F_HW_CSUM)

struct ip_tunnel_net *mqgre_itn(struct net *net, bool tap)
{
	return net_generic(net, tap ? mqgretap_net_id : mqgre_net_id);
}

static bool netif_is_mqgre(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &mqgre_link_ops ||
	       dev->rtnl_link_ops == &mqgretap_link_ops;
}

/* GSO, as for gre: not with sequence numbers, which segments cannot get */
static void mqgre_set_gso(struct net_device *dev)
{
	struct ip_tunnel *t = netdev_priv(dev);

	if (kvmtune_tnl_flag(t->parms.o_flags, SEQ)) {
		dev->features &= ~NETIF_F_GSO_SOFTWARE;
		dev->hw_features &= ~NETIF_F_GSO_SOFTWARE;
	} else {
		dev->features |= NETIF_F_GSO_SOFTWARE;
		dev->hw_features |= NETIF_F_GSO_SOFTWARE;
	}
}

static void mqgre_dev_free(struct net_device *dev)
{
	struct mqgre_tunnel *mt = mqgre_tunnel(dev);

	mqgre_spread_free(&mt->spread);
	mt->ip_destructor(dev);
}

static int mqgre_dev_init(struct net_device *dev)
{
	struct mqgre_tunnel *mt = mqgre_tunnel(dev);
	struct ip_tunnel *t = &mt->ip;
	int ret;

	t->tun_hlen = gre_calc_hlen(t->parms.o_flags);
	t->hlen = t->tun_hlen;
	t->parms.iph.protocol = IPPROTO_GRE;
	dev->needed_headroom = t->hlen + sizeof(t->parms.iph);
	dev->features |= MQGRE_FEATURES;
	dev->hw_features |= MQGRE_FEATURES;
	mqgre_set_gso(dev);
	kvmtune_netdev_set_lltx(dev);
	netif_keep_dst(dev);
	if (dev->type != ARPHRD_ETHER) {
		__dev_addr_set(dev, &t->parms.iph.saddr, 4);
		memcpy(dev->broadcast, &t->parms.iph.daddr, 4);
		dev->flags = IFF_NOARP;
		dev->addr_len = 4;
	}

	ret = mqgre_spread_init(&mt->spread, dev->real_num_tx_queues);
	if (ret)
		return ret;
	ret = ip_tunnel_init(dev);
	if (ret)
		goto err_spread;
	mt->ip_destructor = dev->priv_destructor;
	dev->priv_destructor = mqgre_dev_free;
	return 0;

err_spread:
	mqgre_spread_free(&mt->spread);
	return ret;
}

static const struct net_device_ops mqgre_netdev_ops = {
	.ndo_init		= mqgre_dev_init,
	.ndo_uninit		= ip_tunnel_uninit,
	.ndo_start_xmit		= mqgre_xmit,
	.ndo_select_queue	= mqgre_select_queue,
	.ndo_change_mtu		= ip_tunnel_change_mtu,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_get_iflink		= ip_tunnel_get_iflink,
};

static const struct net_device_ops mqgretap_netdev_ops = {
	.ndo_init		= mqgre_dev_init,
	.ndo_uninit		= ip_tunnel_uninit,
	.ndo_start_xmit		= mqgre_xmit,
	.ndo_select_queue	= mqgre_select_queue,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= ip_tunnel_change_mtu,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_get_iflink		= ip_tunnel_get_iflink,
};

static void mqgre_setup(struct net_device *dev)
{
	dev->netdev_ops = &mqgre_netdev_ops;
	dev->type = ARPHRD_IPGRE;
	dev->priv_flags |= IFF_NO_QUEUE;
	ip_tunnel_setup(dev, mqgre_net_id);
}

static void mqgretap_setup(struct net_device *dev)
{
	ether_setup(dev);
	/* ip_tunnel_change_mtu() has the limit */
	dev->max_mtu = 0;
	dev->netdev_ops = &mqgretap_netdev_ops;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	ip_tunnel_setup(dev, mqgretap_net_id);
}

static unsigned int mqgre_get_num_tx_queues(void)
{
	return min_t(unsigned int, num_possible_cpus(), MQGRE_QUEUES_MAX);
}

/* rtnetlink's limit for a kind's attribute types (RTNL_MAX_TYPE) */
static_assert(IFLA_MQGRE_MAX <= 50);

static const struct nla_policy mqgre_vm_policy[MQGRE_VM_MAX + 1] = {
	[MQGRE_VM_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[MQGRE_VM_BASE]		= NLA_POLICY_MAX(NLA_U16, MQGRE_QUEUES_MAX - 1),
	[MQGRE_VM_QUEUES]	= NLA_POLICY_MAX(NLA_U16, MQGRE_QUEUES_MAX),
	[MQGRE_VM_FLAGS]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "VM flags are read only" },
};

static const struct nla_policy mqgre_policy[IFLA_MQGRE_MAX + 1] = {
	[IFLA_GRE_LINK]		= { .type = NLA_U32 },
	[IFLA_GRE_IFLAGS]	= { .type = NLA_U16 },
	[IFLA_GRE_OFLAGS]	= { .type = NLA_U16 },
	[IFLA_GRE_IKEY]		= { .type = NLA_U32 },
	[IFLA_GRE_OKEY]		= { .type = NLA_U32 },
	[IFLA_GRE_LOCAL]	= { .len = sizeof_field(struct iphdr, saddr) },
	[IFLA_GRE_REMOTE]	= { .len = sizeof_field(struct iphdr, daddr) },
	[IFLA_GRE_TTL]		= { .type = NLA_U8 },
	[IFLA_GRE_TOS]		= { .type = NLA_U8 },
	[IFLA_GRE_PMTUDISC]	= { .type = NLA_U8 },
	[IFLA_GRE_ENCAP_TYPE]	= { .type = NLA_U16 },
	[IFLA_GRE_ENCAP_FLAGS]	= { .type = NLA_U16 },
	[IFLA_GRE_ENCAP_SPORT]	= { .type = NLA_U16 },
	[IFLA_GRE_ENCAP_DPORT]	= { .type = NLA_U16 },
	[IFLA_GRE_COLLECT_METADATA] = {
		.type = NLA_REJECT,
		.reject_message = MQGRE_MSG "external (metadata) mode is not supported" },
	[IFLA_GRE_IGNORE_DF]	= { .type = NLA_U8 },
	[IFLA_GRE_FWMARK]	= { .type = NLA_U32 },
	[IFLA_GRE_ERSPAN_INDEX]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "ERSPAN is not supported" },
	[IFLA_GRE_ERSPAN_VER]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "ERSPAN is not supported" },
	[IFLA_GRE_ERSPAN_DIR]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "ERSPAN is not supported" },
	[IFLA_GRE_ERSPAN_HWID]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "ERSPAN is not supported" },
	[IFLA_MQGRE_SPREAD]	= NLA_POLICY_MAX(NLA_U8, MQGRE_SPREAD_MAX),
	[IFLA_MQGRE_VMQUEUES]	= NLA_POLICY_MAX(NLA_U16, MQGRE_QUEUES_MAX),
	[IFLA_MQGRE_VM]		= NLA_POLICY_NESTED(mqgre_vm_policy),
	[IFLA_MQGRE_VM_COUNT]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "the VM count is read only" },
	[IFLA_MQGRE_VMS]	= { .type = NLA_REJECT,
				    .reject_message = MQGRE_MSG "the VM list is read only" },
};

static bool mqgre_unicast(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_multicast(addr) &&
	       !ipv4_is_lbcast(addr);
}

/* Checks that need no device; the policy has checked types and ranges. */
static int mqgre_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	__be16 flags = 0;

	if (!data)
		return 0;

	if (data[IFLA_GRE_REMOTE] &&
	    !mqgre_unicast(nla_get_in_addr(data[IFLA_GRE_REMOTE]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_GRE_REMOTE],
				    MQGRE_MSG "remote must be a unicast IPv4 address");
		return -EINVAL;
	}
	if (data[IFLA_GRE_LOCAL]) {
		__be32 local = nla_get_in_addr(data[IFLA_GRE_LOCAL]);

		if (local && !mqgre_unicast(local)) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_GRE_LOCAL],
					    MQGRE_MSG "local must be unicast IPv4 or any");
			return -EINVAL;
		}
	}
	if (data[IFLA_GRE_IFLAGS])
		flags |= nla_get_be16(data[IFLA_GRE_IFLAGS]);
	if (data[IFLA_GRE_OFLAGS])
		flags |= nla_get_be16(data[IFLA_GRE_OFLAGS]);
	if (flags & (GRE_VERSION | GRE_ROUTING)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "GRE version and routing flags are not supported");
		return -EINVAL;
	}
	if (data[IFLA_GRE_ENCAP_TYPE] &&
	    nla_get_u16(data[IFLA_GRE_ENCAP_TYPE]) != TUNNEL_ENCAP_NONE) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_GRE_ENCAP_TYPE],
				    MQGRE_MSG "FOU and GUE encapsulation are not supported");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int mqgretap_validate(struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    MQGRE_MSG "an Ethernet address has 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    MQGRE_MSG "not a valid unicast Ethernet address");
			return -EADDRNOTAVAIL;
		}
	}
	return mqgre_validate(tb, data, extack);
}

static bool mqgre_has_gre_attrs(struct nlattr *data[])
{
	int i;

	for (i = IFLA_GRE_UNSPEC + 1; i <= IFLA_GRE_MAX; i++)
		if (data[i])
			return true;
	return false;
}

/*
 * The GRE configuration in @data, a whole one as for gretap: what is
 * missing takes its default. Nothing of the device changes here.
 */
static int mqgre_gre_parms(struct net_device *dev, struct nlattr *data[],
			   struct kvmtune_ip_tunnel_parm *p, u32 *fwmark,
			   bool *ignore_df, struct netlink_ext_ack *extack)
{
	memset(p, 0, sizeof(*p));
	p->iph.protocol = IPPROTO_GRE;

	if (!data[IFLA_GRE_REMOTE]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "remote address required: mqgre tunnels are point to point");
		return -EINVAL;
	}
	p->iph.daddr = nla_get_in_addr(data[IFLA_GRE_REMOTE]);
	if (data[IFLA_GRE_LOCAL])
		p->iph.saddr = nla_get_in_addr(data[IFLA_GRE_LOCAL]);
	if (data[IFLA_GRE_LINK])
		p->link = nla_get_u32(data[IFLA_GRE_LINK]);
	if (data[IFLA_GRE_IFLAGS])
		kvmtune_tnl_flags_from_gre(p->i_flags,
					   nla_get_be16(data[IFLA_GRE_IFLAGS]));
	if (data[IFLA_GRE_OFLAGS])
		kvmtune_tnl_flags_from_gre(p->o_flags,
					   nla_get_be16(data[IFLA_GRE_OFLAGS]));
	if (data[IFLA_GRE_IKEY])
		p->i_key = nla_get_be32(data[IFLA_GRE_IKEY]);
	if (data[IFLA_GRE_OKEY])
		p->o_key = nla_get_be32(data[IFLA_GRE_OKEY]);
	if (data[IFLA_GRE_TTL])
		p->iph.ttl = nla_get_u8(data[IFLA_GRE_TTL]);
	if (data[IFLA_GRE_TOS])
		p->iph.tos = nla_get_u8(data[IFLA_GRE_TOS]);
	if (!data[IFLA_GRE_PMTUDISC] || nla_get_u8(data[IFLA_GRE_PMTUDISC]))
		p->iph.frag_off = htons(IP_DF);
	if (data[IFLA_GRE_IGNORE_DF])
		*ignore_df = nla_get_u8(data[IFLA_GRE_IGNORE_DF]);
	if (*ignore_df && p->iph.frag_off) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ignore-df needs path MTU discovery off (nopmtudisc)");
		return -EINVAL;
	}
	if (data[IFLA_GRE_FWMARK])
		*fwmark = nla_get_u32(data[IFLA_GRE_FWMARK]);
	return 0;
}

/*
 * One namespace cannot have an mqgre and an ip_gre tunnel of the same
 * flavour that receive the same packets (rcv.c): mqgre would take them.
 */
static int mqgre_check_ip_gre(struct net_device *dev,
			      const struct kvmtune_ip_tunnel_parm *p,
			      struct netlink_ext_ack *extack)
{
	const char *kind = dev->type == ARPHRD_ETHER ? "gretap" : "gre";
	bool key = kvmtune_tnl_flag(p->i_flags, KEY);
	struct net_device *other;

	for_each_netdev(dev_net(dev), other) {
		const struct ip_tunnel *o;

		if (!other->rtnl_link_ops ||
		    strcmp(other->rtnl_link_ops->kind, kind))
			continue;
		o = netdev_priv(other);
		if (o->parms.iph.saddr != p->iph.saddr ||
		    o->parms.iph.daddr != p->iph.daddr ||
		    o->parms.link != p->link ||
		    kvmtune_tnl_flag(o->parms.i_flags, KEY) != key ||
		    (key && o->parms.i_key != p->i_key))
			continue;
		NL_SET_ERR_MSG_MOD(extack,
				   "an ip_gre tunnel in this namespace has the same endpoints and key");
		return -EADDRINUSE;
	}
	return 0;
}

static int mqgre_check_vmqueues(struct net_device *dev, struct nlattr *attr,
				unsigned int vmqueues,
				struct netlink_ext_ack *extack)
{
	if (vmqueues > dev->real_num_tx_queues) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    MQGRE_MSG "vmqueues is more than the tunnel's TX queues");
		return -EINVAL;
	}
	return 0;
}

static int mqgre_newlink(struct net *src_net, struct net_device *dev,
			 struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct mqgre_tunnel *mt = mqgre_tunnel(dev);
	struct kvmtune_ip_tunnel_parm p;
	u8 mode = MQGRE_SPREAD_VM;
	bool ignore_df = false;
	u16 vmqueues = 0;
	u32 fwmark = 0;
	int ret;

	if (!data) {
		NL_SET_ERR_MSG_MOD(extack,
				   "remote address required: mqgre tunnels are point to point");
		return -EINVAL;
	}
	if (data[IFLA_MQGRE_VM]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_MQGRE_VM],
				    MQGRE_MSG "VMs are placed on an existing tunnel (ip link set)");
		return -EINVAL;
	}
	if (data[IFLA_MQGRE_SPREAD])
		mode = nla_get_u8(data[IFLA_MQGRE_SPREAD]);
	if (data[IFLA_MQGRE_VMQUEUES])
		vmqueues = nla_get_u16(data[IFLA_MQGRE_VMQUEUES]);
	ret = mqgre_check_vmqueues(dev, data[IFLA_MQGRE_VMQUEUES], vmqueues,
				   extack);
	if (ret)
		return ret;
	ret = mqgre_gre_parms(dev, data, &p, &fwmark, &ignore_df, extack);
	if (ret)
		return ret;
	ret = mqgre_check_ip_gre(dev, &p, extack);
	if (ret)
		return ret;
	/* a socket per NIC queue the tunnel's queues can map to */
	ret = mqgre_nicq_reserve(dev->real_num_tx_queues);
	if (ret)
		return ret;

	mt->ip.ignore_df = ignore_df;
	ret = ip_tunnel_newlink(dev, tb, &p, fwmark);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack,
				   "an mqgre tunnel with the same endpoints and key exists");
	if (ret)
		return ret;
	mqgre_spread_set(&mt->spread, mode, vmqueues);
	return 0;
}

/* A change of the outgoing flags changes the GRE header: as for gre. */
static void mqgre_update_hlen(struct net_device *dev, bool set_mtu)
{
	struct ip_tunnel *t = netdev_priv(dev);
	int delta = gre_calc_hlen(t->parms.o_flags) - t->tun_hlen;

	t->tun_hlen += delta;
	t->hlen += delta;
	dev->needed_headroom += delta;
	if (set_mtu)
		WRITE_ONCE(dev->mtu, max_t(int, dev->mtu - delta, IPV4_MIN_MTU));
	mqgre_set_gso(dev);
}

static int mqgre_parse_vm(struct net_device *dev, struct nlattr *attr,
			  int *ifindex, unsigned int *base,
			  unsigned int *queues, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MQGRE_VM_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, MQGRE_VM_MAX, attr, mqgre_vm_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[MQGRE_VM_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    MQGRE_MSG "a VM is named by the ifindex of its device");
		return -EINVAL;
	}
	*ifindex = nla_get_u32(tb[MQGRE_VM_IFINDEX]);
	if (!__dev_get_by_index(dev_net(dev), *ifindex)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MQGRE_VM_IFINDEX],
				    MQGRE_MSG "no such ifindex in the tunnel's netns");
		return -ENODEV;
	}
	*base = tb[MQGRE_VM_BASE] ? nla_get_u16(tb[MQGRE_VM_BASE]) : 0;
	*queues = tb[MQGRE_VM_QUEUES] ? nla_get_u16(tb[MQGRE_VM_QUEUES]) : 0;
	return 0;
}

/* Everything is checked before anything changes. */
static int mqgre_changelink(struct net_device *dev, struct nlattr *tb[],
			    struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	struct mqgre_tunnel *mt = mqgre_tunnel(dev);
	struct ip_tunnel *t = &mt->ip;
	unsigned int base = 0, queues = 0;
	struct kvmtune_ip_tunnel_parm p;
	bool ignore_df = t->ignore_df;
	u8 mode = mt->spread.mode;
	u16 vmqueues = mt->spread.vmqueues;
	u32 fwmark = t->fwmark;
	bool gre = false;
	int ifindex = 0;
	int ret;

	if (!data)
		return 0;
	if (!rtnl_dev_link_net_capable(dev, t->net))
		return -EPERM;

	if (data[IFLA_MQGRE_SPREAD])
		mode = nla_get_u8(data[IFLA_MQGRE_SPREAD]);
	if (data[IFLA_MQGRE_VMQUEUES])
		vmqueues = nla_get_u16(data[IFLA_MQGRE_VMQUEUES]);
	ret = mqgre_check_vmqueues(dev, data[IFLA_MQGRE_VMQUEUES], vmqueues,
				   extack);
	if (ret)
		return ret;
	if (data[IFLA_MQGRE_VM]) {
		ret = mqgre_parse_vm(dev, data[IFLA_MQGRE_VM], &ifindex, &base,
				     &queues, extack);
		if (!ret)
			ret = mqgre_spread_pin_check(&mt->spread, ifindex, base,
						     queues, extack);
		if (ret)
			return ret;
	}

	if (mqgre_has_gre_attrs(data)) {
		gre = true;
		ret = mqgre_gre_parms(dev, data, &p, &fwmark, &ignore_df,
				      extack);
		if (!ret)
			ret = mqgre_check_ip_gre(dev, &p, extack);
		if (ret)
			return ret;
		/* refuses (EEXIST, EINVAL) before it changes anything */
		ret = ip_tunnel_changelink(dev, tb, &p, fwmark);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack,
					   "an mqgre tunnel with the same endpoints and key exists");
		if (ret)
			return ret;
	}

	/* nothing below can fail */
	if (gre) {
		kvmtune_tnl_flags_copy(t->parms.i_flags, p.i_flags);
		kvmtune_tnl_flags_copy(t->parms.o_flags, p.o_flags);
		t->ignore_df = ignore_df;
		mqgre_update_hlen(dev, !tb[IFLA_MTU]);
	}
	mqgre_spread_set(&mt->spread, mode, vmqueues);
	if (ifindex)
		mqgre_spread_pin_commit(&mt->spread, ifindex, base, queues);
	return 0;
}

static size_t mqgre_get_size(const struct net_device *dev)
{
	size_t vm = nla_total_size(0) +		/* IFLA_MQGRE_VM */
		    nla_total_size(4) +		/* MQGRE_VM_IFINDEX */
		    nla_total_size(2) +		/* MQGRE_VM_BASE */
		    nla_total_size(2) +		/* MQGRE_VM_QUEUES */
		    nla_total_size(4);		/* MQGRE_VM_FLAGS */

	return nla_total_size(4) +		/* IFLA_GRE_LINK */
	       nla_total_size(2) +		/* IFLA_GRE_IFLAGS */
	       nla_total_size(2) +		/* IFLA_GRE_OFLAGS */
	       nla_total_size(4) +		/* IFLA_GRE_IKEY */
	       nla_total_size(4) +		/* IFLA_GRE_OKEY */
	       nla_total_size(4) +		/* IFLA_GRE_LOCAL */
	       nla_total_size(4) +		/* IFLA_GRE_REMOTE */
	       nla_total_size(1) +		/* IFLA_GRE_TTL */
	       nla_total_size(1) +		/* IFLA_GRE_TOS */
	       nla_total_size(1) +		/* IFLA_GRE_PMTUDISC */
	       nla_total_size(4) +		/* IFLA_GRE_FWMARK */
	       nla_total_size(2) +		/* IFLA_GRE_ENCAP_TYPE */
	       nla_total_size(2) +		/* IFLA_GRE_ENCAP_FLAGS */
	       nla_total_size(2) +		/* IFLA_GRE_ENCAP_SPORT */
	       nla_total_size(2) +		/* IFLA_GRE_ENCAP_DPORT */
	       nla_total_size(1) +		/* IFLA_GRE_IGNORE_DF */
	       nla_total_size(1) +		/* IFLA_MQGRE_SPREAD */
	       nla_total_size(2) +		/* IFLA_MQGRE_VMQUEUES */
	       nla_total_size(4) +		/* IFLA_MQGRE_VM_COUNT */
	       nla_total_size(0) +		/* IFLA_MQGRE_VMS */
	       MQGRE_VMS_DUMP_MAX * vm;
}

struct mqgre_fill {
	struct sk_buff *skb;
	unsigned int n;
};

static int mqgre_fill_vm(const struct mqgre_vm_info *vm, void *arg)
{
	struct mqgre_fill *f = arg;
	struct nlattr *nest;

	if (f->n == MQGRE_VMS_DUMP_MAX)
		return 1;
	nest = nla_nest_start(f->skb, IFLA_MQGRE_VM);
	if (!nest ||
	    nla_put_u32(f->skb, MQGRE_VM_IFINDEX, vm->ifindex) ||
	    nla_put_u16(f->skb, MQGRE_VM_BASE, vm->base) ||
	    nla_put_u16(f->skb, MQGRE_VM_QUEUES, vm->queues) ||
	    nla_put_u32(f->skb, MQGRE_VM_FLAGS, vm->flags))
		return -EMSGSIZE;
	nla_nest_end(f->skb, nest);
	f->n++;
	return 0;
}

static int mqgre_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct mqgre_tunnel *mt = mqgre_tunnel(dev);
	const struct ip_tunnel *t = &mt->ip;
	const struct kvmtune_ip_tunnel_parm *p = &t->parms;
	struct mqgre_fill f = { .skb = skb };
	struct nlattr *vms;

	if (nla_put_u32(skb, IFLA_GRE_LINK, p->link) ||
	    nla_put_be16(skb, IFLA_GRE_IFLAGS,
			 gre_tnl_flags_to_gre_flags(p->i_flags)) ||
	    nla_put_be16(skb, IFLA_GRE_OFLAGS,
			 gre_tnl_flags_to_gre_flags(p->o_flags)) ||
	    nla_put_be32(skb, IFLA_GRE_IKEY, p->i_key) ||
	    nla_put_be32(skb, IFLA_GRE_OKEY, p->o_key) ||
	    nla_put_in_addr(skb, IFLA_GRE_LOCAL, p->iph.saddr) ||
	    nla_put_in_addr(skb, IFLA_GRE_REMOTE, p->iph.daddr) ||
	    nla_put_u8(skb, IFLA_GRE_TTL, p->iph.ttl) ||
	    nla_put_u8(skb, IFLA_GRE_TOS, p->iph.tos) ||
	    nla_put_u8(skb, IFLA_GRE_PMTUDISC,
		       !!(p->iph.frag_off & htons(IP_DF))) ||
	    nla_put_u32(skb, IFLA_GRE_FWMARK, t->fwmark) ||
	    nla_put_u16(skb, IFLA_GRE_ENCAP_TYPE, TUNNEL_ENCAP_NONE) ||
	    nla_put_u16(skb, IFLA_GRE_ENCAP_FLAGS, 0) ||
	    nla_put_be16(skb, IFLA_GRE_ENCAP_SPORT, 0) ||
	    nla_put_be16(skb, IFLA_GRE_ENCAP_DPORT, 0) ||
	    nla_put_u8(skb, IFLA_GRE_IGNORE_DF, t->ignore_df))
		return -EMSGSIZE;

	if (nla_put_u8(skb, IFLA_MQGRE_SPREAD, READ_ONCE(mt->spread.mode)) ||
	    nla_put_u16(skb, IFLA_MQGRE_VMQUEUES, mt->spread.vmqueues) ||
	    nla_put_u32(skb, IFLA_MQGRE_VM_COUNT,
			mqgre_spread_count(&mt->spread)))
		return -EMSGSIZE;
	vms = nla_nest_start(skb, IFLA_MQGRE_VMS);
	if (!vms || mqgre_spread_walk(&mt->spread, mqgre_fill_vm, &f) < 0)
		return -EMSGSIZE;
	nla_nest_end(skb, vms);
	return 0;
}

static struct rtnl_link_ops mqgre_link_ops __read_mostly = {
	.kind			= MQGRE_KIND,
	.maxtype		= IFLA_MQGRE_MAX,
	.policy			= mqgre_policy,
	.priv_size		= sizeof(struct mqgre_tunnel),
	.setup			= mqgre_setup,
	.validate		= mqgre_validate,
	.newlink		= mqgre_newlink,
	.changelink		= mqgre_changelink,
	.dellink		= ip_tunnel_dellink,
	.get_size		= mqgre_get_size,
	.fill_info		= mqgre_fill_info,
	.get_link_net		= ip_tunnel_get_link_net,
	.get_num_tx_queues	= mqgre_get_num_tx_queues,
};

static struct rtnl_link_ops mqgretap_link_ops __read_mostly = {
	.kind			= MQGRETAP_KIND,
	.maxtype		= IFLA_MQGRE_MAX,
	.policy			= mqgre_policy,
	.priv_size		= sizeof(struct mqgre_tunnel),
	.setup			= mqgretap_setup,
	.validate		= mqgretap_validate,
	.newlink		= mqgre_newlink,
	.changelink		= mqgre_changelink,
	.dellink		= ip_tunnel_dellink,
	.get_size		= mqgre_get_size,
	.fill_info		= mqgre_fill_info,
	.get_link_net		= ip_tunnel_get_link_net,
	.get_num_tx_queues	= mqgre_get_num_tx_queues,
};

/*
 * Per namespace: a tunnel table per flavour, no fallback device (mqgre has
 * no ioctl interface), and the list of mqgre devices.
 */
static int __net_init mqgre_init_net(struct net *net)
{
	return ip_tunnel_init_net(net, mqgre_net_id, NULL, NULL);
}

static int __net_init mqgretap_init_net(struct net *net)
{
	return ip_tunnel_init_net(net, mqgretap_net_id, NULL, NULL);
}

#ifdef HAVE_IP_TUNNEL_DELETE_NETS_RTNL
static void __net_exit mqgre_exit_batch_rtnl(struct list_head *list,
					     struct list_head *dev_to_kill)
{
	ip_tunnel_delete_nets(list, mqgre_net_id, &mqgre_link_ops,
			      dev_to_kill);
}

static void __net_exit mqgretap_exit_batch_rtnl(struct list_head *list,
						struct list_head *dev_to_kill)
{
	ip_tunnel_delete_nets(list, mqgretap_net_id, &mqgretap_link_ops,
			      dev_to_kill);
}
#else
static void __net_exit mqgre_exit_batch(struct list_head *list)
{
	ip_tunnel_delete_nets(list, mqgre_net_id, &mqgre_link_ops);
}

static void __net_exit mqgretap_exit_batch(struct list_head *list)
{
	ip_tunnel_delete_nets(list, mqgretap_net_id, &mqgretap_link_ops);
}
#endif

static struct pernet_operations mqgre_net_ops = {
	.init	= mqgre_init_net,
#ifdef HAVE_IP_TUNNEL_DELETE_NETS_RTNL
	.exit_batch_rtnl = mqgre_exit_batch_rtnl,
#else
	.exit_batch = mqgre_exit_batch,
#endif
	.id	= &mqgre_net_id,
	.size	= sizeof(struct ip_tunnel_net),
};

static struct pernet_operations mqgretap_net_ops = {
	.init	= mqgretap_init_net,
#ifdef HAVE_IP_TUNNEL_DELETE_NETS_RTNL
	.exit_batch_rtnl = mqgretap_exit_batch_rtnl,
#else
	.exit_batch = mqgretap_exit_batch,
#endif
	.id	= &mqgretap_net_id,
	.size	= sizeof(struct ip_tunnel_net),
};

static struct pernet_operations mqgre_devs_net_ops = {
	.id	= &mqgre_devs_net_id,
	.size	= sizeof(struct mqgre_net),
};

/*
 * A VM is known by its ifindex: forget it when its device goes. A tunnel
 * (re)registered, new or moved in from another namespace, starts afresh.
 */
static int mqgre_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mqgre_net *mn = net_generic(dev_net(dev), mqgre_devs_net_id);
	struct mqgre_tunnel *mt;

	switch (event) {
	case NETDEV_REGISTER:
		if (netif_is_mqgre(dev)) {
			mt = mqgre_tunnel(dev);
			mqgre_spread_clear(&mt->spread);
			hlist_add_head(&mt->node, &mn->tunnels);
		}
		break;
	case NETDEV_UNREGISTER:
		if (netif_is_mqgre(dev)) {
			hlist_del_init(&mqgre_tunnel(dev)->node);
			break;
		}
		hlist_for_each_entry(mt, &mn->tunnels, node)
			mqgre_spread_forget(&mt->spread, dev->ifindex);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mqgre_notifier = {
	.notifier_call = mqgre_netdev_event,
};

int mqgre_link_init(void)
{
	int ret;

	ret = register_pernet_device(&mqgre_devs_net_ops);
	if (ret)
		return ret;
	ret = register_pernet_device(&mqgre_net_ops);
	if (ret)
		goto err_devs_net;
	ret = register_pernet_device(&mqgretap_net_ops);
	if (ret)
		goto err_net;
	ret = register_netdevice_notifier(&mqgre_notifier);
	if (ret)
		goto err_tap_net;
	ret = rtnl_link_register(&mqgre_link_ops);
	if (ret)
		goto err_notifier;
	ret = rtnl_link_register(&mqgretap_link_ops);
	if (ret)
		goto err_link;
	return 0;

err_link:
	rtnl_link_unregister(&mqgre_link_ops);
err_notifier:
	unregister_netdevice_notifier(&mqgre_notifier);
err_tap_net:
	unregister_pernet_device(&mqgretap_net_ops);
err_net:
	unregister_pernet_device(&mqgre_net_ops);
err_devs_net:
	unregister_pernet_device(&mqgre_devs_net_ops);
	return ret;
}

void mqgre_link_exit(void)
{
	rtnl_link_unregister(&mqgretap_link_ops);
	rtnl_link_unregister(&mqgre_link_ops);
	unregister_netdevice_notifier(&mqgre_notifier);
	unregister_pernet_device(&mqgretap_net_ops);
	unregister_pernet_device(&mqgre_net_ops);
	unregister_pernet_device(&mqgre_devs_net_ops);
}
