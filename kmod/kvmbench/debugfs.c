// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kvmbench/
 *
 *   control  0600  commands (write), settings and state (read)
 *   results  0400  the last run, one line per bench and vCPU
 *
 * Both are root-only. The files hold a reference on the module while open
 * (debugfs' proxy takes fops->owner), so a run, which is a write to
 * control, keeps the module loaded until it ends.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "control.h"
#include "debugfs.h"
#include "results.h"
#include "uapi/kvmbench.h"

static struct dentry *kb_root;

static int kb_control_file_show(struct seq_file *m, void *unused)
{
	kb_control_show(m);
	return 0;
}

static int kb_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, kb_control_file_show, inode->i_private);
}

static ssize_t kb_control_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char *buf;
	int ret;

	if (!len || len >= KVMBENCH_CMD_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* a NUL would hide what follows it from the parser */
	if (strlen(buf) != len) {
		pr_info_ratelimited("control: a NUL byte in the command\n");
		ret = -EINVAL;
	} else {
		ret = kb_control_apply(strim(buf));
	}
	kfree(buf);
	return ret ?: len;
}

static const struct file_operations kb_control_fops = {
	.owner = THIS_MODULE,
	.open = kb_control_open,
	.read = seq_read,
	.write = kb_control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int kb_results_file_show(struct seq_file *m, void *unused)
{
	kb_results_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kb_results_file);

/* Without debugfs the module loads, but there is nothing to do with it. */
void kb_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir(KVMBENCH_ROOT, NULL);

	if (IS_ERR(root)) {
		pr_warn("debugfs unavailable (%ld): no control file\n",
			PTR_ERR(root));
		return;
	}
	debugfs_create_file("control", 0600, root, NULL, &kb_control_fops);
	debugfs_create_file("results", 0400, root, NULL,
			    &kb_results_file_fops);
	kb_root = root;
}

void kb_debugfs_exit(void)
{
	debugfs_remove_recursive(kb_root);
	kb_root = NULL;
}
