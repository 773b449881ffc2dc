// SPDX-License-Identifier: GPL-2.0
/*
 * Timer and idle checks. Seed: ByteDance's hybrid deployment article (a
 * guest with TCP BBR writing TSC_DEADLINE over 1M times a second; a guest
 * that demoted its TSC to acpi_pm and made gettimeofday slow through port
 * I/O; vCPUs taking NIC interrupts halting and being woken 20k-100k times
 * a second, fixed by nohlt_list).
 *
 * A rate is a counter's delta between kvmaudit's two samples of
 * kvmtrace's files, times 10^6, divided by the microseconds between them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timer.h"
#include "util.h"

#define KVM_PARAMS	"/sys/module/kvm/parameters"

/* A SKIP when kvmtrace gives no rates for this VM; false otherwise. */
static bool no_rates(struct kvmaudit *a, struct kvmaudit_result *r,
		     const struct kvmaudit_vm *vm)
{
	unsigned int i;
	__u64 d;

	if (!a->trace_loaded) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP, "kvmtrace is not loaded (insmod kvmtrace.ko)");
		return true;
	}
	if (a->interval <= 0) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "no interval to measure rates over (--interval 0)");
		return true;
	}
	if (!a->have_rates) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "cannot read kvmtrace: %s",
				 strerror(-a->trace_err));
		return true;
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		if (kvmaudit_delta(a, vm->name, vm->vcpus[i].id, KVMAUDIT_HLT, &d))
			return false;
	kvmaudit_verdict(r, KVMAUDIT_SKIP,
			 "kvmtrace has no counters of its vCPUs: none exited since kvmtrace was loaded, or its pid filter leaves them out");
	return true;
}

/* "s" for a list of more than one vCPU */
static const char *plural(const struct kvmaudit_str *list)
{
	return strchr(kvmaudit_str_get(list), ',') ? "s" : "";
}

static __u64 rate(const struct kvmaudit *a, __u64 delta)
{
	return delta * 1000000ULL / a->interval_us;
}

/*
 * For each vCPU in both samples: vcpuN_<counter>=<delta>; the vCPUs whose
 * rate reaches limit into over (a list), and the highest rate.
 */
static __u64 rate_evidence(struct kvmaudit *a, struct kvmaudit_result *r,
			   const struct kvmaudit_vm *vm,
			   enum kvmaudit_trace_counter c, __u64 limit,
			   struct kvmaudit_str *over)
{
	__u64 d, top = 0;
	unsigned int i;
	char key[64];

	for (i = 0; i < vm->nr_vcpus; i++) {
		unsigned int id = vm->vcpus[i].id;

		if (!kvmaudit_delta(a, vm->name, id, c, &d))
			continue;
		snprintf(key, sizeof(key), "vcpu%u_%s", id, kvmaudit_trace_counter_name(c));
		kvmaudit_ev_u64(r, key, d);
		if (rate(a, d) > top)
			top = rate(a, d);
		if (rate(a, d) >= limit)
			kvmaudit_str_add(over, "%s%u", over->len ? "," : "", id);
	}
	return top;
}

KVMAUDIT_CHECK(kvmaudit_check_tsc_deadline)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_str over = { 0 };
	__u64 top;

	if (no_rates(a, r, vm))
		return;
	kvmaudit_ev_u64(r, "interval_us", a->interval_us);
	top = rate_evidence(a, r, vm, KVMAUDIT_TSC_DEADLINE, a->lim.tsc_deadline, &over);
	kvmaudit_ev_u64(r, "limit", a->lim.tsc_deadline);
	if (!over.len) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "at most %llu TSC_DEADLINE writes/s per vCPU",
				 (unsigned long long)top);
	} else {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "up to %llu TSC_DEADLINE writes/s on vCPU%s %s, each a VM exit (ByteDance: over 1M/s from TCP BBR)",
				 (unsigned long long)top, plural(&over), kvmaudit_str_get(&over));
		kvmaudit_fix(r,
			     "find what arms timers in the guest (perf record -e timer:hrtimer_start); for BBR pacing: sysctl -w net.ipv4.tcp_congestion_control=cubic");
	}
	kvmaudit_str_free(&over);
}

KVMAUDIT_CHECK(kvmaudit_check_pio)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_str over = { 0 };
	__u64 top;

	if (no_rates(a, r, vm))
		return;
	kvmaudit_ev_u64(r, "interval_us", a->interval_us);
	top = rate_evidence(a, r, vm, KVMAUDIT_PIO, a->lim.pio, &over);
	kvmaudit_ev_u64(r, "limit", a->lim.pio);
	if (!over.len) {
		kvmaudit_verdict(r, KVMAUDIT_PASS, "at most %llu port I/O exits/s per vCPU",
				 (unsigned long long)top);
	} else {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "up to %llu port I/O exits/s on vCPU%s %s: a guest reading the acpi_pm clock does this (ByteDance: TSC demoted, gettimeofday slow)",
				 (unsigned long long)top, plural(&over), kvmaudit_str_get(&over));
		kvmaudit_fix(r,
			     "in the guest: cat /sys/devices/system/clocksource/clocksource0/current_clocksource; if acpi_pm, boot with tsc=reliable (or kvmtune's tsc-reliable patch) or keep kvm-clock");
	}
	kvmaudit_str_free(&over);
}

KVMAUDIT_CHECK(kvmaudit_check_nohlt)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, vm->name, NULL);
	struct kvmaudit_str over = { 0 }, hlt_over = { 0 }, both = { 0 };
	__u64 top, top_both = 0, d;
	unsigned int i;
	char key[64];

	if (no_rates(a, r, vm))
		return;
	kvmaudit_ev_u64(r, "interval_us", a->interval_us);
	/* HLT exits and wakeups per vCPU; PIW is the share of wakeups it is */
	rate_evidence(a, r, vm, KVMAUDIT_HLT, a->lim.wakeups, &hlt_over);
	top = rate_evidence(a, r, vm, KVMAUDIT_WAKEUPS, a->lim.wakeups, &over);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!kvmaudit_delta(a, vm->name, vm->vcpus[i].id, KVMAUDIT_PIW, &d))
			continue;
		snprintf(key, sizeof(key), "vcpu%u_piw", vm->vcpus[i].id);
		kvmaudit_ev_u64(r, key, d);
	}
	kvmaudit_ev_u64(r, "limit", a->lim.wakeups);
	/* vCPUs over the limit in both */
	for (i = 0; i < vm->nr_vcpus; i++) {
		__u64 h, w;

		if (!kvmaudit_delta(a, vm->name, vm->vcpus[i].id, KVMAUDIT_HLT, &h) ||
		    !kvmaudit_delta(a, vm->name, vm->vcpus[i].id, KVMAUDIT_WAKEUPS, &w) ||
		    rate(a, h) < a->lim.wakeups || rate(a, w) < a->lim.wakeups)
			continue;
		kvmaudit_str_add(&both, "%s%u", both.len ? "," : "", vm->vcpus[i].id);
		if (rate(a, w) > top_both)
			top_both = rate(a, w);
	}
	if (!both.len) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "no vCPU halts and is woken %llu times/s (at most %llu wakeups/s)",
				 (unsigned long long)a->lim.wakeups, (unsigned long long)top);
	} else {
		kvmaudit_verdict(r, KVMAUDIT_WARN,
				 "halts woken up to %llu times/s on vCPU%s %s: each a VM exit and entry (ByteDance: 20k-100k PIW/s per server, near 0 with nohlt_list)",
				 (unsigned long long)top_both, plural(&both),
				 kvmaudit_str_get(&both));
		kvmaudit_fix(r,
			     "guest kernel command line: irqaffinity=%s nohlt_list=%s (kvmtune's guest patch): those vCPUs poll instead of halting",
			     kvmaudit_str_get(&both), kvmaudit_str_get(&both));
	}
	kvmaudit_str_free(&over);
	kvmaudit_str_free(&hlt_over);
	kvmaudit_str_free(&both);
}

KVMAUDIT_CHECK(kvmaudit_check_halt_poll)
{
	struct kvmaudit_result *r = kvmaudit_begin(&a->results, check, NULL, NULL);
	__u64 ns, v;

	if (kvmaudit_read_u64(&ns, KVM_PARAMS "/halt_poll_ns")) {
		kvmaudit_verdict(r, KVMAUDIT_SKIP,
				 "kvm is not loaded (no " KVM_PARAMS "/halt_poll_ns)");
		return;
	}
	kvmaudit_ev_u64(r, "halt_poll_ns", ns);
	if (!kvmaudit_read_u64(&v, KVM_PARAMS "/halt_poll_ns_grow"))
		kvmaudit_ev_u64(r, "halt_poll_ns_grow", v);
	if (!kvmaudit_read_u64(&v, KVM_PARAMS "/halt_poll_ns_shrink"))
		kvmaudit_ev_u64(r, "halt_poll_ns_shrink", v);
	if (ns) {
		kvmaudit_verdict(r, KVMAUDIT_PASS,
				 "KVM polls up to %llu ns before a halted vCPU sleeps",
				 (unsigned long long)ns);
		return;
	}
	kvmaudit_verdict(r, KVMAUDIT_WARN,
			 "halt polling is off: every halt sleeps, and every wakeup goes through the scheduler");
	kvmaudit_fix(r, "echo 200000 > %s/halt_poll_ns (KVM's default on x86), %s", KVM_PARAMS,
		     "or nohlt_list in guests whose vCPUs take NIC interrupts");
}
