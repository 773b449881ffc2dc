// SPDX-License-Identifier: GPL-2.0
/*
 * Bad netlink input to mqgre: every refused RTM_NEWLINK gets its errno and
 * an extack message, and changes nothing (the link's IFLA_INFO_DATA is
 * the same byte for byte, or no link was created). Raw netlink, so that
 * what iproute2 would never send is tried too. Each test runs in a
 * network namespace of its own; mqgre must be loaded.
 */
/* glibc's net/if.h before the kernel's linux/if.h (libc-compat.h) */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../kmod/include/uapi/mqgre.h"

#define BUF_SIZE	8192

struct req {
	struct nlmsghdr n;
	struct ifinfomsg i;
	char buf[BUF_SIZE];
};

struct reply {
	int err;			/* -errno, 0 for an ack */
	char msg[256];			/* the extack message */
	unsigned char data[BUF_SIZE];	/* IFLA_INFO_DATA of a GETLINK */
	int data_len;
};

static void put(struct nlmsghdr *n, int type, const void *data, int len)
{
	struct rtattr *rta = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void put_u8(struct nlmsghdr *n, int type, __u8 v)
{
	put(n, type, &v, sizeof(v));
}

static void put_u16(struct nlmsghdr *n, int type, __u16 v)
{
	put(n, type, &v, sizeof(v));
}

static void put_u32(struct nlmsghdr *n, int type, __u32 v)
{
	put(n, type, &v, sizeof(v));
}

static void put_addr(struct nlmsghdr *n, int type, const char *addr)
{
	struct in_addr a;

	inet_pton(AF_INET, addr, &a);
	put(n, type, &a, sizeof(a));
}

static struct rtattr *nest(struct nlmsghdr *n, int type)
{
	struct rtattr *rta = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	put(n, type, NULL, 0);
	return rta;
}

static void nest_end(struct nlmsghdr *n, struct rtattr *rta)
{
	rta->rta_len = (char *)n + n->nlmsg_len - (char *)rta;
}

/* An RTM_NEWLINK for @name; the caller adds IFLA_INFO_DATA's attributes */
static struct rtattr *newlink(struct req *r, const char *name, bool create,
			      const char *kind, int txq,
			      struct rtattr **linkinfo)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(r->i));
	r->n.nlmsg_type = RTM_NEWLINK;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (create ? NLM_F_CREATE | NLM_F_EXCL : 0);
	r->i.ifi_family = AF_UNSPEC;
	put(&r->n, IFLA_IFNAME, name, strlen(name) + 1);
	if (txq)
		put_u32(&r->n, IFLA_NUM_TX_QUEUES, txq);
	*linkinfo = nest(&r->n, IFLA_LINKINFO);
	put(&r->n, IFLA_INFO_KIND, kind, strlen(kind) + 1);
	return nest(&r->n, IFLA_INFO_DATA);
}

static void finish(struct req *r, struct rtattr *linkinfo, struct rtattr *data)
{
	nest_end(&r->n, data);
	nest_end(&r->n, linkinfo);
}

/* An ack: its errno and extack message */
static void parse_ack(struct nlmsghdr *h, struct reply *rep)
{
	struct nlmsgerr *e = NLMSG_DATA(h);
	int off = sizeof(*e), alen;
	struct rtattr *a;

	rep->err = e->error;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	a = (void *)((char *)e + off);
	alen = h->nlmsg_len - NLMSG_HDRLEN - off;
	for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type == NLMSGERR_ATTR_MSG)
			snprintf(rep->msg, sizeof(rep->msg), "%s",
				 (char *)RTA_DATA(a));
}

/* A link: its IFLA_INFO_DATA */
static void parse_link(struct nlmsghdr *h, struct reply *rep)
{
	struct rtattr *a = IFLA_RTA(NLMSG_DATA(h)), *li;
	int alen = IFLA_PAYLOAD(h), llen;

	rep->err = 0;
	for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type != IFLA_LINKINFO)
			continue;
		llen = RTA_PAYLOAD(a);
		for (li = RTA_DATA(a); RTA_OK(li, llen); li = RTA_NEXT(li, llen)) {
			if ((li->rta_type & ~NLA_F_NESTED) != IFLA_INFO_DATA)
				continue;
			rep->data_len = RTA_PAYLOAD(li);
			memcpy(rep->data, RTA_DATA(li), rep->data_len);
		}
	}
}

/* Send @n, read the answer: the ack's errno and extack message, or a link */
static void talk(struct nlmsghdr *n, struct reply *rep)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), one = 1;
	static char buf[BUF_SIZE * 2];
	struct nlmsghdr *h;
	ssize_t len;

	memset(rep, 0, sizeof(*rep));
	rep->err = -EIO;
	if (fd < 0)
		return;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (send(fd, n, n->nlmsg_len, 0) < 0)
		goto out;
	len = recv(fd, buf, sizeof(buf), 0);
	for (h = (void *)buf; len > 0 && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			parse_ack(h, rep);
			break;
		}
		if (h->nlmsg_type == RTM_NEWLINK) {
			parse_link(h, rep);
			break;
		}
	}
out:
	close(fd);
}

/* The link's IFLA_INFO_DATA, or err -ENODEV */
static void getlink(const char *name, struct reply *rep)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(r.i));
	r.n.nlmsg_type = RTM_GETLINK;
	r.n.nlmsg_flags = NLM_F_REQUEST;
	r.i.ifi_family = AF_UNSPEC;
	put(&r.n, IFLA_IFNAME, name, strlen(name) + 1);
	talk(&r.n, rep);
}

/* A point-to-point mqgretap: the minimum that is accepted */
static void base_tunnel(struct nlmsghdr *n, const char *remote, __u32 key)
{
	put_addr(n, IFLA_GRE_LOCAL, "10.9.0.1");
	put_addr(n, IFLA_GRE_REMOTE, remote);
	if (key) {
		put_u16(n, IFLA_GRE_IFLAGS, htons(GRE_KEY));
		put_u16(n, IFLA_GRE_OFLAGS, htons(GRE_KEY));
		put_u32(n, IFLA_GRE_IKEY, htonl(key));
		put_u32(n, IFLA_GRE_OKEY, htonl(key));
	}
}

FIXTURE(mqgre) {
	struct req r;
	struct reply rep;
	struct rtattr *li, *data;
};

FIXTURE_SETUP(mqgre)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mqgre)
{
}

/* the refusal of a creation: errno, message, and no link */
#define ASSERT_REFUSED(err_, msg_) do {					\
	talk(&self->r.n, &self->rep);					\
	TH_LOG("errno %d, extack \"%s\"", -self->rep.err, self->rep.msg); \
	ASSERT_EQ(-(err_), self->rep.err);				\
	ASSERT_NE(NULL, strstr(self->rep.msg, msg_));			\
	getlink("t0", &self->rep);					\
	ASSERT_EQ(-ENODEV, self->rep.err);				\
} while (0)

#define NEW(kind_, txq_) \
	(self->data = newlink(&self->r, "t0", true, kind_, txq_, &self->li))
#define SEND() finish(&self->r, self->li, self->data)

TEST_F(mqgre, no_remote)
{
	NEW(MQGRETAP_KIND, 0);
	put_addr(&self->r.n, IFLA_GRE_LOCAL, "10.9.0.1");
	SEND();
	ASSERT_REFUSED(EINVAL, "remote address required");
}

TEST_F(mqgre, no_data)
{
	memset(&self->r, 0, sizeof(self->r));
	self->data = newlink(&self->r, "t0", true, MQGRE_KIND, 0, &self->li);
	/* drop the empty IFLA_INFO_DATA: a kind and nothing else */
	self->r.n.nlmsg_len = (char *)self->data - (char *)&self->r.n;
	nest_end(&self->r.n, self->li);
	ASSERT_REFUSED(EINVAL, "remote address required");
}

TEST_F(mqgre, remote_not_unicast)
{
	static const char *const bad[] = { "0.0.0.0", "239.1.2.3", "255.255.255.255" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		NEW(MQGRETAP_KIND, 0);
		base_tunnel(&self->r.n, bad[i], 0);
		SEND();
		ASSERT_REFUSED(EINVAL, "remote must be a unicast IPv4 address");
	}
}

TEST_F(mqgre, local_multicast)
{
	NEW(MQGRE_KIND, 0);
	put_addr(&self->r.n, IFLA_GRE_LOCAL, "224.0.0.5");
	put_addr(&self->r.n, IFLA_GRE_REMOTE, "10.9.0.2");
	SEND();
	ASSERT_REFUSED(EINVAL, "local must be unicast IPv4 or any");
}

TEST_F(mqgre, external_mode)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put(&self->r.n, IFLA_GRE_COLLECT_METADATA, NULL, 0);
	SEND();
	ASSERT_REFUSED(EINVAL, "external (metadata) mode is not supported");
}

TEST_F(mqgre, fou)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u16(&self->r.n, IFLA_GRE_ENCAP_TYPE, TUNNEL_ENCAP_FOU);
	SEND();
	ASSERT_REFUSED(EOPNOTSUPP, "FOU and GUE encapsulation are not supported");
}

TEST_F(mqgre, erspan)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u8(&self->r.n, IFLA_GRE_ERSPAN_VER, 1);
	SEND();
	ASSERT_REFUSED(EINVAL, "ERSPAN is not supported");
}

TEST_F(mqgre, gre_version)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u16(&self->r.n, IFLA_GRE_IFLAGS, htons(0x0001));	/* version 1 */
	SEND();
	ASSERT_REFUSED(EINVAL, "GRE version and routing flags are not supported");
}

TEST_F(mqgre, ignore_df_with_pmtudisc)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u8(&self->r.n, IFLA_GRE_PMTUDISC, 1);
	put_u8(&self->r.n, IFLA_GRE_IGNORE_DF, 1);
	SEND();
	ASSERT_REFUSED(EINVAL, "ignore-df needs path MTU discovery off");
}

TEST_F(mqgre, spread_out_of_range)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u8(&self->r.n, IFLA_MQGRE_SPREAD, MQGRE_SPREAD_MAX + 1);
	SEND();
	ASSERT_REFUSED(ERANGE, "out of range");
}

TEST_F(mqgre, vmqueues_above_queues)
{
	NEW(MQGRETAP_KIND, 4);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u16(&self->r.n, IFLA_MQGRE_VMQUEUES, 5);
	SEND();
	ASSERT_REFUSED(EINVAL, "vmqueues is more than the tunnel's TX queues");
}

TEST_F(mqgre, vm_at_creation)
{
	struct rtattr *vm;

	NEW(MQGRETAP_KIND, 4);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	vm = nest(&self->r.n, IFLA_MQGRE_VM | NLA_F_NESTED);
	put_u32(&self->r.n, MQGRE_VM_IFINDEX, 1);
	put_u16(&self->r.n, MQGRE_VM_QUEUES, 1);
	nest_end(&self->r.n, vm);
	SEND();
	ASSERT_REFUSED(EINVAL, "VMs are placed on an existing tunnel");
}

TEST_F(mqgre, read_only)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 0);
	put_u32(&self->r.n, IFLA_MQGRE_VM_COUNT, 3);
	SEND();
	ASSERT_REFUSED(EINVAL, "read only");
}

TEST_F(mqgre, duplicate)
{
	NEW(MQGRETAP_KIND, 0);
	base_tunnel(&self->r.n, "10.9.0.2", 42);
	SEND();
	talk(&self->r.n, &self->rep);
	ASSERT_EQ(0, self->rep.err) TH_LOG("%s", self->rep.msg);

	self->data = newlink(&self->r, "t1", true, MQGRETAP_KIND, 0, &self->li);
	base_tunnel(&self->r.n, "10.9.0.2", 42);
	SEND();
	talk(&self->r.n, &self->rep);
	ASSERT_EQ(-EEXIST, self->rep.err);
	ASSERT_NE(NULL, strstr(self->rep.msg, "same endpoints and key exists"));
	getlink("t1", &self->rep);
	ASSERT_EQ(-ENODEV, self->rep.err);
}

/*
 * Changes of a live tunnel t0 (4 queues, key 42): each refused change
 * leaves its IFLA_INFO_DATA exactly as it was.
 */
FIXTURE(change) {
	struct req r;
	struct reply rep, before;
	struct rtattr *li, *data;
};

FIXTURE_SETUP(change)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link add d0 type veth peer name d1"));
	self->data = newlink(&self->r, "t0", true, MQGRETAP_KIND, 4, &self->li);
	base_tunnel(&self->r.n, "10.9.0.2", 42);
	SEND();
	talk(&self->r.n, &self->rep);
	ASSERT_EQ(0, self->rep.err) TH_LOG("%s", self->rep.msg);
	/* a second tunnel, the same but for its key, 43 */
	self->data = newlink(&self->r, "t1", true, MQGRETAP_KIND, 4, &self->li);
	base_tunnel(&self->r.n, "10.9.0.2", 43);
	SEND();
	talk(&self->r.n, &self->rep);
	ASSERT_EQ(0, self->rep.err) TH_LOG("%s", self->rep.msg);
}

FIXTURE_TEARDOWN(change)
{
}

#define CHANGE() \
	(self->data = newlink(&self->r, "t0", false, MQGRETAP_KIND, 0, &self->li))

static void put_vm(struct nlmsghdr *n, bool nested, int ifindex, int base,
		   int queues)
{
	struct rtattr *vm = nest(n, IFLA_MQGRE_VM | (nested ? NLA_F_NESTED : 0));

	if (ifindex >= 0)
		put_u32(n, MQGRE_VM_IFINDEX, ifindex);
	if (base >= 0)
		put_u16(n, MQGRE_VM_BASE, base);
	if (queues >= 0)
		put_u16(n, MQGRE_VM_QUEUES, queues);
	nest_end(n, vm);
}

/* send the change; it must fail with @err and @msg, and change nothing */
#define ASSERT_CHANGE_REFUSED(err_, msg_) do {				\
	getlink("t0", &self->before);					\
	ASSERT_EQ(0, self->before.err);					\
	SEND();								\
	talk(&self->r.n, &self->rep);					\
	TH_LOG("errno %d, extack \"%s\"", -self->rep.err, self->rep.msg); \
	ASSERT_EQ(-(err_), self->rep.err);				\
	ASSERT_NE(NULL, strstr(self->rep.msg, msg_));			\
	getlink("t0", &self->rep);					\
	ASSERT_EQ(0, self->rep.err);					\
	ASSERT_EQ(self->before.data_len, self->rep.data_len);		\
	ASSERT_EQ(0, memcmp(self->before.data, self->rep.data,		\
			    self->rep.data_len));			\
} while (0)

static void pin_lo(struct __test_metadata *_metadata, struct req *r,
		   struct reply *rep)
{
	struct rtattr *li, *data;

	data = newlink(r, "t0", false, MQGRETAP_KIND, 0, &li);
	put_vm(&r->n, true, 1, 0, 2);
	finish(r, li, data);
	talk(&r->n, rep);
	ASSERT_EQ(0, rep->err) TH_LOG("%s", rep->msg);
}

TEST_F(change, vm_no_device)
{
	CHANGE();
	put_vm(&self->r.n, true, 9999, 0, 1);
	ASSERT_CHANGE_REFUSED(ENODEV, "no such ifindex in the tunnel's netns");
}

TEST_F(change, vm_beyond_queues)
{
	CHANGE();
	put_vm(&self->r.n, true, if_nametoindex("d0"), 3, 2);
	ASSERT_CHANGE_REFUSED(EINVAL, "beyond the tunnel's TX queues");
}

TEST_F(change, vm_without_ifindex)
{
	CHANGE();
	put_vm(&self->r.n, true, -1, 0, 1);
	ASSERT_CHANGE_REFUSED(EINVAL, "named by the ifindex");
}

TEST_F(change, vm_not_nested)
{
	CHANGE();
	put_vm(&self->r.n, false, 1, 0, 1);
	ASSERT_CHANGE_REFUSED(EINVAL, "NLA_F_NESTED");
}

TEST_F(change, vm_overlap)
{
	pin_lo(_metadata, &self->r, &self->rep);
	CHANGE();
	put_vm(&self->r.n, true, if_nametoindex("d0"), 1, 2);
	ASSERT_CHANGE_REFUSED(EBUSY, "overlap those pinned for another VM");
}

TEST_F(change, vm_and_bad_gre)
{
	/* the VM is fine, the GRE part is not: neither is applied */
	pin_lo(_metadata, &self->r, &self->rep);
	CHANGE();
	put_vm(&self->r.n, true, if_nametoindex("d0"), 2, 2);
	put_addr(&self->r.n, IFLA_GRE_REMOTE, "0.0.0.0");
	ASSERT_CHANGE_REFUSED(EINVAL, "remote must be a unicast IPv4 address");
}

TEST_F(change, same_as_other_tunnel)
{
	/* refused by ip_tunnel_changelink(), after mqgre's own checks */
	CHANGE();
	put_u16(&self->r.n, IFLA_MQGRE_VMQUEUES, 1);
	put_u8(&self->r.n, IFLA_MQGRE_SPREAD, MQGRE_SPREAD_NONE);
	put_vm(&self->r.n, true, 1, 0, 2);
	base_tunnel(&self->r.n, "10.9.0.2", 43);
	ASSERT_CHANGE_REFUSED(EEXIST, "same endpoints and key exists");
}

TEST_F(change, gre_without_remote)
{
	CHANGE();
	put_u8(&self->r.n, IFLA_MQGRE_SPREAD, MQGRE_SPREAD_NONE);
	put_u8(&self->r.n, IFLA_GRE_TTL, 9);
	ASSERT_CHANGE_REFUSED(EINVAL, "remote address required");
}

TEST_F(change, spread_out_of_range)
{
	CHANGE();
	put_u8(&self->r.n, IFLA_MQGRE_SPREAD, 7);
	ASSERT_CHANGE_REFUSED(ERANGE, "out of range");
}

TEST_F(change, vmqueues_above_queues)
{
	CHANGE();
	put_u16(&self->r.n, IFLA_MQGRE_VMQUEUES, 5);
	ASSERT_CHANGE_REFUSED(EINVAL, "vmqueues is more than the tunnel's TX queues");
}

/* A change with mqgre's attributes only keeps the GRE configuration. */
TEST_F(change, mqgre_only_keeps_gre)
{
	struct reply after;

	getlink("t0", &self->before);
	CHANGE();
	put_u8(&self->r.n, IFLA_MQGRE_SPREAD, MQGRE_SPREAD_NONE);
	SEND();
	talk(&self->r.n, &self->rep);
	ASSERT_EQ(0, self->rep.err) TH_LOG("%s", self->rep.msg);
	getlink("t0", &after);
	ASSERT_EQ(0, after.err);
	/* the GRE attributes come first and are unchanged */
	ASSERT_EQ(self->before.data_len, after.data_len);
	{
		struct rtattr *a = (void *)self->before.data, *b = (void *)after.data;
		int alen = self->before.data_len, blen = after.data_len, n = 0;

		for (; RTA_OK(a, alen) && RTA_OK(b, blen);
		     a = RTA_NEXT(a, alen), b = RTA_NEXT(b, blen)) {
			ASSERT_EQ(a->rta_type, b->rta_type);
			if (a->rta_type == IFLA_MQGRE_SPREAD) {
				ASSERT_EQ(MQGRE_SPREAD_NONE, *(__u8 *)RTA_DATA(b));
				continue;
			}
			if (a->rta_type > IFLA_GRE_MAX)
				continue;
			ASSERT_EQ(0, memcmp(a, b, a->rta_len));
			n++;
		}
		ASSERT_GE(n, 10);
	}
}

TEST_HARNESS_MAIN
