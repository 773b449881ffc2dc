/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spreading VMs over a tunnel's TX queues: which tunnel queue a frame
 * leaves on, from the VM (the device it came in on) and the queue the
 * guest sent it on. See Documentation/mqgre.rst, "Spreading VMs".
 */
#ifndef MQGRE_SPREAD_H
#define MQGRE_SPREAD_H

#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct net;
struct netlink_ext_ack;

/*
 * One VM per slot of an open-addressed table keyed by ifindex. A slot is
 * one u64 (ifindex, base, queues, flags), written whole under the lock and
 * read whole without it, so a reader never sees half an entry; a reader
 * that misses an entry being moved takes the locked slow path and finds
 * it there.
 */
struct mqgre_spread {
	u8 mode;		/* MQGRE_SPREAD_* */
	u16 vmqueues;		/* queues per VM, 0: the VM device's */
	u16 ntxq;		/* the tunnel's TX queues */
	u16 cursor;		/* where the next VM is placed when full */
	unsigned int nr;	/* VMs in the table */
	spinlock_t lock;	/* placing, pinning and forgetting VMs */
	u64 *slot;		/* MQGRE_SPREAD_SLOTS */
	unsigned long *owned;	/* tunnel queues a VM has to itself */
};

/* What a VM has, as reported over netlink */
struct mqgre_vm_info {
	int ifindex;
	u16 base;
	u16 queues;
	u32 flags;		/* MQGRE_VM_F_* */
};

int mqgre_spread_init(struct mqgre_spread *s, unsigned int ntxq);
void mqgre_spread_free(struct mqgre_spread *s);

/* Hot path: the tunnel TX queue of @skb; @net is the tunnel's namespace. */
u16 mqgre_spread_pick(struct mqgre_spread *s, struct sk_buff *skb,
		      struct net *net);

/* Change the mode or the width of VMs: placements start over (pins stay). */
void mqgre_spread_set(struct mqgre_spread *s, u8 mode, u16 vmqueues);

/* Forget every VM, pinned ones too (the tunnel moved to another netns). */
void mqgre_spread_clear(struct mqgre_spread *s);
/* Forget one VM: its device is gone. */
void mqgre_spread_forget(struct mqgre_spread *s, int ifindex);

/*
 * Pinning, in two steps so that a change is checked whole before anything
 * is applied: check, then (infallible) commit. queues == 0 unpins.
 */
int mqgre_spread_pin_check(struct mqgre_spread *s, int ifindex,
			   unsigned int base, unsigned int queues,
			   struct netlink_ext_ack *extack);
void mqgre_spread_pin_commit(struct mqgre_spread *s, int ifindex,
			     unsigned int base, unsigned int queues);

/*
 * Reporting: the number of VMs, and each VM in turn (in no particular
 * order) until @fn returns non-zero, which is returned.
 */
unsigned int mqgre_spread_count(const struct mqgre_spread *s);
int mqgre_spread_walk(const struct mqgre_spread *s,
		      int (*fn)(const struct mqgre_vm_info *vm, void *arg),
		      void *arg);

#endif /* MQGRE_SPREAD_H */
