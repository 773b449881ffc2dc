// SPDX-License-Identifier: GPL-2.0
/*
 * attribution - kvmtrace charges every exit to the right VM and vCPU,
 * exactly.
 *
 * kvmtrace is loaded first. Then two VMs with two vCPUs each run at the same
 * time, every vCPU with its own exactly known workload:
 *
 *   VM A (no irqchip):        N PIO, M MMIO, J CPUID, K HLT
 *   VM B (in-kernel irqchip): N PIO, M MMIO, J CPUID, W WRMSR(0x6e0),
 *                             X WRMSR(0x8b)
 *
 * While the VMs still exist, kvmtrace's files must show, per vCPU (SVM
 * names): IOIO = N + 1 (the "out" to the done port), CPUID = J, HLT = K,
 * MSR = W + X; npf "mmio" = M and NPF = mmio + fault; msrs 0x6e0 = W writes,
 * 0x8b = X writes and nothing else. The only other rows allowed are exits
 * the host adds by itself (INTR). VM files are the sums of their vCPUs,
 * and the VM's total equals KVM's own "exits" stat (kvmtrace was loaded
 * before the VM existed), as do io_exits, mmio_exits and halt_exits.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "kt_util.h"

#define RUN_TIMEOUT_MS	100000
#define OTHER_MSR	0x8b
#define NR_VMS		2
#define NR_VCPUS	2

struct expect {
	u32 pio, mmio, cpuid, hlt, tscdl, msr;
};

/* all different */
static const struct expect expected[NR_VMS][NR_VCPUS] = {
	{	/* VM A: no irqchip, HLT exits to userspace */
		{ .pio = 300, .mmio = 200, .cpuid = 100, .hlt = 50 },
		{ .pio = 150, .mmio = 250, .cpuid = 70, .hlt = 30 },
	},
	{	/* VM B: in-kernel LAPIC, MSR writes handled in KVM */
		{ .pio = 120, .mmio = 90, .cpuid = 60, .tscdl = 80, .msr = 40 },
		{ .pio = 90, .mmio = 130, .cpuid = 40, .tscdl = 50, .msr = 110 },
	},
};

/* SVM exit rows that carry no asserted workload (see the header). */
static const char *const extra_rows[] = { "INTR" };

static const char *const checked_rows[] = {
	"IOIO", "CPUID", "HLT", "MSR", "NPF",
};

struct vm_thread {
	struct kvm_vm *vm;
	pthread_t thread;
	int ret;
};

static void *vm_thread_fn(void *arg)
{
	struct vm_thread *t = arg;

	t->ret = kvm_vm_run(t->vm, NULL, NULL, RUN_TIMEOUT_MS);
	return NULL;
}

FIXTURE(attribution) {
	struct kvm_vm *vm[NR_VMS];
	bool loaded;
};

FIXTURE_SETUP(attribution)
{
	unsigned int v, i;

	memset(self->vm, 0, sizeof(self->vm));
	self->loaded = false;
	if (!kvm_available())
		SKIP(return, "/dev/kvm is missing or not accessible");
	if (!getenv("KVMTUNE_KMOD"))
		SKIP(return, "KVMTUNE_KMOD is not set (run in the proving ground)");

	/* kvmtrace first: it must see every exit of these VMs */
	ASSERT_EQ(0, kt_insmod());
	self->loaded = true;
	ASSERT_EQ(0ULL, kt_get(KT_DIR "/summary", "vms"));

	for (v = 0; v < NR_VMS; v++) {
		struct kvm_vm_opts opts = {
			.nr_vcpus = NR_VCPUS,
			.irqchip = v == 1,
			.mode = KVM_MODE_LONG64,
		};

		self->vm[v] = kvm_vm_create(&opts);
		ASSERT_NE(NULL, self->vm[v]);
		for (i = 0; i < NR_VCPUS; i++) {
			const struct expect *e = &expected[v][i];
			struct kvm_workload wl = {
				.pio = e->pio,
				.mmio = e->mmio,
				.cpuid = e->cpuid,
				.hlt = e->hlt,
				.wrmsr_tscdl = e->tscdl,
				.wrmsr_other = e->msr,
				.pio_port = KVM_UTIL_PORT_WORK + i,
				.mmio_gpa = kvm_vm_mmio_gpa(self->vm[v]) +
					    i * 0x1000,
				.msr_index = OTHER_MSR,
			};

			struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm[v], i);

			ASSERT_EQ(0, kvm_vcpu_set_workload(vcpu, &wl));
		}
	}
}

FIXTURE_TEARDOWN(attribution)
{
	unsigned int v;

	for (v = 0; v < NR_VMS; v++)
		if (self->vm[v])
			kvm_vm_destroy(self->vm[v]);
	if (self->loaded)
		kt_rmmod();
}

static bool is_extra(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(extra_rows); i++)
		if (!strcmp(name, extra_rows[i]))
			return true;
	return false;
}

static bool is_checked(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(checked_rows); i++)
		if (!strcmp(name, checked_rows[i]))
			return true;
	return false;
}

static void read_file(struct __test_metadata *_metadata, const char *dir,
		      const char *name, struct kt_file *f)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = kt_read(path, f);
	if (ret)
		TH_LOG("%s: %s", path, strerror(-ret));
	ASSERT_EQ(0, ret);
}

static void log_file(struct __test_metadata *_metadata, const char *what,
		     const struct kt_file *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		TH_LOG("%s: %s %llu %llu %llu", what, f->row[i].key,
		       f->row[i].v[0], f->row[i].v[1], f->row[i].v[2]);
}

/* Check one scope (a vCPU, or a whole VM with @e summed over its vCPUs). */
static void check_scope(struct __test_metadata *_metadata, const char *dir,
			const struct expect *e, u64 *total_exits)
{
	struct kt_file exits, msrs, npf, stats, hlt;
	u64 sum = 0;
	int i;

	read_file(_metadata, dir, "exits", &exits);
	read_file(_metadata, dir, "msrs", &msrs);
	read_file(_metadata, dir, "npf", &npf);
	read_file(_metadata, dir, "stats", &stats);
	read_file(_metadata, dir, "hlt", &hlt);
	TH_LOG("%s", dir);
	log_file(_metadata, "exits", &exits);
	log_file(_metadata, "npf", &npf);

	/* exits: <NAME> <0xCODE> <count> */
	EXPECT_EQ(e->pio + 1ULL, kt_val(&exits, "IOIO", 1));
	EXPECT_EQ((u64)e->cpuid, kt_val(&exits, "CPUID", 1));
	EXPECT_EQ((u64)e->hlt, kt_val(&exits, "HLT", 1));
	EXPECT_EQ((u64)e->tscdl + e->msr, kt_val(&exits, "MSR", 1));
	EXPECT_EQ(kt_val(&exits, "NPF", 1), kt_val(&npf, "exits", 0));
	EXPECT_EQ((u64)e->mmio, kt_val(&npf, "mmio", 0));
	EXPECT_EQ(kt_val(&npf, "exits", 0),
		  kt_val(&npf, "mmio", 0) + kt_val(&npf, "fault", 0));
	for (i = 0; i < exits.n; i++) {
		const struct kt_row *r = &exits.row[i];

		sum += r->v[1];
		EXPECT_TRUE(is_checked(r->key) || is_extra(r->key))
			TH_LOG("%s: unexpected exit row %s 0x%llx %llu", dir,
			       r->key, r->v[0], r->v[1]);
	}
	EXPECT_EQ(sum, kt_val(&stats, "exits", 0));
	EXPECT_EQ((u64)e->hlt, kt_val(&hlt, "exits", 0));

	/* msrs: <0xINDEX> <NAME> <writes> <reads>, only ours */
	log_file(_metadata, "msrs", &msrs);
	EXPECT_EQ((e->tscdl ? 1 : 0) + (e->msr ? 1 : 0), msrs.n);
	EXPECT_EQ((u64)e->tscdl, kt_val(&msrs, "0x6e0", 0));
	EXPECT_EQ(0ULL, kt_val(&msrs, "0x6e0", 1));
	EXPECT_EQ((u64)e->msr, kt_val(&msrs, "0x8b", 0));
	EXPECT_EQ(0ULL, kt_val(&msrs, "0x8b", 1));
	EXPECT_EQ(0ULL, kt_val(&stats, "msr_lost_writes", 0));
	EXPECT_EQ(0ULL, kt_val(&stats, "unknown_lost", 0));
	*total_exits = sum;
}

static u64 kvm_stat(struct __test_metadata *_metadata, struct kvm_vm *vm,
		    const char *name)
{
	u64 val = ~0ULL;

	EXPECT_EQ(0, kvm_vm_read_stat(vm, name, &val));
	return val;
}

TEST_F_TIMEOUT(attribution, two_vms_four_vcpus, 150)
{
	struct vm_thread t[NR_VMS];
	char dir[256], vdir[300];
	unsigned int v, i;
	int nr_dirs = 0;
	FILE *ls;

	/* all four vCPUs at once */
	for (v = 0; v < NR_VMS; v++) {
		t[v].vm = self->vm[v];
		ASSERT_EQ(0, pthread_create(&t[v].thread, NULL, vm_thread_fn,
					    &t[v]));
	}
	for (v = 0; v < NR_VMS; v++)
		pthread_join(t[v].thread, NULL);
	for (v = 0; v < NR_VMS; v++) {
		for (i = 0; i < NR_VCPUS; i++) {
			struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm[v], i);

			if (vcpu->failed)
				TH_LOG("vm %u vcpu %u: %s", v, i, vcpu->err);
			EXPECT_TRUE(vcpu->done);
		}
		ASSERT_EQ(0, t[v].ret);
	}

	/* exactly our two VMs and four vCPUs are tracked */
	EXPECT_EQ(2ULL, kt_get(KT_DIR "/summary", "vms"));
	EXPECT_EQ(4ULL, kt_get(KT_DIR "/summary", "vcpus"));
	EXPECT_EQ(0ULL, kt_get(KT_DIR "/summary", "untracked"));
	EXPECT_EQ(0ULL, kt_get(KT_DIR "/summary", "noreason"));
	ls = popen("ls " KT_DIR "/vms | wc -l", "r");
	ASSERT_NE(NULL, ls);
	ASSERT_EQ(1, fscanf(ls, "%d", &nr_dirs));
	pclose(ls);
	EXPECT_EQ(NR_VMS, nr_dirs);

	for (v = 0; v < NR_VMS; v++) {
		struct expect sum = { 0 };
		u64 vcpu_total = 0, vm_total, n;

		kt_vm_dir(self->vm[v], dir, sizeof(dir));
		for (i = 0; i < NR_VCPUS; i++) {
			const struct expect *e = &expected[v][i];

			snprintf(vdir, sizeof(vdir), "%s/vcpu%u", dir, i);
			ASSERT_TRUE(kt_wait_path(vdir, 2000))
				TH_LOG("%s did not appear", vdir);
			check_scope(_metadata, vdir, e, &n);
			vcpu_total += n;
			sum.pio += e->pio + 1;	/* + done out, -1 below */
			sum.mmio += e->mmio;
			sum.cpuid += e->cpuid;
			sum.hlt += e->hlt;
			sum.tscdl += e->tscdl;
			sum.msr += e->msr;
		}
		snprintf(vdir, sizeof(vdir), "%s/vcpu%u", dir, NR_VCPUS);
		EXPECT_NE(0, access(vdir, F_OK));

		/* the VM files are the sums; one done-out is added back */
		sum.pio -= 1;
		check_scope(_metadata, dir, &sum, &vm_total);
		EXPECT_EQ(vcpu_total, vm_total);
		snprintf(vdir, sizeof(vdir), "%s/stats", dir);
		EXPECT_EQ((u64)NR_VCPUS, kt_get(vdir, "vcpus"));

		/* KVM's own stats for the same VM */
		EXPECT_EQ(vm_total, kvm_stat(_metadata, self->vm[v], "exits"));
		EXPECT_EQ(sum.pio + 1, kvm_stat(_metadata, self->vm[v],
						"io_exits"));
		EXPECT_EQ((u64)sum.mmio, kvm_stat(_metadata, self->vm[v],
						  "mmio_exits"));
		EXPECT_EQ((u64)sum.hlt, kvm_stat(_metadata, self->vm[v],
						 "halt_exits"));
	}
}

TEST_HARNESS_MAIN
