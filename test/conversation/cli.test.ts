// `ctflow run` end to end (files in, text/JSON out) on the bundled OVN example, checked
// against what real OVS did with the same packets (flows/conversations/*.json).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runConversation, type RunOpts } from '../../src/cli/run.js';
import { readPortsFile } from '../../src/conversation/ports.js';
import { packetSummary } from '../../src/conversation/render.js';
import { parsePacket } from '../../src/packet/packet.js';

const ROOT = join(import.meta.dirname, '..', '..');
const F = (p: string) => join(ROOT, 'flows', p);
const OVN: RunOpts = { profile: 'userspace', sysctl: [], groups: F('ovn-acl.groups'), ports: F('ovn-acl.ports'), controller: true };

function capture(run: () => number): { code: number; out: string; err: string } {
  let out = '', err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  const code = run();
  vi.restoreAllMocks();
  return { code, out, err };
}
afterEach(() => vi.restoreAllMocks());

/** A one-zone stateful firewall: port 1 may open connections, port 2 only answer. */
const FW_FLOWS = [
  'table=0,ip,ct_state=-trk,actions=ct(zone=1,table=1)',
  'table=1,ip,in_port=1,actions=ct(commit,zone=1),output:2',
  'table=1,ip,in_port=2,ct_state=+est+trk,actions=output:1',
  'table=1,ip,in_port=2,actions=drop',
].join('\n');

/** ` as 10.0.0.11:40002 > 10.0.0.12:80` when a recorded frame's addresses differ from the received one's. */
function asSent(received: string, sent: string): string {
  const ends = (f: string) => {
    const g = (k: string) => new RegExp(`\\b${k}=([^,]+)`).exec(f)?.[1];
    const port = (k: string) => (/^(tcp|udp|sctp)/.test(f) ? `:${g(k)}` : '');
    return `${g('nw_src')}${port('tp_src')} > ${g('nw_dst')}${port('tp_dst')}`;
  };
  return ends(received) === ends(sent) ? '' : ` as ${ends(sent)}`;
}

const recorded = (name: string) => JSON.parse(readFileSync(F(`conversations/${name}.json`), 'utf8'));

describe('ctflow run (text)', () => {
  it.each(['tcp-vm1-vm2-http', 'tcp-vm1-vm2-ssh-denied', 'icmp-vm1-vm2-ping', 'icmp-vm1-vm4-routed-ping', 'tcp-vm1-lb-vip', 'tcp-vm1-vm2-acl-deleted'])(
    '%s: one verdict per packet with the ports OVS delivered to, and its dump-conntrack table',
    (name) => {
      const rec = recorded(name);
      // The recording's start table; tcp-vm1-vm2-acl-deleted changes it with `@S flows PATH` lines.
      const r = capture(() => runConversation(F(rec.tables.replace(/^flows\//, '')), F(`conversations/${name}.conv`), OVN));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const blocks = r.out.trimEnd().split('\n\n');
      const summary = blocks.pop()!;
      const delivered = rec.steps.filter((s: any) => s.delivered_to.length).length;
      expect(summary).toMatch(new RegExp(`^${rec.steps.length} packets: ${delivered} output, ${rec.steps.length - delivered} dropped; `));
      expect(blocks).toHaveLength(rec.steps.length);
      blocks.forEach((b, i) => {
        const s = rec.steps[i];
        const lines = b.split('\n');
        // A table change is announced on its own line just above the packet it precedes.
        const changes = lines.filter((l) => l.startsWith('@'));
        expect(changes).toEqual((rec.table_changes ?? []).filter((c: any) => c.before_step === i + 1).map((c: any) =>
          `@${c.t.toFixed(3)} flows ${c.flows.replace(/^flows\//, '../')}: the OpenFlow tables are replaced (conntrack and MAC learning kept)`));
        const [verdict, ...rest] = lines.slice(changes.length);
        expect(verdict.startsWith(`#${i + 1} @${s.t.toFixed(3)} in_port=${s.port}(${s.ofport}) `)).toBe(true);
        const where = verdict.slice(verdict.lastIndexOf(' | ') + 3);
        // Each port with the addresses of the frame OVS delivered there when they differ
        // from the received packet's (the LB's DNAT).
        expect(where).toBe(s.delivered_to.length
          ? 'output ' + s.outputs.map((o: any) => `${o.port}(${o.ofport})${asSent(s.flow, o.flow)}`).join(', ')
          : s.acl_log.length ? 'drop (packet-in to the controller)' : 'drop');
        // The table as `dpctl/dump-conntrack -s` prints it; the recording has the plain form.
        const table = rest.filter((l) => l.startsWith('    ')).map((l) => l.trim().replace(/,timeout=\d+/, ''));
        expect(table.sort()).toEqual([...s.conntrack].sort());
      });
    },
  );

  it('kernel profile prints conntrack -L lines and -E events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctflow-run-'));
    writeFileSync(join(dir, 'fw.flows'), FW_FLOWS);
    writeFileSync(join(dir, 'c.conv'), [
      '@0 udp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=5000,tp_dst=53 len=40',
      '+0.5 udp,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=53,tp_dst=5000 len=80',
      '+40 udp,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=53,tp_dst=5000 len=80',
    ].join('\n'));
    const r = capture(() => runConversation(join(dir, 'fw.flows'), join(dir, 'c.conv'), { profile: 'kernel', sysctl: [] }));
    expect(r.code).toBe(0);
    expect(r.out).toBe([
      '#1 @0.000 in_port=1 udp 10.0.0.1:5000 > 10.0.0.2:53 len=40 | ct: zone 1: new|trk, new|trk+commit | output 2',
      '  conntrack (1 entry):',
      '    udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 zone=1 use=1',
      '  events:',
      '    [NEW] udp 17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 zone=1',
      '',
      '#2 @0.500 in_port=2 udp 10.0.0.2:53 > 10.0.0.1:5000 len=80 | ct: zone 1: est|rpl|trk | output 1',
      '  conntrack (1 entry):',
      '    udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 zone=1 use=1',
      '  events:',
      '    [UPDATE] udp 17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 zone=1',
      '',
      // 40 s later the entry has timed out (reported as conntrack -E does, without a
      // timeout): the reply is a new connection, and dropped.
      '#3 @40.500 in_port=2 udp 10.0.0.2:53 > 10.0.0.1:5000 len=80 | ct: zone 1: new|trk | drop',
      '  conntrack (0 entries):',
      '  events:',
      '    [DESTROY] udp 17 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 zone=1',
      '',
      '3 packets: 2 output, 1 dropped; 0 conntrack entries at the end',
      '',
    ].join('\n'));
  });
});

describe('ctflow run options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctflow-run-'));
  writeFileSync(join(dir, 'fw.flows'), FW_FLOWS);
  writeFileSync(join(dir, 'reply.conv'),
    '@1 tcp,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=22,tp_dst=40000,tcp_flags=ack  seq=5001 ack=1001 win=65160 len=0\n');

  it('--conntrack starts from a saved table: the reply is established instead of dropped', () => {
    const run = (o: Partial<RunOpts>) => capture(() => runConversation(join(dir, 'fw.flows'), join(dir, 'reply.conv'), { profile: 'kernel', sysctl: [], ...o }));
    // Kernel default nf_conntrack_tcp_loose=1: a lone ACK is picked up as new; table 1 drops new replies.
    expect(run({}).out.split('\n')[0]).toMatch(/ \| ct: zone 1: new\|trk \| drop$/);
    writeFileSync(join(dir, 'saved.ct'), 'tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=22 src=10.0.0.2 dst=10.0.0.1 sport=22 dport=40000 [ASSURED] mark=0 zone=1 use=1\n');
    expect(run({ conntrack: join(dir, 'saved.ct') }).out.split('\n')[0]).toMatch(/ \| ct: zone 1: est\|rpl\|trk \| output 1$/);
    writeFileSync(join(dir, 'bad.ct'), 'garbage line\n');
    const bad = run({ conntrack: join(dir, 'bad.ct') });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.ct:1:1: /);
  });

  it('--trace adds every pass as ofproto/trace lays it out', () => {
    const r = capture(() => runConversation(join(dir, 'fw.flows'), join(dir, 'reply.conv'), { profile: 'kernel', sysctl: [], trace: true }));
    expect(r.out).toContain('    Datapath actions: ct(zone=1),recirc(0x1)\n');
    expect(r.out).toContain('    recirc(0x1) - resume conntrack with ct_state=new|trk');
  });
});

describe('ctflow run --json', () => {
  it('gives time, ct_state, outputs, datapath actions, conntrack and events per packet', () => {
    const r = capture(() => runConversation(F('ovn-acl.flows'), F('conversations/icmp-vm1-vm2-ping.conv'), { ...OVN, json: true }));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const rec = recorded('icmp-vm1-vm2-ping');
    expect(doc.packets.map((p: any) => p.time)).toEqual(rec.steps.map((s: any) => s.t));
    expect(doc.packets.map((p: any) => p.outputs)).toEqual(rec.steps.map((s: any) => s.outputs.map((o: any) => o.ofport)));
    // The echo request is new in both zones; the reply and the second round are established,
    // with the bit OVS 3.1 sets after the request's commit with nat(src) and no address
    // (test/oracle/nat-null/userspace/null-binding: the reply +dnat, the next request +snat).
    expect(doc.packets.map((p: any) => p.ct_state)).toEqual(['new|trk', 'est|rpl|trk|dnat', 'est|trk|snat', 'est|rpl|trk|dnat']);
    // OVS: ct(commit,zone=8,mark=0/0x1,nat(src)),3 (ctflow still prints the zero mark as 0x0).
    expect(doc.packets[0].datapath_actions).toMatch(/^ct\(commit,zone=8,mark=0(x0)?\/0x1,nat\(src\)\),3$/);
    expect(doc.packets[0].conntrack).toHaveLength(2);
    expect(doc.packets[0].events).toEqual([]);
    expect(Object.keys(doc.packets[0])).toEqual(expect.arrayContaining(['time', 'ct_state', 'outputs', 'datapath_actions', 'conntrack', 'events']));
  });

  it('gives each pass as data: how it started, its packet, its lookups (the LB VIP SYN, against the recording)', () => {
    const r = capture(() => runConversation(F('ovn-acl.flows'), F('conversations/tcp-vm1-lb-vip.conv'), { ...OVN, json: true }));
    const passes = JSON.parse(r.out).packets[0].passes;
    expect(passes.map((p: any) => p.start)).toEqual([
      { kind: 'received' }, { kind: 'recirc', table: 15, ct_source: 'tracker' }, { kind: 'thaw', table: 20, group: 1 },
      { kind: 'recirc', table: 21, ct_source: 'tracker' }, { kind: 'recirc', table: 45, ct_source: 'tracker' },
    ]);
    expect(passes.map((p: any) => p.ct_zone)).toEqual([0, 1, 1, 1, 8]);
    const rec = recorded('tcp-vm1-lb-vip').steps[0];
    // The first pass as real ofproto/trace shows it: its flow and its lookups (table, priority, cookie).
    const trace: string = rec.trace.split(/^={20,}$/m)[0];
    expect(passes[0].flow).toBe(/^Flow: (.*)$/m.exec(trace)![1].replace('in_port=1', 'in_port=vm1'));
    expect(passes[0].lookups.map((l: any) => `${l.table} ${l.flow.priority} ${l.flow.cookie}`))
      .toEqual([...trace.matchAll(/^ *(\d+)\. .*, priority (\d+), cookie (0x[0-9a-f]+)$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`));
    // The thawed pass ran with the dp_hash of the megaflow OVS installed for it.
    const thawed = rec.datapath_flows.find((l: string) => l.includes('dp_hash('));
    expect(passes[2].flow).toContain(`dp_hash=${/dp_hash\((0x[0-9a-f]+)\//.exec(thawed)![1]},`);
    expect(passes[2].lookups).toEqual([]); // it resumes at the group: no lookup before its ct(…,table=21)
  });
});

describe('ctflow run errors', () => {
  it('reports bad conversation lines as file:line:col and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctflow-run-'));
    writeFileSync(join(dir, 'bad.conv'), '# x\n@0 tcp,in_port=1,nw_srcc=1.1.1.1  seq=1\n');
    const r = capture(() => runConversation(F('ovn-acl.flows'), join(dir, 'bad.conv'), OVN));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${join(dir, 'bad.conv')}:2:18: unknown field nw_srcc (did you mean 'nw_src'?)\n  @0 tcp,in_port=1,nw_srcc=1.1.1.1  seq=1\n                   ^^^^^^^\n`);
  });

  it('refuses a knob the userspace tracker does not have', () => {
    expect(() => runConversation(F('ovn-acl.flows'), F('conversations/icmp-vm1-vm2-ping.conv'), { ...OVN, sysctl: ['nf_conntrack_tcp_loose=0'] }))
      .toThrow(/--sysctl: nf_conntrack_tcp_loose has no OVS userspace equivalent/);
  });
});

describe('ports file and packet summary', () => {
  it('reads ovs-ofctl show + dpif/show output', () => {
    const b = readPortsFile(readFileSync(F('ovn-acl.ports'), 'utf8'), 'ovn-acl.ports');
    expect([...b.names]).toEqual([['vm1', 1], ['vm2', 2], ['vm3', 3], ['vm4', 4], ['br-int', 0xfffe]]);
    expect([...b.ports.dpPorts]).toEqual([[1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(b.ports.local).toBe(1);
    expect(() => readPortsFile('nothing here', 'x')).toThrow(/x: no ports found/);
  });

  it('summarises packets like tcpdump', () => {
    const p = (flow: string, extra: object) => ({ ...parsePacket(flow), extra });
    expect(packetSummary(p('tcp,nw_src=1.1.1.1,nw_dst=2.2.2.2,tp_src=1,tp_dst=2,tcp_flags=syn|ack', { seq: 5, ack: 6 })))
      .toBe('tcp 1.1.1.1:1 > 2.2.2.2:2 [S.] seq=5 ack=6');
    expect(packetSummary(p('icmp,nw_src=1.1.1.1,nw_dst=2.2.2.2,icmp_type=3,icmp_code=3', { inner: { proto: 17, src: 0x02020202n, dst: 0x01010101n, sport: 53, dport: 9 } })))
      .toBe('icmp 1.1.1.1 > 2.2.2.2 unreachable code 3 (about proto 17 2.2.2.2:53 > 1.1.1.1:9)');
    expect(packetSummary(p('tcp6,ipv6_src=::1,ipv6_dst=::2,tp_src=1,tp_dst=2', {}))).toBe('tcp [::1]:1 > [::2]:2 [none]');
  });
});
