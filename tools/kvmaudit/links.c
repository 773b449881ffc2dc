// SPDX-License-Identifier: GPL-2.0
/*
 * An RTM_GETLINK dump over a NETLINK_ROUTE socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "links.h"
#include "util.h"

#define LINKS_LIMIT	65536u
#define BUF_SIZE	(64u << 10)

static void parse_linkinfo(struct kvmaudit_link *l, struct rtattr *info, int len)
{
	struct rtattr *a;

	for (a = info; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
}

static int add_link(struct kvmaudit_links *links, struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct kvmaudit_link *l;
	struct rtattr *a;
	int err;

	if (len < 0)
		return -EINVAL;
	err = kvmaudit_grow((void **)&links->l, &links->cap, links->nr,
			    sizeof(*links->l), LINKS_LIMIT);
	if (err)
		return err;
	l = &links->l[links->nr++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%.*s",
				 (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
			break;
		case IFLA_NUM_TX_QUEUES:
			if (RTA_PAYLOAD(a) >= sizeof(__u32))
				l->tx_queues = *(__u32 *)RTA_DATA(a);
			break;
		case IFLA_TXQLEN:
			if (RTA_PAYLOAD(a) >= sizeof(__u32))
				l->txqlen = *(__u32 *)RTA_DATA(a);
			break;
		case IFLA_LINK:
			if (RTA_PAYLOAD(a) >= sizeof(__s32))
				l->link = *(__s32 *)RTA_DATA(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(l, RTA_DATA(a), RTA_PAYLOAD(a));
			break;
		}
	}
	return 0;
}

int kvmaudit_links_read(struct kvmaudit_links *links)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.h.nlmsg_type = RTM_GETLINK,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.h.nlmsg_seq = 1,
		.ifi.ifi_family = AF_UNSPEC,
	};
	bool done = false;
	char *buf;
	int fd, err = 0;

	memset(links, 0, sizeof(*links));
	buf = malloc(BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out_close;
	}
	while (!done && !err) {
		ssize_t n = recv(fd, buf, BUF_SIZE, 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!n)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n) && !err;
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error ? e->error : -EIO;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK)
				err = add_link(links, h);
		}
	}
out_close:
	close(fd);
out_free:
	free(buf);
	if (err)
		kvmaudit_links_free(links);
	return err;
}

void kvmaudit_links_free(struct kvmaudit_links *links)
{
	free(links->l);
	memset(links, 0, sizeof(*links));
}

const struct kvmaudit_link *kvmaudit_link_by_index(const struct kvmaudit_links *links,
						   int ifindex)
{
	unsigned int i;

	for (i = 0; i < links->nr; i++)
		if (links->l[i].ifindex == ifindex)
			return &links->l[i];
	return NULL;
}
