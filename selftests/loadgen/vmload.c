// SPDX-License-Identifier: GPL-2.0
/*
 * vmload - run one VM with a fixed per-vCPU workload (kvm_util's workload
 * routine) for a number of loops or seconds, then print what was done.
 * A load generator for demos, benchmarks and lifecycle tests; not a
 * kselftest.
 *
 * Usage: vmload --help (the options: vmload_opts[] below).  Output on
 * stdout, one line each:
 *   pid <pid> vmfd <fd>        (at once: /sys/kernel/debug/kvm/<pid>-<fd>)
 *   vcpu <id> pio <n> mmio <n> hlt <n> cpuid <n> msr <n> io_exits <n>
 *        total_exits <n> ns_per_exit <f> ns_per_op <f> loops <n> wall_ns <n>
 *   kvm_stats <id> exits <n> halt_exits <n> irq_exits <n> reads <n>
 *                              (--stats only, after the vcpu line)
 * pio/mmio/hlt/cpuid/msr: operations the guest completed (pio and mmio as
 * seen by userspace, hlt counted by the guest, cpuid and msr = completed
 * loops x per-loop count); io_exits and total_exits: exits that reached
 * userspace (io_exits includes the final "out" to the DONE port);
 * wall_ns: vCPU thread run time; ns_per_exit = wall_ns / total_exits and
 * ns_per_op = wall_ns / (pio + mmio + hlt + cpuid + msr), 0 if undefined.
 * kvm_stats: KVM's own counters for the vCPU (binary stats fd,
 * KVM_GET_STATS_FD), read after it finished; exits counts every hardware
 * exit, also those KVM handled in its fastpath.  reads: how often the
 * stats fd was read while the vCPUs ran (--stats-poll).
 *
 * --cpu N pins vmload to CPU N before the vCPU threads are created, so they
 * (and vmload's own control and waiter threads, which sleep) run there only.
 *
 * Loops run in the guest (no host intervention between loops).  With
 * --seconds the guest loops until the host sets the parameter block's stop
 * flag, which it checks after each loop.  SIGINT/SIGTERM do the same; if the
 * guest has not finished its loop STOP_GRACE_MS later, the vCPUs are kicked
 * out of KVM_RUN.  Either way the results are printed and the exit status
 * is 0.  Exit status 1: the VM or a vCPU failed, or reading the stats failed;
 * 2: bad arguments (also a --cpu that is not online).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

#define DEFAULT_MSR_INDEX	0x8b	/* IA32_UCODE_REV: writes are ignored */
#define DEFAULT_HLT_NS		500000	/* irqchip: 500 us per HLT */
#define STOP_GRACE_MS		500
#define POLL_MS			20

struct opts {
	struct kvm_vm_opts vm;
	struct kvm_workload wl;
	u32 loops;
	bool have_loops;	/* --loops given */
	double seconds;
	bool quiet;
	const char *ready_file;
	int cpu;		/* -1: not pinned */
	bool stats;
	u32 stats_poll_ms;	/* 0: read the stats only at the end */
};

struct waiter {
	struct kvm_vm *vm;
	int ret;
	bool done;	/* __atomic */
};

/*
 * The options, one line each: the long name (and the short one, if any),
 * what the argument sets and the help line.  A number option stores its
 * value, between min and max, in a u32 of the options; a flag sets a bool
 * of them; the others call @set.
 */
static struct opts opts;

struct vmload_opt {
	const char *name;
	char short_name;	/* 0: none */
	u32 *u32;
	u32 min, max;
	bool *flag;
	int (*set)(const char *name, const char *arg);
	bool help_opt;		/* --help */
	const char *arg;	/* the argument in the help, NULL: none */
	const char *help;
};

#define U32_OPT(n, s, field, lo, hi, a, h)				\
	{ .name = n, .short_name = s, .u32 = &opts.field, .min = lo,	\
	  .max = hi, .arg = a, .help = h }
#define FLAG_OPT(n, s, field, h)					\
	{ .name = n, .short_name = s, .flag = &opts.field, .help = h }
#define CALL_OPT(n, s, fn, a, h)					\
	{ .name = n, .short_name = s, .set = fn, .arg = a, .help = h }

static int parse_u32(const char *name, const char *s, u32 min, u32 max,
		     u32 *val)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max || v < min) {
		fprintf(stderr, "vmload: --%s: invalid value '%s' (%u..%u)\n",
			name, s, min, max);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

static int set_mode(const char *name, const char *arg)
{
	unsigned int i;

	for (i = 0; i < KVM_MODE_NR; i++) {
		if (!strcmp(arg, kvm_mode_name(i))) {
			opts.vm.mode = i;
			return 0;
		}
	}
	fprintf(stderr, "vmload: --%s: unknown mode '%s'\n", name, arg);
	return -EINVAL;
}

static int set_loops(const char *name, const char *arg)
{
	if (parse_u32(name, arg, 1, UINT_MAX, &opts.loops))
		return -EINVAL;
	if (opts.loops == KVM_WL_LOOPS_FOREVER)
		opts.loops--;
	opts.have_loops = true;
	return 0;
}

static int set_seconds(const char *name, const char *arg)
{
	char *end;

	errno = 0;
	opts.seconds = strtod(arg, &end);
	if (errno || end == arg || *end || !(opts.seconds > 0) ||
	    opts.seconds > 1e6) {
		fprintf(stderr, "vmload: --%s: invalid value '%s'\n", name, arg);
		return -EINVAL;
	}
	return 0;
}

static int set_ready_file(const char *name, const char *arg)
{
	(void)name;
	opts.ready_file = arg;
	return 0;
}

static int set_cpu(const char *name, const char *arg)
{
	u32 n;

	if (parse_u32(name, arg, 0, CPU_SETSIZE - 1, &n))
		return -EINVAL;
	opts.cpu = n;
	return 0;
}

static int set_stats_poll(const char *name, const char *arg)
{
	if (parse_u32(name, arg, 1, UINT_MAX, &opts.stats_poll_ms))
		return -EINVAL;
	opts.stats = true;
	return 0;
}

#define __stringify_1(x)	#x
#define __stringify(x)		__stringify_1(x)

static const struct vmload_opt vmload_opts[] = {
	U32_OPT("vcpus", 'v', vm.nr_vcpus, 1, KVM_UTIL_MAX_VCPUS, "N",
		"vCPUs (1.." __stringify(KVM_UTIL_MAX_VCPUS)
		", default 1), each runs the workload"),
	FLAG_OPT("irqchip", 'i', vm.irqchip,
		 "in-kernel irqchip; each HLT is then woken by the\n"
		 "LAPIC timer (prot32/long64 only)"),
	CALL_OPT("mode", 'm', set_mode, "MODE",
		 "guest mode: real, prot32 or long64 (default long64)"),
	U32_OPT("pio", 0, wl.pio, 0, UINT_MAX, "N",
		"N \"out\" to port " __stringify(KVM_UTIL_PORT_WORK) " per loop"),
	U32_OPT("mmio", 0, wl.mmio, 0, UINT_MAX, "M",
		"M stores to an unbacked GPA per loop"),
	U32_OPT("cpuid", 0, wl.cpuid, 0, UINT_MAX, "J",
		"J CPUID (leaf 0) per loop"),
	U32_OPT("hlt", 0, wl.hlt, 0, UINT_MAX, "K", "K HLT per loop"),
	U32_OPT("tscdl", 0, wl.wrmsr_tscdl, 0, UINT_MAX, "W",
		"W WRMSR IA32_TSC_DEADLINE per loop"),
	U32_OPT("msr", 0, wl.wrmsr_other, 0, UINT_MAX, "X",
		"X WRMSR MSR IDX per loop"),
	U32_OPT("msr-index", 0, wl.msr_index, 0, UINT_MAX, "IDX",
		"MSR for --msr (default " __stringify(DEFAULT_MSR_INDEX) ")"),
	U32_OPT("hlt-ns", 0, wl.hlt_timer_ns, 1, UINT_MAX, "NS",
		"-i: LAPIC timer period per HLT (default "
		__stringify(DEFAULT_HLT_NS) ")"),
	CALL_OPT("loops", 0, set_loops, "L",
		 "run the workload L times (default 1)"),
	CALL_OPT("seconds", 0, set_seconds, "S",
		 "run the workload repeatedly for S seconds"),
	FLAG_OPT("quiet", 0, quiet, "no summary on stderr"),
	CALL_OPT("ready-file", 0, set_ready_file, "PATH",
		 "create PATH (\"pid <pid> vmfd <fd>\") once the\n"
		 "VM is running"),
	CALL_OPT("cpu", 0, set_cpu, "N",
		 "pin the vCPU threads (and vmload) to CPU N"),
	FLAG_OPT("stats", 0, stats,
		 "print KVM's binary stats of each vCPU at the end"),
	CALL_OPT("stats-poll", 0, set_stats_poll, "MS",
		 "--stats, and read them every MS ms while the\n"
		 "vCPUs run (like a monitoring tool)"),
	{ .name = "help", .short_name = 'h', .help_opt = true,
	  .help = "this help" },
};

#define NR_OPTS		ARRAY_SIZE(vmload_opts)
#define HELP_COLUMN	21

static void print_usage(FILE *f, const char *prog)
{
	const struct vmload_opt *opt;
	const char *h;
	unsigned int i;
	int n;

	fprintf(f, "usage: %s [OPTION]...  (--loops and --seconds exclude each other)\n",
		prog);
	for (i = 0; i < NR_OPTS; i++) {
		opt = &vmload_opts[i];
		if (opt->short_name)
			n = fprintf(f, "  -%c, --%s", opt->short_name, opt->name);
		else
			n = fprintf(f, "  --%s", opt->name);
		if (opt->arg)
			n += fprintf(f, " %s", opt->arg);
		for (h = opt->help; *h; h++) {
			if (n >= 0)
				fprintf(f, "%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 1, "");
			n = -1;
			fputc(*h, f);
			if (*h == '\n')
				n = 0;
		}
		fputc('\n', f);
	}
}

/* Into opts; returns 0, 1 for --help, or a negative errno. */
static int parse_args(int argc, char **argv)
{
	struct opts *o = &opts;
	struct option long_opts[NR_OPTS + 1] = { 0 };
	char short_opts[2 * NR_OPTS + 1], *p = short_opts;
	const struct vmload_opt *opt;
	unsigned int i;
	int c, idx;

	o->vm.nr_vcpus = 1;
	o->vm.mode = KVM_MODE_LONG64;
	o->wl.msr_index = DEFAULT_MSR_INDEX;
	o->wl.hlt_timer_ns = DEFAULT_HLT_NS;
	o->loops = 1;
	o->cpu = -1;

	for (i = 0; i < NR_OPTS; i++) {
		opt = &vmload_opts[i];
		long_opts[i].name = opt->name;
		long_opts[i].has_arg = opt->arg ? required_argument : no_argument;
		long_opts[i].val = 256 + i;
		if (opt->short_name) {
			*p++ = opt->short_name;
			if (opt->arg)
				*p++ = ':';
		}
	}
	*p = '\0';

	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		for (idx = 0; idx < (int)NR_OPTS; idx++)
			if (c == 256 + idx || c == vmload_opts[idx].short_name)
				break;
		if (idx == (int)NR_OPTS)
			return -EINVAL;
		opt = &vmload_opts[idx];
		if (opt->help_opt)
			return 1;
		if (opt->flag)
			*opt->flag = true;
		else if (opt->u32 &&
			 parse_u32(opt->name, optarg, opt->min, opt->max,
				   opt->u32))
			return -EINVAL;
		else if (opt->set && opt->set(opt->name, optarg))
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "vmload: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->have_loops && o->seconds > 0) {
		fprintf(stderr, "vmload: --loops and --seconds are exclusive\n");
		return -EINVAL;
	}
	if (o->vm.irqchip && o->wl.hlt && o->vm.mode == KVM_MODE_REAL) {
		fprintf(stderr, "vmload: --hlt with -i needs -m prot32 or long64\n");
		return -EINVAL;
	}
	o->wl.loops = o->seconds > 0 ? KVM_WL_LOOPS_FOREVER : o->loops;
	return 0;
}

/* Write "pid <pid> vmfd <fd>" to a temporary file, then rename: atomic. */
static int write_ready_file(const char *path, struct kvm_vm *vm)
{
	char tmp[PATH_MAX];
	FILE *f;
	int ret;

	ret = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (ret < 0 || ret >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "pid %d vmfd %d\n", kvm_vm_debugfs_pid(vm), kvm_vm_fd(vm));
	if (fclose(f)) {
		ret = -errno;
		goto err_unlink;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		goto err_unlink;
	}
	return 0;

err_unlink:
	unlink(tmp);
	return ret;
}

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = __kvm_vm_wait(w->vm, 0);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --stats-poll: read every vCPU's exit counter, as a monitor would */
static void poll_stats(struct kvm_vm *vm, u64 *reads)
{
	unsigned int i;
	u64 val;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++)
		if (!__kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i), "exits", &val))
			(*reads)++;
}

/*
 * Wait for the waiter thread; meanwhile end the run on --seconds or on
 * SIGINT/SIGTERM (blocked in all threads, taken here by sigtimedwait),
 * and read the stats every o->stats_poll_ms.  Returns the signal that
 * stopped the run, or 0.
 */
static int control_loop(struct kvm_vm *vm, struct waiter *w,
			const sigset_t *sigs, const struct opts *o,
			u64 *stat_reads)
{
	u32 poll_ms = o->stats_poll_ms && o->stats_poll_ms < POLL_MS ?
		      o->stats_poll_ms : POLL_MS;
	u64 start = now_ns(), stop_at = 0, next_read = start, now;
	struct timespec poll = { poll_ms / 1000, (poll_ms % 1000) * 1000000L };
	double seconds = o->seconds;
	bool forced = false;
	int sig, got = 0;

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		sig = sigtimedwait(sigs, NULL, &poll);
		now = now_ns();
		if (o->stats_poll_ms && now >= next_read) {
			poll_stats(vm, stat_reads);
			next_read = now + o->stats_poll_ms * 1000000ULL;
		}
		if (sig > 0 && !got) {
			got = sig;
			if (!stop_at)
				stop_at = now;
			kvm_vm_request_guest_stop(vm);
		} else if (sig > 0 && !forced) {
			/* a second signal: do not wait for the loop to end */
			forced = true;
			kvm_vm_stop(vm);
		}
		if (seconds > 0 && !stop_at && now - start >= seconds * 1e9) {
			stop_at = now;
			kvm_vm_request_guest_stop(vm);
		}
		if (stop_at && !forced &&
		    now - stop_at >= STOP_GRACE_MS * 1000000ULL) {
			forced = true;
			fprintf(stderr, "vmload: guest did not stop within %d ms, stopping vCPUs\n",
				STOP_GRACE_MS);
			kvm_vm_stop(vm);
		}
	}
	return got;
}

static void print_results(struct kvm_vm *vm, const struct opts *o)
{
	const struct kvm_workload *wl = &o->wl;
	u64 mmio_gpa = wl->mmio_gpa ? wl->mmio_gpa : kvm_vm_mmio_gpa(vm);
	struct kvm_guest_result res;
	unsigned int i, r;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(vm, i);
		u64 pio, mmio, cpuid, msr, ops, total = 0, wall;

		res = kvm_vcpu_guest_result(vcpu);
		for (r = 0; r < KVM_UTIL_EXIT_MAX; r++)
			total += kvm_vcpu_exit_count(vcpu, r);
		pio = kvm_vcpu_pio_count(vcpu, KVM_UTIL_PORT_WORK);
		mmio = kvm_vcpu_mmio_count(vcpu, mmio_gpa);
		cpuid = (u64)res.loops_done * wl->cpuid;
		msr = (u64)res.loops_done * (wl->wrmsr_tscdl + (u64)wl->wrmsr_other);
		ops = pio + mmio + res.hlts + cpuid + msr;
		wall = vcpu->end_ns > vcpu->start_ns ?
		       vcpu->end_ns - vcpu->start_ns : 0;
		printf("vcpu %u pio %llu mmio %llu hlt %u cpuid %llu msr %llu",
		       i, (unsigned long long)pio, (unsigned long long)mmio,
		       res.hlts, (unsigned long long)cpuid,
		       (unsigned long long)msr);
		printf(" io_exits %llu total_exits %llu ns_per_exit %.1f",
		       (unsigned long long)kvm_vcpu_exit_count(vcpu, KVM_EXIT_IO),
		       (unsigned long long)total,
		       total ? (double)wall / total : 0.0);
		printf(" ns_per_op %.1f loops %u wall_ns %llu\n",
		       ops ? (double)wall / ops : 0.0, res.loops_done,
		       (unsigned long long)wall);
	}
	fflush(stdout);
}

static const char *const stat_names[] = { "exits", "halt_exits", "irq_exits" };

/* --stats: KVM's counters of each vCPU, from its binary stats fd */
static int print_stats(struct kvm_vm *vm, u64 reads)
{
	unsigned int i, s;
	u64 val;
	int ret;

	for (i = 0; i < kvm_vm_nr_vcpus(vm); i++) {
		printf("kvm_stats %u", i);
		for (s = 0; s < ARRAY_SIZE(stat_names); s++) {
			ret = __kvm_vcpu_read_stat(kvm_vm_vcpu(vm, i),
						   stat_names[s], &val);
			if (ret) {
				printf("\n");
				fflush(stdout);
				fprintf(stderr, "vmload: vcpu %u: reading stat %s: %s\n",
					i, stat_names[s], strerror(-ret));
				return ret;
			}
			printf(" %s %llu", stat_names[s], (unsigned long long)val);
		}
		printf(" reads %llu\n", (unsigned long long)reads);
	}
	fflush(stdout);
	return 0;
}

/* --cpu: pin this thread, and so every thread it creates later */
static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		int err = errno;

		fprintf(stderr, "vmload: --cpu %d: %s\n", cpu, strerror(err));
		return -err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct waiter w = { 0 };
	pthread_t waiter;
	u64 stat_reads = 0;
	unsigned int i;
	sigset_t sigs;
	int ret, sig, status = 1;

	ret = parse_args(argc, argv);
	if (ret > 0) {
		print_usage(stdout, argv[0]);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "vmload: bad arguments, see %s --help\n",
			argv[0]);
		return 2;
	}
	if (opts.cpu >= 0) {
		ret = pin_to_cpu(opts.cpu);
		if (ret)
			return ret == -EINVAL ? 2 : 1;
	}
	if (!kvm_available()) {
		fprintf(stderr, "vmload: /dev/kvm is missing or not accessible\n");
		return 1;
	}

	/* blocked everywhere (vCPU threads inherit it), see control_loop() */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	ret = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		fprintf(stderr, "vmload: pthread_sigmask: %s\n", strerror(ret));
		return 1;
	}

	w.vm = kvm_vm_create(&opts.vm);
	for (i = 0; i < opts.vm.nr_vcpus; i++)
		kvm_vcpu_set_workload(kvm_vm_vcpu(w.vm, i), &opts.wl);

	printf("pid %d vmfd %d\n", kvm_vm_debugfs_pid(w.vm), kvm_vm_fd(w.vm));
	fflush(stdout);

	kvm_vm_start(w.vm, NULL, NULL);
	ret = pthread_create(&waiter, NULL, waiter_thread, &w);
	if (ret) {
		fprintf(stderr, "vmload: pthread_create: %s\n", strerror(ret));
		kvm_vm_stop(w.vm);
		__kvm_vm_wait(w.vm, 0);
		goto out_destroy;
	}
	if (opts.ready_file) {
		ret = write_ready_file(opts.ready_file, w.vm);
		if (ret) {
			fprintf(stderr, "vmload: %s: %s\n", opts.ready_file,
				strerror(-ret));
			kvm_vm_stop(w.vm);
		}
	}

	sig = control_loop(w.vm, &w, &sigs, &opts, &stat_reads);
	pthread_join(waiter, NULL);

	print_results(w.vm, &opts);
	if (!ret && (w.ret == 0 || w.ret == -EINTR))
		status = 0;
	if (opts.stats && print_stats(w.vm, stat_reads))
		status = 1;
	for (i = 0; i < opts.vm.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = kvm_vm_vcpu(w.vm, i);

		if (vcpu->failed)
			fprintf(stderr, "vmload: vcpu %u failed: %s\n", i,
				vcpu->err);
	}
	if (!opts.quiet)
		fprintf(stderr, "vmload: %u vCPU(s), mode %s, irqchip %d: %s%s%s\n",
			opts.vm.nr_vcpus, kvm_mode_name(opts.vm.mode), opts.vm.irqchip,
			status ? "FAILED" : "ok",
			sig ? ", stopped by " : "", sig ? strsignal(sig) : "");

out_destroy:
	kvm_vm_destroy(w.vm);
	return status;
}
