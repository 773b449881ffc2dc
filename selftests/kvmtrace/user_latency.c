// SPDX-License-Identifier: GPL-2.0
/*
 * user_latency - exits completed in userspace, and time a vCPU is kept out
 * of the guest, are in "user_latency", not in "latency".
 *
 * kvmtrace is loaded first. One vCPU with an in-kernel irqchip runs the
 * workload routine: N "out"s to DEV_PORT, J CPUIDs, W WRMSRs of
 * IA32_TSC_DEADLINE (handled in the kernel with an irqchip), then the
 * "out" to DONE.
 *
 * slow_device: the VMM (an exit callback) sleeps T on every "out" to
 * DEV_PORT, as for a slow emulated device; slow_ns is T / 2 and the
 * kvmtrace_slow_exit tracepoint is enabled. Expected for the vCPU:
 *   - user_latency: IOIO has exactly N counts (the DONE exit is still in
 *     progress, so it is in neither file), all in buckets whose upper
 *     bound is above T; no CPUID or MSR line;
 *   - latency: CPUID J, MSR W, no IOIO line;
 *   - stats: user_exits == the user_latency counts, user_exit_ns >= N * T,
 *     exit_ns and user_exit_ns within the bounds of their buckets;
 *   - the tracepoint: exactly user_slow "in user" events, all IOIO with
 *     duration_ns >= T, N of them; exactly slow "in kernel" events, none
 *     of them IOIO.
 * Then slow_ns is 1 and the vCPU is entered again (kvm_vm_reenter()): the
 * DONE exit completes, so IOIO has N + 1 counts in user_latency and one
 * more "in user" event; a second run of J2 CPUIDs gives exactly J2 "in
 * kernel" CPUID events.
 *
 * paused_vcpu: the vCPU loops over CPUIDs and WRMSRs (no userspace exits)
 * until kvm_vcpu_hold() keeps it out of the guest for S, as a paused VM:
 * user_latency then has exactly one exit (the one in progress at the
 * pause), of at least S, and no in-kernel exit is anywhere near S: every
 * latency bucket is below S, and exit_ns + user_exit_ns fit in the run.
 *
 * Before user_latency existed all of this was in "latency": the device's
 * and the pause's time was charged to KVM.
 */
#include <time.h>

#include "kselftest_harness.h"
#include "kvmtrace_util.h"

#define RUN_TIMEOUT_MS	60000
#define DEV_PORT	0x80	/* not emulated in the kernel: to userspace */
#define NR_PIO		10
#define NR_CPUID	40
#define NR_WRMSR	30
#define NR_CPUID2	25
#define DEV_NS		2000000ULL	/* T: the device's time per "out" */
/*
 * S: longer than any in-kernel exit the proving ground itself makes (its
 * vCPU threads are preempted under TCG: up to 180 ms seen, and once 0.5 to
 * 1 s on a host loaded 5 times over), so that an exit near S is the pause.
 */
#define PAUSE_MS	3000
#define TRACEFS		"/sys/kernel/tracing"
#define SLOW_EVENT	TRACEFS "/events/kvmtrace/kvmtrace_slow_exit/enable"
/* Documentation/kvmtrace.rst, "Tracepoint" */
#define EVENT		"kvmtrace_slow_exit: "
#define EVENT_FMT	"vm %63s pid %d vcpu %d reason %31s 0x%x duration_ns %llu in %15s"

struct slow_event {
	char reason[32];
	unsigned int code;
	unsigned long long ns;
	bool user;
};

#define MAX_EVENTS	4096

struct events {
	struct slow_event e[MAX_EVENTS];
	int n;
	int bad;
};

struct files {
	struct kvmtrace_hist lat, user;
	struct kvmtrace_file exits, stats;
	struct events ev;
};

FIXTURE(user_latency) {
	struct kvm_vm *vm;
	bool tracing;
	struct files *f;
};

FIXTURE_SETUP(user_latency)
{
	struct kvm_vm_opts opts = {
		.nr_vcpus = 1,
		.irqchip = true,
		.mode = KVM_MODE_LONG64,
	};

	self->vm = NULL;
	self->tracing = false;
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	TEST_REQUIRE(kvmtrace_need_module());
	kvmtrace_load();
	self->vm = kvm_vm_create(&opts);
}

FIXTURE_TEARDOWN(user_latency)
{
	if (self->tracing)
		__test_write_file(SLOW_EVENT, "0");
	kvm_vm_destroy(self->vm);
	kvmtrace_unload();
	free(self->f);
}

/* The VMM's device: every "out" to DEV_PORT takes DEV_NS. */
static int slow_device(struct kvm_vcpu *vcpu, void *opaque)
{
	struct kvm_run *run = vcpu->run;
	struct timespec ts = {
		.tv_sec = DEV_NS / 1000000000ULL,
		.tv_nsec = DEV_NS % 1000000000ULL,
	};
	unsigned int *outs = opaque;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != DEV_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT)
		return KVM_UTIL_CB_DEFAULT;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
	(*outs)++;
	return KVM_UTIL_CB_DEFAULT;
}

static void read_files(struct __test_metadata *_metadata, struct kvm_vm *vm,
		       struct files *f)
{
	char path[512];
	int i;

	kvmtrace_path(path, sizeof(path), vm, 0, "exits");
	ASSERT_TRUE(test_wait_path(path, 2000));
	kvmtrace_read(path, &f->exits);
	kvmtrace_path(path, sizeof(path), vm, 0, "stats");
	kvmtrace_read(path, &f->stats);
	kvmtrace_path(path, sizeof(path), vm, 0, "latency");
	kvmtrace_read_hist(path, &f->lat);
	kvmtrace_path(path, sizeof(path), vm, 0, "user_latency");
	kvmtrace_read_hist(path, &f->user);
	EXPECT_EQ(0, f->lat.bad);
	EXPECT_EQ(0, f->user.bad);
	for (i = 0; i < f->lat.n; i++)
		TH_LOG("latency: %s %llu %llu", f->lat.l[i].name,
		       f->lat.l[i].lo, f->lat.l[i].count);
	for (i = 0; i < f->user.n; i++)
		TH_LOG("user_latency: %s %llu %llu", f->user.l[i].name,
		       f->user.l[i].lo, f->user.l[i].count);
}

/* sum(count * lo) <= @ns < sum(count * hi) over the lines of @h */
static void check_total(struct __test_metadata *_metadata, const char *what,
			const struct kvmtrace_hist *h, unsigned long long ns)
{
	unsigned long long min = 0, max = 0;
	int i;

	for (i = 0; i < h->n; i++) {
		EXPECT_TRUE(kvmtrace_bucket_ok(h->l[i].lo));
		min += h->l[i].count * h->l[i].lo;
		max += h->l[i].count * kvmtrace_bucket_hi(h->l[i].lo);
	}
	EXPECT_LE(min, ns) TH_LOG("%s %llu below its buckets", what, ns);
	/* no buckets: no time */
	EXPECT_TRUE(max ? ns < max : !ns)
		TH_LOG("%s %llu above its buckets (%llu)", what, ns, max);
}

static unsigned long long total_count(const struct kvmtrace_hist *h)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < h->n; i++)
		n += h->l[i].count;
	return n;
}

/* The slow-exit events of VM @name in the trace buffer. */
static int read_events(const char *name, struct events *ev)
{
	char line[512], vm[64], reason[32], where[16];
	unsigned long long ns;
	unsigned int code;
	int pid, vcpu;
	FILE *f;

	memset(ev, 0, sizeof(*ev));
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && ev->n < MAX_EVENTS) {
		char *p = strstr(line, EVENT);

		if (!p)
			continue;
		if (sscanf(p + strlen(EVENT), EVENT_FMT, vm, &pid, &vcpu, reason,
			   &code, &ns, where) != 7 ||
		    (strcmp(where, "user") && strcmp(where, "kernel"))) {
			ev->bad++;
			continue;
		}
		if (strcmp(vm, name) || vcpu)
			continue;
		snprintf(ev->e[ev->n].reason, sizeof(ev->e[0].reason), "%s",
			 reason);
		ev->e[ev->n].code = code;
		ev->e[ev->n].ns = ns;
		ev->e[ev->n].user = !strcmp(where, "user");
		ev->n++;
	}
	fclose(f);
	return 0;
}

static int count_events(const struct events *ev, bool user, const char *reason)
{
	int i, n = 0;

	for (i = 0; i < ev->n; i++)
		if (ev->e[i].user == user &&
		    (!reason || !strcmp(ev->e[i].reason, reason)))
			n++;
	return n;
}

TEST_F_TIMEOUT(user_latency, slow_device, 120)
{
	struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm, 0);
	struct files *f = self->f;
	struct kvm_workload wl = {
		.pio = NR_PIO,
		.pio_port = DEV_PORT,
		.cpuid = NR_CPUID,
		.wrmsr_tscdl = NR_WRMSR,
	};
	unsigned long long above = 0, slow1, user_slow1, zero0, zero1;
	const char *name = kvm_vm_debugfs_name(self->vm);
	unsigned int outs = 0;
	char buf[64];
	int i;

	ASSERT_EQ(0, access(SLOW_EVENT, W_OK))
		TH_LOG("%s: %s", SLOW_EVENT, strerror(errno));
	snprintf(buf, sizeof(buf), "slow_ns %llu", DEV_NS / 2);
	kvmtrace_control(buf);
	test_write_file(TRACEFS "/trace", "");
	test_write_file(SLOW_EVENT, "1");
	self->tracing = true;
	test_write_file(TRACEFS "/tracing_on", "1");

	kvm_vcpu_set_workload(vcpu, &wl);
	/* asserts that the vCPU ended with its "out" to DONE */
	kvm_vm_run(self->vm, slow_device, &outs, RUN_TIMEOUT_MS);
	ASSERT_EQ((unsigned int)NR_PIO, outs);
	read_files(_metadata, self->vm, f);

	/* exits: the DONE "out" is counted but still in progress */
	EXPECT_EQ(NR_PIO + 1ULL, kvmtrace_val(&f->exits, "IOIO", 1));
	EXPECT_EQ((u64)NR_CPUID, kvmtrace_val(&f->exits, "CPUID", 1));
	EXPECT_EQ((u64)NR_WRMSR, kvmtrace_val(&f->exits, "MSR", 1));

	/* the device's exits: all in user_latency, all slower than T */
	EXPECT_EQ((u64)NR_PIO, kvmtrace_hist_count(&f->user, "IOIO"));
	for (i = 0; i < f->user.n; i++)
		if (!strcmp(f->user.l[i].name, "IOIO") &&
		    kvmtrace_bucket_hi(f->user.l[i].lo) > DEV_NS)
			above += f->user.l[i].count;
	EXPECT_EQ((u64)NR_PIO, above);
	EXPECT_EQ(0ULL, kvmtrace_hist_count(&f->lat, "IOIO"));
	/* in-kernel exits: in latency only */
	EXPECT_EQ((u64)NR_CPUID, kvmtrace_hist_count(&f->lat, "CPUID"));
	EXPECT_EQ((u64)NR_WRMSR, kvmtrace_hist_count(&f->lat, "MSR"));
	EXPECT_EQ(0ULL, kvmtrace_hist_count(&f->user, "CPUID"));
	EXPECT_EQ(0ULL, kvmtrace_hist_count(&f->user, "MSR"));

	/* stats agree with the histograms */
	EXPECT_EQ(total_count(&f->user), kvmtrace_val(&f->stats, "user_exits", 0));
	EXPECT_LE(NR_PIO * DEV_NS, kvmtrace_val(&f->stats, "user_exit_ns", 0));
	check_total(_metadata, "user_exit_ns", &f->user,
		    kvmtrace_val(&f->stats, "user_exit_ns", 0));
	check_total(_metadata, "exit_ns", &f->lat,
		    kvmtrace_val(&f->stats, "exit_ns", 0));

	/* the slow-exit tracepoint: one event per slow exit, where it was */
	ASSERT_EQ(0, read_events(name, &f->ev));
	EXPECT_EQ(0, f->ev.bad);
	slow1 = kvmtrace_val(&f->stats, "slow", 0);
	user_slow1 = kvmtrace_val(&f->stats, "user_slow", 0);
	TH_LOG("events: %d in user, %d in kernel; slow %llu user_slow %llu",
	       count_events(&f->ev, true, NULL),
	       count_events(&f->ev, false, NULL), slow1, user_slow1);
	EXPECT_EQ((u64)NR_PIO, user_slow1);
	EXPECT_EQ((int)user_slow1, count_events(&f->ev, true, NULL));
	EXPECT_EQ((int)slow1, count_events(&f->ev, false, NULL));
	EXPECT_EQ(0, count_events(&f->ev, false, "IOIO"));
	for (i = 0; i < f->ev.n; i++) {
		const struct slow_event *e = &f->ev.e[i];

		if (e->user) {
			EXPECT_STREQ("IOIO", e->reason);
			EXPECT_EQ(0x7bU, e->code);
			EXPECT_LE(DEV_NS, e->ns);
		} else {
			EXPECT_LE(DEV_NS / 2, e->ns);
		}
	}

	/* complete the DONE exit; then J2 CPUIDs, every exit slow */
	zero0 = kvmtrace_hist_count_at(&f->lat, "CPUID", 0);
	kvmtrace_control("slow_ns 1");
	test_write_file(TRACEFS "/trace", "");
	kvm_vm_reenter(self->vm, RUN_TIMEOUT_MS);
	memset(&wl, 0, sizeof(wl));
	wl.cpuid = NR_CPUID2;
	kvm_vcpu_set_workload(vcpu, &wl);
	kvm_vm_run(self->vm, NULL, NULL, RUN_TIMEOUT_MS);
	read_files(_metadata, self->vm, f);
	EXPECT_EQ(NR_PIO + 2ULL, kvmtrace_val(&f->exits, "IOIO", 1));
	/* the first run's DONE exit is complete now: N + 1 */
	EXPECT_EQ(NR_PIO + 1ULL, kvmtrace_hist_count(&f->user, "IOIO"));
	EXPECT_EQ(0ULL, kvmtrace_hist_count(&f->lat, "IOIO"));
	EXPECT_EQ((u64)NR_CPUID + NR_CPUID2, kvmtrace_hist_count(&f->lat, "CPUID"));
	ASSERT_EQ(0, read_events(name, &f->ev));
	EXPECT_EQ(0, f->ev.bad);
	/*
	 * Every CPUID exit is an event but those the clock measured as 0 ns
	 * (below slow_ns 1): with local_clock() on a guest whose TSC is
	 * unstable, the 6.1 proving ground's case, short exits often are.
	 */
	zero1 = kvmtrace_hist_count_at(&f->lat, "CPUID", 0);
	TH_LOG("CPUID spans of 0 ns: %llu before, %llu after", zero0, zero1);
	EXPECT_EQ((int)(NR_CPUID2 - (zero1 - zero0)),
		  count_events(&f->ev, false, "CPUID"));
	EXPECT_EQ(1, count_events(&f->ev, true, NULL));
	EXPECT_EQ(1, count_events(&f->ev, true, "IOIO"));
	EXPECT_EQ(kvmtrace_val(&f->stats, "slow", 0) - slow1,
		  (u64)count_events(&f->ev, false, NULL));
	EXPECT_EQ(kvmtrace_val(&f->stats, "user_slow", 0) - user_slow1,
		  (u64)count_events(&f->ev, true, NULL));
}

TEST_F_TIMEOUT(user_latency, paused_vcpu, 120)
{
	struct kvm_vcpu *vcpu = kvm_vm_vcpu(self->vm, 0);
	struct files *f = self->f;
	struct kvm_workload wl = {
		.cpuid = 20,
		.wrmsr_tscdl = 10,
		.loops = KVM_WL_LOOPS_FOREVER,
	};
	unsigned long long exit_ns, user_ns, run_ns, n, sum;
	char path[512];
	int i, tries;

	kvm_vcpu_set_workload(vcpu, &wl);
	kvm_vm_start(self->vm, NULL, NULL);
	/* running in the guest, with only in-kernel exits */
	kvmtrace_path(path, sizeof(path), self->vm, 0, "exits");
	for (tries = 0; tries < 5000; tries++) {
		if (!__kvmtrace_read(path, &f->exits) &&
		    kvmtrace_val(&f->exits, "CPUID", 1) >= 100)
			break;
		usleep(1000);
	}
	kvm_vcpu_hold(vcpu, PAUSE_MS);
	for (tries = 0; tries < 20000 &&
	     !__atomic_load_n(&vcpu->holds, __ATOMIC_RELAXED); tries++)
		usleep(1000);
	usleep(20000);
	kvm_vm_request_guest_stop(self->vm);
	kvm_vm_wait(self->vm, RUN_TIMEOUT_MS);
	ASSERT_EQ(1ULL, vcpu->holds);
	ASSERT_LE(PAUSE_MS * NSEC_PER_MSEC, vcpu->held_ns);
	run_ns = vcpu->end_ns - vcpu->start_ns;

	read_files(_metadata, self->vm, f);
	exit_ns = kvmtrace_val(&f->stats, "exit_ns", 0);
	user_ns = kvmtrace_val(&f->stats, "user_exit_ns", 0);
	TH_LOG("held %llu ns of a %llu ns run: exit_ns %llu user_exit_ns %llu",
	       (unsigned long long)vcpu->held_ns, run_ns, exit_ns, user_ns);

	/* the pause: exactly one exit, in user_latency, of at least S */
	EXPECT_EQ(1ULL, total_count(&f->user));
	EXPECT_EQ(1ULL, kvmtrace_val(&f->stats, "user_exits", 0));
	EXPECT_LE(PAUSE_MS * NSEC_PER_MSEC, user_ns);
	check_total(_metadata, "user_exit_ns", &f->user, user_ns);
	/* no in-kernel exit took anything like S */
	for (i = 0; i < f->lat.n; i++)
		EXPECT_GE(PAUSE_MS * NSEC_PER_MSEC,
			  kvmtrace_bucket_hi(f->lat.l[i].lo))
			TH_LOG("latency: %s %llu", f->lat.l[i].name,
			       f->lat.l[i].lo);
	check_total(_metadata, "exit_ns", &f->lat, exit_ns);
	/*
	 * Exits do not overlap: both totals fit in the run (kvmtrace's clock
	 * is local_clock(), the run's CLOCK_MONOTONIC: 1 ms + 1% slack).
	 */
	EXPECT_GE(run_ns + NSEC_PER_MSEC + run_ns / 100, exit_ns + user_ns);

	/* every completed exit is in one of the two (the DONE one is not) */
	sum = total_count(&f->lat) + total_count(&f->user);
	n = kvmtrace_val(&f->stats, "exits", 0);
	EXPECT_EQ(n - 1, sum);
}

TEST_HARNESS_MAIN
