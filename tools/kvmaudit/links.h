/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's network links, from an rtnetlink dump: name, kind (gre,
 * gretap, mqgre, tun, ...), TX queues, queue length and lower device.
 */
#ifndef KVMAUDIT_LINKS_H
#define KVMAUDIT_LINKS_H

#include <stdbool.h>
#include <net/if.h>

struct kvmaudit_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[32];		/* IFLA_INFO_KIND, "" for none (a NIC) */
	unsigned int tx_queues;	/* IFLA_NUM_TX_QUEUES */
	unsigned int txqlen;	/* IFLA_TXQLEN */
	int link;		/* IFLA_LINK: the lower device, 0 for none */
	bool up;		/* IFF_UP */
};

struct kvmaudit_links {
	struct kvmaudit_link *l;
	unsigned int nr;
	unsigned int cap;
};

/* Dump the links of this network namespace. Returns 0 or -errno. */
int kvmaudit_links_read(struct kvmaudit_links *links);
void kvmaudit_links_free(struct kvmaudit_links *links);
const struct kvmaudit_link *kvmaudit_link_by_index(const struct kvmaudit_links *links,
						   int ifindex);

#endif /* KVMAUDIT_LINKS_H */
