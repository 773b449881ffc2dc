// SPDX-License-Identifier: GPL-2.0
/*
 * Planted check for make check-harness: under "@icount shift=0" guest time
 * is an instruction count, and QEMU's TSC counts guest nanoseconds, so the
 * TSC must advance by the instructions executed between two RDTSCs: at
 * least the loop's 2 * LOOPS instructions, plus a little for the timer
 * interrupts taken meanwhile.  With any other shift it advances at least
 * twice as much.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#define LOOPS 10000000ULL
#define INSNS (2 * LOOPS)	/* dec, jnz */

int main(void)
{
	const char *shift = getenv("KVMTUNE_ICOUNT_SHIFT");
	unsigned long long t0, t1, n = LOOPS;

	if (!shift || strcmp(shift, "0")) {
		printf("FAIL: KVMTUNE_ICOUNT_SHIFT is '%s', not 0\n",
		       shift ? shift : "(unset)");
		return 1;
	}
	t0 = __rdtsc();
	asm volatile("1: dec %0\n\tjnz 1b" : "+r" (n));
	t1 = __rdtsc();
	printf("%llu instructions took %llu TSC ticks (ns)\n",
	       INSNS, t1 - t0);
	if (t1 - t0 < INSNS || t1 - t0 > INSNS + INSNS / 4) {
		printf("FAIL: want %llu..%llu ticks at shift=0\n",
		       INSNS, INSNS + INSNS / 4);
		return 1;
	}
	printf("ok: guest time counts instructions\n");
	return 0;
}
