// SPDX-License-Identifier: GPL-2.0
/*
 * The text and JSON reports.
 */
#include <stdio.h>
#include <string.h>

#include "report.h"

int kvmaudit_exit_code(enum kvmaudit_verdict worst)
{
	switch (worst) {
	case KVMAUDIT_WARN:
		return 1;
	case KVMAUDIT_FAIL:
		return 2;
	default:
		return 0;
	}
}

static void count(const struct kvmaudit *a, unsigned int n[KVMAUDIT_VERDICT_NR])
{
	unsigned int i;

	memset(n, 0, KVMAUDIT_VERDICT_NR * sizeof(*n));
	for (i = 0; i < a->results.nr; i++)
		n[a->results.r[i].verdict]++;
}

static void trace_state(const struct kvmaudit *a, char *buf, size_t size)
{
	if (!a->trace_loaded)
		snprintf(buf, size, "kvmtrace not loaded");
	else if (a->have_rates)
		snprintf(buf, size, "kvmtrace rates over %llu.%03llu s",
			 (unsigned long long)(a->interval_us / 1000000),
			 (unsigned long long)(a->interval_us / 1000 % 1000));
	else
		snprintf(buf, size, "kvmtrace loaded, no rates");
}

void kvmaudit_report_text(FILE *f, const struct kvmaudit *a)
{
	unsigned int n[KVMAUDIT_VERDICT_NR], i, j;
	enum kvmaudit_verdict worst = kvmaudit_worst(&a->results);
	char cpus[1024], trace[64];

	kvmaudit_cpus_print(&a->host.online, cpus, sizeof(cpus));
	trace_state(a, trace, sizeof(trace));
	fprintf(f, "kvmaudit: host CPUs %s, %u NUMA node(s), %u VM(s), %s\n",
		cpus, a->host.nr_nodes, a->vms.nr, trace);
	for (i = 0; i < a->vms.nr; i++) {
		const struct kvmaudit_vm *vm = &a->vms.vm[i];

		fprintf(f, "VM %s: pid %d, %s%s%s, %u vCPU(s)\n", vm->name, vm->pid,
			vm->is_qemu ? "qemu" : vm->comm,
			vm->is_qemu && vm->qemu.guest ? " -name " : "",
			vm->is_qemu && vm->qemu.guest ? vm->qemu.guest : "",
			vm->nr_vcpus);
	}
	for (i = 0; i < a->vms.nr_gone; i++)
		fprintf(f, "VM %s: exited while being read, left out\n", a->vms.gone[i]);

	for (i = 0; i < a->results.nr; i++) {
		const struct kvmaudit_result *r = &a->results.r[i];

		fprintf(f, "%s %s %s%s%s%s%s: %s [", kvmaudit_verdict_name(r->verdict),
			r->check, r->vm ? "vm " : "host", r->vm ?: "",
			r->item ? " " : "", r->item ?: "", "", r->reason ?: "");
		for (j = 0; j < r->nr_ev; j++)
			fprintf(f, "%s%s=%s", j ? " " : "", r->ev[j].key, r->ev[j].val);
		fprintf(f, "]");
		if (r->fix)
			fprintf(f, " fix: %s", r->fix);
		fprintf(f, "\n");
	}
	count(a, n);
	fprintf(f, "summary: %u PASS, %u WARN, %u FAIL, %u SKIP; worst %s (exit %d)\n",
		n[KVMAUDIT_PASS], n[KVMAUDIT_WARN], n[KVMAUDIT_FAIL], n[KVMAUDIT_SKIP],
		kvmaudit_verdict_name(worst), kvmaudit_exit_code(worst));
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void kvmaudit_report_json(FILE *f, const struct kvmaudit *a)
{
	unsigned int n[KVMAUDIT_VERDICT_NR], i, j;
	enum kvmaudit_verdict worst = kvmaudit_worst(&a->results);
	char cpus[1024];

	kvmaudit_cpus_print(&a->host.online, cpus, sizeof(cpus));
	fprintf(f, "{\"version\":1,\"host\":{\"cpus\":");
	json_str(f, cpus);
	fprintf(f, ",\"nodes\":%u,\"kvmtrace\":%s,\"interval_us\":", a->host.nr_nodes,
		a->trace_loaded ? "true" : "false");
	if (a->have_rates)
		fprintf(f, "%llu", (unsigned long long)a->interval_us);
	else
		fputs("null", f);
	fputs("},\"vms\":[", f);
	for (i = 0; i < a->vms.nr; i++) {
		const struct kvmaudit_vm *vm = &a->vms.vm[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, vm->name);
		fprintf(f, ",\"pid\":%d,\"vmfd\":%d,\"qemu\":%s,\"guest\":", vm->pid,
			vm->vmfd, vm->is_qemu ? "true" : "false");
		json_str(f, vm->is_qemu ? vm->qemu.guest : NULL);
		fputs(",\"comm\":", f);
		json_str(f, vm->comm);
		fprintf(f, ",\"vcpus\":%u}", vm->nr_vcpus);
	}
	fputs("],\"gone\":[", f);
	for (i = 0; i < a->vms.nr_gone; i++) {
		if (i)
			fputc(',', f);
		json_str(f, a->vms.gone[i]);
	}
	fputs("],\"results\":[", f);
	for (i = 0; i < a->results.nr; i++) {
		const struct kvmaudit_result *r = &a->results.r[i];

		fprintf(f, "%s{\"check\":", i ? "," : "");
		json_str(f, r->check);
		fputs(",\"vm\":", f);
		json_str(f, r->vm);
		fputs(",\"item\":", f);
		json_str(f, r->item);
		fputs(",\"verdict\":", f);
		json_str(f, kvmaudit_verdict_name(r->verdict));
		fputs(",\"reason\":", f);
		json_str(f, r->reason ?: "");
		fputs(",\"evidence\":{", f);
		for (j = 0; j < r->nr_ev; j++) {
			if (j)
				fputc(',', f);
			json_str(f, r->ev[j].key);
			fputc(':', f);
			if (r->ev[j].num)
				fputs(r->ev[j].val, f);
			else
				json_str(f, r->ev[j].val);
		}
		fputs("},\"fix\":", f);
		json_str(f, r->fix);
		fputc('}', f);
	}
	count(a, n);
	fprintf(f, "],\"summary\":{\"pass\":%u,\"warn\":%u,\"fail\":%u,\"skip\":%u,\"worst\":",
		n[KVMAUDIT_PASS], n[KVMAUDIT_WARN], n[KVMAUDIT_FAIL], n[KVMAUDIT_SKIP]);
	json_str(f, kvmaudit_verdict_name(worst));
	fprintf(f, ",\"exit\":%d}}\n", kvmaudit_exit_code(worst));
}
