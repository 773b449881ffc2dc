#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of kvmtop against the fake kvmtrace tree next to this
# script (no module, no root needed except for the non-root checks, which
# are skipped when not root or without setpriv).  The tree's values are
# known, so most checks are exact: JSON and OpenMetrics against the files
# (compare.py), and by hand-computed numbers (percentiles of known
# histograms, whole lines of the screen, histogram bars).
#
# Usage: check.sh KVMTOP [--valgrind]
#   --valgrind   also run the sampling loops under valgrind (leaks = failure)
#
# $PYTHON (default /usr/bin/python3, the one Debian's
# python3-prometheus-client is for) runs the Python parts.

set -u

kvmtop=$(realpath "${1:?usage: check.sh KVMTOP [--valgrind]}")
vg=()
[ "${2:-}" = --valgrind ] && vg=(valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99)
here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../../Documentation/kvmtop.rst
compare=$here/compare.py
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'kill $churn 2>/dev/null; chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
churn=
fails=0
passes=0

ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check WHAT CMD...: ok if CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# expect_rc WHAT RC REGEX CMD...: exit code RC and stderr matching REGEX
expect_rc() {
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$what: exit $rc, expected $want ($(head -c 300 "$tmp/err"))"
	elif ! grep -Eq "$re" "$tmp/err"; then
		bad "$what: stderr does not match '$re': $(head -c 300 "$tmp/err")"
	else
		ok "$what (exit $rc)"
	fi
}

# has_lines FILE LINE...: FILE has each LINE, whole, in this order
has_lines() {
	local file=$1 line n=0
	shift
	for line in "$@"; do
		n=$(awk -v from="$n" -v l="$line" 'NR > from && $0 == l { print NR; exit }' "$file")
		if [ -z "$n" ]; then
			echo "missing line: '$line'"
			cat "$file"
			return 1
		fi
	done
}

# lacks FILE PATTERN...: FILE has none of the fixed strings
lacks() {
	local file=$1 p
	shift
	for p in "$@"; do
		! grep -qF -e "$p" "$file" || { echo "unexpected: '$p'"; return 1; }
	done
}

# first_vm FILE REGEX: the first VM line of a screen matches REGEX
first_vm() {
	grep "^VM " "$1" | head -n 1 | grep -q "$2"
}

cp -a "$here/kvmtrace" "$tmp/tree"
tree=$tmp/tree
# Guest names: QEMU's two -name forms, a doubled comma, a process without one.
proc=$tmp/proc
mkdir -p "$proc/4242" "$proc/5150" "$proc/77"
printf 'qemu-system-x86_64\0-machine\0q35\0-name\0guest=web,,1,debug-threads=on\0-m\0512\0' >"$proc/4242/cmdline"
printf 'qemu-system-x86_64\0-name\0db,process=qemu-db\0' >"$proc/5150/cmdline"
printf 'vmload\0-v\0002\0' >"$proc/77/cmdline"
top=("$kvmtop" --root "$tree" --proc "$proc")
check "$python has prometheus_client (python3-prometheus-client; make deps)" \
	"$python" -c 'import prometheus_client'

# ---- 1. cumulative JSON equals the files, field by field ----------------
if "${top[@]}" --once --totals --json >"$tmp/t.json" &&
	"$python" "$compare" tree "$tree" "$tmp/t.json"; then
	ok "totals JSON matches the tree"
else
	bad "totals JSON"
fi
check "--totals --once: rates are null" "$python" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interval"] is None
for v in d["vms"]:
    assert v["exits_rate"] is None and all(e["rate"] is None for e in v["exits"])
    assert all(x["interval"] is None for x in v["latency"] + v["user_latency"])
' "$tmp/t.json"

# ---- 2. -p filter ----------------------------------------------------------
if "${top[@]}" --once --totals --json -p 5150 >"$tmp/p.json" &&
	"$python" "$compare" tree "$tree" "$tmp/p.json" 5150; then
	ok "-p 5150"
else
	bad "-p filter"
fi

# ---- 3. time: hand-computed estimates of known histograms -----------------
# Bucket b holds [2^b, 2^(b+1) - 1] ns; p = bound below + width * the rank's
# share of the bucket (Prometheus' histogram_quantile()); avg at bucket
# middles; max the top bucket's bound.  IOIO: 500 in [4096, 8191], 500 in
# [8192, 16383]: p50 = 4095 + 4096 * 500/500 = 8191, p99 = 8191 + 8192 *
# 490/500 = 16219.16, avg = (500 * 6143.5 + 500 * 12287.5) / 1000 = 9215.5.
check "percentiles, averages and shares of known histograms" "$python" -c '
import json, sys
d = json.load(open(sys.argv[1]))
vm = {v["name"]: v for v in d["vms"]}
lat = {x["name"]: x for x in vm["5150-kvm3"]["latency"]}
def want(x, count, avg, p50, p99, mx, time):
    got = (x["count"], x["avg_ns"], x["p50_ns"], x["p99_ns"], x["max_ns"], x["time_ns"])
    assert got == (count, avg, p50, p99, mx, time), (x["name"], got)
want(lat["IOIO"], 1000, 9215.5, 8191.0, 16219.2, 16383, 9215500.0)
want(lat["NPF"], 2000, 6911.5, 2047.0, 16219.2, 16383, 13823000.0)
want(lat["INTR"], 120, 191.5, 191.0, 253.7, 255, 22980.0)
want(lat["MSR"], 25, 767.5, 767.0, 1017.9, 1023, 19187.5)
# time shares: of 9215500 + 13823000 + 22980 + 19187.5 = 23080667.5 ns
assert lat["IOIO"]["time_share"] == 0.399274 and lat["NPF"]["time_share"] == 0.598899
hlt = vm["5150-kvm3"]["hlt"]
want(dict(hlt["exit_hist"], name="exit_hist"), 300, 3071.5, 3071.0, 4074.5, 4095, 921450.0)
want(dict(hlt["halt_hist"], name="halt_hist"), 300, 98303.5, 98303.0, 130415.6, 131071, 29491050.0)
ex = {e["name"]: e for e in vm["5150-kvm3"]["exits"]}
assert ex["NPF"]["share"] == 0.580552 and ex["MSR"]["share"] == 0.007257, ex
# user_latency apart: EPT_MISCONFIG, 2020 exits in [1048576, 2097151]
user = vm["4242-12"]["user_latency"]
assert [x["name"] for x in user] == ["EPT_MISCONFIG"], user
want(user[0], 2020, 1572863.5, 1572863.0, 2086665.2, 2097151, 3177184270.0)
# OTHER: no code, in latency only
oth = [x for x in vm["4242-12"]["latency"] if x["name"] == "OTHER"]
assert len(oth) == 1 and oth[0]["code"] is None and oth[0]["buckets"] == [[1024, 1]]
assert "user_latency" in vm["5150-kvm3"] and vm["5150-kvm3"]["user_latency"] == []
' "$tmp/t.json"

# ---- 4. text screens ----------------------------------------------------------
"${top[@]}" --once --totals -p 5150 >"$tmp/s5150"
check "text: reasons with shares and times, MSRs, hlt, vCPUs" has_lines "$tmp/s5150" \
	"kvmtop $(cut -c8-15 <"$tmp/s5150" | head -n 1)  totals  VMs 1  vCPUs 1  exits 3445  sort rate" \
	'times from log2 buckets: AVG at bucket middles, P50/P99 interpolated in the bucket, MAX its upper bound' \
	'VM 5150-kvm3  guest db  pid 5150  vcpus 1  exits 3445  in KVM 23.1ms  in VMM -' \
	'  REASON                         CODE       EXITS  EXIT%  TIME%     AVG     P50     P99     MAX' \
	'  NPF                           0x400        2000  58.1%  59.9%  6.91us  2.05us  16.2us  16.4us' \
	'  IOIO                           0x7b        1000  29.0%  39.9%  9.22us  8.19us  16.2us  16.4us' \
	'  HLT                            0x78         300   8.7%      -  3.07us  3.07us  4.07us  4.09us' \
	'  INTR                           0x60         120   3.5%   0.1%   192ns   191ns   254ns   255ns' \
	'  MSR                            0x7c          25   0.7%   0.1%   768ns   767ns  1.02us  1.02us' \
	'  MSR                                     WRITES       READS' \
	'  0x1b       IA32_APICBASE                     1          40' \
	'  0x6e0      IA32_TSC_DEADLINE                20           0' \
	'  hlt: exits 300  halts 300  poll success 250 fail 50 (83.3%)  halted 0.025 s  halt p50 98.3us p99 130us' \
	'  wakeups: piw 0  other 50  piw share 0.0%' \
	'  npf: exits 2000 mmio 1000 fault 1000' \
	'  0              3445        300    83.3%     0.025          0         50   0.0%  16.2us  NPF                  IA32_APICBASE'
"${top[@]}" --once --totals -t 1 >"$tmp/s1"
check "text: -t 1, user_latency apart, guest=NAME with ',,'" has_lines "$tmp/s1" \
	'VM 4242-12  guest web,1  pid 4242  vcpus 2  exits 1320876  in KVM 955ms  in VMM 3.03s' \
	'  MSR_WRITE                      0x20     1209442  91.6%  97.1%   889ns   769ns  1.02us   131us' \
	'  USER_REASON                    CODE       EXITS  USER%  TIME%     AVG     P50     P99     MAX' \
	'  EPT_MISCONFIG                  0x31        2020  20.2% 100.0%  1.57ms  1.57ms  2.09ms  2.10ms' \
	'  0x6e0      IA32_TSC_DEADLINE           1208811           0' \
	'  ... 1 more vCPUs' \
	'VM 5150-kvm3  guest db  pid 5150  vcpus 1  exits 3445  in KVM 23.1ms  in VMM -'
check "text: no second row with -t 1, no ANSI codes on a pipe" \
	lacks "$tmp/s1" EXTERNAL_INTERRUPT X2APIC_ICR $'\033'
"${top[@]}" --once --totals -V -p 4242 >"$tmp/sv"
check "text: -V, a block per vCPU" has_lines "$tmp/sv" \
	'VM 4242-12  guest web,1  pid 4242  vcpus 2  exits 1320876  in KVM 955ms  in VMM 3.03s' \
	'vCPU 0 of 4242-12  exits 660942  in KVM 478ms  in VMM 1.51s' \
	'  EPT_MISCONFIG                  0x31        1010  20.2% 100.0%  1.57ms  1.57ms  2.09ms  2.10ms' \
	'vCPU 1 of 4242-12  exits 659934  in KVM 478ms  in VMM 1.51s'
n=$("${top[@]}" --json -d 0.05 -n 3 | wc -l)
if [ "$n" = 3 ]; then ok "-n 3 gives 3 documents"; else bad "-n 3 gave $n"; fi
n=$("${top[@]}" --totals -d 0.05 -n 2 | grep -c '^kvmtop ')
if [ "$n" = 2 ]; then ok "-n 2 --totals gives 2 screens"; else bad "-n 2 gave $n screens"; fi

# ---- 5. sort keys: VMs and reasons in each key's order --------------------
# VM order, then the 5150 VM's reasons in its block
sorted() { # sorted KEY: "VM VM | REASON REASON ..."
	"${top[@]}" --once --totals -s "$1" |
		awk '/^VM /{ vms = vms " " $2; b = /^VM 5150/ }
		     b && /^  REASON /{ t = 1; next } /^  [A-Z_]+ +(CODE|WRITES)|^  hlt:/{ t = 0 }
		     b && t { r = r " " $1 }
		     END { print substr(vms, 2) " |" r }'
}
check "-s rate (totals: exits): NPF IOIO HLT INTR MSR" \
	test "$(sorted rate)" = "4242-12 5150-kvm3 | NPF IOIO HLT INTR MSR"
check "-s exits" test "$(sorted exits)" = "4242-12 5150-kvm3 | NPF IOIO HLT INTR MSR"
check "-s time: HLT last" test "$(sorted time)" = "4242-12 5150-kvm3 | NPF IOIO INTR MSR HLT"
check "-s p99: 5150 first; ties by code" \
	test "$(sorted p99)" = "5150-kvm3 4242-12 | IOIO NPF HLT MSR INTR"
msrs=$("${top[@]}" --once --totals -s msr -p 5150 | grep -A2 '^  MSR ' | tail -n 2 |
	awk '{ print $2 }' | paste -sd' ')
check "-s msr: MSRs by writes" test "$msrs" = "IA32_TSC_DEADLINE IA32_APICBASE"

# ---- 6. --hist: bpftrace-style bars ------------------------------------------
"${top[@]}" --hist NPF --once --totals >"$tmp/h"
check "--hist NPF: bars, empty buckets between, exact estimates" has_lines "$tmp/h" \
	'kvmtop: histograms since load or reset, in ns; p50/p99 interpolated in the bucket, max its upper bound' \
	'@latency_ns[5150-kvm3, NPF 0x400]: count 2000, avg 6911.5, p50 2047.0, p99 16219.2, max 16383' \
	'[1K, 2K)             1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|' \
	'[2K, 4K)                0 |                                                    |' \
	'[4K, 8K)                0 |                                                    |' \
	'[8K, 16K)            1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|'
"${top[@]}" --hist 0x20 -V --once --totals >"$tmp/h"
check "--hist 0x20 -V: per vCPU, bars scaled to the largest bucket" has_lines "$tmp/h" \
	'@latency_ns[4242-12 vcpu0, MSR_WRITE 0x20]: count 604721, avg 888.9, p50 769.0, p99 1021.9, max 131071' \
	'[512, 1K)          600000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|' \
	'[1K, 2K)             4000 |                                                    |' \
	'[64K, 128K)           721 |                                                    |' \
	'@latency_ns[4242-12 vcpu1, MSR_WRITE 0x20]: count 604721, avg 888.9, p50 769.0, p99 1021.9, max 131071'
"${top[@]}" --hist hlt -p 4242 --once --totals >"$tmp/h"
check "--hist hlt: exit_hist and halt_hist" has_lines "$tmp/h" \
	'@exit_hist_ns[4242-12]: count 80411, avg 9566.9, p50 1537.6, p99 2042.0, max 2097151' \
	'[1K, 2K)            80000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|' \
	'[1M, 2M)              411 |                                                    |' \
	'@halt_hist_ns[4242-12]: count 80250, avg 45453.6, p50 6374.5, p99 498474.7, max 524287'
"${top[@]}" --hist user -p 4242 --once --totals >"$tmp/h"
check "--hist: an unknown reason" has_lines "$tmp/h" 'no histograms for user'
"${top[@]}" --hist --once -d 0.05 >"$tmp/h"
check "--hist: nothing in the interval" has_lines "$tmp/h" 'no histograms in the interval'
n=$("${top[@]}" --hist -p 4242 --once --totals | grep -c '^@')
check "--hist: every histogram of a VM (4 latency, 1 user, 2 hlt)" test "$n" = 7

# ---- 7. --prometheus: both formats, through the real parsers, exact -----------
"$python" "$compare" snapshot "$tree" "$tmp/snap.json"
if "${top[@]}" --prometheus >"$tmp/t.prom" &&
	"$python" "$compare" prom "$tmp/snap.json" "$tmp/t.prom" 4242-12=web,1 5150-kvm3=db; then
	ok "--prometheus: OpenMetrics equals the files"
else
	bad "--prometheus"
fi
if "${top[@]}" --prometheus=text >"$tmp/t.txt" &&
	"$python" "$compare" text "$tmp/snap.json" "$tmp/t.txt" 4242-12=web,1 5150-kvm3=db; then
	ok "--prometheus=text: the text format equals the files, every sample typed"
else
	bad "--prometheus=text"
fi
"${top[@]}" --prometheus=openmetrics >"$tmp/t.om"
check "--prometheus=openmetrics is the default" cmp "$tmp/t.prom" "$tmp/t.om"
check "--prometheus=text: the same samples, headers of the text format" has_lines "$tmp/t.txt" \
	'# HELP kvmtrace_vm_exits_total exits by reason (exits)' \
	'# TYPE kvmtrace_vm_exits_total counter' \
	'kvmtrace_vm_exits_total{vm="4242-12",reason="MSR_WRITE",code="0x20"} 1209442' \
	'# HELP kvmtrace_vm_hlt_exit_seconds_total total HLT exit-to-entry time' \
	'# TYPE kvmtrace_vm_hlt_exit_seconds_total counter' \
	'kvmtrace_vm_hlt_exit_seconds_total{vm="4242-12"} 18.100000000' \
	'# TYPE kvmtrace_vm_hlt_poll_seconds gauge' \
	'# TYPE kvmtrace_vm_exit_duration_seconds_bucket counter' \
	'kvmtrace_vm_exit_duration_seconds_bucket{vm="5150-kvm3",reason="IOIO",code="0x7b",le="+Inf"} 1000'
check "--prometheus=text: the sample lines of OpenMetrics, in its order" \
	cmp <(grep -v '^#' "$tmp/t.prom") <(grep -v '^#' "$tmp/t.txt")
check "--prometheus: names, units, labels" has_lines "$tmp/t.prom" \
	'kvmtrace_info{kvm_symbols="resolved"} 1' \
	'# TYPE kvmtrace_vm_info gauge' \
	'kvmtrace_vm_info{vm="4242-12",pid="4242",guest="web,1",isa="vmx"} 1' \
	'kvmtrace_vm_exits_total{vm="4242-12",reason="MSR_WRITE",code="0x20"} 1209442' \
	'kvmtrace_vm_msr_writes_total{vm="4242-12",msr="0x6e0",msr_name="IA32_TSC_DEADLINE"} 1208811' \
	'# TYPE kvmtrace_vm_hlt_exit_seconds counter' \
	'# UNIT kvmtrace_vm_hlt_exit_seconds seconds' \
	'kvmtrace_vm_hlt_exit_seconds_total{vm="4242-12"} 18.100000000' \
	'kvmtrace_vm_hlt_poll_seconds{vm="4242-12"} 0.000200000' \
	'kvmtrace_vm_wakeups_piw_total{vm="4242-12"} 7' \
	'kvmtrace_vcpu_exits_total{vm="4242-12",vcpu="1",reason="UNKNOWN",code="0x80000021"} 1' \
	'# TYPE kvmtrace_vm_exit_duration_seconds histogram' \
	'kvmtrace_vm_exit_duration_seconds_bucket{vm="4242-12",reason="OTHER",le="+Inf"} 1' \
	'kvmtrace_vm_exit_duration_seconds_bucket{vm="5150-kvm3",reason="IOIO",code="0x7b",le="0.000004095"} 0' \
	'kvmtrace_vm_exit_duration_seconds_bucket{vm="5150-kvm3",reason="IOIO",code="0x7b",le="0.000008191"} 500' \
	'kvmtrace_vm_exit_duration_seconds_bucket{vm="5150-kvm3",reason="IOIO",code="0x7b",le="+Inf"} 1000' \
	'# EOF'
# histogram_quantile() on the exported buckets gives kvmtop's percentiles
check "--prometheus: histogram_quantile() agrees with kvmtop's p50/p99" "$python" -c '
import json, sys
sys.path.insert(0, sys.argv[3])
import compare
om, _ = compare.parsers()
doc = json.load(open(sys.argv[2]))
b = {}
for fam in om(open(sys.argv[1]).read()):
    for s in fam.samples:
        if s.name == "kvmtrace_vm_exit_duration_seconds_bucket":
            le = float("inf") if s.labels["le"] == "+Inf" else float(s.labels["le"])
            b.setdefault((s.labels["vm"], s.labels["reason"]), []).append((le, s.value))
def hq(q, bs):   # Prometheus bucketQuantile
    bs = sorted(bs)
    rank = q * bs[-1][1]
    i = next(i for i, x in enumerate(bs) if x[1] >= rank)
    if i == len(bs) - 1:
        return bs[-2][0]
    start, cnt = (bs[i - 1][0], bs[i][1] - bs[i - 1][1]) if i else (0.0, bs[0][1])
    r = rank - (bs[i - 1][1] if i else 0)
    return start + (bs[i][0] - start) * r / cnt
n = 0
for vm in doc["vms"]:
    for x in vm["latency"]:
        for q, k in ((0.5, "p50_ns"), (0.99, "p99_ns")):
            assert abs(hq(q, b[(vm["name"], x["name"])]) * 1e9 - x[k]) < 0.06, (vm["name"], x["name"], k)
            n += 1
assert n == 16, n
' "$tmp/t.prom" "$tmp/t.json" "$here"

# ---- 8. rates over one interval ----------------------------------------------
# +1000 MSR_WRITE on vcpu0, all in the 512 bucket, +100 PIW, +10 MMIO
"${top[@]}" --once --json -d 1 >"$tmp/r.json" &
bg=$!
"${top[@]}" --hist --once -d 1 -V >"$tmp/r.hist" &
bg2=$!
sleep 0.4
sed -i 's/^MSR_WRITE 0x20 604721$/MSR_WRITE 0x20 605721/' "$tree/vms/4242-12/vcpu0/exits"
sed -i 's/^MSR_WRITE 0x20 1209442$/MSR_WRITE 0x20 1210442/' "$tree/vms/4242-12/exits"
sed -i 's/^MSR_WRITE 0x20 512 600000$/MSR_WRITE 0x20 512 601000/' "$tree/vms/4242-12/vcpu0/latency"
sed -i 's/^MSR_WRITE 0x20 512 1200000$/MSR_WRITE 0x20 512 1201000/' "$tree/vms/4242-12/latency"
sed -i 's/^piw 7$/piw 107/' "$tree/vms/4242-12/wakeups"
sed -i 's/^mmio 1000$/mmio 1010/' "$tree/vms/5150-kvm3/npf"
wait $bg
wait $bg2
check "--hist over one interval: only what changed in it" test "$(grep '^[@[]' "$tmp/r.hist")" = \
"@latency_ns[4242-12 vcpu0, MSR_WRITE 0x20]: count 1000 in the interval, avg 767.5, p50 767.0, p99 1017.9, max 1023
[512, 1K)            1000 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
check "rates over one interval" "$python" - "$tmp/r.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
dt = d['interval']
assert 0.9 < dt < 2, dt
vm = [v for v in d['vms'] if v['name'] == '4242-12'][0]
c0 = vm['vcpus'][0]
e = {x['name']: x for x in c0['exits']}
assert abs(e['MSR_WRITE']['rate'] - 1000 / dt) < 0.01, (e['MSR_WRITE'], dt)
assert e['HLT']['rate'] == 0
assert abs(c0['exits_rate'] - 1000 / dt) < 0.01
assert abs(vm['exits_rate'] - 1000 / dt) < 0.01
assert abs(vm['wakeups']['rate']['piw'] - 100 / dt) < 0.01
assert vm['wakeups']['rate']['piw_share'] == 1.0
assert vm['vcpus'][1]['exits_rate'] == 0
assert vm['hlt']['rate']['halts'] == 0 and 'poll_ns' not in vm['hlt']['rate']
# the interval's histogram: 1000 exits in [512, 1023] and nothing else
lat = {x['name']: x for x in c0['latency']}
iv = lat['MSR_WRITE']['interval']
assert iv['count'] == 1000 and iv['p50_ns'] == 767.0 and iv['p99_ns'] == 1017.9, iv
assert iv['max_ns'] == 1023 and iv['time_share'] == 1.0, iv
assert abs(iv['rate'] - 1000 / dt) < 0.01, iv
assert lat['EPT_MISCONFIG']['interval']['count'] == 0
assert lat['EPT_MISCONFIG']['interval']['p99_ns'] is None
vm = [v for v in d['vms'] if v['name'] == '5150-kvm3'][0]
assert abs(vm['npf']['rate']['mmio'] - 10 / dt) < 0.01, vm['npf']
assert vm['npf']['rate']['fault'] == 0 and vm['npf']['mmio'] == 1010
EOF
# rate and exits order VMs differently: 5150 busy now, 4242 busier since load
"${top[@]}" --once -d 0.5 -s rate >"$tmp/rate" &
bg=$!
sleep 0.2
sed -i 's/^IOIO 0x7b 1000$/IOIO 0x7b 6000/' "$tree/vms/5150-kvm3/exits"
wait $bg
check "-s rate: the VM busy in the interval first" \
	first_vm "$tmp/rate" "^VM 5150-kvm3 .* exits [0-9]*/s"
"${top[@]}" --once -d 0.2 -s exits >"$tmp/exits"
check "-s exits: the VM with most exits since load first, rates shown" \
	first_vm "$tmp/exits" "^VM 4242-12 .* exits 0/s"
sed -i 's/^IOIO 0x7b 6000$/IOIO 0x7b 1000/' "$tree/vms/5150-kvm3/exits"

# ---- 9. strings are escaped, unknown lines/keys/files tolerated ---------------
mkdir "$tree/vms/77-\"q\\z"$'\t'
cp "$tree/vms/5150-kvm3/"{exits,msrs,hlt,wakeups,stats} "$tree/vms/77-\"q\\z"$'\t'/
printf 'garbage line here\nX 0xzz 1\n\n' >>"$tree/vms/5150-kvm3/exits"
printf 'new_key 5\nexit_hist 3 9\n' >>"$tree/vms/5150-kvm3/hlt"
printf 'IOIO 0x7b 3000 1\nIOIO 0x7b 64\nOTHER 0x1 2 2\n' >>"$tree/vms/5150-kvm3/latency"
if "${top[@]}" --once --totals --json >"$tmp/e.json" &&
	"$python" "$compare" tree "$tree" "$tmp/e.json"; then
	ok "escaping and malformed lines (JSON)"
else
	bad "escaping / malformed lines (JSON)"
fi
"$python" "$compare" snapshot "$tree" "$tmp/snap.json"
if "${top[@]}" --prometheus >"$tmp/e.prom" &&
	"$python" "$compare" prom "$tmp/snap.json" "$tmp/e.prom" 4242-12=web,1 5150-kvm3=db; then
	ok "escaping and malformed lines (OpenMetrics)"
else
	bad "escaping / malformed lines (OpenMetrics)"
fi
if "${top[@]}" --prometheus=text >"$tmp/e.txt" &&
	"$python" "$compare" text "$tmp/snap.json" "$tmp/e.txt" 4242-12=web,1 5150-kvm3=db; then
	ok "escaping and malformed lines (the text format)"
else
	bad "escaping / malformed lines (the text format)"
fi
check "--prometheus: label values escaped" grep -qF 'kvmtrace_vm_info{vm="77-\"q\\z'$'\t''",pid="77",isa="svm"} 1' "$tmp/e.prom"
rm -rf "$tree/vms/77-"*

# ---- 10. VMs appearing and disappearing while sampling (optionally valgrind) --
(
	while :; do
		cp -a "$tree/vms/4242-12" "$tree/vms/.9-1" && mv "$tree/vms/.9-1" "$tree/vms/9-1"
		rm -f "$tree/vms/9-1/vcpu1/msrs"
		rm -rf "$tree/vms/9-1"
	done
) &
churn=$!
"${vg[@]}" "${top[@]}" --json -d 0.01 -n 200 >"$tmp/c.json"
rc=$?
"${vg[@]}" "${top[@]}" -d 0.01 -n 50 -V >/dev/null
rc2=$?
"${vg[@]}" "${top[@]}" --hist -d 0.01 -n 20 >/dev/null
rc3=$?
"${vg[@]}" "${top[@]}" --prometheus >/dev/null
rc4=$?
kill $churn
wait $churn 2>/dev/null
churn=
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ] && [ $rc4 -eq 0 ] && "$python" - "$tmp/c.json" <<'EOF'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 200
seen = 0
for d in docs:
    for v in d['vms']:
        if v['name'] == '9-1':
            assert len(v['vcpus']) == 2, v['name']
            seen += 1
            assert v['exits_total'] == 1321876
print(f'9-1 complete in {seen} of 200 samples')
EOF
then ok "VM churn${vg[*]:+ under valgrind}"; else bad "VM churn (rc $rc/$rc2/$rc3/$rc4)"; fi

# ---- 11. error paths and arguments -------------------------------------------
expect_rc "missing root" 5 'not loaded.*insmod kvmtrace.ko' "$kvmtop" --root "$tmp/nope" --once
expect_rc "root is a file" 5 'not a directory' "$kvmtop" --root "$tree/summary" --once
expect_rc "-d 0" 2 'bad delay' "$kvmtop" --root "$tree" -d 0
expect_rc "-t x" 2 'bad row count' "$kvmtop" --root "$tree" -t x
expect_rc "-p -1" 2 'bad pid' "$kvmtop" --root "$tree" -p -1
expect_rc "-n 0" 2 'bad count' "$kvmtop" --root "$tree" -n 0
expect_rc "-s bogus" 2 "bad sort key 'bogus' \(rate, exits, time, p99, msr\)" "$kvmtop" --root "$tree" -s bogus
expect_rc "--json --prometheus" 2 'exclude each other' "$kvmtop" --root "$tree" --json --prometheus
expect_rc "--hist with two reasons" 2 "unexpected argument 'HLT'" "$kvmtop" --root "$tree" --hist IOIO HLT
expect_rc "extra arg" 2 'unexpected argument' "$kvmtop" --root "$tree" foo
for f in "" --json --prometheus --hist; do
	"$kvmtop" --root "$tree" --once --totals $f >/dev/full 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q '^kvmtop: cannot write output$' "$tmp/err"; then
		ok "${f:-text} to a full disk: exit 1"
	else
		bad "${f:-text} to a full disk: exit $rc, $(cat "$tmp/err")"
	fi
done
expect_rc "unknown option" 2 "^Try 'kvmtop --help' for more\.$" "$kvmtop" --bogus
expect_rc "--prometheus=bogus" 2 "bad --prometheus format 'bogus' \(openmetrics, text\)" "$kvmtop" --root "$tree" --prometheus=bogus
"$kvmtop" --help >"$tmp/help"
check "--help: a manual page" has_lines "$tmp/help" NAME SYNOPSIS DESCRIPTION VIEWS OPTIONS \
	'SORT KEYS (-s, and s on the screen; largest first)' \
	'  p99      99th percentile of the exit handling time' \
	'KEYS (the interactive screen; no Enter needed)' \
	'  r            reset the counters (writes "reset" to control)' \
	'EXIT STATUS' '  3  not root, or a kvmtrace file is not readable (EACCES)' \
	FILES '          exits msrs latency user_latency hlt npf wakeups stats' \
	EXAMPLES 'SEE ALSO'
check "--help: 80 columns" test "$(awk 'length > 80' "$tmp/help")" = ""

# ---- 12. Documentation/kvmtop.rst has every option, key, sort key, metric --
check "the documentation has every option, key, sort key and metric" "$python" - \
	"$doc" "$tmp/help" "$tmp/t.prom" <<'EOF'
import re, sys
doc, help, prom = (open(f).read() for f in sys.argv[1:4])
missing = []
def need(what, text):
    if text not in doc:
        missing.append(f'{what} {text}')
section = lambda name: help.split(f'\n{name}')[1].split('\n\n')[0]
for opt in re.findall(r'^\s+(?:-(\w), )?--([a-z]+)', section('OPTIONS'), re.M):
    need('option', f'``--{opt[1]}')
    if opt[0]:
        need('option', f'``-{opt[0]}``')
doc_options = doc.split('\nOptions\n=======\n')[1].split('\n=====')[0]
for doc_opt in re.findall(r'^``(?:-\w``, ``)?(--[a-z]+)', doc_options, re.M):
    if doc_opt not in help:
        missing.append(f'--help lacks {doc_opt}')
for line in section('KEYS').splitlines()[1:]:
    for key in line.split('  ')[1].split():
        need('key', {'Bksp': 'Backspace'}.get(key, key if len(key) > 1 else f'``{key}``'))
for key in re.findall(r'^  (\w+) ', section('SORT KEYS'), re.M):
    need('sort key', f'``{key}``')
for code in re.findall(r'^  (\d)  ', section('EXIT STATUS'), re.M):
    need('exit status', f'\n{code}      ')
types = dict(re.findall(r'^# TYPE (\S+) (\S+)', prom, re.M))
for fam, typ in types.items():
    name = fam + ('_total' if typ == 'counter' else '')
    both = re.sub(r'^kvmtrace_(vm|vcpu)_', 'kvmtrace_{vm,vcpu}_', name)
    if f'``{name}``' not in doc and f'``{both}``' not in doc:
        missing.append(f'metric {name}')
assert not missing, missing
print(f'{len(types)} metric families, every option, key and exit status documented')
EOF
mv "$tree/summary" "$tree/summary.x"
expect_rc "no summary" 5 'summary: not found' "$kvmtop" --root "$tree" --once --totals
mv "$tree/summary.x" "$tree/summary"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	asnobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	expect_rc "not root (default root)" 3 'must be run as root' "${asnobody[@]}" "$kvmtop" --once
	chmod 755 "$tmp"
	chmod -R go-rwx "$tree"
	expect_rc "not root (EACCES)" 3 'permission denied' "${asnobody[@]}" "$kvmtop" --root "$tree" --once
	chmod 711 "$tree"
	expect_rc "not root (EACCES, summary)" 3 'permission denied.*root' "${asnobody[@]}" "$kvmtop" --root "$tree" --once
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
