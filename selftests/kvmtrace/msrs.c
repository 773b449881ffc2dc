// SPDX-License-Identifier: GPL-2.0
/*
 * msrs - kvmtrace counts RDMSR and WRMSR exits per MSR index, exactly, names
 * them, and counts what does not fit in its 64-entry table.
 *
 * kvmtrace is loaded first.
 *
 * names_and_counts: a VM with an in-kernel irqchip and two vCPUs runs three
 * times:
 *   1. vCPU 0: the wakeup routine's TIMER role, K1 halts (x2APIC setup,
 *      then per halt one TMICT write and one EOI write in the handler);
 *      vCPU 1: the same with no halts (setup only).
 *   2. vCPU 0: IPI_RECV, K2 halts (EOI writes); vCPU 1: IPI_SEND, K2 ICR
 *      writes to vCPU 0.
 *   3. vCPU 0: the script routine: R RDMSRs of IA32_TSC_DEADLINE (SVM MSR
 *      exits with exit_info_1 = 0), W WRMSRs of it, U RDMSRs and U2 WRMSRs
 *      of two MSRs KVM does not know (each answered with #GP, which the
 *      guest steps over); vCPU 1: an empty script.
 * Each x2APIC setup is 1 RDMSR + 1 WRMSR of IA32_APICBASE and one WRMSR of
 * SPIV, TDCR and LVTT (guest_routines.h). So, exactly (EOI = the interrupts the
 * guest handled, which the proving ground may duplicate):
 *   vcpu0: 0x1b IA32_APICBASE 2 2, 0x6e0 IA32_TSC_DEADLINE W R,
 *          0x80b X2APIC_EOI <irqs> 0, 0x80f X2APIC_SPIV 2 0,
 *          0x832 X2APIC_LVTT 2 0, 0x838 X2APIC_TMICT K1 0,
 *          0x83e X2APIC_TDCR 2 0, 0x4b564e00 - 0 U, 0x4b564e01 - U2 0
 *   vcpu1: 0x1b 2 2, 0x80f 2 0, 0x830 X2APIC_ICR K2 0, 0x832 2 0, 0x83e 2 0
 *   the VM: the merge of both; rows sorted by index; the MSR line of
 *   "exits" is the sum of all reads and writes; nothing lost.
 *
 * overflow: one vCPU touches 66 distinct unknown MSRs with known numbers
 * of writes and reads (all #GP): the first 64 get rows with their exact
 * counts, also for accesses after the table filled up; the 65th's and
 * 66th's writes and reads are exactly msr_lost_writes / msr_lost_reads.
 */
#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define RUN_TIMEOUT_MS	60000
#define K1		5
#define K2		4
#define NR_R		7
#define NR_W		3
#define NR_U		5
#define NR_U2		2
#define MSR_TSCDL	0x6e0
#define MSR_UNKNOWN	0x4b564e00	/* past KVM's own 0x4b564dxx MSRs */
#define MSR_SLOTS	KVMTRACE_MSR_SLOTS

FIXTURE(msrs) {
	struct kvm_vm *vm;
	struct kvmtrace_file f;
};

FIXTURE_SETUP(msrs)
{
	self->vm = NULL;
	TEST_REQUIRE(kvmtrace_need_module());
	kvmtrace_load();
}

FIXTURE_TEARDOWN(msrs)
{
	kvm_vm_destroy(self->vm);
	kvmtrace_unload();
}

struct msr_row {
	u32 index;
	const char *name;
	u64 writes, reads;
};

/* Exactly the rows @want, in index order; returns the sum of all counts. */
static u64 check_msrs(struct __test_metadata *_metadata, const char *path,
		      struct kvmtrace_file *f, const struct msr_row *want,
		      unsigned int n)
{
	char key[16];
	u64 sum = 0;
	int i;

	kvmtrace_read(path, f);
	for (i = 0; i < f->n; i++)
		TH_LOG("%s: %s %s %llu %llu", path, f->row[i].key,
		       f->row[i].name, f->row[i].v[0], f->row[i].v[1]);
	EXPECT_EQ((int)n, f->n) TH_LOG("%s: row count", path);
	for (i = 0; i < f->n && i < (int)n; i++) {
		const struct kvmtrace_row *r = &f->row[i];

		snprintf(key, sizeof(key), "0x%x", want[i].index);
		EXPECT_STREQ(key, r->key);
		EXPECT_STREQ(want[i].name, r->name) TH_LOG("%s: %s", path, key);
		EXPECT_EQ(2, r->nv);
		EXPECT_EQ(want[i].writes, r->v[0]) TH_LOG("%s: %s writes", path, key);
		EXPECT_EQ(want[i].reads, r->v[1]) TH_LOG("%s: %s reads", path, key);
	}
	for (i = 0; i < f->n; i++)
		sum += f->row[i].v[0] + f->row[i].v[1];
	return sum;
}

/* "exits" MSR line and stats msr_lost_* of one scope */
static void check_scope(struct __test_metadata *_metadata,
			struct kvm_vm *vm, int vcpu, u64 counted,
			u64 lost_w, u64 lost_r)
{
	struct kvmtrace_file *f = malloc(sizeof(*f));
	char path[512];

	ASSERT_NE(NULL, f);
	kvmtrace_path(path, sizeof(path), vm, vcpu, "stats");
	EXPECT_EQ(lost_w, kvmtrace_get(path, "msr_lost_writes")) TH_LOG("%s", path);
	EXPECT_EQ(lost_r, kvmtrace_get(path, "msr_lost_reads")) TH_LOG("%s", path);
	kvmtrace_path(path, sizeof(path), vm, vcpu, "exits");
	kvmtrace_read(path, f);
	EXPECT_EQ(counted + lost_w + lost_r, kvmtrace_val(f, "MSR", 1))
		TH_LOG("%s: MSR exits", path);
	free(f);
}

TEST_F_TIMEOUT(msrs, names_and_counts, 120)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 2,
		.irqchip = true,
		.mode = KVM_MODE_LONG64,
	};
	struct kvm_wakeup timer = { .role = KVM_WAKEUP_TIMER, .count = K1 };
	struct kvm_wakeup idle = { .role = KVM_WAKEUP_TIMER, .count = 0 };
	struct kvm_wakeup recv = { .role = KVM_WAKEUP_IPI_RECV, .count = K2 };
	struct kvm_wakeup send = {
		.role = KVM_WAKEUP_IPI_SEND, .count = K2, .peer = 0,
	};
	const struct kvm_guest_op script[] = {
		{ .op = KVM_OP_RDMSR, .count = NR_R, .arg = MSR_TSCDL },
		{ .op = KVM_OP_WRMSR, .count = NR_W, .arg = MSR_TSCDL,
		  .value = ~0ULL >> 1 },
		{ .op = KVM_OP_RDMSR, .count = NR_U, .arg = MSR_UNKNOWN },
		{ .op = KVM_OP_WRMSR, .count = NR_U2, .arg = MSR_UNKNOWN + 1 },
	};
	struct kvm_vcpu *v0, *v1;
	struct kvm_guest_result res;
	u64 eoi = 0, sum0, sum1, sumvm;
	char path[512];

	self->vm = kvm_vm_create(&opts);
	v0 = kvm_vm_vcpu(self->vm, 0);
	v1 = kvm_vm_vcpu(self->vm, 1);

	/* kvm_vm_run() asserts that every vCPU ended with its "out" to DONE */
	kvm_vcpu_set_wakeup(v0, &timer);
	kvm_vcpu_set_wakeup(v1, &idle);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(v0);
	EXPECT_EQ((u32)K1, res.hlts + res.hlt_skips);
	eoi += res.irqs;	/* every handler run writes EOI once */
	res = kvm_vcpu_guest_result(v1);
	EXPECT_EQ(0U, res.irqs);

	kvm_vcpu_set_wakeup(v0, &recv);
	kvm_vcpu_set_wakeup(v1, &send);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(v0);
	EXPECT_EQ((u32)K2, res.hlts + res.hlt_skips);
	eoi += res.irqs;
	res = kvm_vcpu_guest_result(v1);
	EXPECT_EQ((u32)K2, res.ipis_sent);
	EXPECT_EQ(0U, res.irqs);

	kvm_vcpu_set_script(v0, script, ARRAY_SIZE(script), 1);
	kvm_vcpu_set_script(v1, NULL, 0, 1);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(v0);
	/* KVM answers unknown MSRs with #GP; IA32_TSC_DEADLINE it knows */
	EXPECT_EQ((u32)(NR_U + NR_U2), res.gp);

	{
		const struct msr_row want0[] = {
			{ 0x1b, "IA32_APICBASE", 2, 2 },
			{ MSR_TSCDL, "IA32_TSC_DEADLINE", NR_W, NR_R },
			{ 0x80b, "X2APIC_EOI", eoi, 0 },
			{ 0x80f, "X2APIC_SPIV", 2, 0 },
			{ 0x832, "X2APIC_LVTT", 2, 0 },
			{ 0x838, "X2APIC_TMICT", K1, 0 },
			{ 0x83e, "X2APIC_TDCR", 2, 0 },
			{ MSR_UNKNOWN, "-", 0, NR_U },
			{ MSR_UNKNOWN + 1, "-", NR_U2, 0 },
		};
		const struct msr_row want1[] = {
			{ 0x1b, "IA32_APICBASE", 2, 2 },
			{ 0x80f, "X2APIC_SPIV", 2, 0 },
			{ 0x830, "X2APIC_ICR", K2, 0 },
			{ 0x832, "X2APIC_LVTT", 2, 0 },
			{ 0x83e, "X2APIC_TDCR", 2, 0 },
		};
		const struct msr_row wantvm[] = {
			{ 0x1b, "IA32_APICBASE", 4, 4 },
			{ MSR_TSCDL, "IA32_TSC_DEADLINE", NR_W, NR_R },
			{ 0x80b, "X2APIC_EOI", eoi, 0 },
			{ 0x80f, "X2APIC_SPIV", 4, 0 },
			{ 0x830, "X2APIC_ICR", K2, 0 },
			{ 0x832, "X2APIC_LVTT", 4, 0 },
			{ 0x838, "X2APIC_TMICT", K1, 0 },
			{ 0x83e, "X2APIC_TDCR", 4, 0 },
			{ MSR_UNKNOWN, "-", 0, NR_U },
			{ MSR_UNKNOWN + 1, "-", NR_U2, 0 },
		};

		kvmtrace_path(path, sizeof(path), self->vm, 1, "msrs");
		ASSERT_TRUE(test_wait_path(path, 2000));
		kvmtrace_path(path, sizeof(path), self->vm, 0, "msrs");
		sum0 = check_msrs(_metadata, path, &self->f, want0,
				  ARRAY_SIZE(want0));
		kvmtrace_path(path, sizeof(path), self->vm, 1, "msrs");
		sum1 = check_msrs(_metadata, path, &self->f, want1,
				  ARRAY_SIZE(want1));
		kvmtrace_path(path, sizeof(path), self->vm, -1, "msrs");
		sumvm = check_msrs(_metadata, path, &self->f, wantvm,
				   ARRAY_SIZE(wantvm));
	}
	EXPECT_EQ(sum0 + sum1, sumvm);
	check_scope(_metadata, self->vm, 0, sum0, 0, 0);
	check_scope(_metadata, self->vm, 1, sum1, 0, 0);
	check_scope(_metadata, self->vm, -1, sumvm, 0, 0);
}

/* writes and reads of the i-th unknown MSR in the overflow test */
static unsigned int nr_writes(unsigned int i)
{
	return i % 3 + 1;
}

static unsigned int nr_reads(unsigned int i)
{
	return i % 2 ? 0 : 2;
}

TEST_F_TIMEOUT(msrs, overflow, 120)
{
	struct kvm_vm_opts opts = { .nr_vcpus = 1, .mode = KVM_MODE_LONG64 };
	struct kvm_guest_op script[2 * MSR_SLOTS + 8];
	struct msr_row want[MSR_SLOTS];
	struct kvm_guest_result res;
	unsigned int i, n = 0, faults = 0;
	u64 sum, lost_w, lost_r;
	char path[512];

	memset(script, 0, sizeof(script));
	for (i = 0; i < MSR_SLOTS; i++) {
		want[i].index = MSR_UNKNOWN + i;
		want[i].name = "-";
		want[i].writes = nr_writes(i);
		want[i].reads = nr_reads(i);
		script[n].op = KVM_OP_WRMSR;
		script[n].arg = MSR_UNKNOWN + i;
		script[n++].count = nr_writes(i);
		if (nr_reads(i)) {
			script[n].op = KVM_OP_RDMSR;
			script[n].arg = MSR_UNKNOWN + i;
			script[n++].count = nr_reads(i);
		}
	}
	/* the 65th and 66th distinct MSRs: lost */
	script[n++] = (struct kvm_guest_op){ .op = KVM_OP_WRMSR, .count = 4,
					     .arg = MSR_UNKNOWN + 64 };
	script[n++] = (struct kvm_guest_op){ .op = KVM_OP_RDMSR, .count = 3,
					     .arg = MSR_UNKNOWN + 64 };
	script[n++] = (struct kvm_guest_op){ .op = KVM_OP_RDMSR, .count = 1,
					     .arg = MSR_UNKNOWN + 65 };
	lost_w = 4;
	lost_r = 3 + 1;
	/* the table is full, but the first 64 are still counted */
	script[n++] = (struct kvm_guest_op){ .op = KVM_OP_RDMSR, .count = 2,
					     .arg = MSR_UNKNOWN };
	want[0].reads += 2;
	script[n++] = (struct kvm_guest_op){ .op = KVM_OP_WRMSR, .count = 1,
					     .arg = MSR_UNKNOWN + 63 };
	want[63].writes += 1;
	ASSERT_LE(n, ARRAY_SIZE(script));
	for (i = 0; i < n; i++)
		faults += script[i].count;

	self->vm = kvm_vm_create(&opts);
	kvm_vcpu_set_script(kvm_vm_vcpu(self->vm, 0), script, n, 1);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	res = kvm_vcpu_guest_result(kvm_vm_vcpu(self->vm, 0));
	/* every access was an exit that KVM answered with #GP */
	EXPECT_EQ(faults, res.gp);

	kvmtrace_path(path, sizeof(path), self->vm, 0, "msrs");
	ASSERT_TRUE(test_wait_path(path, 2000));
	sum = check_msrs(_metadata, path, &self->f, want, MSR_SLOTS);
	check_scope(_metadata, self->vm, 0, sum, lost_w, lost_r);
	EXPECT_EQ((u64)faults, sum + lost_w + lost_r);
	kvmtrace_path(path, sizeof(path), self->vm, -1, "msrs");
	sum = check_msrs(_metadata, path, &self->f, want, MSR_SLOTS);
	check_scope(_metadata, self->vm, -1, sum, lost_w, lost_r);
}

TEST_HARNESS_MAIN
