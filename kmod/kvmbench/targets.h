/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices the PIO and MMIO benches exit on: taken from the platform or
 * from module parameters, and claimed for the length of a bench.
 */
#ifndef KVMBENCH_TARGETS_H
#define KVMBENCH_TARGETS_H

#include <linux/types.h>

struct kb_setup;

int kb_targets_check_params(void);

/* ->prepare: fill s->port or s->mmio (s->dev), or kb_unsupported(s->why) */
void kb_claim_pio_kernel(struct kb_setup *s);
void kb_claim_pio_user(struct kb_setup *s);
void kb_claim_mmio_kernel(struct kb_setup *s);
void kb_claim_mmio_user(struct kb_setup *s);
/* ->release: whatever the claim above took */
void kb_release_pio(struct kb_setup *s);
void kb_release_mmio(struct kb_setup *s);

/* what a virtio-mmio register page reads at offset 0: "virt" */
#define KB_VIRTIO_MMIO_MAGIC	0x74726976

#endif /* KVMBENCH_TARGETS_H */
