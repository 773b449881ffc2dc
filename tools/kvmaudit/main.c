// SPDX-License-Identifier: GPL-2.0
/*
 * kvmaudit - audit a KVM host and every VM running on it against the
 * tuning advice of the seed articles: one line per check with a verdict
 * (PASS, WARN, FAIL or SKIP), the evidence read and the fix
 * (Documentation/kvmaudit.rst).
 *
 * The units, in the order data flows through them:
 *   util cpus          helpers: files under the root, CPU lists
 *   host               CPUs, NUMA nodes, topology
 *   qopts qemu         QEMU command lines (QemuOpts and JSON)
 *   vm                 the VMs in /proc: vCPU threads, fds, numa_maps
 *   trace              kvmtrace's counters (uapi/kvmtrace*.h)
 *   links              rtnetlink links (GRE tunnels)
 *   audit              reading all of it once
 *   mem cpu irq disk net timer   the checks
 *   table              the table of checks
 *   result report      results, text and JSON
 *   main               options, root check, exit code (this file)
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "table.h"

/* Exit codes past the verdicts' 0, 1 and 2 */
#define KVMAUDIT_EXIT_ERROR	3	/* no audit: not root, bad usage, ... */

#define MAX_INTERVAL	3600.0

#define NOT_ROOT \
	"must be run as root: it reads every VM's /proc/<pid>/fd, task affinities and numa_maps, and debugfs (running as uid %u)"
#define NO_PROC \
	"cannot read /proc: %s (run as root, without an LSM that restricts it)"

static const struct {
	const char *name;
	size_t offset;
} limits[] = {
	{ "tsc_deadline", offsetof(struct kvmaudit_limits, tsc_deadline) },
	{ "pio", offsetof(struct kvmaudit_limits, pio) },
	{ "wakeups", offsetof(struct kvmaudit_limits, wakeups) },
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: kvmaudit [-j] [-i SECS] [-p PID] [-c CHECKS] [-L NAME=N]... [--sysroot DIR]\n"
		"       kvmaudit -l\n"
		"\n"
		"Audit this KVM host and every VM on it: one line per check, with a\n"
		"verdict (PASS, WARN, FAIL, SKIP), the evidence and the fix.\n"
		"\n"
		"  -j, --json           one JSON document instead of text\n"
		"  -i, --interval SECS  measure kvmtrace's rates over SECS (0 to %.0f,\n"
		"                       default 1; 0: no rate checks)\n"
		"  -p, --pid PID        only the VMs of process PID\n"
		"  -c, --check CHECKS   only these checks or areas, comma-separated\n"
		"                       (e.g. mem,net.vhost; -l lists them)\n"
		"  -L, --limit NAME=N   rate per vCPU and second above which a kvmtrace\n"
		"                       check warns: tsc_deadline (default 100000),\n"
		"                       pio (10000), wakeups (10000)\n"
		"  --sysroot DIR        read /proc and /sys under DIR (a copy or a fake\n"
		"                       tree, for tests); no root needed, no netlink\n"
		"  -l, --list           list the checks\n"
		"  -h, --help           this help\n"
		"\n"
		"Exit code: 0 every check PASS or SKIP, 1 a WARN, 2 a FAIL, 3 no audit.\n"
		"\n"
		"Examples:\n"
		"  kvmaudit                      the whole host\n"
		"  kvmaudit -p 4242 -c cpu,mem   one VM's CPU and memory checks\n"
		"  kvmaudit --json | jq '.results[] | select(.verdict != \"PASS\")'\n",
		MAX_INTERVAL);
}

static int error(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KVMAUDIT_EXIT_ERROR;
}

static int set_limit(struct kvmaudit_limits *lim, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned int i;
	__u64 v;

	for (i = 0; eq && i < KVMAUDIT_ARRAY_SIZE(limits); i++) {
		if (strncmp(arg, limits[i].name, eq - arg) ||
		    limits[i].name[eq - arg])
			continue;
		if (!kvmaudit_parse_u64(eq + 1, &v) || !v)
			return -ERANGE;
		*(__u64 *)((char *)lim + limits[i].offset) = v;
		return 0;
	}
	return -EINVAL;
}

static void list_checks(void)
{
	unsigned int i;

	for (i = 0; i < kvmaudit_nr_checks; i++)
		printf("%-20s %-4s %s (%s)\n", kvmaudit_checks[i].name,
		       kvmaudit_checks[i].per_vm ? "vm" : "host",
		       kvmaudit_checks[i].title, kvmaudit_checks[i].seed);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "pid", required_argument, NULL, 'p' },
		{ "check", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'L' },
		{ "sysroot", required_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct kvmaudit a = { .lim = KVMAUDIT_LIMITS_DEFAULT, .interval = 1 };
	const char *sel = NULL, *sysroot = NULL;
	bool json = false;
	char bad[64], *end;
	int c, err, rc;
	long pid;

	while ((c = getopt_long(argc, argv, "ji:p:c:L:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
			errno = 0;
			a.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || isnan(a.interval) ||
			    a.interval < 0 || a.interval > MAX_INTERVAL)
				return error("--interval wants seconds from 0 to %.0f, got '%s'",
					     MAX_INTERVAL, optarg);
			break;
		case 'p':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || pid <= 0 || pid > 1 << 22)
				return error("--pid wants a process id, got '%s'", optarg);
			a.pid = pid;
			break;
		case 'c':
			if (!kvmaudit_valid_selection(optarg, bad, sizeof(bad)))
				return error("--check: no check or area '%s' (kvmaudit -l)", bad);
			sel = optarg;
			break;
		case 'L':
			err = set_limit(&a.lim, optarg);
			if (err)
				return error(err == -ERANGE ?
					     "--limit %s: the rate must be a whole number above 0" :
					     "--limit %s: want tsc_deadline=N, pio=N or wakeups=N",
					     optarg);
			break;
		case 'R':
			sysroot = optarg;
			break;
		case 'l':
			list_checks();
			return 0;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return KVMAUDIT_EXIT_ERROR;
		}
	}
	if (optind < argc)
		return error("unexpected argument '%s' (kvmaudit -h)", argv[optind]);

	if (sysroot)
		kvmaudit_set_root(sysroot);
	else if (geteuid())
		return error(NOT_ROOT, geteuid());

	err = kvmaudit_collect(&a);
	if (err) {
		kvmaudit_release(&a);
		if (err == -EACCES || err == -EPERM)
			return error(NO_PROC, strerror(-err));
		return error("cannot read the host: %s", strerror(-err));
	}
	kvmaudit_run(&a, sel);
	if (a.results.oom) {
		kvmaudit_release(&a);
		return error("out of memory");
	}
	if (json)
		kvmaudit_report_json(stdout, &a);
	else
		kvmaudit_report_text(stdout, &a);
	rc = kvmaudit_exit_code(kvmaudit_worst(&a.results));
	kvmaudit_release(&a);
	if (fflush(stdout) || ferror(stdout))
		return error("writing the report: %s", strerror(errno));
	return rc;
}
