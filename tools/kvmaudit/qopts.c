// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU option values (QemuOpts syntax and JSON) as flat key/value lists.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qopts.h"
#include "util.h"

#define MAX_PAIRS	4096u
#define MAX_DEPTH	16

static int add(struct kvmaudit_qopts *o, const char *key, size_t klen,
	       const char *val, size_t vlen)
{
	struct kvmaudit_kv *kv;
	int err;

	err = kvmaudit_grow((void **)&o->kv, &o->cap, o->nr, sizeof(*o->kv),
			    MAX_PAIRS);
	if (err)
		return err;
	kv = &o->kv[o->nr];
	kv->key = strndup(key, klen);
	kv->val = strndup(val, vlen);
	if (!kv->key || !kv->val) {
		free(kv->key);
		free(kv->val);
		return -ENOMEM;
	}
	o->nr++;
	return 0;
}

/* ---- QemuOpts: a,b=c,d=e,,f ------------------------------------------- */

static int parse_opts(struct kvmaudit_qopts *o, const char *implied,
		      const char *s, bool cpu)
{
	struct kvmaudit_str elem = { 0 };
	bool first = true;
	const char *eq;
	char *e;
	int err = 0;

	while (!err) {
		/* one element, with ",," unescaped */
		while (*s && !(*s == ',' && s[1] != ',')) {
			kvmaudit_str_add(&elem, "%c", *s);
			s += *s == ',' ? 2 : 1;
		}
		if (elem.oom) {
			err = -ENOMEM;
			break;
		}
		e = elem.p ? elem.p : "";
		eq = strchr(e, '=');
		if (eq)
			err = add(o, e, eq - e, eq + 1, strlen(eq + 1));
		else if (first && implied)
			err = add(o, implied, strlen(implied), e, strlen(e));
		else if (cpu && (*e == '+' || *e == '-'))
			err = add(o, e + 1, strlen(e + 1),
				  *e == '+' ? "on" : "off", *e == '+' ? 2 : 3);
		else if (*e)
			err = add(o, e, strlen(e), "on", 2);
		elem.len = 0;
		if (elem.p)
			elem.p[0] = '\0';
		first = false;
		if (!*s)
			break;
		s++;
	}
	kvmaudit_str_free(&elem);
	return err;
}

/* ---- JSON objects, flattened -------------------------------------------- */

struct json {
	const char *s;
	struct kvmaudit_qopts *o;
	int depth;
};

static void skip_ws(struct json *j)
{
	while (isspace((unsigned char)*j->s))
		j->s++;
}

/* A JSON string into out (escapes decoded, \u kept as '?'). */
static int json_string(struct json *j, struct kvmaudit_str *out)
{
	if (*j->s != '"')
		return -EINVAL;
	j->s++;
	while (*j->s && *j->s != '"') {
		char c = *j->s++;

		if (c == '\\') {
			c = *j->s++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'b':
			case 'f':
			case 'r':
				c = ' ';
				break;
			case 'u':
				if (strlen(j->s) < 4)
					return -EINVAL;
				j->s += 4;
				c = '?';
				break;
			case '"':
			case '\\':
			case '/':
				break;
			default:
				return -EINVAL;
			}
		}
		kvmaudit_str_add(out, "%c", c);
	}
	if (*j->s != '"')
		return -EINVAL;
	j->s++;
	return out->oom ? -ENOMEM : 0;
}

static int json_value(struct json *j, const char *key, struct kvmaudit_str *val);

static int json_object(struct json *j, const char *prefix)
{
	struct kvmaudit_str key = { 0 }, val = { 0 };
	int err = -EINVAL;

	if (++j->depth > MAX_DEPTH)
		return -EINVAL;
	j->s++;			/* '{' */
	skip_ws(j);
	if (*j->s == '}') {
		j->s++;
		j->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(j);
		kvmaudit_str_add(&key, "%s%s", prefix, *prefix ? "." : "");
		err = json_string(j, &key);
		if (err)
			break;
		skip_ws(j);
		err = -EINVAL;
		if (*j->s++ != ':')
			break;
		skip_ws(j);
		err = json_value(j, kvmaudit_str_get(&key), &val);
		if (err)
			break;
		kvmaudit_str_free(&key);
		kvmaudit_str_free(&val);
		skip_ws(j);
		if (*j->s == ',') {
			j->s++;
			continue;
		}
		err = *j->s == '}' ? 0 : -EINVAL;
		if (!err)
			j->s++;
		break;
	}
	kvmaudit_str_free(&key);
	kvmaudit_str_free(&val);
	j->depth--;
	return err;
}

/* A scalar's text into val; objects add their members themselves. */
static int json_scalar(struct json *j, struct kvmaudit_str *val)
{
	static const struct {
		const char *word;
		const char *val;
	} words[] = {
		{ "true", "on" }, { "false", "off" }, { "null", NULL },
	};
	const char *start = j->s;
	unsigned int i;

	if (*j->s == '"')
		return json_string(j, val);
	for (i = 0; i < KVMAUDIT_ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i].word);

		if (!strncmp(j->s, words[i].word, n)) {
			j->s += n;
			if (words[i].val)
				kvmaudit_str_add(val, "%s", words[i].val);
			return val->oom ? -ENOMEM : 0;
		}
	}
	while (*j->s == '-' || *j->s == '+' || *j->s == '.' ||
	       isalnum((unsigned char)*j->s))
		j->s++;
	if (j->s == start)
		return -EINVAL;
	kvmaudit_str_add(val, "%.*s", (int)(j->s - start), start);
	return val->oom ? -ENOMEM : 0;
}

static int json_value(struct json *j, const char *key, struct kvmaudit_str *val)
{
	int err;

	if (*j->s == '{')
		return json_object(j, key);
	if (*j->s == '[') {
		/*
		 * An array: its scalars joined with commas, its objects
		 * flattened as key.N.member.
		 */
		unsigned int n = 0;

		j->s++;
		skip_ws(j);
		while (*j->s != ']') {
			if (*j->s == '{') {
				struct kvmaudit_str sub = { 0 };

				kvmaudit_str_add(&sub, "%s.%u", key, n);
				err = sub.oom ? -ENOMEM : json_object(j, sub.p);
				kvmaudit_str_free(&sub);
			} else {
				if (val->len)
					kvmaudit_str_add(val, ",");
				err = json_scalar(j, val);
			}
			if (err)
				return err;
			n++;
			skip_ws(j);
			if (*j->s == ',') {
				j->s++;
				skip_ws(j);
			} else if (*j->s != ']') {
				return -EINVAL;
			}
		}
		j->s++;
	} else {
		err = json_scalar(j, val);
		if (err)
			return err;
	}
	return add(j->o, key, strlen(key), kvmaudit_str_get(val), val->len);
}

static int parse_json(struct kvmaudit_qopts *o, const char *s)
{
	struct json j = { .s = s, .o = o };
	int err;

	skip_ws(&j);
	err = json_object(&j, "");
	if (err)
		return err;
	skip_ws(&j);
	return *j.s ? -EINVAL : 0;
}

int kvmaudit_qopts_parse(struct kvmaudit_qopts *o, const char *opt,
			 const char *implied, const char *value)
{
	const char *s = value;
	int err;

	memset(o, 0, sizeof(*o));
	o->opt = strdup(opt);
	if (!o->opt)
		return -ENOMEM;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '{')
		err = parse_json(o, s);
	else
		err = parse_opts(o, implied, value, !strcmp(opt, "cpu"));
	if (err)
		kvmaudit_qopts_free(o);
	return err;
}

void kvmaudit_qopts_free(struct kvmaudit_qopts *o)
{
	unsigned int i;

	for (i = 0; i < o->nr; i++) {
		free(o->kv[i].key);
		free(o->kv[i].val);
	}
	free(o->kv);
	free(o->opt);
	memset(o, 0, sizeof(*o));
}

const char *kvmaudit_qopts_get(const struct kvmaudit_qopts *o, const char *key)
{
	unsigned int i = o->nr;

	while (i--)
		if (!strcmp(o->kv[i].key, key))
			return o->kv[i].val;
	return NULL;
}

int kvmaudit_bool_value(const char *val)
{
	static const char * const yes[] = { "on", "yes", "true", "1" };
	static const char * const no[] = { "off", "no", "false", "0" };
	unsigned int i;

	if (!val)
		return -1;
	for (i = 0; i < KVMAUDIT_ARRAY_SIZE(yes); i++) {
		if (!strcmp(val, yes[i]))
			return 1;
		if (!strcmp(val, no[i]))
			return 0;
	}
	return -1;
}

bool kvmaudit_qopts_bool(const struct kvmaudit_qopts *o, const char *key,
			 bool dflt)
{
	int b = kvmaudit_bool_value(kvmaudit_qopts_get(o, key));

	return b < 0 ? dflt : b;
}
