// SPDX-License-Identifier: GPL-2.0
/*
 * Spreading VMs over a tunnel's TX queues.
 *
 * A VM is the device its frames came in on (skb->skb_iif: its tap, on the
 * bridged and on the routed path). The first frame of a VM places it: it
 * gets as many tunnel queues as its device has queues (or the tunnel's
 * "vmqueues"), the first run of free queues that is long enough. When no
 * run is free, it shares: it is placed round-robin after the last VM
 * placed. A frame the guest sent on its queue g then leaves on tunnel
 * queue base + g mod queues. Pinned VMs (netlink) are placed by hand.
 *
 * The hot path reads the table without a lock; only placing a new VM
 * takes the tunnel's spread lock, once per VM.
 */
#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "uapi/mqgre.h"
#include "spread.h"

#define SPREAD_SLOT_BITS	11
#define SPREAD_SLOTS		BIT(SPREAD_SLOT_BITS)
#define SPREAD_SLOT_MASK	(SPREAD_SLOTS - 1)

static_assert(SPREAD_SLOTS >= 2 * MQGRE_VMS_MAX);

/* A slot: 0 is empty, ifindex is never 0 */
#define SLOT_IFINDEX	GENMASK_ULL(31, 0)
#define SLOT_BASE	GENMASK_ULL(43, 32)	/* < MQGRE_QUEUES_MAX */
#define SLOT_QUEUES	GENMASK_ULL(56, 44)	/* 1..MQGRE_QUEUES_MAX */
#define SLOT_PINNED	BIT_ULL(57)
#define SLOT_SHARED	BIT_ULL(58)

static_assert(MQGRE_QUEUES_MAX - 1 <= (SLOT_BASE >> 32));
static_assert(MQGRE_QUEUES_MAX <= (SLOT_QUEUES >> 44));

static u64 slot_make(int ifindex, unsigned int base, unsigned int queues,
		     u64 flags)
{
	return FIELD_PREP(SLOT_IFINDEX, (u32)ifindex) |
	       FIELD_PREP(SLOT_BASE, base) |
	       FIELD_PREP(SLOT_QUEUES, queues) | flags;
}

static int slot_ifindex(u64 e)
{
	return (int)FIELD_GET(SLOT_IFINDEX, e);
}

static unsigned int slot_base(u64 e)
{
	return FIELD_GET(SLOT_BASE, e);
}

static unsigned int slot_queues(u64 e)
{
	return FIELD_GET(SLOT_QUEUES, e);
}

static unsigned int slot_home(int ifindex)
{
	return hash_32((u32)ifindex, SPREAD_SLOT_BITS);
}

int mqgre_spread_init(struct mqgre_spread *s, unsigned int ntxq)
{
	if (!ntxq || ntxq > MQGRE_QUEUES_MAX)
		return -EINVAL;

	s->mode = MQGRE_SPREAD_VM;
	s->vmqueues = 0;
	s->ntxq = ntxq;
	s->cursor = 0;
	s->nr = 0;
	spin_lock_init(&s->lock);
	s->slot = kcalloc(SPREAD_SLOTS, sizeof(*s->slot), GFP_KERNEL);
	if (!s->slot)
		return -ENOMEM;
	s->owned = bitmap_zalloc(ntxq, GFP_KERNEL);
	if (!s->owned) {
		kfree(s->slot);
		s->slot = NULL;
		return -ENOMEM;
	}
	return 0;
}

void mqgre_spread_free(struct mqgre_spread *s)
{
	bitmap_free(s->owned);
	kfree(s->slot);
	s->owned = NULL;
	s->slot = NULL;
}

/* The slot of @ifindex, or -1. Lockless readers may miss a moving entry. */
static int spread_find(const struct mqgre_spread *s, int ifindex, u64 *entry)
{
	unsigned int i = slot_home(ifindex), n;

	for (n = 0; n < SPREAD_SLOTS; n++, i = (i + 1) & SPREAD_SLOT_MASK) {
		u64 e = READ_ONCE(s->slot[i]);

		if (!e)
			break;
		if (slot_ifindex(e) == ifindex) {
			*entry = e;
			return i;
		}
	}
	return -1;
}

/* Under the lock, with fewer than MQGRE_VMS_MAX entries */
static void spread_insert(struct mqgre_spread *s, u64 e)
{
	unsigned int i = slot_home(slot_ifindex(e));

	while (s->slot[i])
		i = (i + 1) & SPREAD_SLOT_MASK;
	WRITE_ONCE(s->slot[i], e);
	s->nr++;
}

/*
 * Under the lock: empty slot @i and shift the entries after it back, so
 * that every entry stays reachable from its home slot.
 */
static void spread_delete(struct mqgre_spread *s, unsigned int i)
{
	u64 e = s->slot[i];
	unsigned int hole = i, j = i;

	if (!(e & SLOT_SHARED))
		bitmap_clear(s->owned, slot_base(e), slot_queues(e));
	WRITE_ONCE(s->slot[hole], 0);
	s->nr--;

	for (;;) {
		unsigned int home;

		j = (j + 1) & SPREAD_SLOT_MASK;
		e = s->slot[j];
		if (!e)
			break;
		home = slot_home(slot_ifindex(e));
		/* stays if its home is cyclically in (hole, j] */
		if (hole < j ? (home > hole && home <= j) :
			       (home > hole || home <= j))
			continue;
		WRITE_ONCE(s->slot[hole], e);
		WRITE_ONCE(s->slot[j], 0);
		hole = j;
	}
}

/* Under the lock: delete every entry for which @drop is true */
static void spread_delete_if(struct mqgre_spread *s,
			     bool (*drop)(u64 e, const void *arg),
			     const void *arg)
{
	unsigned int i = 0;

	while (i < SPREAD_SLOTS) {
		u64 e = s->slot[i];

		/* a delete may shift another entry into i: look again */
		if (e && drop(e, arg))
			spread_delete(s, i);
		else
			i++;
	}
}

/* Under the lock: place a VM seen for the first time */
static u64 spread_place(struct mqgre_spread *s, int ifindex, struct net *net)
{
	unsigned int queues = s->vmqueues, base;
	u64 flags = 0, e;

	if (s->nr >= MQGRE_VMS_MAX)
		return 0;
	if (!queues) {
		const struct net_device *in;

		rcu_read_lock();
		in = dev_get_by_index_rcu(net, ifindex);
		queues = in ? in->real_num_rx_queues : 1;
		rcu_read_unlock();
	}
	queues = clamp_t(unsigned int, queues, 1, s->ntxq);

	base = bitmap_find_next_zero_area(s->owned, s->ntxq, 0, queues, 0);
	if (base + queues <= s->ntxq) {
		bitmap_set(s->owned, base, queues);
	} else {
		base = s->cursor;
		if (base + queues > s->ntxq)
			base = 0;
		flags = SLOT_SHARED;
	}
	s->cursor = (base + queues) % s->ntxq;

	e = slot_make(ifindex, base, queues, flags);
	spread_insert(s, e);
	return e;
}

static u64 spread_lookup_or_place(struct mqgre_spread *s, int ifindex,
				  struct net *net)
{
	u64 e = 0;

	if (spread_find(s, ifindex, &e) >= 0)
		return e;

	/* _bh: AF_PACKET's qdisc bypass picks queues with softirqs on */
	spin_lock_bh(&s->lock);
	if (spread_find(s, ifindex, &e) < 0)
		e = spread_place(s, ifindex, net);
	spin_unlock_bh(&s->lock);
	return e;
}

u16 mqgre_spread_pick(struct mqgre_spread *s, struct sk_buff *skb,
		      struct net *net)
{
	bool recorded = skb_rx_queue_recorded(skb);
	unsigned int base = 0, queues = s->ntxq;

	if (READ_ONCE(s->mode) == MQGRE_SPREAD_VM && skb->skb_iif) {
		u64 e = spread_lookup_or_place(s, skb->skb_iif, net);

		/* no entry: MQGRE_VMS_MAX VMs placed, spread as "none" */
		if (e) {
			base = slot_base(e);
			queues = slot_queues(e);
		}
	}
	if (recorded)
		return base + skb_get_rx_queue(skb) % queues;
	return base + reciprocal_scale(skb_get_hash(skb), queues);
}

static bool spread_is_auto(u64 e, const void *arg)
{
	return !(e & SLOT_PINNED);
}

static bool spread_is_any(u64 e, const void *arg)
{
	return true;
}

void mqgre_spread_set(struct mqgre_spread *s, u8 mode, u16 vmqueues)
{
	spin_lock_bh(&s->lock);
	if (s->mode != mode || s->vmqueues != vmqueues) {
		WRITE_ONCE(s->mode, mode);
		s->vmqueues = vmqueues;
		spread_delete_if(s, spread_is_auto, NULL);
		s->cursor = 0;
	}
	spin_unlock_bh(&s->lock);
}

void mqgre_spread_clear(struct mqgre_spread *s)
{
	spin_lock_bh(&s->lock);
	spread_delete_if(s, spread_is_any, NULL);
	s->cursor = 0;
	spin_unlock_bh(&s->lock);
}

void mqgre_spread_forget(struct mqgre_spread *s, int ifindex)
{
	u64 e;
	int i;

	spin_lock_bh(&s->lock);
	i = spread_find(s, ifindex, &e);
	if (i >= 0)
		spread_delete(s, i);
	spin_unlock_bh(&s->lock);
}

struct spread_range {
	int ifindex;
	unsigned int base, end;
};

static bool spread_overlaps(u64 e, const struct spread_range *r)
{
	return slot_base(e) < r->end && r->base < slot_base(e) + slot_queues(e);
}

/* auto entries in the range, and the pinned VM's own entry */
static bool spread_is_evicted(u64 e, const void *arg)
{
	const struct spread_range *r = arg;

	if (slot_ifindex(e) == r->ifindex)
		return true;
	return !(e & SLOT_PINNED) && spread_overlaps(e, r);
}

int mqgre_spread_pin_check(struct mqgre_spread *s, int ifindex,
			   unsigned int base, unsigned int queues,
			   struct netlink_ext_ack *extack)
{
	struct spread_range r = { ifindex, base, base + queues };
	unsigned int i, pins = 0;

	if (!queues)
		return 0;
	if (queues > s->ntxq || base > s->ntxq - queues) {
		NL_SET_ERR_MSG_MOD(extack,
				   "VM queues go beyond the tunnel's TX queues");
		return -EINVAL;
	}
	/* pins change under RTNL only, which the caller holds */
	for (i = 0; i < SPREAD_SLOTS; i++) {
		u64 e = READ_ONCE(s->slot[i]);

		if (!(e & SLOT_PINNED) || slot_ifindex(e) == ifindex)
			continue;
		pins++;
		if (spread_overlaps(e, &r)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "VM queues overlap those pinned for another VM");
			return -EBUSY;
		}
	}
	if (pins >= MQGRE_VMS_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many pinned VMs");
		return -ENOSPC;
	}
	return 0;
}

void mqgre_spread_pin_commit(struct mqgre_spread *s, int ifindex,
			     unsigned int base, unsigned int queues)
{
	struct spread_range r = { ifindex, base, base + queues };
	unsigned int i;

	spin_lock_bh(&s->lock);
	spread_delete_if(s, spread_is_evicted, &r);
	if (queues) {
		/*
		 * Full of automatic placements (pin_check saw room for one
		 * more pin): drop one, its VM is placed again.
		 */
		for (i = 0; s->nr >= MQGRE_VMS_MAX && i < SPREAD_SLOTS; i++) {
			if (s->slot[i] && !(s->slot[i] & SLOT_PINNED)) {
				spread_delete(s, i);
				break;
			}
		}
		/* an auto VM sharing these queues keeps sharing them */
		bitmap_set(s->owned, base, queues);
		spread_insert(s, slot_make(ifindex, base, queues, SLOT_PINNED));
	}
	spin_unlock_bh(&s->lock);
}

unsigned int mqgre_spread_count(const struct mqgre_spread *s)
{
	return READ_ONCE(s->nr);
}

int mqgre_spread_walk(const struct mqgre_spread *s,
		      int (*fn)(const struct mqgre_vm_info *vm, void *arg),
		      void *arg)
{
	unsigned int i;
	int ret;

	for (i = 0; i < SPREAD_SLOTS; i++) {
		u64 e = READ_ONCE(s->slot[i]);
		struct mqgre_vm_info vm;

		if (!e)
			continue;
		vm.ifindex = slot_ifindex(e);
		vm.base = slot_base(e);
		vm.queues = slot_queues(e);
		vm.flags = (e & SLOT_PINNED ? MQGRE_VM_F_PINNED : 0) |
			   (e & SLOT_SHARED ? MQGRE_VM_F_SHARED : 0);
		ret = fn(&vm, arg);
		if (ret)
			return ret;
	}
	return 0;
}
