/* SPDX-License-Identifier: GPL-2.0 */
/* Exit reason and MSR names, as the files print them. */
#ifndef KVMTRACE_NAMES_H
#define KVMTRACE_NAMES_H

#include <linux/types.h>

void kt_names_init(void);
const char *kt_reason_name(u8 isa, u32 code);
const char *kt_msr_name(u32 index);

#endif /* KVMTRACE_NAMES_H */
