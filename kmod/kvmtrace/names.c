// SPDX-License-Identifier: GPL-2.0
/*
 * Exit reason and MSR names.
 *
 * VMX names come straight from the uapi VMX_EXIT_REASONS list, so a kernel
 * that learns a new reason also teaches it to us. The uapi SVM list uses
 * informal lower-case strings ("io", "hypercall", "DE excp"); for codes that
 * have their own SVM_EXIT_* constant we print the constant's name instead,
 * so both vendors print "<constant without prefix>". Codes only the uapi list
 * knows are printed upper-cased with spaces turned into '_'. Anything else is
 * "UNKNOWN" and is still printed with its numeric code.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/svm.h>
#include <asm/vmx.h>

#include "names.h"
#include "stats.h"

struct kt_name {
	u32 code;
	const char *name;
};

static const struct kt_name kt_vmx_reasons[] = { VMX_EXIT_REASONS };
static const struct kt_name kt_svm_uapi[] = { SVM_EXIT_REASONS };
static char kt_svm_uapi_norm[ARRAY_SIZE(kt_svm_uapi)][KT_REASON_LEN];

#define KT_SVM(x)	{ SVM_EXIT_##x, #x }

static const struct kt_name kt_svm_reasons[] = {
	KT_SVM(READ_CR0), KT_SVM(READ_CR2), KT_SVM(READ_CR3),
	KT_SVM(READ_CR4), KT_SVM(READ_CR8),
	KT_SVM(WRITE_CR0), KT_SVM(WRITE_CR2), KT_SVM(WRITE_CR3),
	KT_SVM(WRITE_CR4), KT_SVM(WRITE_CR8),
	KT_SVM(INTR), KT_SVM(NMI), KT_SVM(SMI), KT_SVM(INIT), KT_SVM(VINTR),
	KT_SVM(CR0_SEL_WRITE),
	KT_SVM(IDTR_READ), KT_SVM(GDTR_READ), KT_SVM(LDTR_READ),
	KT_SVM(TR_READ),
	KT_SVM(IDTR_WRITE), KT_SVM(GDTR_WRITE), KT_SVM(LDTR_WRITE),
	KT_SVM(TR_WRITE),
	KT_SVM(RDTSC), KT_SVM(RDPMC), KT_SVM(PUSHF), KT_SVM(POPF),
	KT_SVM(CPUID), KT_SVM(RSM), KT_SVM(IRET), KT_SVM(SWINT),
	KT_SVM(INVD), KT_SVM(PAUSE), KT_SVM(HLT), KT_SVM(INVLPG),
	KT_SVM(INVLPGA), KT_SVM(IOIO), KT_SVM(MSR), KT_SVM(TASK_SWITCH),
	KT_SVM(FERR_FREEZE), KT_SVM(SHUTDOWN), KT_SVM(VMRUN),
	KT_SVM(VMMCALL), KT_SVM(VMLOAD), KT_SVM(VMSAVE), KT_SVM(STGI),
	KT_SVM(CLGI), KT_SVM(SKINIT), KT_SVM(RDTSCP), KT_SVM(ICEBP),
	KT_SVM(WBINVD), KT_SVM(MONITOR), KT_SVM(MWAIT),
	KT_SVM(MWAIT_COND), KT_SVM(XSETBV), KT_SVM(RDPRU),
	KT_SVM(EFER_WRITE_TRAP), KT_SVM(CR0_WRITE_TRAP),
	KT_SVM(CR4_WRITE_TRAP), KT_SVM(CR8_WRITE_TRAP),
	KT_SVM(INVPCID), KT_SVM(NPF), KT_SVM(AVIC_INCOMPLETE_IPI),
	KT_SVM(AVIC_UNACCELERATED_ACCESS), KT_SVM(VMGEXIT), KT_SVM(ERR),
};

/* MSRs: "n" consecutive indexes share one name (x2APIC ISR/TMR/IRR). */
struct kt_msr_name {
	u32 index;
	u32 n;
	const char *name;
};

#define KT_MSR(x)	{ MSR_##x, 1, #x }
#define KT_X2APIC(x, n)	{ APIC_BASE_MSR + (APIC_##x >> 4), n, "X2APIC_" #x }

static const struct kt_msr_name kt_msr_names[] = {
	KT_MSR(IA32_TSC_DEADLINE),
	KT_MSR(IA32_TSC),
	KT_MSR(IA32_APICBASE),
	KT_MSR(IA32_TSC_ADJUST),
	KT_MSR(IA32_SPEC_CTRL),
	KT_MSR(IA32_PRED_CMD),
	KT_MSR(IA32_FLUSH_CMD),
	KT_MSR(IA32_MISC_ENABLE),
	KT_MSR(IA32_POWER_CTL),
	KT_MSR(IA32_MPERF),
	KT_MSR(IA32_APERF),
	KT_MSR(IA32_CR_PAT),
	KT_MSR(IA32_XSS),
	KT_MSR(IA32_DEBUGCTLMSR),
	KT_MSR(IA32_SYSENTER_CS),
	KT_MSR(IA32_SYSENTER_ESP),
	KT_MSR(IA32_SYSENTER_EIP),
	KT_MSR(IA32_MCG_STATUS),
	KT_MSR(IA32_MCG_CTL),
	KT_MSR(IA32_UMWAIT_CONTROL),
	KT_MSR(IA32_TSX_CTRL),
	KT_MSR(IA32_XFD),
	KT_MSR(IA32_XFD_ERR),
	KT_MSR(IA32_PERFCTR0),
	KT_MSR(IA32_PERFCTR1),
	KT_MSR(P6_EVNTSEL0),
	KT_MSR(P6_EVNTSEL1),
	KT_MSR(CORE_PERF_FIXED_CTR0),
	KT_MSR(CORE_PERF_FIXED_CTR1),
	KT_MSR(CORE_PERF_FIXED_CTR2),
	KT_MSR(CORE_PERF_FIXED_CTR_CTRL),
	KT_MSR(CORE_PERF_GLOBAL_STATUS),
	KT_MSR(CORE_PERF_GLOBAL_CTRL),
	KT_MSR(CORE_PERF_GLOBAL_OVF_CTRL),
	KT_MSR(K7_EVNTSEL0),
	KT_MSR(K7_EVNTSEL1),
	KT_MSR(K7_EVNTSEL2),
	KT_MSR(K7_EVNTSEL3),
	KT_MSR(K7_PERFCTR0),
	KT_MSR(K7_PERFCTR1),
	KT_MSR(K7_PERFCTR2),
	KT_MSR(K7_PERFCTR3),
	KT_MSR(AMD64_VIRT_SPEC_CTRL),
	KT_MSR(EFER),
	KT_MSR(STAR),
	KT_MSR(LSTAR),
	KT_MSR(CSTAR),
	KT_MSR(SYSCALL_MASK),
	KT_MSR(FS_BASE),
	KT_MSR(GS_BASE),
	KT_MSR(KERNEL_GS_BASE),
	KT_MSR(TSC_AUX),
	KT_MSR(KVM_WALL_CLOCK),
	KT_MSR(KVM_SYSTEM_TIME),
	KT_MSR(KVM_WALL_CLOCK_NEW),
	KT_MSR(KVM_SYSTEM_TIME_NEW),
	KT_MSR(KVM_ASYNC_PF_EN),
	KT_MSR(KVM_STEAL_TIME),
	KT_MSR(KVM_PV_EOI_EN),
	KT_MSR(KVM_POLL_CONTROL),
	KT_MSR(KVM_ASYNC_PF_INT),
	KT_MSR(KVM_ASYNC_PF_ACK),
	KT_MSR(KVM_MIGRATION_CONTROL),
	KT_X2APIC(ID, 1),
	KT_X2APIC(LVR, 1),
	KT_X2APIC(TASKPRI, 1),
	KT_X2APIC(PROCPRI, 1),
	KT_X2APIC(EOI, 1),
	KT_X2APIC(LDR, 1),
	KT_X2APIC(SPIV, 1),
	KT_X2APIC(ISR, 8),
	KT_X2APIC(TMR, 8),
	KT_X2APIC(IRR, 8),
	KT_X2APIC(ESR, 1),
	KT_X2APIC(LVTCMCI, 1),
	KT_X2APIC(ICR, 1),
	KT_X2APIC(LVTT, 1),
	KT_X2APIC(LVTTHMR, 1),
	KT_X2APIC(LVTPC, 1),
	KT_X2APIC(LVT0, 1),
	KT_X2APIC(LVT1, 1),
	KT_X2APIC(LVTERR, 1),
	KT_X2APIC(TMICT, 1),
	KT_X2APIC(TMCCT, 1),
	KT_X2APIC(TDCR, 1),
	KT_X2APIC(SELF_IPI, 1),
};

void kt_names_init(void)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(kt_svm_uapi); i++) {
		const char *src = kt_svm_uapi[i].name;
		char *dst = kt_svm_uapi_norm[i];

		for (j = 0; j < KT_REASON_LEN - 1 && src[j]; j++)
			dst[j] = isalnum(src[j]) ? toupper(src[j]) : '_';
		dst[j] = '\0';
	}
}

static const char *kt_name_find(const struct kt_name *t, unsigned int n,
				u32 code)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

const char *kt_reason_name(u8 isa, u32 code)
{
	const char *name = NULL;
	unsigned int i;

	if (isa == KT_ISA_VMX) {
		name = kt_name_find(kt_vmx_reasons, ARRAY_SIZE(kt_vmx_reasons),
				    code);
	} else if (isa == KT_ISA_SVM) {
		name = kt_name_find(kt_svm_reasons, ARRAY_SIZE(kt_svm_reasons),
				    code);
		for (i = 0; !name && i < ARRAY_SIZE(kt_svm_uapi); i++)
			if (kt_svm_uapi[i].code == code)
				name = kt_svm_uapi_norm[i];
	}
	return name ?: "UNKNOWN";
}

const char *kt_msr_name(u32 index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kt_msr_names); i++)
		if (index - kt_msr_names[i].index < kt_msr_names[i].n)
			return kt_msr_names[i].name;
	return NULL;
}
