/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compatibility header for kvmtune modules, force-included by
 * kmod/compat/Kbuild.include.
 *
 * Where kernels differ, code tests the HAVE_* macros that the feature
 * probes of Kbuild.include define, never a version number: stable and
 * distribution kernels backport features without changing their version.
 * The one version check is the supported range, a support policy, below.
 */
#ifndef KVMTUNE_COMPAT_H
#define KVMTUNE_COMPAT_H

/*
 * Supported: Linux 6.1 to 6.12. Kbuild.include passes the target tree's
 * VERSION and PATCHLEVEL (the sublevel, which LINUX_VERSION_CODE clamps at
 * 255, does not matter here).
 */
#if !defined(KVMTUNE_KVER_MAJOR) || !defined(KVMTUNE_KVER_MINOR)
#error "compat.h is force-included by kmod/compat/Kbuild.include only"
#endif
#define KVMTUNE_KVER	(KVMTUNE_KVER_MAJOR * 1000 + KVMTUNE_KVER_MINOR)
#if KVMTUNE_KVER < 6001 || KVMTUNE_KVER > 6012
#error "kvmtune supports Linux 6.1 to 6.12 only"
#endif

#endif /* KVMTUNE_COMPAT_H */
