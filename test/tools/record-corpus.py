#!/usr/bin/python3
"""Record what real ovs-ofctl (Debian OVS 3.1) prints for each corpus input line.

Reads test/corpus/inputs/<group>.txt and writes test/corpus/<group>.json; see
test/corpus/README.md for both formats. Runs against a private OVS sandbox on the
userspace dummy datapath (started and stopped here unless --keep / already running).

    /usr/bin/python3 test/tools/record-corpus.py                 # every group + dumps
    /usr/bin/python3 test/tools/record-corpus.py matches ct      # only these groups
    /usr/bin/python3 test/tools/record-corpus.py --keep dumps    # leave sandbox running
    /usr/bin/python3 test/tools/record-corpus.py --add-key of13  # one more dump of every
        # accepted line, added to the existing JSON; recorded values stay as they are

Input line syntax: `;` starts a recorder comment (the line is skipped). A line may
start with directives, each followed by one space, then the input verbatim:
    @OpenFlow13   add with `-O OpenFlow13` (any OpenFlowNN)
    @file         add with `add-flows br0 FILE` (FILE holds the line) instead of add-flow
Without @OpenFlowNN the default protocol is tried first; if ovs-ofctl answers that no
usable flow format is allowed, the line is retried with -O OpenFlow15 and that is recorded.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(ROOT, 'test', 'corpus')
SANDBOX_TOOL = os.environ.get('OVS_SANDBOX_TOOL', '/work/shared/tools/ovs-sandbox.sh')
FLOW_GROUPS = ['matches', 'actions', 'ct', 'learn', 'flowkeys', 'errors', 'ovs-ofctl-at']
BR = 'br0'

# Ports: ofport -> name. `lr0-ext` needs quoting in --names output.
PORTS = [(1, 'p1'), (2, 'p2'), (3, 'p3'), (4, 'p4'), (10, 'vm1'), (11, 'lr0-ext')]
# Geneve option -> tun_metadataN mapping, so tun_metadata matches can be added.
TLV_MAP = ('{class=0x102,type=0x80,len=4}->tun_metadata0,'
           '{class=0x102,type=0x81,len=8}->tun_metadata1,'
           '{class=0xffff,type=0x1,len=16}->tun_metadata2,'
           '{class=0xffff,type=0x2,len=124}->tun_metadata3')
# Flows may only reference groups and meters that exist.
FIXTURE_GROUPS = ['group_id=1,type=all,bucket=output:1',
                  'group_id=2,type=select,bucket=output:1,bucket=output:2',
                  'group_id=3,type=indirect,bucket=output:3',
                  'group_id=4,type=ff,bucket=watch_port:1,output:1',
                  'group_id=100,type=all,bucket=output:4']
FIXTURE_METERS = ['meter=1,kbps,band=type=drop,rate=1000',
                  'meter=2,pktps,burst,stats,band=type=drop,rate=10,burst_size=20']


# Log lines on stderr start with a wall-clock time and a sequence number; drop both
# so that recordings are reproducible ("...Z|00001|ofp_port|WARN|x" -> "ofp_port|WARN|x").
LOG_PREFIX = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|\d+\|', re.M)


def run(args, check=False):
    p = subprocess.run(args, capture_output=True, text=True, env=ENV)
    if check and p.returncode != 0:
        sys.exit(f'command failed: {args}: {p.stderr}')
    p.stderr = LOG_PREFIX.sub('', p.stderr)
    return p


def sandbox_env(sandbox):
    out = subprocess.run([SANDBOX_TOOL, 'env', sandbox], capture_output=True, text=True,
                         check=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        key, _, val = line.removeprefix('export ').partition('=')
        env[key] = val
    return env


def ofctl(*args, proto=None):
    cmd = ['ovs-ofctl']
    if proto:
        cmd += ['-O', proto]
    return run(cmd + list(args))


def setup_bridge():
    run(['ovs-vsctl', '--if-exists', 'del-br', BR], check=True)
    protos = ','.join(f'OpenFlow1{i}' for i in range(6))
    cmd = ['ovs-vsctl', 'add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=dummy',
           'fail-mode=secure', f'protocols={protos}']
    for ofport, name in PORTS:
        cmd += ['--', 'add-port', BR, name, '--', 'set', 'interface', name, 'type=dummy',
                f'ofport_request={ofport}']
    run(cmd, check=True)
    ofctl('del-tlv-map', BR)
    p = ofctl('add-tlv-map', BR, TLV_MAP)
    if p.returncode:
        sys.exit('add-tlv-map: ' + p.stderr)
    setup_fixture_groups()
    for m in FIXTURE_METERS:
        p = ofctl('add-meter', BR, m, proto='OpenFlow13')
        if p.returncode:
            sys.exit('add-meter: ' + p.stderr)


def setup_fixture_groups():
    ofctl('del-groups', BR, proto='OpenFlow15')
    for g in FIXTURE_GROUPS:
        p = ofctl('add-group', BR, g, proto='OpenFlow15')
        if p.returncode:
            sys.exit('add-group: ' + p.stderr)


def parse_spec(path):
    """Yield (directives, input) from an input file."""
    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if not line.strip() or line.startswith(';'):
                continue
            directives = []
            while line.startswith('@'):
                word, _, line = line.partition(' ')
                directives.append(word[1:])
            yield directives, line


def flow_lines(stdout):
    """Flow lines of a dump, header dropped, leading space trimmed."""
    return [l[1:] if l.startswith(' ') else l for l in stdout.splitlines()
            if l.startswith(' ')]


def one(lines):
    return lines[0] if len(lines) == 1 else lines


def add_flow(text, proto, via_file):
    if via_file:
        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
            f.write(text + '\n')
        try:
            return ofctl('add-flows', BR, f.name, proto=proto)
        finally:
            os.unlink(f.name)
    return ofctl('add-flow', BR, text, proto=proto)


def record_flow(directives, text):
    proto = next((d for d in directives if d.startswith('OpenFlow')), None)
    via_file = 'file' in directives
    ofctl('del-flows', BR)
    entry = {'input': text}
    if via_file:
        entry['via'] = 'add-flows'
    p = add_flow(text, proto, via_file)
    if p.returncode and proto is None and 'none of the usable flow formats' in p.stderr:
        entry['default_error'] = p.stderr
        proto = 'OpenFlow15'
        p = add_flow(text, proto, via_file)
    entry['protocol'] = proto or 'default'
    if p.returncode:
        entry['error'] = p.stderr
        entry['exit'] = p.returncode
        return entry
    if p.stderr:
        entry['warning'] = p.stderr
    for key, dump_proto, opts in FLOW_DUMPS:
        dump_into(entry, key, dump_proto, opts)
    return entry


# key in the entry, -O protocol of the dump, options after `dump-flows br0`
FLOW_DUMPS = (('canonical', None, ['--no-stats']), ('names', None, ['--no-stats', '--names']),
              ('of15', 'OpenFlow15', ['--no-stats']), ('of13', 'OpenFlow13', ['--no-stats']),
              ('stats', None, []))


def dump_into(entry, key, dump_proto, opts):
    p = ofctl('dump-flows', BR, *opts, proto=dump_proto)
    if p.returncode:
        # e.g. a flow added in OpenFlow 1.3 whose instructions NXM cannot carry
        entry[key] = None
        entry[key + '_error'] = p.stderr
    else:
        entry[key] = one(flow_lines(p.stdout))


def add_key(name, key):
    """Adds one dump (a FLOW_DUMPS key) to an existing <group>.json, leaving every value
    already recorded as it is: each accepted line is added again exactly as recorded
    (same protocol, same way), its canonical dump must come out as recorded, and only
    `key` is written (placed before `stats`)."""
    path = os.path.join(CORPUS, name + '.json')
    with open(path, encoding='utf-8') as f:
        entries = json.load(f)
    _, dump_proto, opts = next(d for d in FLOW_DUMPS if d[0] == key)
    out = []
    for e in entries:
        if 'error' in e:
            out.append(e)
            continue
        proto = None if e['protocol'] == 'default' else e['protocol']
        ofctl('del-flows', BR)
        p = add_flow(e['input'], proto, e.get('via') == 'add-flows')
        if p.returncode:
            sys.exit(f'{name}: {e["input"]!r} was accepted when recorded, now: {p.stderr}')
        got = {}
        dump_into(got, 'canonical', None, ['--no-stats'])
        if got['canonical'] != e['canonical']:
            sys.exit(f'{name}: {e["input"]!r}: canonical now {got["canonical"]!r}')
        dump_into(got, key, dump_proto, opts)
        new = {k: v for k, v in e.items() if k not in (key, key + '_error', 'stats')}
        new.update({k: v for k, v in got.items() if k != 'canonical'})
        if 'stats' in e:
            new['stats'] = e['stats']
        new.update({k: v for k, v in e.items() if k not in new})
        out.append(new)
    write_json(name, out)


def write_json(name, entries):
    path = os.path.join(CORPUS, name + '.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(entries, f, indent=1, ensure_ascii=False)
        f.write('\n')
    ok = sum(1 for e in entries if 'error' not in e)
    print(f'{name}: {ok} accepted, {len(entries) - ok} rejected -> {path}')


def record_group(name):
    entries = [record_flow(d, t) for d, t in
               parse_spec(os.path.join(CORPUS, 'inputs', name + '.txt'))]
    write_json(name, entries)


def record_groups():
    """add-group lines: dump-groups in OpenFlow 1.5 (and 1.3 for comparison)."""
    entries = []
    for directives, text in parse_spec(os.path.join(CORPUS, 'inputs', 'groups.txt')):
        proto = next((d for d in directives if d.startswith('OpenFlow')), 'OpenFlow15')
        ofctl('del-flows', BR)
        ofctl('del-groups', BR, proto='OpenFlow15')
        entry = {'input': text, 'protocol': proto}
        p = ofctl('add-group', BR, text, proto=proto)
        if p.returncode:
            entry.update(error=p.stderr, exit=p.returncode)
        else:
            entry['dump'] = one(flow_lines(ofctl('dump-groups', BR, proto='OpenFlow15').stdout))
            entry['of13'] = one(flow_lines(ofctl('dump-groups', BR, proto='OpenFlow13').stdout))
        entries.append(entry)
    setup_fixture_groups()
    write_json('groups', entries)


# Frames injected before the raw dumps so that some counters are non-zero.
DUMP_PACKETS = [
    ('p1', 'in_port(1),eth(src=02:00:00:00:0a:01,dst=02:00:00:00:0b:01),eth_type(0x0800),'
           'ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=40000,dst=80),'
           'tcp_flags(syn)'),
    ('p2', 'in_port(2),eth(src=02:00:00:00:0b:01,dst=02:00:00:00:0a:01),eth_type(0x0806),'
           'arp(sip=10.0.0.2,tip=10.0.0.1,op=1,sha=02:00:00:00:0b:01,tha=00:00:00:00:00:00)'),
    ('p1', 'in_port(1),eth(src=02:00:00:00:0a:01,dst=02:00:00:00:0b:01),eth_type(0x0800),'
           'ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=5000,dst=53)'),
]

DUMP_VARIANTS = [  # name, options before the command, options after it
    ('default', [], []), ('names', [], ['--names']), ('of13', ['-O', 'OpenFlow13'], []),
    ('of15', ['-O', 'OpenFlow15'], []), ('of15-names', ['-O', 'OpenFlow15'], ['--names'])]


def record_dumps():
    """Raw dumps of a bridge with many flows, each beside its --no-stats form.

    Both dumps of a pair are taken back to back, so the switch lists the flows in
    the same order (checked below)."""
    ofctl('del-flows', BR)
    src = os.path.join(CORPUS, 'inputs', 'dump-flows.txt')
    p = ofctl('add-flows', BR, src)
    if p.returncode:
        sys.exit('add-flows dump-flows.txt: ' + p.stderr)
    p = ofctl('add-flow', BR, 'table=0,priority=1,importance=7,actions=drop',
              proto='OpenFlow14')
    if p.returncode:
        sys.exit('add-flow importance: ' + p.stderr)
    for port, pkt in DUMP_PACKETS:
        run(['ovs-appctl', 'netdev-dummy/receive', port, pkt], check=True)
    out = os.path.join(CORPUS, 'dumps')
    os.makedirs(out, exist_ok=True)
    for name, pre, post in DUMP_VARIANTS:
        raw = run(['ovs-ofctl', *pre, 'dump-flows', BR, *post], check=True).stdout
        bare = run(['ovs-ofctl', *pre, 'dump-flows', BR, *post, '--no-stats'],
                   check=True).stdout
        if len(flow_lines(raw)) != len(flow_lines(bare)):
            sys.exit(f'dump {name}: raw and --no-stats differ in flow count')
        for suffix, text in (('raw', raw), ('no-stats', bare)):
            with open(os.path.join(out, f'{name}.{suffix}.txt'), 'w') as f:
                f.write(text)
    print(f'dumps: {len(DUMP_VARIANTS)} variants -> {out}')


def main(argv):
    keep = '--keep' in argv
    sandbox = '/tmp/corpus-ovs'
    if '--sandbox' in argv:
        sandbox = argv[argv.index('--sandbox') + 1]
    add = argv[argv.index('--add-key') + 1] if '--add-key' in argv else None
    wanted = [a for a in argv if not a.startswith('--') and a not in (sandbox, add)] or \
        (FLOW_GROUPS if add else FLOW_GROUPS + ['groups', 'dumps'])
    global ENV
    ENV = sandbox_env(sandbox)
    started = False
    if subprocess.run([SANDBOX_TOOL, 'status', sandbox], capture_output=True).returncode:
        subprocess.run([SANDBOX_TOOL, 'start', sandbox], check=True)
        started = True
    try:
        version = run(['ovs-ofctl', '--version'], check=True).stdout.splitlines()[0]
        print(version)
        setup_bridge()
        for name in wanted:
            if add:
                add_key(name, add)
            elif name == 'groups':
                record_groups()
            elif name == 'dumps':
                record_dumps()
            else:
                record_group(name)
    finally:
        if started and not keep:
            subprocess.run([SANDBOX_TOOL, 'stop', sandbox], check=True)


ENV = dict(os.environ)
if __name__ == '__main__':
    main(sys.argv[1:])
