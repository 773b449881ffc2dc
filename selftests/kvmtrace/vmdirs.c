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
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "kt_util.h"

#define RUN_TIMEOUT_MS	60000
#define DELAY_MS	2000
#define SLACK_MS	3000
#define MOVED_FD	100
#define __stringify_1(x)	#x
#define __stringify(x)	__stringify_1(x)

FIXTURE(vmdirs) {
	struct kvm_vm *vm[2];
	bool loaded;
	struct kt_file f;
};

FIXTURE_SETUP(vmdirs)
{
	self->vm[0] = NULL;
	self->vm[1] = NULL;
	self->loaded = false;
	if (!kvm_available())
		SKIP(return, "/dev/kvm is missing or not accessible");
	if (!getenv("KVMTUNE_KMOD"))
		SKIP(return, "KVMTUNE_KMOD is not set (run in the proving ground)");
}

FIXTURE_TEARDOWN(vmdirs)
{
	/* VM 1 may use VM 0's /dev/kvm descriptor: destroy it first */
	if (self->vm[1])
		kvm_vm_destroy(self->vm[1]);
	if (self->vm[0])
		kvm_vm_destroy(self->vm[0]);
	if (self->loaded)
		kt_rmmod();
}

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static struct kvm_vm *run_vm(struct __test_metadata *_metadata,
			     struct kvm_vm *share, u32 pio, u32 cpuid)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 1,
		.mode = KVM_MODE_LONG64,
		.sys_from = share,
	};
	struct kvm_workload wl = { .pio = pio, .cpuid = cpuid };
	struct kvm_vm *vm = kvm_vm_create(&opts);
	int ret;

	if (!vm)
		return NULL;
	ret = kvm_vcpu_set_workload(kvm_vm_vcpu(vm, 0), &wl);
	if (!ret)
		ret = kvm_vm_run(vm, NULL, NULL, RUN_TIMEOUT_MS);
	if (ret)
		TH_LOG("run: %s (%s)", strerror(-ret), kvm_vm_vcpu(vm, 0)->err);
	EXPECT_EQ(0, ret);
	return vm;
}

static const char *base(const char *path)
{
	return strrchr(path, '/') + 1;
}

/* CPUID exits in vms/<name>/vcpu0/exits, ~0 if unreadable */
static u64 cpuids(struct kt_file *f, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), KT_DIR "/vms/%s/vcpu0/exits", name);
	if (kt_read(path, f))
		return ~0ULL;
	return kt_val(f, "CPUID", 1);
}

static void check_counts(struct __test_metadata *_metadata, struct kt_file *f,
			 const char *name, u32 pio, u32 cpuid)
{
	char path[512];

	snprintf(path, sizeof(path), KT_DIR "/vms/%s/vcpu0/exits", name);
	ASSERT_EQ(0, kt_read(path, f)) TH_LOG("%s", path);
	EXPECT_EQ(pio + 1ULL, kt_val(f, "IOIO", 1)) TH_LOG("%s", path);
	EXPECT_EQ((u64)cpuid, kt_val(f, "CPUID", 1)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), KT_DIR "/vms/%s/exits", name);
	ASSERT_EQ(0, kt_read(path, f)) TH_LOG("%s", path);
	EXPECT_EQ(pio + 1ULL, kt_val(f, "IOIO", 1)) TH_LOG("%s", path);
	EXPECT_EQ((u64)cpuid, kt_val(f, "CPUID", 1)) TH_LOG("%s", path);
	snprintf(path, sizeof(path), KT_DIR "/vms/%s/stats", name);
	EXPECT_EQ(1ULL, kt_get(path, "vcpus")) TH_LOG("%s", path);
}

/* a kvmtrace module parameter, ~0 if unreadable */
static u64 read_param(const char *name)
{
	unsigned long long val = ~0ULL;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kvmtrace/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return ~0ULL;
	if (fscanf(f, "%llu", &val) != 1)
		val = ~0ULL;
	fclose(f);
	return val;
}

static int nr_vm_dirs(void)
{
	int n = -1;
	FILE *ls = popen("ls " KT_DIR "/vms | wc -l", "r");

	if (!ls)
		return -1;
	if (fscanf(ls, "%d", &n) != 1)
		n = -1;
	pclose(ls);
	return n;
}

TEST_F_TIMEOUT(vmdirs, name_reuse, 60)
{
	char name[64], path[512];
	u64 t_destroy, t_run, t_seen = 0, n;
	int fd;

	ASSERT_EQ(0, kt_insmod_args(true, "fault_teardown_delay_ms=" __stringify(DELAY_MS)));
	self->loaded = true;
	/*
	 * No page-in from the host's file system (9p) in the timed part:
	 * while the guest idles waiting for it, its clock may race ahead.
	 */
	if (mlockall(MCL_CURRENT))
		TH_LOG("mlockall: %s", strerror(errno));
	/* the debug build, with the delay */
	ASSERT_EQ((u64)DELAY_MS, read_param("fault_teardown_delay_ms"));

	self->vm[0] = run_vm(_metadata, NULL, 7, 11);
	ASSERT_NE(NULL, self->vm[0]);
	snprintf(name, sizeof(name), "%s", base(kvm_vm_debugfs_dir(self->vm[0])));
	snprintf(path, sizeof(path), KT_DIR "/vms/%s/vcpu0", name);
	ASSERT_TRUE(kt_wait_path(path, 2000));
	check_counts(_metadata, &self->f, name, 7, 11);
	fd = kvm_vm_fd(self->vm[0]);

	kvm_vm_destroy(self->vm[0]);
	self->vm[0] = NULL;
	t_destroy = now_ms();
	self->vm[0] = run_vm(_metadata, NULL, 5, 23);
	t_run = now_ms();
	ASSERT_NE(NULL, self->vm[0]);
	/* B reuses A's descriptor, and so A's name */
	ASSERT_EQ(fd, kvm_vm_fd(self->vm[0]));
	ASSERT_STREQ(name, base(kvm_vm_debugfs_dir(self->vm[0])));
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
	EXPECT_EQ(1ULL, kt_get(KT_DIR "/summary", "vms"));
	EXPECT_EQ(1, nr_vm_dirs());
}

TEST_F_TIMEOUT(vmdirs, fallback_name, 60)
{
	char name1[64], name2[64], path[512];
	int fd;

	ASSERT_EQ(0, kt_insmod());
	self->loaded = true;
	self->vm[0] = run_vm(_metadata, NULL, 2, 3);
	ASSERT_NE(NULL, self->vm[0]);
	snprintf(name1, sizeof(name1), "%s", base(kvm_vm_debugfs_dir(self->vm[0])));
	fd = kvm_vm_fd(self->vm[0]);
	ASSERT_EQ(0, kvm_vm_move_fd(self->vm[0], MOVED_FD));
	TH_LOG("VM 1 (%s) moved from fd %d to %d", name1, fd, MOVED_FD);

	self->vm[1] = run_vm(_metadata, self->vm[0], 4, 17);
	ASSERT_NE(NULL, self->vm[1]);
	ASSERT_EQ(fd, kvm_vm_fd(self->vm[1]));
	/* KVM's name for VM 2 was taken by VM 1: it made no directory */
	ASSERT_STREQ(name1, base(kvm_vm_debugfs_dir(self->vm[1])));
	snprintf(name2, sizeof(name2), "%d-kvm2",
		 kvm_vm_debugfs_pid(self->vm[1]));

	snprintf(path, sizeof(path), KT_DIR "/vms/%s/vcpu0", name2);
	ASSERT_TRUE(kt_wait_path(path, 2000)) TH_LOG("%s did not appear", path);
	check_counts(_metadata, &self->f, name2, 4, 17);
	check_counts(_metadata, &self->f, name1, 2, 3);
	EXPECT_EQ(2ULL, kt_get(KT_DIR "/summary", "vms"));
	EXPECT_EQ(2, nr_vm_dirs());
}

TEST_F_TIMEOUT(vmdirs, open_file_eio, 60)
{
	char dir[256], path[512], buf[4096];
	int fd_read, fd_unread;
	ssize_t len;

	ASSERT_EQ(0, kt_insmod());
	self->loaded = true;
	self->vm[0] = run_vm(_metadata, NULL, 1, 1);
	ASSERT_NE(NULL, self->vm[0]);
	kt_vm_dir(self->vm[0], dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/vcpu0/exits", dir);
	ASSERT_TRUE(kt_wait_path(path, 2000));
	fd_read = open(path, O_RDONLY);
	ASSERT_LE(0, fd_read);
	snprintf(path, sizeof(path), "%s/stats", dir);
	fd_unread = open(path, O_RDONLY);
	ASSERT_LE(0, fd_unread);
	len = read(fd_read, buf, sizeof(buf));
	EXPECT_LT(0, len);

	kvm_vm_destroy(self->vm[0]);
	self->vm[0] = NULL;
	ASSERT_TRUE(kt_wait_gone(dir, 5000)) TH_LOG("%s still there", dir);

	errno = 0;
	EXPECT_EQ(-1, pread(fd_read, buf, sizeof(buf), 0));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, read(fd_unread, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	close(fd_read);
	close(fd_unread);
	EXPECT_EQ(0ULL, kt_get(KT_DIR "/summary", "vms"));
}

TEST_HARNESS_MAIN
