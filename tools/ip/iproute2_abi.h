/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of iproute2's internal interface that an "ip" link plugin uses,
 * declared from iproute2 6.1.0's own headers (ip/ip_common.h: struct
 * link_util; include/libnetlink.h; include/ll_map.h; include/json_print.h;
 * include/color.h), which Debian does not ship. ip exports these symbols
 * (it is linked with -export-dynamic); they are resolved when ip loads the
 * plugin. This interface is not stable: the layout here is iproute2 6.1's.
 */
#ifndef MQGRE_IPROUTE2_ABI_H
#define MQGRE_IPROUTE2_ABI_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f, struct rtattr *attr);
	void (*print_help)(struct link_util *lu, int argc, char **argv, FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

/* json_print.h's enum output_type */
enum ip_output_type {
	IP_PRINT_FP = 1,
	IP_PRINT_JSON = 2,
	IP_PRINT_ANY = 4,
};

#define IP_COLOR_NONE	6	/* color.h's enum color_attr COLOR_NONE */
#define IP_MSG_MAX	1024	/* the maxlen ip's gre parser passes */

/* ip/link_gre.c */
extern struct link_util gre_link_util;
extern struct link_util gretap_link_util;

/* include/libnetlink.h */
int addattr8(struct nlmsghdr *n, int maxlen, int type, __u8 data);
int addattr16(struct nlmsghdr *n, int maxlen, int type, __u16 data);
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
struct rtattr *addattr_nest(struct nlmsghdr *n, int maxlen, int type);
int addattr_nest_end(struct nlmsghdr *n, struct rtattr *nest);

/* include/ll_map.h */
unsigned int ll_name_to_index(const char *name);
const char *ll_index_to_name(unsigned int idx);

/* include/json_print.h */
bool is_json_context(void);
void open_json_object(const char *str);
void close_json_object(void);
void open_json_array(enum ip_output_type type, const char *str);
void close_json_array(enum ip_output_type type, const char *str);
int print_color_uint(enum ip_output_type t, int color, const char *key,
		     const char *fmt, unsigned int value);
int print_color_string(enum ip_output_type t, int color, const char *key,
		       const char *fmt, const char *value);
int print_color_bool(enum ip_output_type t, int color, const char *key,
		     const char *fmt, bool value);

#endif /* MQGRE_IPROUTE2_ABI_H */
