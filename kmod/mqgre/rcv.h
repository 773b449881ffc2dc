/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mqgre's receive path: GRE packets for mqgre tunnels, taken at the IPv4
 * LOCAL_IN netfilter hook of each namespace, so that ip_gre keeps the GRE
 * protocol (gre_add_protocol() admits one owner) and both can be loaded.
 */
#ifndef MQGRE_RCV_H
#define MQGRE_RCV_H

int mqgre_rcv_init(void);
void mqgre_rcv_exit(void);

#endif /* MQGRE_RCV_H */
