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
#include "kselftest_harness.h"
#include "kvmtrace_util.h"

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

/*
 * The SVM exit rows: those with an asserted workload, and those the host
 * adds by itself (see the header).
 */
static const char *const allowed_rows[] = {
	"IOIO", "CPUID", "HLT", "MSR", "NPF",
	"INTR",
};

struct vm_thread {
	struct kvm_vm *vm;
	pthread_t thread;
	int ret;
};

static void *vm_thread_fn(void *arg)
{
	struct vm_thread *t = arg;

	t->ret = __kvm_vm_run(t->vm, NULL, NULL, RUN_TIMEOUT_MS);
	return NULL;
}

FIXTURE(attribution) {
	struct kvm_vm *vm[NR_VMS];
};

FIXTURE_SETUP(attribution)
{
	unsigned int v, i;

	memset(self->vm, 0, sizeof(self->vm));
	TEST_REQUIRE(kvmtrace_need_module());
	/* kvmtrace first: it must see every exit of these VMs */
	kvmtrace_load();
	ASSERT_EQ(0ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vms"));

	for (v = 0; v < NR_VMS; v++) {
		struct kvm_vm_opts opts = {
			.nr_vcpus = NR_VCPUS,
			.irqchip = v == 1,
			.mode = KVM_MODE_LONG64,
		};

		self->vm[v] = kvm_vm_create(&opts);
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

			kvm_vcpu_set_workload(vcpu, &wl);
		}
	}
}

FIXTURE_TEARDOWN(attribution)
{
	unsigned int v;

	for (v = 0; v < NR_VMS; v++)
		kvm_vm_destroy(self->vm[v]);
	kvmtrace_unload();
}

static void read_file(const char *dir, const char *name,
		      struct kvmtrace_file *f)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	kvmtrace_read(path, f);
}

static void log_file(struct __test_metadata *_metadata, const char *what,
		     const struct kvmtrace_file *f)
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
	struct kvmtrace_file exits, msrs, npf, stats, hlt;
	u64 sum = 0;
	int i;

	read_file(dir, "exits", &exits);
	read_file(dir, "msrs", &msrs);
	read_file(dir, "npf", &npf);
	read_file(dir, "stats", &stats);
	read_file(dir, "hlt", &hlt);
	TH_LOG("%s", dir);
	log_file(_metadata, "exits", &exits);
	log_file(_metadata, "npf", &npf);

	/* exits: <NAME> <0xCODE> <count> */
	EXPECT_EQ(e->pio + 1ULL, kvmtrace_val(&exits, "IOIO", 1));
	EXPECT_EQ((u64)e->cpuid, kvmtrace_val(&exits, "CPUID", 1));
	EXPECT_EQ((u64)e->hlt, kvmtrace_val(&exits, "HLT", 1));
	EXPECT_EQ((u64)e->tscdl + e->msr, kvmtrace_val(&exits, "MSR", 1));
	EXPECT_EQ(kvmtrace_val(&exits, "NPF", 1), kvmtrace_val(&npf, "exits", 0));
	EXPECT_EQ((u64)e->mmio, kvmtrace_val(&npf, "mmio", 0));
	EXPECT_EQ(kvmtrace_val(&npf, "exits", 0),
		  kvmtrace_val(&npf, "mmio", 0) + kvmtrace_val(&npf, "fault", 0));
	for (i = 0; i < exits.n; i++) {
		const struct kvmtrace_row *r = &exits.row[i];

		sum += r->v[1];
		EXPECT_TRUE(test_str_in(r->key, allowed_rows,
					ARRAY_SIZE(allowed_rows)))
			TH_LOG("%s: unexpected exit row %s 0x%llx %llu", dir,
			       r->key, r->v[0], r->v[1]);
	}
	EXPECT_EQ(sum, kvmtrace_val(&stats, "exits", 0));
	EXPECT_EQ((u64)e->hlt, kvmtrace_val(&hlt, "exits", 0));

	/* msrs: <0xINDEX> <NAME> <writes> <reads>, only ours */
	log_file(_metadata, "msrs", &msrs);
	EXPECT_EQ((e->tscdl ? 1 : 0) + (e->msr ? 1 : 0), msrs.n);
	EXPECT_EQ((u64)e->tscdl, kvmtrace_val(&msrs, "0x6e0", 0));
	EXPECT_EQ(0ULL, kvmtrace_val(&msrs, "0x6e0", 1));
	EXPECT_EQ((u64)e->msr, kvmtrace_val(&msrs, "0x8b", 0));
	EXPECT_EQ(0ULL, kvmtrace_val(&msrs, "0x8b", 1));
	EXPECT_EQ(0ULL, kvmtrace_val(&stats, "msr_lost_writes", 0));
	EXPECT_EQ(0ULL, kvmtrace_val(&stats, "unknown_lost", 0));
	*total_exits = sum;
}

TEST_F_TIMEOUT(attribution, two_vms_four_vcpus, 150)
{
	struct vm_thread t[NR_VMS];
	char dir[256], vdir[300];
	unsigned int v, i;

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
	EXPECT_EQ(2ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vms"));
	EXPECT_EQ(4ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "vcpus"));
	EXPECT_EQ(0ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "untracked"));
	EXPECT_EQ(0ULL, kvmtrace_get(KVMTRACE_DIR "/summary", "noreason"));
	EXPECT_EQ(NR_VMS, kvmtrace_nr_vm_dirs());

	for (v = 0; v < NR_VMS; v++) {
		struct expect sum = { 0 };
		u64 vcpu_total = 0, vm_total, n;

		kvmtrace_vm_dir(self->vm[v], dir, sizeof(dir));
		for (i = 0; i < NR_VCPUS; i++) {
			const struct expect *e = &expected[v][i];

			snprintf(vdir, sizeof(vdir), "%s/vcpu%u", dir, i);
			ASSERT_TRUE(test_wait_path(vdir, 2000))
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
		EXPECT_EQ((u64)NR_VCPUS, kvmtrace_get(vdir, "vcpus"));

		/* KVM's own stats for the same VM */
		EXPECT_EQ(vm_total, kvm_vm_read_stat(self->vm[v], "exits"));
		EXPECT_EQ(sum.pio + 1, kvm_vm_read_stat(self->vm[v], "io_exits"));
		EXPECT_EQ((u64)sum.mmio,
			  kvm_vm_read_stat(self->vm[v], "mmio_exits"));
		EXPECT_EQ((u64)sum.hlt,
			  kvm_vm_read_stat(self->vm[v], "halt_exits"));
	}
}

TEST_HARNESS_MAIN
