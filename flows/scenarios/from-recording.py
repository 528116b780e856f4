#!/usr/bin/env python3
"""Writes flows/scenarios/NAME.scenario from the recorded real-OVN run of NAME
(flows/conversations/NAME.conv + NAME.json), so every expectation states what real OVS 3.1
with OVN 23.03 did with that packet:

  expect output PORT [F=V,...]     <- the frames read back from the ports' tx_pcap, with the
                                      header fields that differ from the frame sent
  expect drop                      <- no port sent anything
  expect controller                <- an acl_log line (a packet-in to ovn-controller)
  expect pass N ct_state=,ct_mark=,dp_hash=
                                   <- the installed megaflow of recirculation N-1 (what the
                                      datapath matched; dp_hash: the full hash the datapath
                                      computed for a select group, of which the megaflow
                                      masks the bits the group uses)
  expect table T flow at line L    <- first packet: the ACL/LB flows ofproto/trace --ct-next went
                                      through (by cookie and match in the table file); after a
                                      table change also every packet whose trace ends in the
                                      datapath actions OVS installed (--ct-next sets no ct_mark,
                                      so a trace of a blocked connection takes another path)
  expect conntrack ENTRY           <- every `dpctl/dump-conntrack` line after the packet,
  expect conntrack count=N            and their number (no other entry in any zone)

The header's `flows` is the recording's start table (its "tables"); a `@T flows PATH` line of
the .conv (the tables changed there: "table_changes") is copied before the packet it precedes.

Usage: python3 flows/scenarios/from-recording.py NAME [TITLE]   (run from the repository root)
"""
import json, re, sys

TABLES = {16: 'ls_in_acl', 20: 'ls_in_lb', 46: 'ls_out_acl'}

def megaflow_chain(dump):
    by_id = {}
    for line in dump[1:]:
        rid = re.search(r'recirc_id\((0x[0-9a-f]+|0)\)', line).group(1)
        by_id[rid] = line
    out, rid = [], '0'
    while rid in by_id:
        line = by_id[rid]
        out.append(line)
        m = re.search(r'recirc\((0x[0-9a-f]+)\)$', line)
        rid = m.group(1) if m else None
    return out

def ct_match(megaflow):
    items = []
    for key in ('ct_state', 'ct_mark', 'dp_hash'):
        m = re.search(key + r'\(([^)]*)\)', megaflow)
        if m:
            items.append(f'{key}={m.group(1).split("/")[0] if key == "dp_hash" else m.group(1)}')
    return ','.join(items)

def trace_agrees(step, chain):
    """Whether the --ct-next trace ends in the actions of the last megaflow OVS installed."""
    last = [l for l in step.get('trace_ct_next', '').splitlines() if l.startswith('Datapath actions: ')]
    norm = lambda a: re.sub(r'recirc_id=\d+', 'recirc_id=N', a.replace('dont_send=1', 'dont_send=0'))
    return bool(last) and norm(last[-1][len('Datapath actions: '):]) == norm(chain[-1].split(' actions:', 1)[1])

def fields(flow):
    return dict(kv.split('=', 1) for kv in flow.split(',') if '=' in kv)

def flow_line(flows, table, prio, match, cookie):
    want = f'priority={prio},{match} actions=' if match else f'priority={prio} actions='
    for i, line in enumerate(flows, 1):
        if f'cookie={cookie},' in line and f'table={table},' in line and want in line:
            return i
    raise SystemExit(f'no flow for table {table} cookie {cookie} {match}')

def main():
    name = sys.argv[1]
    rec = json.load(open(f'flows/conversations/{name}.json'))
    lines = [l.rstrip() for l in open(f'flows/conversations/{name}.conv') if not l.startswith('#') and l.strip()]
    changes = {}  # packet index -> the `@T flows PATH` lines just before it
    conv = []
    for l in lines:
        if re.match(r'^[@+]\S+\s+flows\s', l):
            changes.setdefault(len(conv), []).append(l)
        else:
            conv.append(l)
    assert [(i + 1, len(c)) for i, c in sorted(changes.items())] == \
        [(t['before_step'], 1) for t in rec.get('table_changes', [])], 'table changes differ from the recording'
    start = rec['tables'].removeprefix('flows/')
    flows = open(f'flows/{start}').read().split('\n')
    out = [f'# {name}: {rec["description"]}',
           f'# Expectations from the real OVN 23.03 / OVS 3.1 run recorded in flows/conversations/{name}.json',
           '# (written by flows/scenarios/from-recording.py).',
           f'flows ../{start}', 'groups ../ovn-acl.groups', 'ports ../ovn-acl.ports',
           'profile userspace', 'controller', '']
    for i, (line, s) in enumerate(zip(conv, rec['steps'])):
        for c in changes.get(i, []):
            out.append(c)
            flows = open('flows/' + c.split()[2].removeprefix('../')).read().split('\n')
        out.append(line)
        if not s['delivered_to']:
            out.append('expect drop')
        for o in s['outputs']:
            sent, got = fields(s['flow']), fields(o['flow'])
            diff = [f'{k}={v}' for k, v in got.items() if sent.get(k) != v]
            out.append(f'expect output {o["port"]}' + (' ' + ','.join(diff) if diff else ''))
        if s['acl_log']:
            out.append('expect controller')
        chain = megaflow_chain(s['datapath_flows'])
        for n, m in enumerate(chain[1:], 2):
            if ct_match(m):
                out.append(f'expect pass {n} {ct_match(m)}')
        if i == 0 or (changes and i >= min(changes) and trace_agrees(s, chain)):
            for t in re.finditer(r'^\s*(\d+)\. (?:(.*), )?priority (\d+), cookie (0x[0-9a-f]+)$', s['trace_ct_next'], re.M):
                table = int(t.group(1))
                if table in TABLES:
                    ln = flow_line(flows, table, t.group(3), t.group(2) or '', t.group(4))
                    out.append(f'expect table {table} flow at line {ln}   # {TABLES[table]}, cookie {t.group(4)}')
        for c in s['conntrack']:
            out.append(f'expect conntrack {c}')
        out.append(f'expect conntrack count={len(s["conntrack"])}')
        out.append('')
    open(f'flows/scenarios/{name}.scenario', 'w').write('\n'.join(out).rstrip() + '\n')

main()
