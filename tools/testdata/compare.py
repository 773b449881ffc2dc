#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# kvmtop's outputs against a kvmtrace tree, exactly: the one comparison
# used by tools/testdata/check.sh (fake trees) and
# selftests/kvmtrace/kvmtop.sh (the real debugfs).
#
#   compare.py snapshot ROOT OUT [PID]   the tree's files, parsed, as JSON
#   compare.py json SNAP DOC             kvmtop --json (one document)
#   compare.py prom SNAP TEXT [VM=GUEST...]
#                                        kvmtop --prometheus (OpenMetrics),
#                                        through prometheus_client's
#                                        OpenMetrics parser
#   compare.py text SNAP TEXT [VM=GUEST...]
#                                        kvmtop --prometheus=text, through
#                                        its parser of the text format
#   compare.py tree ROOT DOC [PID]       snapshot, then json
#   compare.py check SNAP [json:DOC] [prom:TEXT] [text:TEXT] [VM=GUEST...]
#                                        the three in one go
#   compare.py live ROOT KVMTOP DIR [VM=GUEST...]
#                                        a tree that stands still (stopped
#                                        VMs): snapshot, kvmtop's three
#                                        outputs, snapshot again, until the
#                                        two snapshots are equal (5 rounds
#                                        at most); then check; the files go
#                                        to DIR (before.json, top.json,
#                                        top.prom, top.text)
#
# VM=GUEST: the guest name kvmtop is expected to show for VM.  prom and
# text need prometheus_client: Debian's python3-prometheus-client, for
# Debian's /usr/bin/python3.
#
# The files are parsed here the way Documentation/kvmtrace.rst specifies
# them, line shape by line shape, with names and keys read from
# kmod/include/uapi/kvmtrace_keys.h; the estimates (avg, p50, p99, max)
# are recomputed the way Documentation/kvmtop.rst specifies them.

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS_H = os.path.join(HERE, '..', '..', 'kmod', 'include', 'uapi', 'kvmtrace_keys.h')
BUCKETS = 36                      # KVMTRACE_HIST_BUCKETS


def fail(msg):
    sys.exit(f'compare.py: {msg}')


def keys_table():
    """The X-macro lines of kvmtrace_keys.h: {macro: [(name, kind, text)]}."""
    out = {}
    pat = re.compile(r'^(KVMTRACE_\w+)\((\w+)(?:,\s*(\w+))?(?:,\s*"([^"]*)")?\)\s*$')
    for line in open(KEYS_H):
        m = pat.match(line.strip())
        if m:
            out.setdefault(m.group(1), []).append(m.groups()[1:])
    return out


TABLE = keys_table()
SCOPE_FILES = [k[0] for k in TABLE['KVMTRACE_SCOPE_FILE']]
HLT_HISTS = [k[0] for k in TABLE['KVMTRACE_HLT_HIST']]
KINDS = {f: {k[0]: k[1] for k in TABLE.get(f'KVMTRACE_{f.upper()}_KEY', [])}
         for f in ('hlt', 'npf', 'wakeups', 'stats', 'summary')}


# ---- the files -------------------------------------------------------------

def rows(path):
    return [line.split() for line in open(path).read().splitlines()]


def dec(s):
    return s.isdigit() and s.isascii()


def hexcode(s):
    return re.fullmatch(r'0[xX][0-9a-fA-F]{1,8}', s) is not None


def kv(path):
    """key value lines, in file order; numbers as int."""
    out = {}
    for t in rows(path):
        if len(t) == 2 and t[0] not in out:
            out[t[0]] = int(t[1]) if dec(t[1]) else t[1]
    return out


def bucket_of(lo):
    if lo == 0:
        return 0
    if lo & (lo - 1) or lo.bit_length() - 1 >= BUCKETS:
        return None
    return lo.bit_length() - 1


def hist_lines(path):
    """latency / user_latency: {(name, code|None): {lo: count}}."""
    out = {}
    for t in rows(path):
        if len(t) != 4 or not dec(t[2]) or not dec(t[3]):
            continue
        if t[0] == 'OTHER' and t[1] == '-':
            key = ('OTHER', None)
        elif hexcode(t[1]):
            key = (t[0], int(t[1], 16))
        else:
            continue
        lo = int(t[2])
        if bucket_of(lo) is None:
            continue
        h = out.setdefault(key, {})
        h[lo] = h.get(lo, 0) + int(t[3])
    return out


def scope(d):
    s = {'files': sorted(f for f in SCOPE_FILES if os.path.exists(f'{d}/{f}'))}
    exits, seen = [], set()
    for t in rows(f'{d}/exits'):
        if len(t) == 3 and hexcode(t[1]) and dec(t[2]) and t[0] != 'OTHER':
            code = int(t[1], 16)
            if code not in seen:
                seen.add(code)
                exits.append([code, t[0], int(t[2])])
    s['exits'] = sorted(exits)
    s['msrs'] = sorted([int(t[0], 16), None if t[1] == '-' else t[1], int(t[2]), int(t[3])]
                       for t in rows(f'{d}/msrs')
                       if len(t) == 4 and hexcode(t[0]) and dec(t[2]) and dec(t[3]))
    for f in ('latency', 'user_latency'):
        if os.path.exists(f'{d}/{f}'):
            s[f] = sorted([n, c, sorted([lo, k] for lo, k in h.items())]
                          for (n, c), h in hist_lines(f'{d}/{f}').items())
    hlt = kv(f'{d}/hlt')
    s['hlt'] = hlt
    s['hlt_hists'] = {}
    for name in HLT_HISTS:
        h = {}
        for t in rows(f'{d}/hlt'):
            if len(t) == 3 and t[0] == name and dec(t[1]) and dec(t[2]) and \
               bucket_of(int(t[1])) is not None:
                h[int(t[1])] = h.get(int(t[1]), 0) + int(t[2])
        s['hlt_hists'][name] = sorted([lo, k] for lo, k in h.items())
    s['wakeups'] = kv(f'{d}/wakeups')
    s['stats'] = kv(f'{d}/stats')
    if os.path.exists(f'{d}/npf'):
        s['npf'] = kv(f'{d}/npf')
    return s


def snapshot(root, pid=None):
    out = {'summary': kv(f'{root}/summary'), 'vms': {}}
    vmsdir = f'{root}/vms'
    for vm in sorted(os.listdir(vmsdir) if os.path.isdir(vmsdir) else []):
        if vm.startswith('.') or (pid is not None and vm.split('-')[0] != str(pid)):
            continue
        d = f'{vmsdir}/{vm}'
        s = scope(d)
        s['vcpus'] = {str(int(v[4:])): scope(f'{d}/{v}') for v in sorted(os.listdir(d))
                      if v.startswith('vcpu') and v[4:].isdigit()}
        out['vms'][vm] = s
    return out


# ---- the estimates (Documentation/kvmtop.rst, "Time") ---------------------

def lo_of(b):
    return 0 if b == 0 else 1 << b


def hi_of(b):
    return 1 if b == 0 else (1 << (b + 1)) - 1


def buckets(pairs):
    h = [0] * BUCKETS
    for lo, k in pairs:
        h[bucket_of(lo)] += k
    return h


def quantile(h, q):
    """Prometheus' histogram_quantile() on le = hi(b), the last le +Inf."""
    total = sum(h)
    if not total:
        return None
    rank, below = q * total, 0
    for b in range(BUCKETS - 1):
        if below + h[b] >= rank:
            break
        below += h[b]
    else:
        return float(hi_of(BUCKETS - 2))
    start = float(hi_of(b - 1)) if b else 0.0
    if not h[b]:
        return float(hi_of(b))
    return start + (hi_of(b) - start) * ((rank - below) / h[b])


def estimates(pairs):
    h = buckets(pairs)
    n = sum(h)
    t = sum(k * (lo_of(b) + hi_of(b)) / 2 for b, k in enumerate(h))
    top = max((b for b in range(BUCKETS) if h[b]), default=None)
    return {'count': n, 'time_ns': t, 'avg_ns': t / n if n else None,
            'p50_ns': quantile(h, 0.5), 'p99_ns': quantile(h, 0.99),
            'max_ns': hi_of(top) if top is not None else None}


def near(a, b, tol):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


# ---- kvmtop --json ---------------------------------------------------------

def check_hist_obj(o, pairs, time_all, where):
    assert o['buckets'] == pairs, f'{where}: buckets {o["buckets"]} != {pairs}'
    e = estimates(pairs)
    assert o['count'] == e['count'], f'{where}: count'
    assert near(o['time_ns'], e['time_ns'], 0.05), f'{where}: time_ns {o["time_ns"]} != {e["time_ns"]}'
    for k in ('avg_ns', 'p50_ns', 'p99_ns'):
        assert near(o[k], e[k], 0.05), f'{where}: {k} {o[k]} != {e[k]}'
    assert o['max_ns'] == e['max_ns'], f'{where}: max_ns {o["max_ns"]} != {e["max_ns"]}'
    if time_all is not None:
        share = e['time_ns'] / time_all if time_all else None
        assert near(o['time_share'], share, 5e-7), f'{where}: time_share {o["time_share"]} != {share}'


def check_kv(got, want, where):
    got = {k: v for k, v in got.items() if k not in ('rate', 'piw_share') + tuple(HLT_HISTS)}
    assert got == want, f'{where}: {got} != {want}'


def check_json_scope(s, f, where, rates):
    exits = [[e['code'], e['name'], e['count']] for e in s['exits']]
    assert exits == f['exits'], f'{where} exits {exits} != {f["exits"]}'
    total = sum(e[2] for e in f['exits'])
    assert s['exits_total'] == total, f'{where} exits_total'
    for e in s['exits']:
        assert near(e['share'], e['count'] / total if total else None, 5e-7), f'{where} share'
        assert (e['rate'] is None) != rates, f'{where} exits rate'
    msrs = [[m['index'], m['name'], m['writes'], m['reads']] for m in s['msrs']]
    assert msrs == f['msrs'], f'{where} msrs {msrs} != {f["msrs"]}'
    for name in ('latency', 'user_latency'):
        want = f.get(name, [])
        got = [[x['name'], x['code'], x['buckets']] for x in s[name]]
        want_order = sorted(want, key=lambda r: (r[1] is None, r[1] or 0, r[0]))
        assert got == [[n, c, p] for n, c, p in want_order], f'{where} {name} {got} != {want_order}'
        time_all = sum(estimates(p)['time_ns'] for _, _, p in want)
        for x, (n, c, p) in zip(s[name], want_order):
            check_hist_obj(x, p, time_all, f'{where} {name} {n}')
            assert (x['interval'] is None) != rates, f'{where} {name} interval'
    check_kv(s['hlt'], f['hlt'], f'{where} hlt')
    for name in HLT_HISTS:
        check_hist_obj(s['hlt'][name], f['hlt_hists'][name], None, f'{where} hlt {name}')
    assert (s['hlt']['rate'] is None) != rates, f'{where} hlt rate'
    if rates:
        counts = {k for k, v in f['hlt'].items()
                  if isinstance(v, int) and KINDS['hlt'].get(k, 'SUM') in ('SUM', 'COUNTER')}
        assert set(s['hlt']['rate']) == counts, f'{where} hlt rate keys {set(s["hlt"]["rate"])} != {counts}'
    check_kv(s['wakeups'], f['wakeups'], f'{where} wakeups')
    piw, other = f['wakeups'].get('piw', 0), f['wakeups'].get('other', 0)
    assert near(s['wakeups']['piw_share'], piw / (piw + other) if piw + other else None, 5e-4), where
    assert s['stats'] == f['stats'], f'{where} stats {s["stats"]} != {f["stats"]}'
    if 'npf' in f:
        check_kv(s['npf'], f['npf'], f'{where} npf')
        assert (s['npf']['rate'] is None) != rates, f'{where} npf rate'
    else:
        assert 'npf' not in s, f'{where}: npf without the file'


def check_json(snap, doc):
    rates = doc['interval'] is not None
    assert doc['version'] == 1
    assert doc['summary'] == snap['summary'], f'summary {doc["summary"]} != {snap["summary"]}'
    names = [v['name'] for v in doc['vms']]
    assert names == sorted(snap['vms']), f'vms {names} != {sorted(snap["vms"])}'
    for vm in doc['vms']:
        f = snap['vms'][vm['name']]
        assert vm['pid'] == int(vm['name'].split('-')[0]), vm['name']
        check_json_scope(vm, f, vm['name'], rates)
        ids = [str(c['id']) for c in vm['vcpus']]
        assert ids == sorted(f['vcpus'], key=int), f'{vm["name"]} vcpus {ids}'
        for c in vm['vcpus']:
            check_json_scope(c, f['vcpus'][str(c['id'])], f'{vm["name"]}/vcpu{c["id"]}', rates)
    nv = sum(len(v['vcpus']) for v in doc['vms'])
    return f'{len(doc["vms"])} VMs, {nv} vCPUs: JSON equals the files'


# ---- kvmtop --prometheus -----------------------------------------------------

def parsers():
    try:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
        from prometheus_client.parser import text_string_to_metric_families as classic
    except ImportError:
        fail(f'{sys.executable} has no prometheus_client '
             '(Debian: python3-prometheus-client, for /usr/bin/python3; make deps)')
    return om, classic


def seconds(ns):
    return f'{ns // 10**9}.{ns % 10**9:09d}'


def family_name(prefix, key):
    name = prefix + key
    if name.endswith('_ns'):
        name = name[:-3] + '_seconds'
    return name


def expected_samples(snap):
    """{(sample name, frozenset(labels)): value} that the text must hold."""
    want = {}

    def put(name, labels, v):
        want[(name, frozenset(labels.items()))] = float(v)

    def kvs(prefix, vals, kinds, labels):
        for k, v in vals.items():
            kind = kinds.get(k)
            if kind is None or kind == 'WORD' or not isinstance(v, int):
                continue
            name = family_name(prefix, k)
            val = v / 1e9 if k.endswith('_ns') else v
            put(name + ('_total' if kind in ('SUM', 'COUNTER') else ''), labels, val)

    words = {k: v for k, v in snap['summary'].items() if KINDS['summary'].get(k) == 'WORD'}
    put('kvmtrace_info', words, 1)
    kvs('kvmtrace_', snap['summary'], KINDS['summary'], {})
    for vm, s in snap['vms'].items():
        info = {'vm': vm, 'pid': vm.split('-')[0]}
        if isinstance(s['stats'].get('isa'), str):
            info['isa'] = s['stats']['isa']
        if 'guest' in s:
            info['guest'] = s['guest']
        put('kvmtrace_vm_info', info, 1)
        for p, sc, labels in [('kvmtrace_vm_', s, {'vm': vm})] + \
                [('kvmtrace_vcpu_', c, {'vm': vm, 'vcpu': i}) for i, c in s['vcpus'].items()]:
            for code, name, n in sc['exits']:
                put(p + 'exits_total', dict(labels, reason=name, code=hex(code)), n)
            for idx, name, w, r in sc['msrs']:
                ml = dict(labels, msr=hex(idx))
                if name:
                    ml['msr_name'] = name
                put(p + 'msr_writes_total', ml, w)
                put(p + 'msr_reads_total', ml, r)
            for f in ('hlt', 'npf', 'wakeups', 'stats'):
                if f in sc:
                    kvs(f'{p}{f}_', sc[f], KINDS[f], labels)
        hists = [('kvmtrace_vm_exit_duration_seconds', r) for r in s.get('latency', [])] + \
                [('kvmtrace_vm_user_exit_duration_seconds', r) for r in s.get('user_latency', [])] + \
                [(f'kvmtrace_vm_hlt_{h.split("_")[0]}_duration_seconds', [None, None, s['hlt_hists'][h]])
                 for h in HLT_HISTS]
        for name, (reason, code, pairs) in hists:
            h = buckets(pairs)
            labels = {'vm': vm}
            if reason is not None:
                labels['reason'] = reason
            if code is not None:
                labels['code'] = hex(code)
            cum = 0
            for b in range(BUCKETS):
                cum += h[b]
                le = '+Inf' if b == BUCKETS - 1 else seconds(hi_of(b))
                put(name + '_bucket', dict(labels, le=le), cum)
    return want


def compare_samples(snap, got, guests):
    for vm, g in (guests or {}).items():
        assert vm in snap['vms'], f'{vm}: no such VM'
        snap['vms'][vm]['guest'] = g
    want = expected_samples(snap)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    wrong = [(k, got[k], want[k]) for k in want if k in got and got[k] != want[k]]
    assert not missing, f'{len(missing)} samples missing, e.g. {missing[:3]}'
    assert not extra, f'{len(extra)} samples not in the files, e.g. {extra[:3]}'
    assert not wrong, f'{len(wrong)} samples differ, e.g. {wrong[:3]}'


def check_prom(snap, text, guests=None):
    """OpenMetrics: its own parser, which checks the format strictly."""
    om, _ = parsers()
    assert text.endswith('# EOF\n'), 'no "# EOF" at the end'
    fams = list(om(text))
    got = {}
    for fam in fams:
        for smp in fam.samples:
            key = (smp.name, frozenset(smp.labels.items()))
            assert key not in got, f'sample twice: {key}'
            got[key] = float(smp.value)
        assert fam.type in ('counter', 'gauge', 'histogram'), f'{fam.name}: {fam.type}'
        if fam.type == 'counter':
            assert all(s.name == fam.name + '_total' for s in fam.samples), fam.name
        if fam.type == 'histogram':
            assert all(s.name == fam.name + '_bucket' for s in fam.samples), fam.name
        if fam.unit:
            assert fam.name.endswith('_' + fam.unit), f'{fam.name}: unit {fam.unit}'
    compare_samples(snap, got, guests)
    return f'{len(fams)} families, {len(got)} samples: OpenMetrics equals the files'


def check_text(snap, text, guests=None):
    """
    The text format 0.0.4, through the parser of that format (what
    node_exporter's textfile collector uses in Go): every sample must
    belong to the family its TYPE line declares, or it would come out
    untyped; the histograms are their buckets, as counters.
    """
    _, classic = parsers()
    assert '# EOF' not in text and '# UNIT' not in text, 'OpenMetrics lines in the text format'
    fams = list(classic(text))
    got = {}
    for fam in fams:
        assert fam.type in ('counter', 'gauge'), f'{fam.name}: {fam.type} {fam.samples[:1]}'
        for smp in fam.samples:
            name = smp.name
            # the parser names a counter's samples <family>_total; a
            # family of buckets is declared under its samples' own name
            if fam.type == 'counter' and fam.name.endswith('_bucket'):
                assert name == fam.name + '_total', (fam.name, name)
                name = fam.name
            key = (name, frozenset(smp.labels.items()))
            assert key not in got, f'sample twice: {key}'
            got[key] = float(smp.value)
    compare_samples(snap, got, guests)
    return f'{len(fams)} families, {len(got)} samples: the text format equals the files'


def live(root, kvmtop, out, guests):
    outputs = {'json': ['--once', '--totals', '--json'], 'prom': ['--prometheus'],
               'text': ['--prometheus=text']}
    files = {k: os.path.join(out, f'top.{k}') for k in outputs}
    for attempt in range(1, 6):
        before = snapshot(root)
        for k, args in outputs.items():
            with open(files[k], 'w') as f:
                rc = subprocess.run([kvmtop, '--root', root] + args, stdout=f).returncode
            assert rc == 0, f'kvmtop {" ".join(args)} exited {rc}'
        if snapshot(root) == before:
            break
        print(f'the files changed while kvmtop read them (round {attempt}), again')
        time.sleep(1)
    else:
        raise AssertionError('the files never stood still')
    json.dump(before, open(os.path.join(out, 'before.json'), 'w'), sort_keys=True)
    return [check_json(before, json.load(open(files['json']))),
            check_prom(json.loads(json.dumps(before)), open(files['prom']).read(), guests),
            check_text(json.loads(json.dumps(before)), open(files['text']).read(), guests)]


# ---- main ------------------------------------------------------------------

def main(argv):
    if len(argv) < 2:
        fail('usage: compare.py snapshot|json|prom|text|tree|check|live ...')
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == 'snapshot':
            pid = int(args[2]) if len(args) > 2 else None
            json.dump(snapshot(args[0], pid), open(args[1], 'w'), sort_keys=True)
            return
        if cmd == 'live':
            guests = dict(a.split('=', 1) for a in args[3:])
            print('\n'.join(live(args[0], args[1], args[2], guests)))
            return
        if cmd == 'tree':
            pid = int(args[2]) if len(args) > 2 else None
            print(check_json(snapshot(args[0], pid), json.load(open(args[1]))))
            return
        snap = json.load(open(args[0]))
        if cmd == 'check':
            guests = dict(a.split('=', 1) for a in args[1:] if '=' in a)
            checks = {'json': lambda f: check_json(snap, json.load(open(f))),
                      'prom': lambda f: check_prom(snap, open(f).read(), guests),
                      'text': lambda f: check_text(snap, open(f).read(), guests)}
            for a in args[1:]:
                if '=' in a:
                    continue
                what, _, f = a.partition(':')
                if what not in checks:
                    fail(f'check: {a}: not json:, prom: or text:')
                cmd = what
                print(checks[what](f))
        elif cmd == 'json':
            print(check_json(snap, json.load(open(args[1]))))
        elif cmd in ('prom', 'text'):
            guests = dict(g.split('=', 1) for g in args[2:])
            check = check_prom if cmd == 'prom' else check_text
            print(check(snap, open(args[1]).read(), guests))
        else:
            fail(f'unknown command {cmd}')
    except AssertionError as e:
        fail(f'{cmd}: {e}')


if __name__ == '__main__':
    main(sys.argv)
