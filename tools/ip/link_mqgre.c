// SPDX-License-Identifier: GPL-2.0
/*
 * iproute2 link plugin for the mqgre and mqgretap link kinds, for Debian's
 * own "ip" (iproute2 6.1). ip loads <libdir>/ip/link_<kind>.so (libdir is
 * $IP_LIB_DIR, else /usr/lib/<multiarch>) and takes <kind>_link_util from
 * it; this one file is installed as link_mqgre.so and link_mqgretap.so.
 *
 *   ip link add gt0 type mqgretap local 10.0.0.1 remote 10.0.0.2 key 42
 *   ip link set gt0 type mqgretap vm tap0 base 2 queues 2
 *   ip -d link show gt0
 *
 * The GRE options are gre's and gretap's: they are handed, with the
 * netlink message, to the gre and gretap parsers and printers that ip
 * itself exports (ip is linked with -export-dynamic). mqgre's own options
 * are parsed and printed here; their attributes are in uapi/mqgre.h.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "uapi/mqgre.h"
#include "iproute2_abi.h"

/* The GRE link_util mqgre's flavour hands its GRE options to */
static struct link_util *mqgre_gre_util(const struct link_util *lu)
{
	return strcmp(lu->id, MQGRETAP_KIND) ? &gre_link_util :
					       &gretap_link_util;
}

static const char *const mqgre_spread_names[] = {
	[MQGRE_SPREAD_NONE]	= "none",
	[MQGRE_SPREAD_VM]	= "vm",
};

static_assert(ARRAY_SIZE(mqgre_spread_names) == MQGRE_SPREAD_MAX + 1,
	      "a name for each spread mode");

static void mqgre_print_help(struct link_util *lu, int argc, char **argv,
			     FILE *f)
{
	mqgre_gre_util(lu)->print_help(lu, argc, argv, f);
	fprintf(f,
		"\n"
		"mqgre options:	[ spread { vm | none } ]\n"
		"		[ vmqueues { NUMBER | auto } ]\n"
		"		[ vm DEV { base QUEUE queues NUMBER | auto } ]\n"
		"\n"
		"Where:	spread vm   each VM (its DEV, e.g. its tap) on tunnel queues of\n"
		"		    its own; spread none: queue = guest queue mod queues\n"
		"	vmqueues    tunnel queues per VM; auto: as many as DEV has\n"
		"	vm DEV ...  place DEV's frames on queues base..base+queues-1,\n"
		"		    or let them be placed automatically again (auto)\n");
}

static noreturn void mqgre_bad(struct link_util *lu, const char *what,
			       const char *arg)
{
	fprintf(stderr, "Error: %s: %s \"%s\"\n", lu->id, what,
		arg ? arg : "(missing)");
	exit(-1);
}

/* A number in [0, max] */
static unsigned int mqgre_number(struct link_util *lu, const char *what,
				 const char *arg, unsigned long max)
{
	unsigned long v;
	char *end;

	if (!arg || !*arg)
		mqgre_bad(lu, what, arg);
	v = strtoul(arg, &end, 0);
	if (*end || *arg == '-' || v > max)
		mqgre_bad(lu, what, arg);
	return v;
}

/*
 * ip's gre parser: its keywords in its order, each matched as a prefix
 * ("rem" is "remote") or, for the "=" ones, whole, and whether a value
 * follows. mqgre's options are told apart from GRE option values with it.
 */
static const struct {
	const char *word;
	bool exact;
	bool value;
} mqgre_gre_words[] = {
	{ "key", false, true }, { "nokey", false, false },
	{ "ikey", false, true }, { "noikey", false, false },
	{ "okey", false, true }, { "nookey", false, false },
	{ "seq", false, false }, { "noseq", false, false },
	{ "iseq", false, false }, { "noiseq", false, false },
	{ "oseq", false, false }, { "nooseq", false, false },
	{ "csum", false, false }, { "nocsum", false, false },
	{ "icsum", false, false }, { "noicsum", false, false },
	{ "ocsum", false, false }, { "noocsum", false, false },
	{ "nopmtudisc", false, false }, { "pmtudisc", false, false },
	{ "remote", false, true }, { "local", false, true },
	{ "dev", false, true },
	{ "ttl", false, true }, { "hoplimit", false, true },
	{ "hlim", false, true },
	{ "tos", false, true }, { "tclass", false, true },
	{ "dsfield", false, true },
	{ "noencap", true, false }, { "encap", true, true },
	{ "encap-sport", true, true }, { "encap-dport", true, true },
	{ "fwmark", true, true },
};

static bool mqgre_gre_takes_value(const char *arg)
{
	size_t i, len = strlen(arg);

	for (i = 0; i < ARRAY_SIZE(mqgre_gre_words); i++) {
		const char *w = mqgre_gre_words[i].word;

		if (mqgre_gre_words[i].exact ? !strcmp(arg, w) :
					       (len && !strncmp(arg, w, len)))
			return mqgre_gre_words[i].value;
	}
	return false;
}

struct mqgre_opts {
	bool spread_set, vmqueues_set, vm_set;
	__u8 spread;
	__u16 vmqueues;
	__u32 vm_ifindex;
	__u16 vm_base, vm_queues;
};

/* "vm DEV base B queues Q" or "vm DEV auto": returns the words taken */
static int mqgre_parse_vm(struct link_util *lu, int argc, char **argv,
			  struct mqgre_opts *o)
{
	bool base = false, queues = false, autop = false;
	int i = 1;

	if (argc < 2)
		mqgre_bad(lu, "vm needs a device", NULL);
	o->vm_ifindex = ll_name_to_index(argv[1]);
	if (!o->vm_ifindex)
		mqgre_bad(lu, "no such device", argv[1]);
	while (i + 1 < argc) {
		if (!strcmp(argv[i + 1], "base") && !base) {
			o->vm_base = mqgre_number(lu, "invalid queue",
						  i + 2 < argc ? argv[i + 2] : NULL,
						  MQGRE_QUEUES_MAX - 1);
			base = true;
			i += 2;
		} else if (!strcmp(argv[i + 1], "queues") && !queues) {
			o->vm_queues = mqgre_number(lu, "invalid number of queues",
						    i + 2 < argc ? argv[i + 2] : NULL,
						    MQGRE_QUEUES_MAX);
			queues = true;
			i += 2;
		} else if (!strcmp(argv[i + 1], "auto") && !autop) {
			autop = true;
			i++;
		} else {
			break;
		}
	}
	if (autop == (base || queues) || (!autop && (!queues || !o->vm_queues)))
		mqgre_bad(lu, "vm DEV wants \"base QUEUE queues NUMBER\" or \"auto\"",
			  argv[1]);
	if (autop)
		o->vm_queues = 0;
	o->vm_set = true;
	return i + 1;
}

static int mqgre_parse_opt(struct link_util *lu, int argc, char **argv,
			   struct nlmsghdr *n)
{
	char **gre_argv = calloc(argc + 1, sizeof(*gre_argv));
	struct mqgre_opts o = { 0 };
	int gre_argc = 0, i = 0, ret = 0;

	if (!gre_argv)
		mqgre_bad(lu, "out of memory", NULL);
	while (i < argc) {
		if (!strcmp(argv[i], "spread")) {
			const char *mode = i + 1 < argc ? argv[i + 1] : NULL;

			if (mode && !strcmp(mode, "vm"))
				o.spread = MQGRE_SPREAD_VM;
			else if (mode && !strcmp(mode, "none"))
				o.spread = MQGRE_SPREAD_NONE;
			else
				mqgre_bad(lu, "spread is \"vm\" or \"none\", not", mode);
			o.spread_set = true;
			i += 2;
		} else if (!strcmp(argv[i], "vmqueues")) {
			const char *v = i + 1 < argc ? argv[i + 1] : NULL;

			o.vmqueues = v && !strcmp(v, "auto") ? 0 :
				mqgre_number(lu, "invalid vmqueues", v,
					     MQGRE_QUEUES_MAX);
			o.vmqueues_set = true;
			i += 2;
		} else if (!strcmp(argv[i], "vm")) {
			i += mqgre_parse_vm(lu, argc - i, argv + i, &o);
		} else if (!strcmp(argv[i], "help")) {
			mqgre_print_help(lu, argc - i, argv + i, stderr);
			free(gre_argv);
			return -1;
		} else if (mqgre_gre_takes_value(argv[i]) && i + 1 < argc) {
			/* a GRE option and its value */
			gre_argv[gre_argc++] = argv[i++];
			gre_argv[gre_argc++] = argv[i++];
		} else {
			gre_argv[gre_argc++] = argv[i++];
		}
	}

	/*
	 * A change that names no GRE option leaves the GRE configuration
	 * alone (gre's parser would read it back and send all of it).
	 */
	if (gre_argc || (n->nlmsg_flags & NLM_F_CREATE))
		ret = mqgre_gre_util(lu)->parse_opt(lu, gre_argc, gre_argv, n);
	free(gre_argv);
	if (ret)
		return ret;

	if (o.spread_set)
		addattr8(n, IP_MSG_MAX, IFLA_MQGRE_SPREAD, o.spread);
	if (o.vmqueues_set)
		addattr16(n, IP_MSG_MAX, IFLA_MQGRE_VMQUEUES, o.vmqueues);
	if (o.vm_set) {
		struct rtattr *vm = addattr_nest(n, IP_MSG_MAX,
						 IFLA_MQGRE_VM | NLA_F_NESTED);

		addattr32(n, IP_MSG_MAX, MQGRE_VM_IFINDEX, o.vm_ifindex);
		addattr16(n, IP_MSG_MAX, MQGRE_VM_BASE, o.vm_base);
		addattr16(n, IP_MSG_MAX, MQGRE_VM_QUEUES, o.vm_queues);
		addattr_nest_end(n, vm);
	}
	return 0;
}

static const void *mqgre_rta_data(const struct rtattr *rta)
{
	return (const char *)rta + RTA_LENGTH(0);
}

static __u32 mqgre_rta_u32(const struct rtattr *rta)
{
	__u32 v;

	memcpy(&v, mqgre_rta_data(rta), sizeof(v));
	return v;
}

static __u16 mqgre_rta_u16(const struct rtattr *rta)
{
	__u16 v;

	memcpy(&v, mqgre_rta_data(rta), sizeof(v));
	return v;
}

struct mqgre_vm_row {
	__u32 ifindex, flags;
	__u16 base, queues;
};

static int mqgre_vm_cmp(const void *a, const void *b)
{
	const struct mqgre_vm_row *x = a, *y = b;

	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* The IFLA_MQGRE_VMS nest into @rows (at most MQGRE_VMS_DUMP_MAX) */
static int mqgre_read_vms(const struct rtattr *vms, struct mqgre_vm_row *rows)
{
	int len = RTA_PAYLOAD(vms), n = 0;
	const struct rtattr *vm;

	for (vm = mqgre_rta_data(vms); RTA_OK(vm, len) && n < MQGRE_VMS_DUMP_MAX;
	     vm = RTA_NEXT(vm, len)) {
		int vlen = RTA_PAYLOAD(vm);
		const struct rtattr *a;

		if ((vm->rta_type & ~NLA_F_NESTED) != IFLA_MQGRE_VM)
			continue;
		memset(&rows[n], 0, sizeof(rows[n]));
		for (a = mqgre_rta_data(vm); RTA_OK(a, vlen); a = RTA_NEXT(a, vlen)) {
			switch (a->rta_type) {
			case MQGRE_VM_IFINDEX:
				rows[n].ifindex = mqgre_rta_u32(a);
				break;
			case MQGRE_VM_BASE:
				rows[n].base = mqgre_rta_u16(a);
				break;
			case MQGRE_VM_QUEUES:
				rows[n].queues = mqgre_rta_u16(a);
				break;
			case MQGRE_VM_FLAGS:
				rows[n].flags = mqgre_rta_u32(a);
				break;
			}
		}
		n++;
	}
	qsort(rows, n, sizeof(*rows), mqgre_vm_cmp);
	return n;
}

static void mqgre_print_vm(const struct mqgre_vm_row *vm)
{
	char range[32];

	if (vm->queues > 1)
		snprintf(range, sizeof(range), "%u-%u", vm->base,
			 vm->base + vm->queues - 1);
	else
		snprintf(range, sizeof(range), "%u", vm->base);

	open_json_object(NULL);
	print_color_string(IP_PRINT_ANY, IP_COLOR_NONE, "dev", "\n    vm %s ",
			   ll_index_to_name(vm->ifindex));
	print_color_uint(IP_PRINT_JSON, IP_COLOR_NONE, "ifindex", NULL,
			 vm->ifindex);
	print_color_uint(IP_PRINT_JSON, IP_COLOR_NONE, "base", NULL, vm->base);
	print_color_uint(IP_PRINT_JSON, IP_COLOR_NONE, "queues", NULL,
			 vm->queues);
	print_color_string(IP_PRINT_FP, IP_COLOR_NONE, NULL, "queues %s ",
			   range);
	print_color_bool(IP_PRINT_ANY, IP_COLOR_NONE, "pinned",
			 vm->flags & MQGRE_VM_F_PINNED ? "pinned " : "",
			 vm->flags & MQGRE_VM_F_PINNED);
	print_color_bool(IP_PRINT_ANY, IP_COLOR_NONE, "shared",
			 vm->flags & MQGRE_VM_F_SHARED ? "shared " : "",
			 vm->flags & MQGRE_VM_F_SHARED);
	close_json_object();
}

static void mqgre_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	struct mqgre_vm_row rows[MQGRE_VMS_DUMP_MAX];
	int i, n;

	if (!tb)
		return;
	mqgre_gre_util(lu)->print_opt(lu, f, tb);

	if (tb[IFLA_MQGRE_SPREAD]) {
		__u8 mode = *(const __u8 *)mqgre_rta_data(tb[IFLA_MQGRE_SPREAD]);

		print_color_string(IP_PRINT_ANY, IP_COLOR_NONE, "spread",
				   "spread %s ", mode <= MQGRE_SPREAD_MAX ?
				   mqgre_spread_names[mode] : "?");
	}
	if (tb[IFLA_MQGRE_VMQUEUES]) {
		__u16 q = mqgre_rta_u16(tb[IFLA_MQGRE_VMQUEUES]);

		if (q || is_json_context())
			print_color_uint(IP_PRINT_ANY, IP_COLOR_NONE, "vmqueues",
					 "vmqueues %u ", q);
		else
			print_color_string(IP_PRINT_FP, IP_COLOR_NONE, NULL,
					   "vmqueues %s ", "auto");
	}
	if (tb[IFLA_MQGRE_VM_COUNT])
		print_color_uint(IP_PRINT_ANY, IP_COLOR_NONE, "vm_count",
				 "vms %u ", mqgre_rta_u32(tb[IFLA_MQGRE_VM_COUNT]));
	if (tb[IFLA_MQGRE_VMS]) {
		n = mqgre_read_vms(tb[IFLA_MQGRE_VMS], rows);
		open_json_array(IP_PRINT_JSON, "vms");
		for (i = 0; i < n; i++)
			mqgre_print_vm(&rows[i]);
		close_json_array(IP_PRINT_JSON, NULL);
	}
}

struct link_util mqgre_link_util = {
	.id		= MQGRE_KIND,
	.maxattr	= IFLA_MQGRE_MAX,
	.parse_opt	= mqgre_parse_opt,
	.print_opt	= mqgre_print_opt,
	.print_help	= mqgre_print_help,
};

struct link_util mqgretap_link_util = {
	.id		= MQGRETAP_KIND,
	.maxattr	= IFLA_MQGRE_MAX,
	.parse_opt	= mqgre_parse_opt,
	.print_opt	= mqgre_print_opt,
	.print_help	= mqgre_print_help,
};
