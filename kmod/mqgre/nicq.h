/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping a frame's queue down to the NIC: the underlay device picks the
 * TX queue that the frame's socket has recorded before it asks XPS or a
 * hash (netdev_pick_tx()), so each encapsulated frame is owned by a kernel
 * socket whose recorded queue is the NIC queue it must leave on.
 */
#ifndef MQGRE_NICQ_H
#define MQGRE_NICQ_H

#include <linux/skbuff.h>

struct net_device;

int mqgre_nicq_init(void);
void mqgre_nicq_exit(void);

/* Make sure queues 0..nr-1 have their socket (process context). */
int mqgre_nicq_reserve(unsigned int nr);

/*
 * Hot path: own @skb by the socket of NIC queue txq mod the queues of
 * @nic, the device the encapsulated frame is routed to. txq must be below
 * a count reserved before.
 */
void mqgre_nicq_pin(struct sk_buff *skb, unsigned int txq,
		    const struct net_device *nic);

#endif /* MQGRE_NICQ_H */
