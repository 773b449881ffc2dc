/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing an audit: one line per result, or one JSON document
 * (Documentation/kvmaudit.rst, "Output").
 */
#ifndef KVMAUDIT_REPORT_H
#define KVMAUDIT_REPORT_H

#include <stdio.h>

#include "audit.h"

/* The exit code of an audit: 0 PASS or SKIP, 1 WARN, 2 FAIL. */
int kvmaudit_exit_code(enum kvmaudit_verdict worst);

void kvmaudit_report_text(FILE *f, const struct kvmaudit *a);
void kvmaudit_report_json(FILE *f, const struct kvmaudit *a);

#endif /* KVMAUDIT_REPORT_H */
