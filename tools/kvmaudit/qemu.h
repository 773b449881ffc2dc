/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a QEMU command line says about a VM, with QEMU 7.2's defaults for
 * what it leaves out: the guest's CPU topology and model, its RAM and
 * NUMA nodes, its disks (bus, cache mode, AIO) and its NICs (backend,
 * vhost, queues, queue sizes). Options QEMU reads from elsewhere
 * (-readconfig, -set, -global) are not seen.
 */
#ifndef KVMAUDIT_QEMU_H
#define KVMAUDIT_QEMU_H

#include <stdbool.h>
#include <linux/types.h>

#include "qopts.h"

/* QEMU's default virtio-net ring size, both directions */
#define KVMAUDIT_QEMU_QUEUE_SIZE	256
/* Its default RAM, MiB */
#define KVMAUDIT_QEMU_RAM_MIB		128

struct kvmaudit_disk {
	char *id;		/* drive id, node-name or hdX */
	char *file;		/* the image or device, NULL if not a path */
	char *bus;		/* virtio-blk, virtio-scsi, ide, scsi, nvme, usb, ... */
	char *device;		/* the -device driver, or if=X for -drive */
	const char *cache;	/* none directsync writethrough writeback unsafe */
	bool cache_given;	/* set on the command line, not QEMU's default */
	char *aio;		/* threads native io_uring */
	bool aio_given;
};

struct kvmaudit_nic {
	char *id;		/* the netdev's id */
	char *model;		/* the device's driver */
	bool virtio;
	char *type;		/* the netdev's type: tap, user, vhost-user, ... */
	bool vhost;		/* vhost=on, or vhost fds passed */
	unsigned int queues;
	bool mq;		/* the device's mq=on */
	unsigned int rx_queue_size;
	unsigned int tx_queue_size;
	char *ifname;		/* the tap named on the command line, or NULL */
};

struct kvmaudit_qemu {
	struct kvmaudit_qopts *opts;	/* every -option VALUE, in order */
	unsigned int nr_opts;
	unsigned int cap_opts;

	char *machine;		/* "pc" when not given */
	char *guest;		/* -name, or NULL */
	bool debug_threads;	/* -name debug-threads=on: "CPU n/KVM" threads */

	unsigned int cpus, sockets, dies, clusters, cores, threads, maxcpus;
	bool smp_given;
	char *cpu_model;	/* "qemu64" when not given */
	bool cpu_given;
	bool l3_cache;		/* l3-cache; QEMU's default is on */
	bool l3_given;

	__u64 ram_mib;
	unsigned int numa_nodes;

	struct kvmaudit_disk *disks;
	unsigned int nr_disks;
	unsigned int cap_disks;
	struct kvmaudit_nic *nics;
	unsigned int nr_nics;
	unsigned int cap_nics;
};

/* Parse argv (argv[0] is the program). Returns 0 or -ENOMEM. */
int kvmaudit_qemu_parse(struct kvmaudit_qemu *q, char **argv, unsigned int argc);
void kvmaudit_qemu_free(struct kvmaudit_qemu *q);

#endif /* KVMAUDIT_QEMU_H */
