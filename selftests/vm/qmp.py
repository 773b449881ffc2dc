#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# run.sh's hand on a stuck proving ground: send commands to QEMU over its
# QMP socket and print what they return.
#
# Usage: qmp.py SOCKET COMMAND...
#   COMMAND  "nmi" injects an NMI into every vCPU (QMP inject-nmi);
#            anything else is a human monitor command ("info registers -a")
#            whose text is printed as QEMU gives it.
# Exits 1 with a message if QEMU cannot be reached or refuses a command.

import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: qmp.py SOCKET COMMAND...")
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(sys.argv[1])
        stream = sock.makefile("rw")
    except OSError as e:
        sys.exit(f"qmp.py: {sys.argv[1]}: {e}")

    def call(cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        stream.write(json.dumps(msg) + "\n")
        stream.flush()
        while True:
            line = stream.readline()
            if not line:
                sys.exit(f"qmp.py: QEMU closed the socket during {cmd}")
            reply = json.loads(line)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                sys.exit(f"qmp.py: {cmd}: {reply['error'].get('desc')}")
            # events ({"event": ...}) are not answers: read on

    try:
        stream.readline()  # the greeting
        call("qmp_capabilities")
        for cmd in sys.argv[2:]:
            if cmd == "nmi":
                call("inject-nmi")
            else:
                out = call("human-monitor-command", {"command-line": cmd})
                sys.stdout.write(out)
    except OSError as e:
        sys.exit(f"qmp.py: {e}")


if __name__ == "__main__":
    main()
