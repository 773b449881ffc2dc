/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmtrace's debugfs interface, defined once for the module that writes it
 * and the tools and tests that read it (Documentation/kvmtrace.rst has the
 * meaning of every line). debugfs is not ABI; the formats are nevertheless
 * kept stable, and this header is where they are.
 *
 *   /sys/kernel/debug/KVMTRACE_ROOT/
 *       summary probes control          host-wide
 *       KVMTRACE_VMS_DIR/<vm>/          per VM: the scope files
 *       KVMTRACE_VMS_DIR/<vm>/vcpu<id>/ per vCPU: the same files
 *
 * The files, and the keys of the "key value" files in file order, are
 * listed in kvmtrace_keys.h, which is included with the macros one needs.
 */
#ifndef _UAPI_KVMTRACE_H
#define _UAPI_KVMTRACE_H

#define KVMTRACE_ROOT		"kvmtrace"
#define KVMTRACE_VMS_DIR	"vms"
#define KVMTRACE_VCPU_DIR	"vcpu%d"	/* vCPU directories, by vcpu_id */

/* Sizes behind the formats */
#define KVMTRACE_NAME_LEN	32	/* VM names, reason names (with NUL) */
#define KVMTRACE_HIST_BUCKETS	36	/* log2 buckets: lo_ns 0, 2, 4, ... 2^35 */
#define KVMTRACE_LAT_SLOTS	16	/* reasons with latency lines of their own */
#define KVMTRACE_MSR_SLOTS	64	/* MSRs tracked per vCPU */
#define KVMTRACE_UNKNOWN_SLOTS	8	/* out-of-range exit codes kept */

/* Line formats of the files that are not "key value" */
#define KVMTRACE_EXITS_FMT	"%s 0x%x %llu\n"	/* name code count */
#define KVMTRACE_MSRS_FMT	"0x%x %s %llu %llu\n"	/* index name|- writes reads */
#define KVMTRACE_MSR_NO_NAME	"-"
/* latency and user_latency: name code lo_ns count; OTHER has code "-" */
#define KVMTRACE_LATENCY_FMT	"%s 0x%x %llu %llu\n"
#define KVMTRACE_OTHER		"OTHER"
#define KVMTRACE_OTHER_FMT	KVMTRACE_OTHER " - %llu %llu\n"
/* hlt's histograms, after its keys: <hist> <lo_ns> <count> */
#define KVMTRACE_HLT_HIST_FMT	"%s %llu %llu\n"
/* probes: name kind target state hits nmissed errno */
#define KVMTRACE_PROBES_FMT	"%s %s %s %s %llu %lu %d\n"

#endif /* _UAPI_KVMTRACE_H */
