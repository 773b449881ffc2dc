#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# busybox ash, which shellcheck knows as its POSIX subset:
# shellcheck shell=dash
#
# /init of the kvmbench tests' nested guest (L2), appended to the proving
# ground's L2 initramfs by kb_lib.sh together with kvmbench.ko and the
# virtio-mmio modules (in /kvmbench/).
#
# It serves commands from the L1, which may use the helpers of
# l2-lib.sh, on its second serial port (ttyS1, a pipe
# in the L1): each line is "SEQ COMMAND"; the command runs with stdin from
# /dev/null and its output (stdout and stderr) on ttyS1, followed by the
# line "@@rc SEQ STATUS" (a helper that waits long says "@@alive" every
# 5 s meanwhile; an empty line, the L1's nudge, is answered "@@rc  0").
# The kernel console stays on ttyS0.
#
# This shell and all it starts run on vCPU 0 (the device interrupts go
# there too: irqaffinity=0), so that the serial port's own exits land on
# vCPU 0 and never among the exits a bench on another vCPU is charged with.

/bin/busybox --install -s /bin
export PATH=/bin

# shellcheck source=l2-lib.sh
. /kvmbench/l2-lib.sh

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
taskset -p 1 $$ >/dev/null

echo "KVMTUNE-L2-UP $(uname -r) cpus=$(nproc)"
stty -F /dev/ttyS1 raw -echo
exec </dev/ttyS1 >/dev/ttyS1 2>&1
echo "@@ready"
while IFS= read -r line; do
	seq=${line%% *}
	eval "${line#* }" </dev/null
	echo "@@rc $seq $?"
done
poweroff -f
