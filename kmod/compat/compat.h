/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compatibility header for kvmtune modules, force-included by
 * kmod/compat/Kbuild.include. Code outside this header only tests the
 * HAVE_* feature macros that the probes in Kbuild.include define; nothing
 * else looks at kernel version numbers.
 */
#ifndef KVMTUNE_COMPAT_H
#define KVMTUNE_COMPAT_H

/*
 * Supported range: Linux 6.1 to 6.12. Kbuild.include compares the target
 * tree's VERSION.PATCHLEVEL and defines KVMTUNE_KERNEL_SUPPORTED if it is in
 * range; this is the only kernel-version test in the project.
 */
#ifndef KVMTUNE_KERNEL_SUPPORTED
#error "kvmtune supports Linux 6.1 to 6.12 only (or Kbuild.include was not used)"
#endif

#endif /* KVMTUNE_COMPAT_H */
