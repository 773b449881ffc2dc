# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What every script of the proving ground that runs on the host needs in
# its environment; each sources this file first.  (The guest's scripts,
# init.sh and guest-run.sh, set up their own.)

# depmod, modprobe and friends live in sbin, which a CI PATH may lack
export PATH=$PATH:/usr/sbin:/sbin
