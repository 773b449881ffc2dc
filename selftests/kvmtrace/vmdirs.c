// SPDX-License-Identifier: GPL-2.0
/*
 * vmdirs - the names and the life of kvmtrace's per-VM directories.
 *
 * name_reuse (debug build, fault_teardown_delay_ms=DELAY_MS): a process
 * destroys VM A and at once creates VM B, which gets A's file descriptor
 * and so the same "<pid>-<fd>" name; KVM removed its own directory of A
 * before tearing A down, so B gets a KVM directory of that name, but
 * kvmtrace keeps A's for DELAY_MS. B runs a workload different from A's.
 * Right after B's run the directory still shows A's counts (the window is
 * open); within DELAY_MS + slack it must show B's exact counts. Before the
 * fix, B's directory failed with EEXIST once and never appeared.
 *
 * fallback_name: VM 1's descriptor is moved away with dup2(); VM 2 (same
 * /dev/kvm descriptor) gets VM 1's old number, so KVM finds its directory
 * name taken and makes none for VM 2. kvmtrace names VM 2
 * "<pid>-kvm<N>", N = kvmtrace's sequence number of the VM (2: kvmtrace
 * was loaded fresh and VM 1 exited first), with VM 2's exact counts; VM 1
 * keeps its own name and counts.
 *
 * open_file_eio: files of a VM opened while it lives (one read, one not)
 * fail with EIO on read() once the VM is destroyed and its directory gone.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define RUN_TIMEOUT_MS	60000
#define DELAY_MS	2000
#define SLACK_MS	3000
#define MOVED_FD	100
#define __stringify_1(x)	#x
#define __stringify(x)	__stringify_1(x)

FIXTURE(vmdirs) {
	struct kvm_vm *vm[2];
	struct kvmtrace_file f;
};

FIXTURE_SETUP(vmdirs)
{
	self->vm[0] = NULL;
	self->vm[1] = NULL;
	TEST_REQUIRE(kvmtrace_need_module());
}

FIXTURE_TEARDOWN(vmdirs)
{
	/* VM 1 may use VM 0's /dev/kvm descriptor: destroy it first */
	kvm_vm_destroy(self->vm[1]);
	kvm_vm_destroy(self->vm[0]);
	kvmtrace_unload();
}

static u64 now_ms(void)
{
	return test_now_ns() / NSEC_PER_MSEC;
}

/* A VM of one vCPU that ran @pio "out"s and @cpuid CPUIDs, and is kept */
static struct kvm_vm *run_vm(struct kvm_vm *share, u32 pio, u32 cpuid)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 1,
		.mode = KVM_MODE_LONG64,
		.sys_from = share,
	};
	struct kvm_workload wl = { .pio = pio, .cpuid = cpuid };
	struct kvm_vm *vm = kvm_vm_create(&opts);

	kvm_vcpu_set_workload(kvm_vm_vcpu(vm, 0), &wl);
	kvm_vm_run(vm, NULL, NULL, RUN_TIMEOUT_MS);
	return vm;
}

/* CPUID exits in vms/<name>/vcpu0/exits, ~0 if unreadable */
static u64 cpuids(struct kvmtrace_file *f, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/vcpu0/exits", name);
	if (__kvmtrace_read(path, f))
		return ~0ULL;
	return kvmtrace_val(f, "CPUID", 1);
}

static void check_counts(struct __test_metadata *_metadata,
			 struct kvmtrace_file *f, const char *name, u32 pio,
			 u32 cpuid)
{
	char path[512];

	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/vcpu0/exits", name);
	kvmtrace_read(path, f);
	EXPECT_EQ(pio + 1ULL, kvmtrace_val(f, "IOIO", 1)) TH_LOG("%s", path);
	EXPECT_EQ((u64)cpuid, kvmtrace_val(f, "CPUID", 1)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/exits", name);
	kvmtrace_read(path, f);
	EXPECT_EQ(pio + 1ULL, kvmtrace_val(f, "IOIO", 1)) TH_LOG("%s", path);
	EXPECT_EQ((u64)cpuid, kvmtrace_val(f, "CPUID", 1)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/stats", name);
	EXPECT_EQ(1ULL, kvmtrace_get(path, "vcpus")) TH_LOG("%s", path);
}

/* a kvmtrace module parameter, ~0 if unreadable */
static u64 read_param(const char *name)
{
	char path[256], buf[32], *end;
	unsigned long long val;

	snprintf(path, sizeof(path), "/sys/module/kvmtrace/parameters/%s", name);
	if (__test_read_line(path, buf, sizeof(buf)))
		return ~0ULL;
	val = strtoull(buf, &end, 10);
	return end == buf ? ~0ULL : val;
}

TEST_F_TIMEOUT(vmdirs, name_reuse, 60)
{
	char name[64], path[512];
	u64 t_destroy, t_run, t_seen = 0, n;
	int fd;

	kvmtrace_load_debug("fault_teardown_delay_ms=" __stringify(DELAY_MS));
	/*
	 * No page-in from the host's file system (9p) in the timed part:
	 * while the guest idles waiting for it, its clock may race ahead.
	 */
	if (mlockall(MCL_CURRENT))
		TH_LOG("mlockall: %s", strerror(errno));
	/* the debug build, with the delay */
	ASSERT_EQ((u64)DELAY_MS, read_param("fault_teardown_delay_ms"));

	self->vm[0] = run_vm(NULL, 7, 11);
	snprintf(name, sizeof(name), "%s", kvm_vm_debugfs_name(self->vm[0]));
	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/vcpu0", name);
	ASSERT_TRUE(test_wait_path(path, 2000));
	check_counts(_metadata, &self->f, name, 7, 11);
	fd = kvm_vm_fd(self->vm[0]);

	kvm_vm_destroy(self->vm[0]);
	self->vm[0] = NULL;
	t_destroy = now_ms();
	self->vm[0] = run_vm(NULL, 5, 23);
	t_run = now_ms();
	/* B reuses A's descriptor, and so A's name */
	ASSERT_EQ(fd, kvm_vm_fd(self->vm[0]));
	ASSERT_STREQ(name, kvm_vm_debugfs_name(self->vm[0]));
	/* B ran while A's directory still existed: the window was open */
	ASSERT_GT(t_destroy + DELAY_MS, t_run)
		TH_LOG("B ran %llu ms after A died: no overlap to test",
		       t_run - t_destroy);
	EXPECT_EQ(11ULL, cpuids(&self->f, name)) TH_LOG("A's directory");

	/* B's directory appears once A's is gone */
	while (now_ms() < t_destroy + DELAY_MS + SLACK_MS) {
		n = cpuids(&self->f, name);
		if (n == 23) {
			t_seen = now_ms();
			break;
		}
		usleep(10000);
	}
	ASSERT_NE(0ULL, t_seen)
		TH_LOG("B's directory did not appear within %u ms", DELAY_MS + SLACK_MS);
	TH_LOG("B's directory appeared %llu ms after A died", t_seen - t_destroy);
	check_counts(_metadata, &self->f, name, 5, 23);
	EXPECT_EQ(1ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vms"));
	EXPECT_EQ(1, kvmtrace_nr_vm_dirs());
}

TEST_F_TIMEOUT(vmdirs, fallback_name, 60)
{
	char name1[64], name2[64], path[512];
	int fd;

	kvmtrace_load();
	self->vm[0] = run_vm(NULL, 2, 3);
	snprintf(name1, sizeof(name1), "%s", kvm_vm_debugfs_name(self->vm[0]));
	fd = kvm_vm_fd(self->vm[0]);
	kvm_vm_move_fd(self->vm[0], MOVED_FD);
	TH_LOG("VM 1 (%s) moved from fd %d to %d", name1, fd, MOVED_FD);

	self->vm[1] = run_vm(self->vm[0], 4, 17);
	ASSERT_EQ(fd, kvm_vm_fd(self->vm[1]));
	/* KVM's name for VM 2 was taken by VM 1: it made no directory */
	ASSERT_STREQ(name1, kvm_vm_debugfs_name(self->vm[1]));
	snprintf(name2, sizeof(name2), "%d-kvm2",
		 kvm_vm_debugfs_pid(self->vm[1]));

	snprintf(path, sizeof(path), KVMTRACE_DIR "/vms/%s/vcpu0", name2);
	ASSERT_TRUE(test_wait_path(path, 2000)) TH_LOG("%s did not appear", path);
	check_counts(_metadata, &self->f, name2, 4, 17);
	check_counts(_metadata, &self->f, name1, 2, 3);
	EXPECT_EQ(2ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vms"));
	EXPECT_EQ(2, kvmtrace_nr_vm_dirs());
}

TEST_F_TIMEOUT(vmdirs, open_file_eio, 60)
{
	char dir[256], path[512], buf[4096];
	int fd_read, fd_unread;
	ssize_t len;

	kvmtrace_load();
	self->vm[0] = run_vm(NULL, 1, 1);
	kvmtrace_vm_dir(self->vm[0], dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/vcpu0/exits", dir);
	ASSERT_TRUE(test_wait_path(path, 2000));
	fd_read = open(path, O_RDONLY);
	ASSERT_LE(0, fd_read);
	snprintf(path, sizeof(path), "%s/stats", dir);
	fd_unread = open(path, O_RDONLY);
	ASSERT_LE(0, fd_unread);
	len = read(fd_read, buf, sizeof(buf));
	EXPECT_LT(0, len);

	kvm_vm_destroy(self->vm[0]);
	self->vm[0] = NULL;
	ASSERT_TRUE(test_wait_path_gone(dir, 5000)) TH_LOG("%s still there", dir);

	errno = 0;
	EXPECT_EQ(-1, pread(fd_read, buf, sizeof(buf), 0));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, read(fd_unread, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	close(fd_read);
	close(fd_unread);
	EXPECT_EQ(0ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vms"));
}

TEST_HARNESS_MAIN
