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

/*
 * Networking (mqgre). These are macros, expanded where they are used, so
 * this header needs no networking header of its own.
 */
#ifdef HAVE_NETDEV_LLTX
#define kvmtune_netdev_set_lltx(dev)	((dev)->lltx = true)
#else
#define kvmtune_netdev_set_lltx(dev)	((dev)->features |= NETIF_F_LLTX)
#endif

/* the kernel's IPv4 tunnel parameters */
#ifdef HAVE_IP_TUNNEL_PARM_KERN
#define kvmtune_ip_tunnel_parm		ip_tunnel_parm_kern
#else
#define kvmtune_ip_tunnel_parm		ip_tunnel_parm
#endif

/*
 * A set of tunnel flags (TUNNEL_KEY, ...), as the kernel declares them in
 * its structures: a bitmap, or a __be16 before 6.10. Either way the set is
 * passed by name to gre_build_header(), gre_calc_hlen(),
 * gre_tnl_flags_to_gre_flags() and ip_tunnel_lookup().
 */
#ifdef HAVE_IP_TUNNEL_FLAGS_BITMAP
#define kvmtune_tnl_flags_from_gre(dst, gre_flags) \
	gre_flags_to_tnl_flags(dst, gre_flags)
#define kvmtune_tnl_flag(flags, bit)	test_bit(IP_TUNNEL_##bit##_BIT, flags)
#define kvmtune_tnl_flags_copy(dst, src) ip_tunnel_flags_copy(dst, src)
#else
#define kvmtune_tnl_flags_from_gre(dst, gre_flags) \
	((dst) = gre_flags_to_tnl_flags(gre_flags))
#define kvmtune_tnl_flag(flags, bit)	(!!((flags) & TUNNEL_##bit))
#define kvmtune_tnl_flags_copy(dst, src) ((dst) = (src))
#endif

#endif /* KVMTUNE_COMPAT_H */
