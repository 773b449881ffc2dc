/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syntax of QEMU's option values: "first,key=value,key,..." (with
 * ",," for a comma inside a value) and the JSON objects libvirt passes to
 * -blockdev, -device, -netdev and -object. Both become one flat list of
 * key/value pairs; nested JSON objects give dotted keys ("cache.direct"),
 * JSON true and false become "on" and "off", a bare key means "on" and
 * -cpu's "+flag"/"-flag" mean flag=on/off.
 */
#ifndef KVMAUDIT_QOPTS_H
#define KVMAUDIT_QOPTS_H

#include <stdbool.h>

struct kvmaudit_kv {
	char *key;
	char *val;
};

struct kvmaudit_qopts {
	char *opt;			/* the option without its dashes */
	struct kvmaudit_kv *kv;
	unsigned int nr;
	unsigned int cap;
};

/*
 * Parse the value of -OPT into o. implied is the key of a first element
 * without '=' (NULL: such an element means "element=on"). Returns 0,
 * -EINVAL for malformed JSON, or -ENOMEM.
 */
int kvmaudit_qopts_parse(struct kvmaudit_qopts *o, const char *opt,
			 const char *implied, const char *value);
void kvmaudit_qopts_free(struct kvmaudit_qopts *o);

/* The last value of key (QEMU lets later ones win), or NULL. */
const char *kvmaudit_qopts_get(const struct kvmaudit_qopts *o, const char *key);
/* A boolean value: on/yes/true/1 or off/no/false/0; dflt when absent or odd. */
bool kvmaudit_qopts_bool(const struct kvmaudit_qopts *o, const char *key,
			 bool dflt);
/* Is the value of key a boolean "on"? (for callers holding a value) */
int kvmaudit_bool_value(const char *val);

#endif /* KVMAUDIT_QOPTS_H */
