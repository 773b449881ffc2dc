// SPDX-License-Identifier: GPL-2.0
/*
 * Storage checks. Seeds: Meituan's talk (virtio-blk or virtio-scsi,
 * cache=none with aio=native, the cache modes' data-loss table, cfq
 * versus deadline), the libvirt note (cache='none', cfq).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "disk.h"
#include "util.h"

/* Each disk of a QEMU VM gets its result; none or not QEMU: one SKIP. */
static bool no_disks(struct kvmaudit *a, const char *check,
		     const struct kvmaudit_vm *vm)
{
	struct kvmaudit_result *r;

	if (vm->is_qemu && vm->qemu.nr_disks)
		return false;
	r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	if (!vm->is_qemu)
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "not QEMU (%s): its command line is not understood",
				 vm->comm);
	else
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "no disks");
	return true;
}

static struct kvmaudit_result *begin_disk(struct kvmaudit *a, const char *check,
					  const struct kvmaudit_vm *vm,
					  const struct kvmaudit_disk *d)
{
	char item[128];

	snprintf(item, sizeof(item), "disk %s", d->id);
	return kvmaudit_begin(&a->results, check, vm->name, item);
}

KVMAUDIT_CHECK(kvmaudit_check_disk_bus)
{
	unsigned int i;

	if (no_disks(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_disks; i++) {
		const struct kvmaudit_disk *d = &vm->qemu.disks[i];
		struct kvmaudit_result *r = begin_disk(a, check, vm, d);

		kvmaudit_ev(r, "bus", "%s", d->bus);
		kvmaudit_ev(r, "device", "%s", d->device);
		if (!strcmp(d->bus, "virtio-blk") || !strcmp(d->bus, "virtio-scsi") ||
		    !strcmp(d->bus, "vhost-user-blk")) {
			kvmaudit_verdict(r, KVMAUDIT_PASS, "paravirtual (%s)", d->bus);
			continue;
		}
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "an emulated %s disk: every request traps into QEMU's device model",
				 d->bus);
		kvmaudit_fix(r,
			     "-drive if=none,id=%s,... -device virtio-blk-pci,drive=%s (or virtio-scsi-pci + scsi-hd; libvirt <target bus='virtio'/>)",
			     d->id, d->id);
	}
}

KVMAUDIT_CHECK(kvmaudit_check_disk_cache)
{
	unsigned int i;

	if (no_disks(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_disks; i++) {
		const struct kvmaudit_disk *d = &vm->qemu.disks[i];
		struct kvmaudit_result *r = begin_disk(a, check, vm, d);

		kvmaudit_ev(r, "cache", "%s", d->cache);
		kvmaudit_ev(r, "given", "%s", d->cache_given ? "yes" : "no");
		if (!strcmp(d->bus, "vhost-user-blk")) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "vhost-user-blk: its backend does the caching");
			continue;
		}
		if (!strcmp(d->cache, "none") || !strcmp(d->cache, "directsync")) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "cache=%s bypasses the host page cache",
					 d->cache);
			continue;
		}
		if (!strcmp(d->cache, "unsafe")) {
			kvmaudit_verdict(r, KVMAUDIT_FAIL,
					 "cache=unsafe: DATA-LOSS RISK, the guest's flushes are ignored and a host crash loses writes the guest believes are on disk");
		} else if (!strcmp(d->cache, "writeback")) {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "cache=writeback%s: DATA-LOSS RISK, writes the guest has not flushed live only in the host page cache (Meituan: \"may lose data\"), and the host caches what the guest caches",
					 d->cache_given ? "" : " (QEMU's default)");
		} else {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "cache=writethrough: the host page cache holds a second copy and every write waits for the disk");
		}
		kvmaudit_fix(r,
			     "cache=none (with aio=native; -blockdev cache.direct=on; libvirt <driver cache='none' io='native'/>)");
	}
}

KVMAUDIT_CHECK(kvmaudit_check_disk_aio)
{
	unsigned int i;

	if (no_disks(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_disks; i++) {
		const struct kvmaudit_disk *d = &vm->qemu.disks[i];
		struct kvmaudit_result *r = begin_disk(a, check, vm, d);

		kvmaudit_ev(r, "aio", "%s", d->aio);
		kvmaudit_ev(r, "given", "%s", d->aio_given ? "yes" : "no");
		if (!strcmp(d->bus, "vhost-user-blk")) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "vhost-user-blk: its backend does the I/O");
		} else if (!strcmp(d->aio, "native") || !strcmp(d->aio, "io_uring")) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "aio=%s: the kernel does the I/O asynchronously",
					 d->aio);
		} else {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "aio=%s%s: a pool of QEMU threads does the I/O", d->aio,
					 d->aio_given ? "" : " (QEMU's default)");
			kvmaudit_fix(r,
				     "aio=native with cache=none (libvirt <driver io='native'/>)");
		}
	}
}

/*
 * The block device behind a disk's file, as seen by QEMU (its root and
 * working directory): its sysfs name, scheduler and rotational flag.
 */
static int backing_dev(const struct kvmaudit_vm *vm, const char *file,
		       char *name, size_t nsize, char *sched, size_t ssize,
		       __u64 *rot)
{
	char path[KVMAUDIT_PATH_LEN], line[256], link[KVMAUDIT_PATH_LEN];
	const char *base;
	struct stat st;
	dev_t dev;
	int err;

	if (!strncmp(file, "/dev/fdset/", 11))
		return -EBADF;
	if (strchr(file, ':') && file[0] != '/')
		return -EREMOTE;	/* nbd:, rbd:, iscsi://, ... */
	err = kvmaudit_path(path, sizeof(path), "/proc/%d/%s/%s", vm->pid,
			    file[0] == '/' ? "root" : "cwd", file);
	if (err)
		return err;
	if (stat(path, &st))
		return -errno;
	dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	if (!major(dev))
		return -ENOTBLK;	/* tmpfs, overlayfs, 9p, ... */
	err = kvmaudit_readlink(link, sizeof(link), "/sys/dev/block/%u:%u",
				major(dev), minor(dev));
	if (err)
		return err;
	base = strrchr(link, '/');
	kvmaudit_copy(name, nsize, base ? base + 1 : link);
	/* a partition: the queue is its disk's */
	err = kvmaudit_read_line(line, sizeof(line), "/sys/dev/block/%u:%u/queue/scheduler",
				 major(dev), minor(dev));
	if (err == -ENOENT) {
		err = kvmaudit_read_line(line, sizeof(line),
					 "/sys/dev/block/%u:%u/../queue/scheduler",
					 major(dev), minor(dev));
		if (!err)
			err = kvmaudit_read_u64(rot, "/sys/dev/block/%u:%u/../queue/rotational",
						major(dev), minor(dev));
	} else if (!err) {
		err = kvmaudit_read_u64(rot, "/sys/dev/block/%u:%u/queue/rotational",
					major(dev), minor(dev));
	}
	if (err)
		return err;
	if (kvmaudit_selected(line, sched, ssize))
		kvmaudit_copy(sched, ssize, line);
	return 0;
}

KVMAUDIT_CHECK(kvmaudit_check_disk_scheduler)
{
	unsigned int i;

	if (no_disks(a, check, vm))
		return;
	for (i = 0; i < vm->qemu.nr_disks; i++) {
		const struct kvmaudit_disk *d = &vm->qemu.disks[i];
		struct kvmaudit_result *r = begin_disk(a, check, vm, d);
		char name[64], sched[64];
		__u64 rot = 0;
		int err;

		if (!d->file) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP, "no file named on the command line");
			continue;
		}
		kvmaudit_ev(r, "file", "%s", d->file);
		err = backing_dev(vm, d->file, name, sizeof(name), sched, sizeof(sched), &rot);
		if (err == -ENOTBLK) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "not on a block device (tmpfs, overlay or network file system)");
			continue;
		}
		if (err == -EREMOTE || err == -EBADF) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP, err == -EREMOTE ?
					 "network storage: no host I/O scheduler" :
					 "passed as a file descriptor: the device is not known");
			continue;
		}
		if (err) {
			kvmaudit_verdict(r, KVMAUDIT_SKIP,
					 "cannot find the block device behind it: %s",
					 strerror(-err));
			continue;
		}
		kvmaudit_ev(r, "device", "%s", name);
		kvmaudit_ev(r, "scheduler", "%s", sched);
		kvmaudit_ev_u64(r, "rotational", rot);
		if (!rot) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "a non-rotational device: its scheduler (%s) costs little either way",
					 sched);
		} else if (!strcmp(sched, "bfq")) {
			kvmaudit_verdict(r, KVMAUDIT_PASS,
					 "bfq (cfq's successor) shares the disk fairly between VMs");
		} else {
			kvmaudit_verdict(r, KVMAUDIT_WARN,
					 "a rotational disk with %s: one VM's stream can starve the others (Meituan: deadline \"easily starves VMs\", cfq shares fairly)",
					 sched);
			kvmaudit_fix(r,
				     "modprobe bfq; echo bfq > /sys/block/%s/queue/scheduler",
				     name);
		}
	}
}
