// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU command line, read for what the audit checks. The defaults are
 * QEMU 7.2's (Debian 12): -drive cache=writeback and aio=threads, 256
 * entries per virtio-net ring, mq=off, 128 MiB of RAM, the qemu64 CPU, a
 * user-mode e1000 NIC when no network is given and -nodefaults is not,
 * and -smp filling in cores first (sockets first for machine types of
 * QEMU 6.1 and older).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "util.h"

#define MAX_OPTS	4096u
#define MAX_ITEMS	1024u

/* The options kept, and the key of a first element without '='. */
static const struct {
	const char *name;
	const char *implied;
} kept[] = {
	{ "name", "guest" },
	{ "machine", "type" },
	{ "M", "type" },
	{ "cpu", "model" },
	{ "smp", "cpus" },
	{ "m", "size" },
	{ "numa", "type" },
	{ "object", "qom-type" },
	{ "drive", NULL },
	{ "blockdev", NULL },
	{ "device", "driver" },
	{ "netdev", "type" },
	{ "nic", "type" },
	{ "net", "type" },
	{ "hda", "file" },
	{ "hdb", "file" },
	{ "hdc", "file" },
	{ "hdd", "file" },
};

/* Options that take no argument (the rest take one). */
static const char * const flags[] = {
	"S", "s", "enable-kvm", "nodefaults", "no-user-config", "nographic",
	"no-reboot", "no-shutdown", "daemonize", "snapshot", "full-screen",
	"no-hpet", "no-acpi", "preconfig", "only-migratable", "enable-fips",
	"version", "help", "h", "curses", "portrait", "alt-grab", "ctrl-grab",
	"no-quit", "no-frame", "win2k-hack", "rtc-td-hack", "no-fd-bootchk",
	"usb", "xen-attach", "sdl", "old-param", "semihosting",
};

static bool is_flag(const char *name)
{
	unsigned int i;

	for (i = 0; i < KVMAUDIT_ARRAY_SIZE(flags); i++)
		if (!strcmp(name, flags[i]))
			return true;
	return false;
}

static int keep(struct kvmaudit_qemu *q, const char *name, const char *value)
{
	unsigned int i;
	int err;

	for (i = 0; i < KVMAUDIT_ARRAY_SIZE(kept); i++) {
		if (strcmp(name, kept[i].name))
			continue;
		err = kvmaudit_grow((void **)&q->opts, &q->cap_opts, q->nr_opts,
				    sizeof(*q->opts), MAX_OPTS);
		if (err)
			return err;
		/* -M is -machine; -hdX are disks of their own */
		err = kvmaudit_qopts_parse(&q->opts[q->nr_opts],
					   !strcmp(name, "M") ? "machine" : name,
					   kept[i].implied, value);
		if (err == -EINVAL)
			return 0;	/* not an option QEMU would take either */
		if (err)
			return err;
		q->nr_opts++;
		return 0;
	}
	return 0;
}

static const char *get(const struct kvmaudit_qopts *o, const char *key)
{
	return kvmaudit_qopts_get(o, key);
}

static bool is(const struct kvmaudit_qopts *o, const char *opt)
{
	return !strcmp(o->opt, opt);
}

/* Does key have value val? */
static bool eq(const struct kvmaudit_qopts *o, const char *key, const char *val)
{
	const char *v = get(o, key);

	return v && !strcmp(v, val);
}

/* The first -opt whose key has value val. */
static const struct kvmaudit_qopts *find(const struct kvmaudit_qemu *q,
					 const char *opt, const char *key,
					 const char *val)
{
	unsigned int i;

	for (i = 0; i < q->nr_opts; i++)
		if (is(&q->opts[i], opt) && eq(&q->opts[i], key, val))
			return &q->opts[i];
	return NULL;
}

/* Replace *dst with a copy of src, if src is there. */
static void set_str(char **dst, const char *src)
{
	if (!src)
		return;
	free(*dst);
	*dst = strdup(src);
}

/* "512", "512M", "2G", "1T", "1024k": MiB (no suffix: MiB) */
static bool parse_mib(const char *s, __u64 *mib)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (tolower((unsigned char)*end)) {
	case '\0':
	case 'm':
		break;
	case 'k':
		v /= 1024;
		break;
	case 'g':
		v *= 1024;
		break;
	case 't':
		v *= 1024 * 1024;
		break;
	case 'b':
		v /= 1024 * 1024;
		break;
	default:
		return false;
	}
	*mib = v;
	return true;
}

static unsigned int parse_uint(const char *s, unsigned int dflt)
{
	__u64 v;

	return s && kvmaudit_parse_u64(s, &v) && v <= 1u << 20 ? v : dflt;
}

/* ---- machine, name, CPU, memory ----------------------------------------- */

/* Machine types of QEMU 6.1 and older fill in sockets first. */
static bool prefers_sockets(const char *machine)
{
	const char *v = strrchr(machine, '-');
	unsigned int major, minor;

	if (strncmp(machine, "pc-", 3) || !v)
		return false;
	if (sscanf(v + 1, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 6 || (major == 6 && minor <= 1);
}

static void resolve_smp(struct kvmaudit_qemu *q)
{
	unsigned int s = q->sockets, c = q->cores, t = q->threads;
	unsigned int d = q->dies ?: 1, cl = q->clusters ?: 1;
	unsigned int cpus = q->cpus, max = q->maxcpus;

	if (!cpus && !max) {
		s = s ?: 1;
		c = c ?: 1;
		t = t ?: 1;
	} else {
		max = max ?: cpus;
		if (prefers_sockets(q->machine)) {
			if (!s) {
				c = c ?: 1;
				t = t ?: 1;
				s = max / (d * cl * c * t);
			} else if (!c) {
				t = t ?: 1;
				c = max / (s * d * cl * t);
			}
		} else {
			if (!c) {
				s = s ?: 1;
				t = t ?: 1;
				c = max / (s * d * cl * t);
			} else if (!s) {
				t = t ?: 1;
				s = max / (d * cl * c * t);
			}
		}
		if (!t)
			t = max / (s * d * cl * c) ?: 1;
	}
	q->sockets = s ?: 1;
	q->cores = c ?: 1;
	q->threads = t ?: 1;
	q->dies = d;
	q->clusters = cl;
	q->maxcpus = max ?: q->sockets * d * cl * q->cores * q->threads;
	q->cpus = cpus ?: q->maxcpus;
}

static int read_machine(struct kvmaudit_qemu *q)
{
	unsigned int i;

	q->ram_mib = KVMAUDIT_QEMU_RAM_MIB;
	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i];

		if (is(o, "machine")) {
			set_str(&q->machine, get(o, "type"));
		} else if (is(o, "name")) {
			set_str(&q->guest, get(o, "guest"));
			q->debug_threads = kvmaudit_qopts_bool(o, "debug-threads",
							       q->debug_threads);
		} else if (is(o, "smp")) {
			q->smp_given = true;
			q->cpus = parse_uint(get(o, "cpus"), q->cpus);
			q->sockets = parse_uint(get(o, "sockets"), q->sockets);
			q->dies = parse_uint(get(o, "dies"), q->dies);
			q->clusters = parse_uint(get(o, "clusters"), q->clusters);
			q->cores = parse_uint(get(o, "cores"), q->cores);
			q->threads = parse_uint(get(o, "threads"), q->threads);
			q->maxcpus = parse_uint(get(o, "maxcpus"), q->maxcpus);
		} else if (is(o, "cpu") && get(o, "model")) {
			set_str(&q->cpu_model, get(o, "model"));
			q->cpu_given = true;
			q->l3_given = get(o, "l3-cache");
			q->l3_cache = kvmaudit_qopts_bool(o, "l3-cache", true);
		} else if (is(o, "m")) {
			parse_mib(get(o, "size") ?: "", &q->ram_mib);
		} else if (is(o, "numa") && eq(o, "type", "node")) {
			q->numa_nodes++;
		}
	}
	if (!q->machine)
		q->machine = strdup("pc");
	if (!q->cpu_model) {
		q->cpu_model = strdup("qemu64");
		q->l3_cache = true;
	}
	if (!q->machine || !q->cpu_model)
		return -ENOMEM;
	resolve_smp(q);
	return 0;
}

/* ---- disks --------------------------------------------------------------- */

struct cache_bits {
	int direct;		/* -1: not said */
	int no_flush;
	int wce;
};

static void cache_from_mode(struct cache_bits *cb, const char *mode)
{
	static const struct {
		const char *mode;
		struct cache_bits cb;
	} modes[] = {
		{ "none", { 1, 0, 1 } },
		{ "off", { 1, 0, 1 } },
		{ "directsync", { 1, 0, 0 } },
		{ "writethrough", { 0, 0, 0 } },
		{ "writeback", { 0, 0, 1 } },
		{ "unsafe", { 0, 1, 1 } },
	};
	unsigned int i;

	for (i = 0; mode && i < KVMAUDIT_ARRAY_SIZE(modes); i++)
		if (!strcmp(mode, modes[i].mode))
			*cb = modes[i].cb;
}

static const char *cache_name(const struct cache_bits *cb)
{
	if (cb->no_flush > 0)
		return "unsafe";
	if (cb->direct > 0)
		return cb->wce ? "none" : "directsync";
	return cb->wce ? "writeback" : "writethrough";
}

static void bool_bit(int *bit, const char *val)
{
	int b = kvmaudit_bool_value(val);

	if (b >= 0)
		*bit = b;
}

static struct kvmaudit_disk *new_disk(struct kvmaudit_qemu *q)
{
	if (kvmaudit_grow((void **)&q->disks, &q->cap_disks, q->nr_disks,
			  sizeof(*q->disks), MAX_ITEMS))
		return NULL;
	return &q->disks[q->nr_disks++];
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A -blockdev node by node-name. */
static const struct kvmaudit_qopts *find_node(const struct kvmaudit_qemu *q, const char *name)
{
	return find(q, "blockdev", "node-name", name);
}

static const char *get_at(const struct kvmaudit_qopts *o, const char *prefix,
			  const char *key)
{
	char k[256];

	snprintf(k, sizeof(k), "%s%s", prefix, key);
	return get(o, k);
}

/*
 * Walk a -blockdev chain from node o down its "file" children (by name,
 * or inline as file.*) to the node with a filename: its path, its aio and
 * O_DIRECT setting; no-flush from any node.
 */
static void walk_blockdev(const struct kvmaudit_qemu *q,
			  const struct kvmaudit_qopts *o, struct cache_bits *cb,
			  const char **file, const char **aio)
{
	char prefix[256] = "";
	unsigned int depth;
	const char *v;

	for (depth = 0; o && depth < 8; depth++) {
		bool_bit(&cb->no_flush, get_at(o, prefix, "cache.no-flush"));
		bool_bit(&cb->direct, get_at(o, prefix, "cache.direct"));
		v = get_at(o, prefix, "filename");
		if (v) {
			*file = v;
			*aio = get_at(o, prefix, "aio");
			return;
		}
		if (get_at(o, prefix, "file.driver")) {
			size_t n = strlen(prefix);

			snprintf(prefix + n, sizeof(prefix) - n, "file.");
			continue;
		}
		v = get_at(o, prefix, "file");
		if (!v)
			return;
		o = find_node(q, v);
		prefix[0] = '\0';
	}
}

/* The bus a disk device sits on. */
static const char *disk_bus(const struct kvmaudit_qemu *q,
			    const struct kvmaudit_qopts *dev, const char *driver)
{
	static const char * const scsi_hbas[] = {
		"lsi53c895a", "lsi53c810", "megasas", "megasas-gen2",
		"mptsas1068", "am53c974", "dc390", "pvscsi", "virtio-scsi",
	};
	const char *bus = get(dev, "bus"), *drv, *id;
	unsigned int i, j;

	if (!strncmp(driver, "virtio-blk", 10))
		return "virtio-blk";
	if (!strncmp(driver, "vhost-user-blk", 14))
		return "vhost-user-blk";
	if (!strncmp(driver, "ide-", 4))
		return "ide";
	if (!strcmp(driver, "nvme"))
		return "nvme";
	if (!strncmp(driver, "usb-", 4))
		return "usb";
	if (strncmp(driver, "scsi-", 5))
		return driver;
	/* a SCSI disk: on the controller its bus= names, or the first one */
	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i];

		drv = get(o, "driver");
		if (!is(o, "device") || !drv)
			continue;
		for (j = 0; j < KVMAUDIT_ARRAY_SIZE(scsi_hbas); j++)
			if (!strncmp(drv, scsi_hbas[j], strlen(scsi_hbas[j])))
				break;
		if (j == KVMAUDIT_ARRAY_SIZE(scsi_hbas))
			continue;
		id = get(o, "id");
		if (bus && (!id || strncmp(bus, id, strlen(id)) ||
			    bus[strlen(id)] != '.'))
			continue;
		return !strncmp(drv, "virtio-scsi", 11) ? "virtio-scsi" : "scsi";
	}
	return "scsi";
}

static bool is_cdrom(const char *driver)
{
	return !strcmp(driver, "ide-cd") || !strcmp(driver, "scsi-cd") ||
	       !strcmp(driver, "usb-cd");
}

static int add_disk(struct kvmaudit_qemu *q, const char *id, const char *file,
		    const char *bus, const char *device,
		    const struct cache_bits *cb, bool cache_given,
		    const char *aio)
{
	struct kvmaudit_disk *d = new_disk(q);

	if (!d)
		return -ENOMEM;
	d->id = strdup(id);
	d->file = dup_or_null(file);
	d->bus = strdup(bus);
	d->device = strdup(device);
	d->cache = cache_name(cb);
	d->cache_given = cache_given;
	d->aio = strdup(aio ?: "threads");
	d->aio_given = aio;
	if (!d->id || (file && !d->file) || !d->bus || !d->device || !d->aio)
		return -ENOMEM;
	return 0;
}

/* -drive if=... (not none), -hdX, and -device drive=... */
static int read_disks(struct kvmaudit_qemu *q)
{
	unsigned int i, n = 0;
	const char *v, *drv;
	char id[32], dev[64];
	int err;

	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i];
		struct cache_bits cb = { 0, 0, 1 };
		const char *itf, *file;

		file = get(o, "file");
		if (o->opt[0] == 'h' && o->opt[1] == 'd') {
			if (!file)
				continue;
			err = add_disk(q, o->opt, file, "ide", "ide-hd", &cb,
				       false, NULL);
			if (err)
				return err;
			continue;
		}
		if (!is(o, "drive"))
			continue;
		n++;
		itf = get(o, "if") ?: "ide";
		file = file ?: get(o, "file.filename");
		if (!strcmp(itf, "none") || !file || eq(o, "media", "cdrom") ||
		    !strcmp(itf, "pflash") || !strcmp(itf, "floppy") ||
		    !strcmp(itf, "mtd") || !strcmp(itf, "sd"))
			continue;
		cache_from_mode(&cb, get(o, "cache"));
		bool_bit(&cb.direct, get(o, "cache.direct"));
		bool_bit(&cb.no_flush, get(o, "cache.no-flush"));
		snprintf(id, sizeof(id), "drive%u", n - 1);
		snprintf(dev, sizeof(dev), "if=%s", itf);
		err = add_disk(q, get(o, "id") ?: id, file,
			       !strcmp(itf, "virtio") ? "virtio-blk" : itf, dev,
			       &cb, get(o, "cache") || get(o, "cache.direct"),
			       get(o, "aio"));
		if (err)
			return err;
	}

	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i], *src = NULL;
		struct cache_bits cb = { 0, 0, 1 };
		const char *ref = get(o, "drive"), *file = NULL, *aio = NULL;
		bool given = false;

		drv = get(o, "driver");
		if (!is(o, "device") || !ref || !drv || is_cdrom(drv))
			continue;
		src = find(q, "drive", "id", ref);
		if (src) {
			if (eq(src, "media", "cdrom"))
				continue;
			file = get(src, "file") ?: get(src, "file.filename");
			aio = get(src, "aio");
			cache_from_mode(&cb, get(src, "cache"));
			bool_bit(&cb.direct, get(src, "cache.direct"));
			bool_bit(&cb.no_flush, get(src, "cache.no-flush"));
			given = get(src, "cache") || get(src, "cache.direct");
		} else if (find_node(q, ref)) {
			src = find_node(q, ref);
			cb.direct = -1;
			walk_blockdev(q, src, &cb, &file, &aio);
			given = cb.direct >= 0 || cb.no_flush > 0;
			if (cb.direct < 0)
				cb.direct = 0;
		} else {
			continue;	/* a drive QEMU would not find */
		}
		v = get(o, "write-cache");
		if (v && strcmp(v, "auto")) {
			bool_bit(&cb.wce, v);
			given = true;
		}
		err = add_disk(q, ref, file, disk_bus(q, o, drv), drv, &cb,
			       given, aio);
		if (err)
			return err;
	}
	return 0;
}

/* ---- NICs ---------------------------------------------------------------- */

static struct kvmaudit_nic *new_nic(struct kvmaudit_qemu *q)
{
	if (kvmaudit_grow((void **)&q->nics, &q->cap_nics, q->nr_nics,
			  sizeof(*q->nics), MAX_ITEMS))
		return NULL;
	return &q->nics[q->nr_nics++];
}

/* "24:25:26" -> 3 */
static unsigned int count_fds(const char *s)
{
	unsigned int n = 1;

	if (!s || !*s)
		return 0;
	for (; *s; s++)
		n += *s == ':';
	return n;
}

/* The backend half of a NIC: a -netdev, -nic or -net tap,... */
static void netdev_props(struct kvmaudit_nic *nic, const struct kvmaudit_qopts *o)
{
	const char *v;
	unsigned int fds;

	nic->type = dup_or_null(get(o, "type"));
	nic->ifname = dup_or_null(get(o, "ifname"));
	nic->vhost = kvmaudit_qopts_bool(o, "vhost", false) ||
		     get(o, "vhostfd") || get(o, "vhostfds");
	if (nic->type && (!strcmp(nic->type, "vhost-user") ||
			  !strcmp(nic->type, "vhost-vdpa")))
		nic->vhost = true;
	nic->queues = parse_uint(get(o, "queues"), 0);
	fds = count_fds(get(o, "fds"));
	if (!nic->queues && fds)
		nic->queues = fds;
	fds = count_fds(get(o, "vhostfds"));
	if (!nic->queues && fds)
		nic->queues = fds;
	if (!nic->queues)
		nic->queues = 1;
	v = get(o, "id");
	if (v && !nic->id)
		nic->id = strdup(v);
}

/* The guest half: the device's driver and its virtio-net properties. */
static void device_props(struct kvmaudit_nic *nic, const char *model,
			 const struct kvmaudit_qopts *o)
{
	nic->model = strdup(model);
	/* -net nic,model=virtio is virtio-net-pci */
	nic->virtio = !strncmp(model, "virtio-net", 10) || !strcmp(model, "virtio");
	nic->mq = o && kvmaudit_qopts_bool(o, "mq", false);
	nic->rx_queue_size = parse_uint(o ? get(o, "rx_queue_size") : NULL,
					KVMAUDIT_QEMU_QUEUE_SIZE);
	nic->tx_queue_size = parse_uint(o ? get(o, "tx_queue_size") : NULL,
					KVMAUDIT_QEMU_QUEUE_SIZE);
}

static const char *default_model(const struct kvmaudit_qemu *q)
{
	if (!strcmp(q->machine, "microvm"))
		return "virtio-net-device";
	if (strstr(q->machine, "q35"))
		return "e1000e";
	return "e1000";
}

static int nic_done(struct kvmaudit_nic *nic)
{
	if (!nic->id)
		nic->id = strdup("net");
	if (!nic->type)
		nic->type = strdup("unknown");
	return nic->id && nic->type && nic->model ? 0 : -ENOMEM;
}

static int read_nics(struct kvmaudit_qemu *q, bool nodefaults)
{
	unsigned int i, j, nnic = 0, nnet = 0, k;
	bool any = false;
	char id[32];
	int err;

	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i];
		struct kvmaudit_nic *nic;

		if (is(o, "netdev")) {
			any = true;
		} else if (is(o, "nic")) {
			any = true;
			if (eq(o, "type", "none"))
				continue;
			nic = new_nic(q);
			if (!nic)
				return -ENOMEM;
			snprintf(id, sizeof(id), "nic%u", nnic++);
			nic->id = strdup(get(o, "id") ?: id);
			netdev_props(nic, o);
			device_props(nic, get(o, "model") ?: default_model(q), o);
			err = nic_done(nic);
			if (err)
				return err;
		} else if (is(o, "net")) {
			any = true;
		} else if (is(o, "device") && get(o, "netdev")) {
			const char *ref = get(o, "netdev");
			const struct kvmaudit_qopts *nd = find(q, "netdev", "id", ref);

			nic = new_nic(q);
			if (!nic)
				return -ENOMEM;
			nic->id = strdup(ref);
			if (nd)
				netdev_props(nic, nd);
			else
				nic->queues = 1;
			device_props(nic, get(o, "driver") ?: "", o);
			err = nic_done(nic);
			if (err)
				return err;
		}
	}

	/* legacy -net nic,model=X ... -net tap,...: the k-th of each pair up */
	for (i = 0; i < q->nr_opts; i++) {
		const struct kvmaudit_qopts *o = &q->opts[i], *be = NULL;
		struct kvmaudit_nic *nic;

		if (!is(o, "net") || !eq(o, "type", "nic"))
			continue;
		for (j = 0, k = 0; j < q->nr_opts; j++) {
			const struct kvmaudit_qopts *b = &q->opts[j];

			if (!is(b, "net") || !get(b, "type") ||
			    eq(b, "type", "nic") || eq(b, "type", "none"))
				continue;
			if (k++ == nnet) {
				be = b;
				break;
			}
		}
		nic = new_nic(q);
		if (!nic)
			return -ENOMEM;
		snprintf(id, sizeof(id), "net%u", nnet++);
		nic->id = strdup(id);
		if (be)
			netdev_props(nic, be);
		else
			nic->queues = 1;
		device_props(nic, get(o, "model") ?: default_model(q), o);
		err = nic_done(nic);
		if (err)
			return err;
	}

	if (!any && !nodefaults) {
		/* QEMU's default NIC: user-mode networking */
		struct kvmaudit_nic *nic = new_nic(q);

		if (!nic)
			return -ENOMEM;
		nic->id = strdup("default");
		nic->type = strdup("user");
		nic->queues = 1;
		device_props(nic, default_model(q), NULL);
		return nic_done(nic);
	}
	return 0;
}

int kvmaudit_qemu_parse(struct kvmaudit_qemu *q, char **argv, unsigned int argc)
{
	bool nodefaults = false;
	unsigned int i;
	int err;

	memset(q, 0, sizeof(*q));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-') {
			err = keep(q, "hda", a);	/* a bare image is -hda */
			if (err)
				goto out_free;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, "nodefaults"))
			nodefaults = true;
		if (is_flag(a))
			continue;
		if (i + 1 >= argc)
			break;
		err = keep(q, a, argv[++i]);
		if (err)
			goto out_free;
	}
	err = read_machine(q);
	if (!err)
		err = read_disks(q);
	if (!err)
		err = read_nics(q, nodefaults);
	if (!err)
		return 0;
out_free:
	kvmaudit_qemu_free(q);
	return err;
}

void kvmaudit_qemu_free(struct kvmaudit_qemu *q)
{
	unsigned int i;

	for (i = 0; i < q->nr_opts; i++)
		kvmaudit_qopts_free(&q->opts[i]);
	for (i = 0; i < q->nr_disks; i++) {
		free(q->disks[i].id);
		free(q->disks[i].file);
		free(q->disks[i].bus);
		free(q->disks[i].device);
		free(q->disks[i].aio);
	}
	for (i = 0; i < q->nr_nics; i++) {
		free(q->nics[i].id);
		free(q->nics[i].model);
		free(q->nics[i].type);
		free(q->nics[i].ifname);
	}
	free(q->opts);
	free(q->disks);
	free(q->nics);
	free(q->machine);
	free(q->guest);
	free(q->cpu_model);
	memset(q, 0, sizeof(*q));
}
