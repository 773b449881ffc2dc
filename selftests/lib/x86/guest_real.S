/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode guest blob.  Calling convention: see guest_routines.h.  The library
 * enters with DS = ES = 0 and the parameter block below 64 KiB.
 * Only relative jumps are used, so the blob may be loaded at any
 * 16-byte aligned GPA.
 */
#define GUEST_REAL_MODE
#define AX		%eax
#define BX		%ebx
#define CX		%ecx
#define DX		%edx
#define SI		%esi
#define DI		%edi
#define BP		%ebp
#define SP		%esp
#define PARAMS		%si
#define PUSH		pushl
#define POP		popl
#define MOV		movl
#define SLOT(n)		((n) * 4)

#include "workload.S"

	.section .rodata.guest_real, "a"
	.code16

	.globl guest_real_start
guest_real_start:

/*
 * Workload routine (workload.S), EBP = parameter block: the counts
 * stay on the stack at SS:ESP, DS:SI = parameter block, MMIO via ES:DI.
 */
	.globl guest_real_workload
guest_real_workload:
	cli
	guest_workload

	.globl guest_real_end
guest_real_end:

	.section .note.GNU-stack, "", @progbits
