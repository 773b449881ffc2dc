// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's stats (kvm_util.h): the binary stats of a vCPU (KVM_GET_STATS_FD)
 * and the files of a VM's debugfs directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util_internal.h"

int __kvm_vm_read_stat(struct kvm_vm *vm, const char *name, u64 *val)
{
	char path[128], buf[32];
	ssize_t len;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", vm->debugfs_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	ret = len < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[len] = '\0';
	errno = 0;
	*val = strtoull(buf, NULL, 10);
	return errno ? -errno : 0;
}

u64 kvm_vm_read_stat(struct kvm_vm *vm, const char *name)
{
	u64 val = 0;
	int ret = __kvm_vm_read_stat(vm, name, &val);

	TEST_ASSERT(!ret, "reading %s/%s: %s", vm->debugfs_dir, name,
		    strerror(-ret));
	return val;
}

/* Up to @max values of stat @name; returns how many it has, or -errno. */
static int kvm_stats_fd_read(int fd, const char *name, u64 *vals,
			     unsigned int max)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	size_t desc_size, len;
	char *descs;
	u32 i;
	int ret = -ENOENT;

	if (pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return -EIO;
	desc_size = sizeof(*desc) + hdr.name_size;
	len = desc_size * hdr.num_desc;
	descs = malloc(len);
	if (!descs)
		return -ENOMEM;
	if (pread(fd, descs, len, hdr.desc_offset) != (ssize_t)len) {
		ret = -EIO;
		goto out_free;
	}
	for (i = 0; i < hdr.num_desc; i++) {
		desc = (struct kvm_stats_desc *)(descs + i * desc_size);
		if (strncmp(desc->name, name, hdr.name_size))
			continue;
		len = (size_t)(desc->size < max ? desc->size : max) *
		      sizeof(*vals);
		if (pread(fd, vals, len, hdr.data_offset + desc->offset) !=
		    (ssize_t)len)
			ret = -EIO;
		else
			ret = desc->size;
		break;
	}
out_free:
	free(descs);
	return ret;
}

/*
 * The stats fd is opened when the vCPU is created: KVM_GET_STATS_FD needs
 * the vCPU mutex, which KVM_RUN holds, but reading the fd does not, so
 * stats can be read while the vCPU runs (or is stuck).
 */
int __kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name, u64 *val)
{
	int ret;

	if (vcpu->stats_fd < 0)
		return -ENOTSUP;
	ret = kvm_stats_fd_read(vcpu->stats_fd, name, val, 1);
	return ret < 0 ? ret : 0;
}

u64 kvm_vcpu_read_stat(struct kvm_vcpu *vcpu, const char *name)
{
	u64 val = 0;
	int ret = __kvm_vcpu_read_stat(vcpu, name, &val);

	TEST_ASSERT(!ret, "vCPU %u: reading binary stat %s: %s", vcpu->id,
		    name, strerror(-ret));
	return val;
}

unsigned int kvm_vcpu_read_stat_array(struct kvm_vcpu *vcpu, const char *name,
				      u64 *vals, unsigned int max)
{
	int ret = -ENOTSUP;

	if (vcpu->stats_fd >= 0)
		ret = kvm_stats_fd_read(vcpu->stats_fd, name, vals, max);
	TEST_ASSERT(ret > 0, "vCPU %u: reading binary stat %s: %s", vcpu->id,
		    name, ret ? strerror(-ret) : "no values");
	return ret;
}
