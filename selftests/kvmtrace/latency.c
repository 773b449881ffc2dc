// SPDX-License-Identifier: GPL-2.0
/*
 * latency - kvmtrace's latency histograms account for every exit exactly
 * once, and merge reasons into OTHER past the 16th.
 *
 * kvmtrace is loaded first. One vCPU (long mode, no irqchip) runs the
 * library's script routine: a list of single instructions, each of which
 * makes one SVM exit of a known reason (guest_routines.h), repeated LOOPS times.
 * Before the list, the guest spins (no exits) until the test has seen an
 * INTR exit: the test kicks the vCPU's thread with a signal until KVM's
 * irq_exits stat moves. So the reasons met, in order, are:
 *
 *   NPF (first instruction fetch) and INTR, in either order, then
 *   CPUID, HLT, MSR, VMMCALL, WBINVD, MONITOR, MWAIT, RDPMC, WRITE_CR8,
 *   WRITE_CR4, UD_EXCP, VMRUN, SKINIT, WRITE_DR0, INVLPGA, READ_CR4, IOIO
 *
 * HLT has no latency histogram (it is in "hlt"), so the first 16 reasons
 * with histograms are NPF ... INVLPGA, and READ_CR4 (handled in the kernel)
 * and IOIO (the "out" goes to userspace) are merged into OTHER: READ_CR4
 * into OTHER of "latency", IOIO into OTHER of "user_latency". READ_CR4 has
 * the lowest code of all, so a table kept by code instead of by arrival
 * would give it a line of its own. After the run each vCPU is entered
 * once more (kvm_vm_reenter()), so that the final "out" to the DONE port
 * is complete too; only that last HLT is still in progress. Expected:
 *
 *   - the exact set of reasons with lines of their own is the 16 above;
 *     HLT, READ_CR4 and IOIO have none;
 *   - per reason, latency + user_latency counts == its count in "exits";
 *     OTHER of latency == READ_CR4 exits == stats latency_other, OTHER of
 *     user_latency == IOIO exits == stats user_latency_other;
 *   - hlt exit_hist == HLT exits - 1 (the one in progress);
 *   - every bucket's lo_ns is 0 or a power of two, at most 2^35, and the
 *     totals exit_ns, user_exit_ns and hlt exit_ns lie within the bounds
 *     the buckets give; stats user_exits == the user_latency counts.
 *
 * Before user_latency existed, every exit was in "latency": the IOIO
 * OTHER line and latency_other (which then held IOIO too) would be wrong.
 */
#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define RUN_TIMEOUT_MS	60000
#define LOOPS		3
#define WORK_PORT	0x80
#define UCODE_REV_MSR	0x8b	/* writes accepted and ignored by KVM */
#define CR4_PAE		0x20	/* the library's long-mode CR4 */
#define KICK_WAIT_MS	50
#define GO_TIMEOUT_MS	20000

static const struct kvm_guest_op script[] = {
	{ .op = KVM_OP_WAIT },
	{ .op = KVM_OP_CPUID, .count = 2 },
	{ .op = KVM_OP_HLT },
	{ .op = KVM_OP_WRMSR, .count = 2, .arg = UCODE_REV_MSR },
	{ .op = KVM_OP_VMMCALL },
	{ .op = KVM_OP_WBINVD },
	{ .op = KVM_OP_MONITOR },
	{ .op = KVM_OP_MWAIT },
	{ .op = KVM_OP_RDPMC },
	{ .op = KVM_OP_WRITE_CR8, .value = 0 },
	{ .op = KVM_OP_WRITE_CR4, .value = CR4_PAE },
	{ .op = KVM_OP_UD2 },
	{ .op = KVM_OP_VMRUN },
	{ .op = KVM_OP_SKINIT },
	{ .op = KVM_OP_WRITE_DR0 },
	{ .op = KVM_OP_INVLPGA },
	{ .op = KVM_OP_READ_CR4 },
	{ .op = KVM_OP_OUT, .arg = WORK_PORT },
};

/* reasons with their own histogram lines, and their exact counts */
struct reason {
	const char *name;
	u64 per_loop;	/* 0: not exact (NPF, INTR; WRITE_DR0 is >= LOOPS) */
};

static const struct reason own_lines[] = {
	{ "NPF", 0 }, { "INTR", 0 },
	{ "CPUID", 2 }, { "MSR", 2 }, { "VMMCALL", 1 }, { "WBINVD", 1 },
	{ "MONITOR", 1 }, { "MWAIT", 1 }, { "RDPMC", 1 }, { "WRITE_CR8", 1 },
	{ "WRITE_CR4", 1 }, { "UD_EXCP", 1 }, { "VMRUN", 1 }, { "SKINIT", 1 },
	{ "WRITE_DR0", 0 }, { "INVLPGA", 1 },
};

struct go_ctx {
	struct kvm_vcpu *vcpu;
	bool go;		/* __atomic */
	u64 signals;		/* EINTR returns seen by the callback */
};

/*
 * vCPU thread: a kick made KVM_RUN return. Once KVM has counted an INTR
 * exit of this vCPU, release the guest's KVM_OP_WAIT.
 */
static int go_cb(struct kvm_vcpu *vcpu, void *opaque)
{
	struct go_ctx *ctx = opaque;
	u64 irq_exits = 0;

	if (vcpu->run->exit_reason != KVM_EXIT_INTR)
		return KVM_UTIL_CB_DEFAULT;
	ctx->signals++;
	if (!__atomic_load_n(&ctx->go, __ATOMIC_ACQUIRE) &&
	    !__kvm_vcpu_read_stat(vcpu, "irq_exits", &irq_exits) && irq_exits) {
		kvm_vcpu_script_go(vcpu);
		__atomic_store_n(&ctx->go, true, __ATOMIC_RELEASE);
	}
	return KVM_UTIL_CB_HANDLED;
}

struct files {
	struct kvmtrace_file exits, stats, hlt;
	struct kvmtrace_hist lat, user, hhist;
};

FIXTURE(latency) {
	struct kvm_vm *vm;
	struct files *f;
};

FIXTURE_SETUP(latency)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 1,
		.mode = KVM_MODE_LONG64,
	};

	self->vm = NULL;
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	TEST_REQUIRE(kvmtrace_need_module());
	kvmtrace_load();
	self->vm = kvm_vm_create(&opts);
	kvm_vcpu_set_script(kvm_vm_vcpu(self->vm, 0), script,
			    ARRAY_SIZE(script), LOOPS);
}

FIXTURE_TEARDOWN(latency)
{
	kvm_vm_destroy(self->vm);
	kvmtrace_unload();
	free(self->f);
}

static bool has_own_line(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(own_lines); i++)
		if (!strcmp(name, own_lines[i].name))
			return true;
	return false;
}

static void log_hist(struct __test_metadata *_metadata, const char *what,
		     const struct kvmtrace_hist *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		TH_LOG("%s: %s %lld %llu %llu", what, h->l[i].name,
		       h->l[i].code, h->l[i].lo, h->l[i].count);
}

/* Every bucket is valid; the total @ns is within what the buckets allow. */
static void check_buckets(struct __test_metadata *_metadata, const char *what,
			  const struct kvmtrace_hist *h, const char *only,
			  unsigned long long ns)
{
	unsigned long long min = 0, max = 0;
	int i;

	EXPECT_EQ(0, h->bad) TH_LOG("%s: %d lines did not parse", what, h->bad);
	for (i = 0; i < h->n; i++) {
		const struct kvmtrace_hist_line *l = &h->l[i];

		EXPECT_TRUE(kvmtrace_bucket_ok(l->lo))
			TH_LOG("%s: bad bucket %s %llu", what, l->name, l->lo);
		EXPECT_NE(0ULL, l->count)
			TH_LOG("%s: empty bucket printed", what);
		if (only && strcmp(l->name, only))
			continue;
		min += l->count * l->lo;
		max += l->count * kvmtrace_bucket_hi(l->lo);
	}
	EXPECT_LE(min, ns) TH_LOG("%s: total %llu ns below its buckets", what, ns);
	/* no buckets: no time */
	EXPECT_TRUE(max ? ns < max : !ns)
		TH_LOG("%s: total %llu ns above its buckets (%llu)", what, ns, max);
}

static void read_all(struct __test_metadata *_metadata, struct kvm_vm *vm,
		     struct files *f)
{
	char path[512];

	kvmtrace_path(path, sizeof(path), vm, 0, "exits");
	ASSERT_TRUE(test_wait_path(path, 2000));
	kvmtrace_read(path, &f->exits);
	kvmtrace_path(path, sizeof(path), vm, 0, "stats");
	kvmtrace_read(path, &f->stats);
	kvmtrace_path(path, sizeof(path), vm, 0, "hlt");
	kvmtrace_read(path, &f->hlt);
	kvmtrace_read_hist(path, &f->hhist);
	kvmtrace_path(path, sizeof(path), vm, 0, "latency");
	kvmtrace_read_hist(path, &f->lat);
	kvmtrace_path(path, sizeof(path), vm, 0, "user_latency");
	kvmtrace_read_hist(path, &f->user);
}

TEST_F_TIMEOUT(latency, first_16_reasons, 120)
{
	struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm, 0);
	struct go_ctx ctx = { .vcpu = vcpu };
	struct files *f = self->f;
	struct kvm_guest_result res;
	unsigned long long other_k, other_u, sum, closed = 0;
	unsigned int i, waited = 0;
	int ret, r;

	kvm_vm_start(self->vm, go_cb, &ctx);
	/* kick until KVM has seen an INTR exit, see go_cb() */
	while (!__atomic_load_n(&ctx.go, __ATOMIC_ACQUIRE) &&
	       waited < GO_TIMEOUT_MS) {
		kvm_vcpu_kick(vcpu);
		for (i = 0; i < KICK_WAIT_MS &&
		     !__atomic_load_n(&ctx.go, __ATOMIC_ACQUIRE); i++)
			usleep(1000);
		waited += i;
	}
	ret = __kvm_vm_wait(self->vm, RUN_TIMEOUT_MS);
	if (vcpu->failed)
		TH_LOG("vcpu: %s", vcpu->err);
	ASSERT_TRUE(__atomic_load_n(&ctx.go, __ATOMIC_ACQUIRE))
		TH_LOG("no INTR exit after %u ms of kicks", waited);
	ASSERT_EQ(0, ret);
	TH_LOG("INTR forced after %llu kick(s)", (unsigned long long)ctx.signals);
	res = kvm_vcpu_guest_result(vcpu);
	EXPECT_EQ((u32)LOOPS, res.loops_done);
	/* #UD: UD2, VMRUN, SKINIT, INVLPGA */
	EXPECT_EQ(4U * LOOPS, res.ud);
	/*
	 * RDPMC: #GP unless KVM has a vPMU for the guest (6.12 without
	 * kvm.enable_pmu: #GP; 6.1 answers it): each time or never.
	 */
	EXPECT_TRUE(res.gp == 0 || res.gp == LOOPS) TH_LOG("#GP %u", res.gp);
	/* complete the "out" to DONE: the vCPU is left in its final HLT */
	kvm_vm_reenter(self->vm, RUN_TIMEOUT_MS);

	read_all(_metadata, self->vm, f);
	for (r = 0; r < f->exits.n; r++)
		TH_LOG("exits: %s 0x%llx %llu", f->exits.row[r].key,
		       f->exits.row[r].v[0], f->exits.row[r].v[1]);
	log_hist(_metadata, "latency", &f->lat);
	log_hist(_metadata, "user_latency", &f->user);

	/* the workload's exits are exact */
	for (i = 0; i < ARRAY_SIZE(own_lines); i++) {
		u64 n = kvmtrace_val(&f->exits, own_lines[i].name, 1);

		if (own_lines[i].per_loop) {
			EXPECT_EQ(own_lines[i].per_loop * LOOPS, n)
				TH_LOG("%s exits", own_lines[i].name);
		} else {
			EXPECT_LE(1ULL, n) TH_LOG("%s exits", own_lines[i].name);
		}
	}
	EXPECT_LE((u64)LOOPS, kvmtrace_val(&f->exits, "WRITE_DR0", 1));
	EXPECT_EQ((u64)LOOPS, kvmtrace_val(&f->exits, "READ_CR4", 1));
	EXPECT_EQ(LOOPS + 1ULL, kvmtrace_val(&f->exits, "IOIO", 1));
	EXPECT_EQ(LOOPS + 1ULL, kvmtrace_val(&f->exits, "HLT", 1));
	for (r = 0; r < f->exits.n; r++) {
		const char *name = f->exits.row[r].key;

		EXPECT_TRUE(has_own_line(name) || !strcmp(name, "HLT") ||
			    !strcmp(name, "READ_CR4") || !strcmp(name, "IOIO"))
			TH_LOG("unexpected exit reason %s", name);
	}

	/* exactly the first 16 reasons have lines of their own */
	for (r = 0; r < f->lat.n; r++)
		EXPECT_TRUE(has_own_line(f->lat.l[r].name) ||
			    !strcmp(f->lat.l[r].name, "OTHER"))
			TH_LOG("latency line for %s", f->lat.l[r].name);
	for (r = 0; r < f->user.n; r++)
		EXPECT_TRUE(has_own_line(f->user.l[r].name) ||
			    !strcmp(f->user.l[r].name, "OTHER"))
			TH_LOG("user_latency line for %s", f->user.l[r].name);

	/* every reason's exits are in exactly one histogram line */
	for (i = 0; i < ARRAY_SIZE(own_lines); i++) {
		const char *name = own_lines[i].name;

		sum = kvmtrace_hist_count(&f->lat, name) +
		      kvmtrace_hist_count(&f->user, name);
		EXPECT_EQ(kvmtrace_val(&f->exits, name, 1), sum)
			TH_LOG("%s: latency %llu + user_latency %llu", name,
			       kvmtrace_hist_count(&f->lat, name),
			       kvmtrace_hist_count(&f->user, name));
		closed += sum;
	}
	/* OTHER: READ_CR4 in the kernel, IOIO in userspace */
	other_k = kvmtrace_hist_count(&f->lat, "OTHER");
	other_u = kvmtrace_hist_count(&f->user, "OTHER");
	EXPECT_EQ(kvmtrace_val(&f->exits, "READ_CR4", 1), other_k);
	EXPECT_EQ(kvmtrace_val(&f->exits, "IOIO", 1), other_u);
	EXPECT_EQ(other_k, kvmtrace_val(&f->stats, "latency_other", 0));
	EXPECT_EQ(other_u, kvmtrace_val(&f->stats, "user_latency_other", 0));
	closed += other_k + other_u;
	/* HLT: its own histogram; the last HLT is still in progress */
	EXPECT_EQ(kvmtrace_val(&f->exits, "HLT", 1) - 1,
		  kvmtrace_hist_count(&f->hhist, "exit_hist"));
	EXPECT_EQ(kvmtrace_val(&f->exits, "HLT", 1), kvmtrace_val(&f->hlt, "exits", 0));
	closed += kvmtrace_hist_count(&f->hhist, "exit_hist");
	EXPECT_EQ(kvmtrace_val(&f->stats, "exits", 0) - 1, closed);

	/* stats totals agree with the buckets */
	sum = 0;
	for (r = 0; r < f->user.n; r++)
		sum += f->user.l[r].count;
	EXPECT_EQ(sum, kvmtrace_val(&f->stats, "user_exits", 0));
	check_buckets(_metadata, "latency", &f->lat, NULL,
		      kvmtrace_val(&f->stats, "exit_ns", 0));
	check_buckets(_metadata, "user_latency", &f->user, NULL,
		      kvmtrace_val(&f->stats, "user_exit_ns", 0));
	check_buckets(_metadata, "hlt exit_hist", &f->hhist, "exit_hist",
		      kvmtrace_val(&f->hlt, "exit_ns", 0));
}

TEST_HARNESS_MAIN
