/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mqgre's netlink interface, defined once for the module, the iproute2
 * plugin and the tests (Documentation/mqgre.rst has the meaning of each).
 *
 * Two rtnetlink link kinds, MQGRE_KIND (L3, like "gre") and MQGRETAP_KIND
 * (L2, like "gretap"). Their IFLA_INFO_DATA carries:
 *
 * - the IFLA_GRE_* attributes of <linux/if_tunnel.h>, same numbers, same
 *   meaning, so that iproute2's gre options work unchanged. Of those,
 *   mqgre takes LINK, IFLAGS, OFLAGS (KEY, CSUM, SEQ), IKEY, OKEY, LOCAL,
 *   REMOTE (required, unicast), TTL, TOS, PMTUDISC, IGNORE_DF and FWMARK;
 *   COLLECT_METADATA, ENCAP_* other than "none" and ERSPAN_* are refused.
 * - mqgre's own attributes, numbered from MQGRE_ATTR_BASE, which leaves
 *   room for GRE attributes added upstream (IFLA_GRE_MAX is 24 in 6.12);
 *   rtnetlink takes attribute types up to 50 (RTNL_MAX_TYPE) for a kind.
 *
 * A change (RTM_NEWLINK without NLM_F_CREATE) that carries any IFLA_GRE_*
 * attribute replaces the whole GRE configuration, as for gretap (iproute2
 * sends all of them); mqgre's own attributes change only when present.
 */
#ifndef _UAPI_MQGRE_H
#define _UAPI_MQGRE_H

#define MQGRE_KIND		"mqgre"
#define MQGRETAP_KIND		"mqgretap"

#define MQGRE_ATTR_BASE		32

enum {
	/* u8, MQGRE_SPREAD_*: how frames are spread over the tunnel's queues */
	IFLA_MQGRE_SPREAD = MQGRE_ATTR_BASE,
	/*
	 * u16: tunnel queues each VM gets in MQGRE_SPREAD_VM mode; 0 (the
	 * default) gives a VM as many as its device (its tap) has queues.
	 */
	IFLA_MQGRE_VMQUEUES,
	/*
	 * nested MQGRE_VM_*, write only, changes only: place one VM (IFINDEX,
	 * BASE, QUEUES) on queues of its own, or with QUEUES 0 let it be
	 * placed automatically again.
	 */
	IFLA_MQGRE_VM,
	/* u32, read only: the VMs the tunnel knows */
	IFLA_MQGRE_VM_COUNT,
	/*
	 * nested, read only: the first MQGRE_VMS_DUMP_MAX VMs, each an
	 * IFLA_MQGRE_VM nest with all of MQGRE_VM_*
	 */
	IFLA_MQGRE_VMS,
	__IFLA_MQGRE_MAX
};

#define IFLA_MQGRE_MAX		(__IFLA_MQGRE_MAX - 1)

enum {
	MQGRE_SPREAD_NONE,	/* tunnel queue = guest queue mod queues */
	MQGRE_SPREAD_VM,	/* each VM on queues of its own (default) */
	__MQGRE_SPREAD_MAX
};

#define MQGRE_SPREAD_MAX	(__MQGRE_SPREAD_MAX - 1)

/* In an IFLA_MQGRE_VM nest */
enum {
	MQGRE_VM_UNSPEC,
	MQGRE_VM_IFINDEX,	/* u32: the VM's device (its tap) */
	MQGRE_VM_BASE,		/* u16: its first tunnel queue */
	MQGRE_VM_QUEUES,	/* u16: its number of tunnel queues */
	MQGRE_VM_FLAGS,		/* u32, read only: MQGRE_VM_F_* */
	__MQGRE_VM_MAX
};

#define MQGRE_VM_MAX		(__MQGRE_VM_MAX - 1)

#define MQGRE_VM_F_PINNED	0x1	/* placed by IFLA_MQGRE_VM */
#define MQGRE_VM_F_SHARED	0x2	/* no free queues left: shares queues */

#define MQGRE_VMS_DUMP_MAX	64	/* VMs listed in IFLA_MQGRE_VMS */
#define MQGRE_VMS_MAX		1024	/* VMs a tunnel keeps placements for */
#define MQGRE_QUEUES_MAX	4096	/* TX queues of a tunnel (rtnetlink's) */

#endif /* _UAPI_MQGRE_H */
