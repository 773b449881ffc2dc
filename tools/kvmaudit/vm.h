/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMs running on the host, found by their KVM file descriptors: a
 * process with an "anon_inode:kvm-vm" fd runs one VM per such fd, named
 * "<pid>-<fd>" as KVM's and kvmtrace's debugfs directories are. For each:
 * its command line, vCPU threads and their CPU affinity, vhost-net and
 * tap fds, and where its memory is (numa_maps).
 *
 * VMs come and go while they are read: one whose process is gone before
 * it has been read completely is marked gone, and left out.
 */
#ifndef KVMAUDIT_VM_H
#define KVMAUDIT_VM_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "cpus.h"
#include "qemu.h"

#define KVMAUDIT_VM_NAME_LEN	32

/* How a vCPU's thread was found. */
enum kvmaudit_tid_src {
	KVMAUDIT_TID_NONE,	/* not found */
	KVMAUDIT_TID_DEBUGFS,	/* KVM's debugfs: vcpu<N>/pid */
	KVMAUDIT_TID_COMM,	/* QEMU's thread name "CPU <N>/KVM" */
};

struct kvmaudit_vcpu {
	unsigned int id;
	int tid;			/* 0: not known */
	enum kvmaudit_tid_src src;
	struct kvmaudit_cpus allowed;	/* its CPU affinity, when tid */
};

struct kvmaudit_tap {
	int fd;
	char ifname[IF_NAMESIZE];
};

struct kvmaudit_vm {
	char name[KVMAUDIT_VM_NAME_LEN];	/* <pid>-<fd> */
	int pid;
	int vmfd;
	char comm[32];
	char **argv;			/* into cmdline */
	unsigned int argc;
	char *cmdline;
	bool is_qemu;
	struct kvmaudit_qemu qemu;	/* when is_qemu */

	struct kvmaudit_vcpu *vcpus;	/* by id */
	unsigned int nr_vcpus;
	unsigned int cap_vcpus;

	unsigned int vhost_fds;		/* fds on /dev/vhost-net */
	/* fds on /dev/net/tun, by fd; a process running two VMs gives both its fds */
	struct kvmaudit_tap *taps;
	unsigned int nr_taps;

	int mem_err;			/* 0, or why numa_maps was not read */
	__u64 *node_kib;		/* resident KiB per node id */
	unsigned int nr_node_kib;
	__u64 mem_kib;			/* their sum */
	__u64 hugetlb_kib;		/* size of its hugetlbfs mappings */

	bool gone;			/* exited while being read */
};

struct kvmaudit_vms {
	struct kvmaudit_vm *vm;
	unsigned int nr;
	unsigned int cap;
	/* VMs that exited while being read, by name */
	char (*gone)[KVMAUDIT_VM_NAME_LEN];
	unsigned int nr_gone;
	unsigned int cap_gone;
};

/*
 * Find and read every VM (only those of process pid when pid > 0).
 * kvm_debugfs: KVM's debugfs directory is there, for vCPU threads.
 * Returns 0 or -errno (-EACCES: /proc/<pid>/fd not readable).
 */
int kvmaudit_vms_find(struct kvmaudit_vms *v, int pid, bool kvm_debugfs);
/* Move the VMs that have exited since they were read to v->gone. */
int kvmaudit_vms_recheck(struct kvmaudit_vms *v);
void kvmaudit_vms_free(struct kvmaudit_vms *v);

/* The union of the vCPU threads' affinities; false if a thread is unknown. */
bool kvmaudit_vm_vcpu_cpus(const struct kvmaudit_vm *vm,
			   struct kvmaudit_cpus *cpus);

#endif /* KVMAUDIT_VM_H */
