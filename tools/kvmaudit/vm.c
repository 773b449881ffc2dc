// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the VMs in /proc, and reading each one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vm.h"

#define KVM_DEBUGFS	"/sys/kernel/debug/kvm"
#define MAX_VMS		4096u
#define MAX_VCPUS	4096u
#define MAX_TAPS	1024u
#define MAX_ARGS	16384u
#define MAX_MAPS	1048576u

/* What the fds of one process are. */
struct fds {
	int *vmfds;
	unsigned int nr_vmfds;
	unsigned int cap_vmfds;
	unsigned int *vcpu_ids;		/* from anon_inode:kvm-vcpu:<id> */
	unsigned int nr_vcpu_ids;
	unsigned int cap_vcpu_ids;
	unsigned int vhost;
	struct kvmaudit_tap *taps;
	unsigned int nr_taps;
	unsigned int cap_taps;
};

static void fds_free(struct fds *f)
{
	free(f->vmfds);
	free(f->vcpu_ids);
	free(f->taps);
}

/* "-ENOENT" or "-ESRCH" on /proc/<pid>: the process is gone. */
static bool vanished(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

static DIR *open_dir(const char *fmt, int a)
{
	char path[KVMAUDIT_PATH_LEN];

	if (kvmaudit_path(path, sizeof(path), fmt, a))
		return NULL;
	return opendir(path);
}

/* The tap behind a /dev/net/tun fd: fdinfo's "iff:" line. */
static void tap_name(int pid, int fd, struct kvmaudit_tap *tap)
{
	char *text, *p;

	tap->fd = fd;
	tap->ifname[0] = '\0';
	if (kvmaudit_read(&text, "/proc/%d/fdinfo/%d", pid, fd) < 0)
		return;
	p = strstr(text, "\niff:");
	if (p && sscanf(p + 5, " %15s", tap->ifname) != 1)
		tap->ifname[0] = '\0';
	free(text);
}

/*
 * A fake tree (--sysroot) cannot hold links to real devices such as
 * /dev/vhost-net (whatever walks the tree would open them): its fd links
 * are relative, within the tree. Resolve one as /proc/<pid>/fd/ would.
 */
static void fake_link(int pid, char *link, size_t size)
{
	char path[KVMAUDIT_PATH_LEN], *comp, *save = NULL, *out;
	size_t len = 0;

	if (link[0] == '/' || !strncmp(link, "anon_inode:", 11) ||
	    snprintf(path, sizeof(path), "proc/%d/fd/%s", pid, link) >= (int)sizeof(path))
		return;
	out = link;
	out[0] = '\0';
	for (comp = strtok_r(path, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(out, '/');

			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		len += snprintf(out + len, size - len, "/%s", comp);
		if (len >= size)
			return;
	}
}

static int read_fds(int pid, struct fds *f)
{
	char link[256];
	struct dirent *de;
	unsigned int id;
	DIR *d;
	int fd, err = 0;

	d = open_dir("/proc/%d/fd", pid);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (kvmaudit_readlink(link, sizeof(link), "/proc/%d/fd/%d", pid, fd))
			continue;	/* closed meanwhile */
		if (*kvmaudit_root())
			fake_link(pid, link, sizeof(link));
		if (!strcmp(link, "anon_inode:kvm-vm")) {
			err = kvmaudit_grow((void **)&f->vmfds, &f->cap_vmfds,
					    f->nr_vmfds, sizeof(int), MAX_VMS);
			if (err)
				break;
			f->vmfds[f->nr_vmfds++] = fd;
		} else if (sscanf(link, "anon_inode:kvm-vcpu:%u", &id) == 1) {
			err = kvmaudit_grow((void **)&f->vcpu_ids, &f->cap_vcpu_ids,
					    f->nr_vcpu_ids, sizeof(unsigned int),
					    MAX_VCPUS);
			if (err)
				break;
			f->vcpu_ids[f->nr_vcpu_ids++] = id;
		} else if (!strcmp(link, "/dev/vhost-net")) {
			f->vhost++;
		} else if (!strcmp(link, "/dev/net/tun")) {
			err = kvmaudit_grow((void **)&f->taps, &f->cap_taps,
					    f->nr_taps, sizeof(*f->taps), MAX_TAPS);
			if (err)
				break;
			tap_name(pid, fd, &f->taps[f->nr_taps++]);
		}
	}
	closedir(d);
	return err;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct kvmaudit_vcpu *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_tap(const void *a, const void *b)
{
	const struct kvmaudit_tap *x = a, *y = b;

	return x->fd - y->fd;
}

/* by pid, then VM fd: the order of /proc and of KVM's debugfs names */
static int cmp_vm(const void *a, const void *b)
{
	const struct kvmaudit_vm *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid - y->pid;
	return x->vmfd - y->vmfd;
}

static int add_vcpu(struct kvmaudit_vm *vm, unsigned int id)
{
	int err;

	err = kvmaudit_grow((void **)&vm->vcpus, &vm->cap_vcpus, vm->nr_vcpus,
			    sizeof(*vm->vcpus), MAX_VCPUS);
	if (err)
		return err;
	memset(&vm->vcpus[vm->nr_vcpus], 0, sizeof(*vm->vcpus));
	vm->vcpus[vm->nr_vcpus++].id = id;
	return 0;
}

/* vCPUs from KVM's debugfs: vcpu<id>/pid is the thread that ran it last. */
static int vcpus_from_debugfs(struct kvmaudit_vm *vm)
{
	struct dirent *de;
	unsigned int id;
	char path[KVMAUDIT_PATH_LEN];
	__u64 tid;
	DIR *d;
	int err = 0;

	if (kvmaudit_path(path, sizeof(path), KVM_DEBUGFS "/%s", vm->name))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char end;

		if (sscanf(de->d_name, "vcpu%u%c", &id, &end) != 1)
			continue;
		err = add_vcpu(vm, id);
		if (err)
			break;
		if (!kvmaudit_read_u64(&tid, KVM_DEBUGFS "/%s/vcpu%u/pid",
				       vm->name, id) && tid && tid < 1u << 30) {
			vm->vcpus[vm->nr_vcpus - 1].tid = tid;
			vm->vcpus[vm->nr_vcpus - 1].src = KVMAUDIT_TID_DEBUGFS;
		}
	}
	closedir(d);
	return err;
}

/* Threads QEMU named "CPU <id>/KVM" (-name debug-threads=on). */
static void vcpus_from_comm(struct kvmaudit_vm *vm)
{
	struct dirent *de;
	char comm[64];
	unsigned int id, i;
	DIR *d;
	int tid;

	d = open_dir("/proc/%d/task", vm->pid);
	if (!d)
		return;
	while ((de = readdir(d))) {
		tid = atoi(de->d_name);
		if (tid <= 0 ||
		    kvmaudit_read_line(comm, sizeof(comm), "/proc/%d/task/%d/comm",
				       vm->pid, tid) ||
		    sscanf(comm, "CPU %u/KVM", &id) != 1)
			continue;
		for (i = 0; i < vm->nr_vcpus; i++) {
			if (vm->vcpus[i].id == id && !vm->vcpus[i].tid) {
				vm->vcpus[i].tid = tid;
				vm->vcpus[i].src = KVMAUDIT_TID_COMM;
			}
		}
	}
	closedir(d);
}

/* A thread's CPU affinity: Cpus_allowed_list of its status. */
static int read_affinity(int pid, struct kvmaudit_vcpu *vcpu)
{
	char *text, *p, *nl;
	long len;
	int err = -EINVAL;

	len = kvmaudit_read(&text, "/proc/%d/task/%d/status", pid, vcpu->tid);
	if (len < 0)
		return len;
	p = strstr(text, "\nCpus_allowed_list:");
	if (p) {
		p += strlen("\nCpus_allowed_list:");
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		err = kvmaudit_cpus_parse(&vcpu->allowed, p);
	}
	free(text);
	return err;
}

static int read_cmdline(struct kvmaudit_vm *vm)
{
	unsigned int n = 0, i;
	long len;
	char *p;

	len = kvmaudit_read(&vm->cmdline, "/proc/%d/cmdline", vm->pid);
	if (len < 0)
		return len;
	for (i = 0; i < len; i++)
		n += !vm->cmdline[i];
	if (len && vm->cmdline[len - 1])
		n++;		/* no final NUL */
	if (n > MAX_ARGS)
		n = MAX_ARGS;
	vm->argv = calloc(n + 1, sizeof(char *));
	if (!vm->argv)
		return -ENOMEM;
	for (p = vm->cmdline; p < vm->cmdline + len && vm->argc < n;
	     p += strlen(p) + 1)
		vm->argv[vm->argc++] = p;
	return 0;
}

static bool qemu_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "qemu-system-", 12) || !strncmp(base, "qemu-kvm", 8) ||
	       !strcmp(base, "kvm");
}

/* ---- memory: numa_maps joined with maps ---------------------------------- */

struct vma {
	unsigned long start;
	unsigned long end;
	bool counted;		/* anonymous, or shared and writable */
};

static int cmp_vma(const void *key, const void *elem)
{
	unsigned long a = *(const unsigned long *)key;
	const struct vma *v = elem;

	return (a > v->start) - (a < v->start);
}

static int read_maps(int pid, struct vma **out, unsigned int *nr)
{
	char *text, *line, *save = NULL, perms[8], path[16];
	unsigned int cap = 0;
	struct vma *v = NULL;
	long len;
	int err = 0, n;

	*nr = 0;
	len = kvmaudit_read(&text, "/proc/%d/maps", pid);
	if (len < 0)
		return len;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end;

		path[0] = '\0';
		n = sscanf(line, "%lx-%lx %7s %*s %*s %*s %15s", &start, &end,
			   perms, path);
		if (n < 3)
			continue;
		err = kvmaudit_grow((void **)&v, &cap, *nr, sizeof(*v), MAX_MAPS);
		if (err)
			break;
		v[*nr].start = start;
		v[*nr].end = end;
		v[*nr].counted = !path[0] || path[0] == '[' ||
				 (perms[1] == 'w' && perms[3] == 's');
		(*nr)++;
	}
	free(text);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	return 0;
}

static int add_node_kib(struct kvmaudit_vm *vm, unsigned int node, __u64 kib)
{
	__u64 *p;

	if (node >= 4096)
		return 0;
	if (node >= vm->nr_node_kib) {
		p = realloc(vm->node_kib, (node + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + vm->nr_node_kib, 0,
		       (node + 1 - vm->nr_node_kib) * sizeof(*p));
		vm->node_kib = p;
		vm->nr_node_kib = node + 1;
	}
	vm->node_kib[node] += kib;
	vm->mem_kib += kib;
	return 0;
}

static int read_memory(struct kvmaudit_vm *vm)
{
	char *text, *line, *save = NULL, *tok[128];
	unsigned int nr_vma, i, n;
	struct vma *vmas = NULL;
	long len;
	int err;

	err = read_maps(vm->pid, &vmas, &nr_vma);
	if (err)
		return err;
	len = kvmaudit_read(&text, "/proc/%d/numa_maps", vm->pid);
	if (len < 0) {
		free(vmas);
		return len;
	}
	for (line = strtok_r(text, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, kpage = 4;
		const struct vma *v;
		char *end;
		bool huge = false;
		unsigned int node;
		__u64 pages;

		n = kvmaudit_split(line, tok, KVMAUDIT_ARRAY_SIZE(tok));
		if (n < 2)
			continue;
		start = strtoul(tok[0], &end, 16);
		if (*end)
			continue;
		for (i = 2; i < n; i++) {
			if (!strcmp(tok[i], "huge"))
				huge = true;
			else
				sscanf(tok[i], "kernelpagesize_kB=%lu", &kpage);
		}
		v = bsearch(&start, vmas, nr_vma, sizeof(*vmas), cmp_vma);
		if (huge && v)
			vm->hugetlb_kib += (v->end - v->start) / 1024;
		if (!huge && (!v || !v->counted))
			continue;
		for (i = 2; i < n && !err; i++) {
			char *eq = strchr(tok[i], '=');

			if (tok[i][0] != 'N' || !eq ||
			    sscanf(tok[i], "N%u=", &node) != 1 ||
			    !kvmaudit_parse_u64(eq + 1, &pages))
				continue;
			err = add_node_kib(vm, node, pages * kpage);
		}
	}
	free(text);
	free(vmas);
	return err;
}

/* ---- one VM ---------------------------------------------------------------- */

static int read_vm(struct kvmaudit_vm *vm, const struct fds *f, bool kvm_debugfs)
{
	unsigned int i;
	int err;

	err = read_cmdline(vm);
	if (err)
		return err;
	kvmaudit_read_line(vm->comm, sizeof(vm->comm), "/proc/%d/comm", vm->pid);
	vm->is_qemu = (vm->argc && qemu_name(vm->argv[0])) ||
		      !strncmp(vm->comm, "qemu-", 5);
	if (vm->is_qemu) {
		err = kvmaudit_qemu_parse(&vm->qemu, vm->argv, vm->argc);
		if (err)
			return err;
	}

	err = kvm_debugfs ? vcpus_from_debugfs(vm) : -ENOENT;
	if (err && !vanished(err))
		return err;
	if (err && f->nr_vmfds == 1) {
		/* no debugfs: the vCPU fds are this VM's */
		for (i = 0; i < f->nr_vcpu_ids; i++) {
			err = add_vcpu(vm, f->vcpu_ids[i]);
			if (err)
				return err;
		}
	}
	qsort(vm->vcpus, vm->nr_vcpus, sizeof(*vm->vcpus), cmp_vcpu);
	vcpus_from_comm(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct kvmaudit_vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->tid)
			continue;
		err = read_affinity(vm->pid, vcpu);
		if (vanished(err)) {
			/* a thread that exited; the process may still be there */
			vcpu->tid = 0;
			vcpu->src = KVMAUDIT_TID_NONE;
		} else if (err) {
			return err;
		}
	}

	vm->vhost_fds = f->vhost;
	if (f->nr_taps) {
		vm->taps = malloc(f->nr_taps * sizeof(*vm->taps));
		if (!vm->taps)
			return -ENOMEM;
		memcpy(vm->taps, f->taps, f->nr_taps * sizeof(*vm->taps));
		vm->nr_taps = f->nr_taps;
		qsort(vm->taps, vm->nr_taps, sizeof(*vm->taps), cmp_tap);
	}
	vm->mem_err = read_memory(vm);
	if (vm->mem_err == -ENOMEM)
		return -ENOMEM;
	return 0;
}

/* Its VM fd is still a VM: the process did not exit or close it. */
static bool still_there(const struct kvmaudit_vm *vm)
{
	char link[64];

	return !kvmaudit_readlink(link, sizeof(link), "/proc/%d/fd/%d",
				  vm->pid, vm->vmfd) &&
	       !strcmp(link, "anon_inode:kvm-vm");
}

static void vm_free(struct kvmaudit_vm *vm)
{
	if (vm->is_qemu)
		kvmaudit_qemu_free(&vm->qemu);
	free(vm->argv);
	free(vm->cmdline);
	free(vm->vcpus);
	free(vm->taps);
	free(vm->node_kib);
	memset(vm, 0, sizeof(*vm));
}

static int add_gone(struct kvmaudit_vms *v, const char *name)
{
	int err;

	err = kvmaudit_grow((void **)&v->gone, &v->cap_gone, v->nr_gone,
			    sizeof(*v->gone), MAX_VMS);
	if (err)
		return err == -ENOSPC ? 0 : err;
	snprintf(v->gone[v->nr_gone++], KVMAUDIT_VM_NAME_LEN, "%s", name);
	return 0;
}

/* Every VM of one process. */
static int read_process(struct kvmaudit_vms *v, int pid, bool kvm_debugfs)
{
	struct fds f = { 0 };
	unsigned int i;
	int err;

	err = read_fds(pid, &f);
	if (vanished(err) || !f.nr_vmfds) {
		fds_free(&f);
		return vanished(err) ? 0 : err;
	}
	if (err)
		goto out_free;
	qsort(f.vmfds, f.nr_vmfds, sizeof(int), cmp_int);
	for (i = 0; i < f.nr_vmfds; i++) {
		struct kvmaudit_vm *vm;

		err = kvmaudit_grow((void **)&v->vm, &v->cap, v->nr,
				    sizeof(*v->vm), MAX_VMS);
		if (err)
			break;
		vm = &v->vm[v->nr];
		memset(vm, 0, sizeof(*vm));
		vm->pid = pid;
		vm->vmfd = f.vmfds[i];
		snprintf(vm->name, sizeof(vm->name), "%d-%d", pid, f.vmfds[i]);
		err = read_vm(vm, &f, kvm_debugfs);
		if (vanished(err) || (!err && !still_there(vm))) {
			err = add_gone(v, vm->name);
			vm_free(vm);
			continue;
		}
		if (err) {
			vm_free(vm);
			break;
		}
		v->nr++;
	}
out_free:
	fds_free(&f);
	return err;
}

int kvmaudit_vms_find(struct kvmaudit_vms *v, int pid, bool kvm_debugfs)
{
	char path[KVMAUDIT_PATH_LEN];
	struct dirent *de;
	int p, err = 0;
	DIR *d;

	memset(v, 0, sizeof(*v));
	if (pid > 0)
		return read_process(v, pid, kvm_debugfs);
	err = kvmaudit_path(path, sizeof(path), "/proc");
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		p = atoi(de->d_name);
		if (p > 0)
			err = read_process(v, p, kvm_debugfs);
	}
	closedir(d);
	qsort(v->vm, v->nr, sizeof(*v->vm), cmp_vm);
	return err;
}

int kvmaudit_vms_recheck(struct kvmaudit_vms *v)
{
	unsigned int i, n = 0;
	int err = 0;

	for (i = 0; i < v->nr; i++) {
		if (still_there(&v->vm[i])) {
			if (n != i)
				v->vm[n] = v->vm[i];
			n++;
			continue;
		}
		if (!err)
			err = add_gone(v, v->vm[i].name);
		vm_free(&v->vm[i]);
	}
	v->nr = n;
	return err;
}

void kvmaudit_vms_free(struct kvmaudit_vms *v)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		vm_free(&v->vm[i]);
	free(v->vm);
	free(v->gone);
	memset(v, 0, sizeof(*v));
}

bool kvmaudit_vm_vcpu_cpus(const struct kvmaudit_vm *vm,
			   struct kvmaudit_cpus *cpus)
{
	unsigned int i;

	kvmaudit_cpus_clear(cpus);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].tid)
			return false;
		kvmaudit_cpus_or(cpus, &vm->vcpus[i].allowed);
	}
	return vm->nr_vcpus > 0;
}
