// SPDX-License-Identifier: GPL-2.0
/*
 * One kernel socket per NIC queue index, its recorded TX queue set to that
 * index. netdev_pick_tx() uses a socket's recorded queue, when it is below
 * the device's queue count, before XPS (by CPU or by receive queue) and
 * before hashing, so a frame owned by socket n leaves the NIC on queue n
 * whatever XPS map the NIC's driver set. The sockets are never bound,
 * connected or used to send: they only own frames (skb_set_owner_w(), as
 * the stack's own sockets do), so a frame in flight keeps its socket
 * alive and unloading the module is safe.
 *
 * Only frames that have no owner, or the plain one of a socket's sent
 * data (sock_wfree, tun's), are taken over: other owners learn from their
 * destructor that the frame was sent.
 *
 * The sockets are shared by every tunnel and namespace: a queue index
 * means the same thing for every device. Frames for one NIC queue share
 * the atomic write-memory count of its socket, as they share that queue's
 * lock on the NIC.
 */
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "uapi/mqgre.h"
#include "nicq.h"

static struct socket **nicq_socks;	/* MQGRE_QUEUES_MAX */
static unsigned int nicq_nr;		/* sockets 0..nicq_nr-1 exist */
static DEFINE_MUTEX(nicq_lock);		/* creating sockets */

int mqgre_nicq_init(void)
{
	nicq_socks = kcalloc(MQGRE_QUEUES_MAX, sizeof(*nicq_socks), GFP_KERNEL);
	return nicq_socks ? 0 : -ENOMEM;
}

void mqgre_nicq_exit(void)
{
	unsigned int i;

	/* frames still in flight hold their socket's memory until freed */
	for (i = 0; i < nicq_nr; i++)
		sock_release(nicq_socks[i]);
	kfree(nicq_socks);
	nicq_socks = NULL;
	nicq_nr = 0;
}

int mqgre_nicq_reserve(unsigned int nr)
{
	struct socket *sock;
	int ret = 0;

	if (nr > MQGRE_QUEUES_MAX)
		return -EINVAL;

	mutex_lock(&nicq_lock);
	while (nicq_nr < nr) {
		/* a kernel socket: no namespace reference, no file */
		ret = sock_create_kern(&init_net, PF_INET, SOCK_DGRAM,
				       IPPROTO_UDP, &sock);
		if (ret)
			break;
		/* unconnected, so no txhash to stamp on the frames it owns */
		sk_tx_queue_set(sock->sk, nicq_nr);
		WRITE_ONCE(nicq_socks[nicq_nr], sock);
		/* readers index only below a count reserved before */
		smp_store_release(&nicq_nr, nicq_nr + 1);
	}
	mutex_unlock(&nicq_lock);
	return ret;
}

void mqgre_nicq_pin(struct sk_buff *skb, unsigned int txq,
		    const struct net_device *nic)
{
	unsigned int n = READ_ONCE(nic->real_num_tx_queues);
	struct socket *sock;

	if (n <= 1)
		return;
	/*
	 * Only frames with no owner (routed, vhost-net's batches) or owned
	 * the plain way (tun's write()): other destructors tell their owner
	 * the frame is sent (AF_PACKET's TX ring, TCP's small queues), which
	 * taking the frame over would do too early. Those keep their owner,
	 * and the NIC picks their queue as usual.
	 */
	if (skb->destructor && skb->destructor != sock_wfree)
		return;
	sock = READ_ONCE(nicq_socks[txq % n]);
	if (unlikely(!sock))
		return;
	/* TCP's "out of order is fine here" would make the NIC ignore it */
	skb->ooo_okay = 0;
	skb_set_owner_w(skb, sock->sk);
}
