#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmaudit against the fake host in testdata/kvmaudit/host (--sysroot): no
# root, no VMs, no kernel needed. The tree has two NUMA nodes of one SMT
# core each, every host setting the seed articles warn about, a NIC with
# three MSI-X vectors, and two QEMUs: one started by libvirt (JSON
# -blockdev, -device and -netdev, a cdrom that is not a disk, a
# virtio-scsi disk with cache=unsafe through cache.no-flush, a named CPU
# model, vCPU threads found by their names, one not pinned, kvmtrace's
# files of its vCPUs), one by hand in the older syntax (-hda, -drive
# if=virtio, -net, -nic, a machine type of QEMU 6.1, hugetlbfs on the
# other node, vCPU threads in KVM's debugfs).
#
#   - the text report equals testdata/kvmaudit/expected.txt, line by line;
#   - the JSON report parses, agrees with itself, with the exit code and
#     with the text report (selftests/kvmaudit/expect.py);
#   - the kvmtrace checks, with rates over 0.05 s of counters that do not
#     change, pass with every delta 0;
#   - --check and --pid select, and a tree without /proc is an error.
#
# Usage: kvmaudit.sh KVMAUDIT [--valgrind]
# Prints "N passed, M failed"; exits non-zero on any failure.

here=$(cd "$(dirname "$0")" && pwd)
tree=$here/kvmaudit/host
expect=$here/../../selftests/kvmaudit/expect.py
bin=${1:?usage: kvmaudit.sh KVMAUDIT [--valgrind]}
run=("$bin")
if [ "${2:-}" = --valgrind ]; then
	run=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all "$bin")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# the whole audit, text and JSON
"${run[@]}" --sysroot "$tree" -i 0 >"$tmp/out.txt" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && diff -u "$here/kvmaudit/expected.txt" "$tmp/out.txt"; then
	ok "text report as expected (exit 2)"
else
	cat "$tmp/err"
	bad "text report (exit $rc, want 2)"
fi
"${run[@]}" --sysroot "$tree" -i 0 --json >"$tmp/out.json" 2>"$tmp/err"
rc=$?
if python3 "$expect" report "$tmp/out.json" "$rc" /dev/null "$tmp/out.txt"; then
	ok "JSON report agrees with itself and with the text"
else
	bad "JSON report"
fi

# kvmtrace's counters, read twice 0.05 s apart, did not move
"${run[@]}" --sysroot "$tree" -i 0.05 --json -p 4242 -c timer,idle.nohlt >"$tmp/rates.json" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && python3 - "$tmp/rates.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
iv = doc['host']['interval_us']
assert iv >= 50000, iv
res = doc['results']
assert [(r['check'], r['verdict']) for r in res] == [
    ('timer.tsc_deadline', 'PASS'), ('timer.pio', 'PASS'), ('idle.nohlt', 'PASS')], res
for r in res:
    ev = r['evidence']
    assert ev.pop('interval_us') == iv and ev.pop('limit') in (100000, 10000), r
    assert ev and all(v == 0 for v in ev.values()), r
    assert len(ev) == {'idle.nohlt': 12}.get(r['check'], 4), r
print(f'rates over {iv} us: all deltas 0')
PY
then
	ok "kvmtrace checks with counters that do not move"
else
	cat "$tmp/err"
	bad "kvmtrace checks (exit $rc)"
fi

# selection: one area, one VM that is not there
"${run[@]}" --sysroot "$tree" -i 0 -c irq >"$tmp/irq.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && [ "$(grep -c '^[A-Z]\{4\} ' "$tmp/irq.txt")" = 3 ] &&
	grep -q '^PASS irq.nic_cpus host: NIC interrupts go to CPUs 1,3 only ' "$tmp/irq.txt" &&
	grep -q '^WARN irq.vcpu_cpus vm 4242-21: ' "$tmp/irq.txt" &&
	grep -q '^PASS irq.vcpu_cpus vm 5151-12: ' "$tmp/irq.txt"; then
	ok "--check irq"
else
	cat "$tmp/irq.txt"
	bad "--check irq (exit $rc)"
fi
"${run[@]}" --sysroot "$tree" -i 0 -p 4343 -c cpu >"$tmp/pid.txt" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q ', 0 VM(s),' "$tmp/pid.txt" &&
	[ "$(tail -n 1 "$tmp/pid.txt")" = "summary: 0 PASS, 0 WARN, 0 FAIL, 0 SKIP; worst PASS (exit 0)" ]; then
	ok "--pid of a process without a VM"
else
	cat "$tmp/pid.txt"
	bad "--pid 4343 (exit $rc)"
fi
"${run[@]}" --sysroot "$tmp/nowhere" >"$tmp/none.txt" 2>&1
rc=$?
if [ $rc -eq 3 ] && grep -q '^kvmaudit: cannot read the host: No such file or directory$' "$tmp/none.txt"; then
	ok "a tree without /sys and /proc"
else
	cat "$tmp/none.txt"
	bad "--sysroot nowhere (exit $rc)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
