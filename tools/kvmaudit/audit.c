// SPDX-License-Identifier: GPL-2.0
/*
 * Collecting what the checks look at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "audit.h"
#include "util.h"

static bool is_dir(const char *fmt)
{
	char path[KVMAUDIT_PATH_LEN];
	struct stat st;

	return !kvmaudit_path(path, sizeof(path), "%s", fmt) &&
	       !stat(path, &st) && S_ISDIR(st.st_mode);
}

static __u64 elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000ULL +
	       (b->tv_nsec - a->tv_nsec) / 1000;
}

/* Sleep until interval seconds after t0. */
static void sleep_until(const struct timespec *t0, double interval)
{
	struct timespec end = *t0;
	time_t whole = (time_t)interval;

	end.tv_sec += whole;
	end.tv_nsec += (long)((interval - whole) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
		;
}

int kvmaudit_collect(struct kvmaudit *a)
{
	int err;

	err = kvmaudit_host_read(&a->host);
	if (err)
		return err;
	a->kvm_debugfs = is_dir("/sys/kernel/debug/kvm");
	a->trace_loaded = kvmaudit_trace_loaded();
	if (a->trace_loaded && a->interval > 0) {
		a->trace_err = kvmaudit_trace_sample(&a->trace[0]);
		if (a->trace_err == -ENOMEM)
			return -ENOMEM;
	}

	err = kvmaudit_vms_find(&a->vms, a->pid, a->kvm_debugfs);
	if (err)
		return err;
	/* a fake tree has no links of its own */
	a->links_err = *kvmaudit_root() ? -ENOENT : kvmaudit_links_read(&a->links);
	if (a->links_err == -ENOMEM)
		return -ENOMEM;

	if (a->trace_loaded && a->interval > 0 && !a->trace_err) {
		sleep_until(&a->trace[0].t, a->interval);
		a->trace_err = kvmaudit_trace_sample(&a->trace[1]);
		if (a->trace_err == -ENOMEM)
			return -ENOMEM;
		if (!a->trace_err) {
			a->have_rates = true;
			a->interval_us = elapsed_us(&a->trace[0].t, &a->trace[1].t) ?: 1;
		}
	}
	/* VMs that exited while we read them, or waited for kvmtrace */
	return kvmaudit_vms_recheck(&a->vms);
}

void kvmaudit_release(struct kvmaudit *a)
{
	kvmaudit_host_free(&a->host);
	kvmaudit_vms_free(&a->vms);
	kvmaudit_trace_free(&a->trace[0]);
	kvmaudit_trace_free(&a->trace[1]);
	kvmaudit_links_free(&a->links);
	kvmaudit_results_free(&a->results);
}

bool kvmaudit_delta(const struct kvmaudit *a, const char *vm, unsigned int id,
		    enum kvmaudit_trace_counter c, __u64 *delta)
{
	const struct kvmaudit_trace_vcpu *x, *y;

	if (!a->have_rates)
		return false;
	x = kvmaudit_trace_vcpu(&a->trace[0], vm, id);
	y = kvmaudit_trace_vcpu(&a->trace[1], vm, id);
	if (!x || !y)
		return false;
	/* a counter that went down was reset: count from zero */
	*delta = y->c[c] >= x->c[c] ? y->c[c] - x->c[c] : y->c[c];
	return true;
}
