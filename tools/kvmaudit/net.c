// SPDX-License-Identifier: GPL-2.0
/*
 * Network checks. Seeds: Meituan's talk (virtio-net, vhost_net), the
 * libvirt note (vhost_net), Tencent's (one queue 140k pps, multiqueue
 * 200k, a single-queue GRE in the path, QEMU's 256-entry rings raised to
 * 1024, the tun queue length), and mqgre (Documentation/mqgre.rst).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "util.h"

/* a tap's default queue length: Ethernet's (a tun's is TUN_READQ_SIZE, 500) */
#define TXQUEUELEN_MIN	1000
#define RING_MIN	1024

/* mqgre's link kinds (MQGRE_KIND, MQGRETAP_KIND of uapi/mqgre.h) */
static const char * const mqgre_kinds[] = { "mqgre", "mqgretap" };
/* The kernel's own GRE kinds: one TX queue unless numtxqueues says more */
static const char * const gre_kinds[] = {
	"gre", "gretap", "ip6gre", "ip6gretap", "erspan", "ip6erspan",
};

static bool in(const char *s, const char * const *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

static bool is_mqgre(const char *kind)
{
	return in(kind, mqgre_kinds, KVMAUDIT_ARRAY_SIZE(mqgre_kinds));
}

static bool is_gre(const char *kind)
{
	return in(kind, gre_kinds, KVMAUDIT_ARRAY_SIZE(gre_kinds));
}

static bool no_nics(struct kvmaudit *a, const char *check,
		    const struct kvmaudit_vm *vm)
{
	struct kvmaudit_result *r;

	if (vm->is_qemu && vm->qemu.nr_nics)
		return false;
	r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	if (!vm->is_qemu)
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "not QEMU (%s): its command line is not understood",
				 vm->comm);
	else
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "no NICs");
	return true;
}

static struct kvmaudit_result *begin_nic(struct kvmaudit *a, const char *check,
					 const struct kvmaudit_vm *vm,
					 const struct kvmaudit_nic *n)
{
	char item[128];

	snprintf(item, sizeof(item), "nic %s", n->id);
	return kvmaudit_begin(&a->results, check, vm->name, item);
}

static bool is_tap(const struct kvmaudit_nic *n)
{
	return !strcmp(n->type, "tap") || !strcmp(n->type, "bridge");
}

/* The VM's tap fds that serve this NIC: by name, or all of a lone tap NIC */
static unsigned int tap_fds(const struct kvmaudit_vm *vm,
			    const struct kvmaudit_nic *n)
{
	unsigned int i, taps = 0, nr = 0;

	for (i = 0; i < vm->qemu.nr_nics; i++)
		taps += is_tap(&vm->qemu.nics[i]);
	for (i = 0; i < vm->nr_taps; i++)
		if (n->ifname ? !strcmp(vm->taps[i].ifname, n->ifname) : taps == 1)
			nr++;
	return nr;
}

KVMAUDIT_CHECK(kvmaudit_check_vhost)
{
	unsigned int i;

	if (no_nics(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_nics; i++) {
		const struct kvmaudit_nic *n = &vm->qemu.nics[i];
		struct kvmaudit_result *r = begin_nic(a, check, vm, n);

		kvmaudit_ev(r, "model", "%s", n->model);
		kvmaudit_ev(r, "backend", "%s", n->type);
		kvmaudit_ev(r, "vhost", "%s", n->vhost ? "on" : "off");
		kvmaudit_ev_u64(r, "vhost_net_fds", vm->vhost_fds);
		if (!n->virtio) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "an emulated %s NIC: every packet traps into QEMU's device model",
					 n->model);
			kvmaudit_fix(r,
				     "-device virtio-net-pci,netdev=%s (libvirt <model type='virtio'/>)",
				     n->id);
		} else if (!strcmp(n->type, "vhost-user") || !strcmp(n->type, "vhost-vdpa")) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "%s: the rings are served outside QEMU",
					 n->type);
		} else if (!is_tap(n)) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "a %s backend: packets cross QEMU's main loop, no vhost",
					 n->type);
			kvmaudit_fix(r,
				     "-netdev tap,id=%s,vhost=on (libvirt <interface type='bridge'> with <driver name='vhost'/>)",
				     n->id);
		} else if (!n->vhost) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "vhost is off: every packet crosses QEMU's main loop instead of the vhost-net kernel thread");
			kvmaudit_fix(r,
				     "modprobe vhost_net; -netdev tap,id=%s,...,vhost=on (libvirt <driver name='vhost'/>)",
				     n->id);
		} else if (!vm->vhost_fds) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "vhost=on, but the process holds no /dev/vhost-net fd");
			kvmaudit_fix(r,
				     "modprobe vhost_net, check /dev/vhost-net's permissions, restart the VM");
		} else {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "vhost-net moves its packets in the kernel");
		}
	}
}

KVMAUDIT_CHECK(kvmaudit_check_multiqueue)
{
	unsigned int i, vcpus = vm->is_qemu ? vm->qemu.cpus : vm->nr_vcpus;

	if (no_nics(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_nics; i++) {
		const struct kvmaudit_nic *n = &vm->qemu.nics[i];
		struct kvmaudit_result *r = begin_nic(a, check, vm, n);

		if (!n->virtio) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP, "not virtio-net (%s)", n->model);
			continue;
		}
		kvmaudit_ev_u64(r, "queues", n->queues);
		kvmaudit_ev(r, "mq", "%s", n->mq ? "on" : "off");
		kvmaudit_ev_u64(r, "vcpus", vcpus);
		if (is_tap(n))
			kvmaudit_ev_u64(r, "tap_fds", tap_fds(vm, n));
		if (vcpus <= 1) {
			kvmaudit_verdict(r, KVMAUDIT_PASS, "one vCPU: one queue is enough");
			continue;
		}
		if (n->queues >= vcpus && n->mq) {
			kvmaudit_verdict(r, KVMAUDIT_PASS, "a queue per vCPU");
			continue;
		}
		if (n->queues == 1)
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "one queue for %u vCPUs: one vCPU and one vhost thread carry all traffic (Tencent: 140k pps on one queue)",
					 vcpus);
		else if (!n->mq)
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "%u queues but mq=off: the guest sees one", n->queues);
		else
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "%u queues for %u vCPUs",
					 n->queues, vcpus);
		kvmaudit_fix(r,
			     "-netdev tap,id=%s,queues=%u,vhost=on -device virtio-net-pci,netdev=%s,mq=on,vectors=%u; in the guest: ethtool -L eth0 combined %u (libvirt <driver name='vhost' queues='%u'/>)",
			     n->id, vcpus, n->id, 2 * vcpus + 2, vcpus, vcpus);
	}
}

KVMAUDIT_CHECK(kvmaudit_check_queue_size)
{
	unsigned int i;

	if (no_nics(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_nics; i++) {
		const struct kvmaudit_nic *n = &vm->qemu.nics[i];
		struct kvmaudit_result *r = begin_nic(a, check, vm, n);
		bool user = !strcmp(n->type, "vhost-user") || !strcmp(n->type, "vhost-vdpa");

		if (!n->virtio) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP, "not virtio-net (%s)", n->model);
			continue;
		}
		kvmaudit_ev_u64(r, "rx_queue_size", n->rx_queue_size);
		kvmaudit_ev_u64(r, "tx_queue_size", n->tx_queue_size);
		if (n->rx_queue_size >= RING_MIN && (!user || n->tx_queue_size >= RING_MIN)) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "rings of at least %u entries",
					 RING_MIN);
			continue;
		}
		if (n->rx_queue_size < RING_MIN)
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "rx_queue_size=%u: bursts overflow the receive ring (Tencent raised QEMU's 256 to 1024 to cut drops under load)",
					 n->rx_queue_size);
		else
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "tx_queue_size=%u with %s, which can take 1024",
					 n->tx_queue_size, n->type);
		kvmaudit_fix(r,
			     "-device virtio-net-pci,...,rx_queue_size=1024%s (libvirt <driver rx_queue_size='1024'%s/>)",
			     user ? ",tx_queue_size=1024" : "",
			     user ? " tx_queue_size='1024'" : "");
	}
}

/* The ring of the NIC a tap serves: by name, or the lone tap NIC's */
static unsigned int tap_ring(const struct kvmaudit_vm *vm, const char *ifname)
{
	const struct kvmaudit_nic *lone = NULL;
	unsigned int i, taps = 0;

	for (i = 0; vm->is_qemu && i < vm->qemu.nr_nics; i++) {
		const struct kvmaudit_nic *n = &vm->qemu.nics[i];

		if (!is_tap(n))
			continue;
		if (n->ifname && !strcmp(n->ifname, ifname))
			return n->rx_queue_size;
		taps++;
		lone = n;
	}
	return taps == 1 && !lone->ifname ? lone->rx_queue_size : KVMAUDIT_QEMU_QUEUE_SIZE;
}

KVMAUDIT_CHECK(kvmaudit_check_txqueuelen)
{
	unsigned int i, j, ring;
	bool any = false;

	for (i = 0; i < vm->nr_taps; i++) {
		const char *name = vm->taps[i].ifname;
		struct kvmaudit_result *r;
		char item[64];
		__u64 len;

		/* one result per tap, however many queues (fds) it has */
		for (j = 0; j < i && strcmp(vm->taps[j].ifname, name); j++)
			;
		if (j < i || !name[0])
			continue;
		any = true;
		snprintf(item, sizeof(item), "tap %s", name);
		r = kvmaudit_begin(&a->results, check, vm->name, item);
		if (kvmaudit_read_u64(&len, "/sys/class/net/%s/tx_queue_len", name)) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP, "%s is not in this network namespace",
					 name);
			continue;
		}
		ring = tap_ring(vm, name);
		kvmaudit_ev_u64(r, "txqueuelen", len);
		kvmaudit_ev_u64(r, "rx_queue_size", ring);
		if (len >= ring) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "the tap holds %llu packets for the guest, its ring %u",
					 (unsigned long long)len, ring);
			continue;
		}
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "txqueuelen %llu, less than the guest's ring of %u: a burst the guest could take is dropped at the tap (Tencent tuned the tun queue length with the rings)",
				 (unsigned long long)len, ring);
		kvmaudit_fix(r, "ip link set dev %s txqueuelen %u", name,
			     ring > TXQUEUELEN_MIN ? ring : TXQUEUELEN_MIN);
	}
	if (!any)
		kvmaudit_verdict(kvmaudit_begin(&a->results, check, vm->name, NULL),
				 KVMAUDIT_SKIP, "no tap devices");
}

/*
 * A GRE tunnel that can carry traffic: up (ip_gre's fallback devices,
 * gre0, gretap0 and erspan0, are down and take only unmatched packets).
 */
static bool tunnel(const struct kvmaudit_link *l)
{
	return l->up && (is_gre(l->kind) || is_mqgre(l->kind));
}

/* The tunnels of the host; one SKIP when there are none. */
static bool no_tunnels(struct kvmaudit *a, const char *check)
{
	struct kvmaudit_result *r;
	unsigned int i;

	if (a->links_err) {
		r = kvmaudit_begin(&a->results, check, NULL, NULL);
		if (*kvmaudit_root())
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "--sysroot: the links come from rtnetlink, which sees the live host only");
		else
			kvmaudit_verdict(r, KVMAUDIT_SKIP, "cannot list links: %s",
					 strerror(-a->links_err));
		return true;
	}
	for (i = 0; i < a->links.nr; i++)
		if (tunnel(&a->links.l[i]))
			return false;
	r = kvmaudit_begin(&a->results, check, NULL, NULL);
	kvmaudit_verdict(r, KVMAUDIT_SKIP, "no GRE tunnel is up");
	return true;
}

static struct kvmaudit_result *begin_link(struct kvmaudit *a, const char *check,
					  const struct kvmaudit_link *l)
{
	char item[64];

	snprintf(item, sizeof(item), "link %s", l->name);
	return kvmaudit_begin(&a->results, check, NULL, item);
}

KVMAUDIT_CHECK(kvmaudit_check_gre_queues)
{
	unsigned int i;

	if (no_tunnels(a, check))
		return;
	for (i = 0; i < a->links.nr; i++) {
		const struct kvmaudit_link *l = &a->links.l[i];
		struct kvmaudit_result *r;

		if (!tunnel(l))
			continue;
		r = begin_link(a, check, l);
		kvmaudit_ev(r, "kind", "%s", l->kind);
		kvmaudit_ev_u64(r, "tx_queues", l->tx_queues);
		if (is_mqgre(l->kind)) {
			kvmaudit_verdict(r, KVMAUDIT_PASS, "mqgre keeps the queue the guest chose");
		} else if (l->tx_queues > 1) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "%u TX queues (whether the NIC keeps them is net.gre_xps)",
					 l->tx_queues);
		} else {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "a single-queue %s: every VM queue funnels into one queue lock (Tencent: the GRE device was the bottleneck of multiqueue)",
					 l->kind);
			kvmaudit_fix(r,
				     "ip link add NAME type mq%s local ... remote ... (mqgre), or at least ip link add NAME numtxqueues N type %s ...",
				     strstr(l->kind, "tap") ? "gretap" : "gre", l->kind);
		}
	}
}

/* TX queues of a device with a non-zero XPS CPU map, and their number */
static unsigned int xps_queues(const char *dev, unsigned int *nr)
{
	char path[KVMAUDIT_PATH_LEN], map[1024];
	unsigned int n = 0;
	struct dirent *de;
	const char *p;
	DIR *d;

	*nr = 0;
	if (kvmaudit_path(path, sizeof(path), "/sys/class/net/%s/queues", dev))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "tx-", 3))
			continue;
		(*nr)++;
		if (kvmaudit_read_line(map, sizeof(map), "/sys/class/net/%s/queues/%s/xps_cpus",
				       dev, de->d_name))
			continue;
		for (p = map; *p; p++)
			if (*p != '0' && *p != ',')
				break;
		n += !!*p;
	}
	closedir(d);
	return n;
}

KVMAUDIT_CHECK(kvmaudit_check_gre_xps)
{
	unsigned int i, j;

	if (no_tunnels(a, check))
		return;
	for (i = 0; i < a->links.nr; i++) {
		const struct kvmaudit_link *l = &a->links.l[i], *low;
		struct kvmaudit_result *r;
		struct kvmaudit_str with = { 0 };
		unsigned int set, nr, lowers = 0;
		char key[48];

		if (!tunnel(l))
			continue;
		r = begin_link(a, check, l);
		kvmaudit_ev(r, "kind", "%s", l->kind);
		if (is_mqgre(l->kind)) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "mqgre picks the NIC queue itself: XPS does not apply");
			continue;
		}
		if (l->tx_queues <= 1) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "one TX queue: no guest queue to keep (net.gre_queues)");
			continue;
		}
		/* its lower device, else every NIC with more than one queue */
		for (j = 0; j < a->links.nr; j++) {
			low = &a->links.l[j];
			if (l->link ? low->ifindex != l->link :
			    low->kind[0] || low->tx_queues <= 1)
				continue;
			lowers++;
			set = xps_queues(low->name, &nr);
			snprintf(key, sizeof(key), "%s_xps_queues", low->name);
			kvmaudit_ev(r, key, "%u/%u", set, nr);
			if (set)
				kvmaudit_str_add(&with, "%s%s", with.len ? "," : "", low->name);
		}
		if (!lowers) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "no lower device with more than one TX queue");
		} else if (with.len) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "XPS on %s picks the NIC queue by CPU, overriding the queue the tunnel recorded",
					 kvmaudit_str_get(&with));
			kvmaudit_fix(r,
				     "for q in /sys/class/net/%s/queues/tx-*; do echo 0 > $q/xps_cpus; done, or use mqgre",
				     kvmaudit_str_get(&with));
		} else {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "no XPS below: the queue the tunnel recorded reaches the NIC");
		}
		kvmaudit_str_free(&with);
	}
}
