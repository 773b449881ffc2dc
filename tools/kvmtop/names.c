// SPDX-License-Identifier: GPL-2.0
/*
 * Guest names: QEMU's -name on the command line of the VM's process.
 *
 *   -name NAME
 *   -name guest=NAME[,process=...][,debug-threads=on]
 *   -name NAME,process=...
 *
 * In QEMU's option syntax a comma inside a value is written twice (",,").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

#define KVMTOP_CMDLINE_MAX	(64u << 10)

/* The next element of a QEMU option string into out; returns its end. */
static const char *kvmtop_opt_next(const char *p, char *out, size_t size)
{
	size_t n = 0;

	for (; *p; p++) {
		if (*p == ',') {
			if (p[1] != ',')
				break;
			p++;
		}
		if (n + 1 < size)
			out[n++] = *p;
	}
	out[n] = '\0';
	return *p ? p + 1 : p;
}

/* The guest name of a -name argument, or an empty string. */
static void kvmtop_name_arg(const char *arg, char *buf, size_t size)
{
	char elem[KVMTOP_GUEST_LEN + 8];
	const char *p = arg;
	bool first = true;

	buf[0] = '\0';
	while (*p) {
		p = kvmtop_opt_next(p, elem, sizeof(elem));
		if (!strncmp(elem, "guest=", 6))
			kvmtop_copy(buf, size, elem + 6);
		else if (first && !strchr(elem, '='))
			kvmtop_copy(buf, size, elem);
		first = false;
	}
}

/*
 * Read /proc/<pid>/cmdline under proc and find -name.  Returns 0 with the
 * name in buf (empty when there is none), or -errno; bytes that are not
 * printable ASCII become '?'.
 */
int kvmtop_guest_name(const char *proc, long pid, char *buf, size_t size)
{
	char path[KVMTOP_PATH_LEN], *cmd, *arg, *end;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%ld/cmdline", proc, pid) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	cmd = malloc(KVMTOP_CMDLINE_MAX + 1);
	if (!cmd)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	while (len < KVMTOP_CMDLINE_MAX) {
		n = read(fd, cmd + len, KVMTOP_CMDLINE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (err)
		goto out_free;
	cmd[len] = '\0';
	end = cmd + len;
	for (arg = cmd; arg < end; arg += strlen(arg) + 1) {
		if (strcmp(arg, "-name") && strcmp(arg, "--name"))
			continue;
		arg += strlen(arg) + 1;
		if (arg < end)
			kvmtop_name_arg(arg, buf, size);
		break;
	}
	for (arg = buf; *arg; arg++)
		if (*arg < 0x20 || *arg >= 0x7f)
			*arg = '?';
out_free:
	free(cmd);
	return err;
}
