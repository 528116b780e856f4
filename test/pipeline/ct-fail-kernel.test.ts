// A ct() that fails in OVS's kernel datapath drops the packet there, whatever the tables
// say about +inv. net/openvswitch/actions.c do_execute_actions returns at once when
// ovs_ct_execute (conntrack.c) fails, and ovs_ct_execute has freed the packet: the actions
// after the ct() and its recirculation never run. It fails when the commit's NAT finds no
// free tuple or nf_conntrack_confirm refuses the connection (its reply tuple is taken), and
// when a helper answers NF_DROP; a packet conntrack only calls invalid goes on as +trk+inv.
//
// OVS's kernel module cannot be loaded here; these failures are the same nf_nat /
// nf_conntrack / helper calls nftables makes, recorded in the kernel lab (Linux 6.18):
// the tables below let every packet out, so only the datapath's drop can stop one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CS, newConntrack, type Profile } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay, type PacketVerdict } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { ORACLE } from '../conntrack/oracle-replay.js';

function replay(flowsText: string, lines: string[], profile: Profile = 'kernel'): PacketVerdict[] {
  const flows = readFlows(flowsText, 'flows.txt');
  expect(flows.diagnostics).toEqual([]);
  const conv = readConversation(lines.join('\n') + '\n', 'case.conv');
  expect(conv.diagnostics).toEqual([]);
  const r = new Replay({ pipeline: buildPipeline(flows.flows), conntrack: newConntrack({ profile }), trace: true });
  return conv.packets.map((p) => r.send(p));
}

/** A kernel lab recording: its packets, the client on port 1, the server on port 2. */
function recorded(path: string): { lines: string[]; delivered: boolean[] } {
  const c = JSON.parse(readFileSync(join(ORACLE, path), 'utf8'));
  return {
    lines: c.steps.map((s: any) => `@${s.t} ${s.flow.replace(/^(\w+),/, `$1,in_port=${s.who === 'c' ? 1 : 2},`)}`),
    delivered: c.steps.map((s: any) => s.delivered),
  };
}

const sent = (v: PacketVerdict): boolean => v.result.sent.length > 0;

describe('kernel profile: a ct() the datapath fails drops the packet there', () => {
  it('a commit whose NAT finds no free tuple (kernel-nat/nat-snat-port-kept): the output after it does not run', () => {
    // The fourth client port finds 50000-50002 taken; the kernel dropped it.
    const { lines, delivered } = recorded('kernel-nat/nat-snat-port-kept/result.json');
    const vs = replay('udp,in_port=1,actions=ct(commit,zone=1,nat(src=10.99.0.1:50000-50002)),output:2\n', lines);
    expect(vs.map(sent)).toEqual(delivered);
    expect(delivered).toEqual([true, true, true, false]);
    const r = vs[3].result;
    // OVS translates the same actions; the datapath stops at the ct().
    expect(r.datapathActions).toEqual(['ct(commit,zone=1,nat(src=10.99.0.1:50000-50002)),2']);
    expect(r.outputs).toEqual([]);
    expect(r.failure).toBe('the kernel datapath drops it at ct(commit,zone=1,nat(src=10.99.0.1:50000-50002)): no free reply tuple for the NAT binding in zone 1');
    expect(vs.slice(0, 3).map((v) => v.result.failure)).toEqual([null, null, null]);
  });

  it('a commit whose reply tuple another connection holds (nat-null/kernel/bare-nat-clash): its recirculation does not run', () => {
    // The case's own tables without their +inv drop: table 1 outputs whatever comes back.
    const dir = join(ORACLE, 'nat-null', 'kernel', 'bare-nat-clash');
    const flows = readFileSync(join(dir, 'flows.txt'), 'utf8').split('\n').filter((l) => !l.includes('+inv')).join('\n');
    const { lines, delivered } = recorded('nat-null/kernel/bare-nat-clash/result.json');
    // The entry conntrack -I made in the recording: the VIP connection, DNATed to .131:53.
    const vip = '@0 udp,in_port=1,nw_src=172.16.255.130,nw_dst=172.16.255.200,tp_src=40000,tp_dst=53';
    const vs = replay(flows, [vip, ...lines]).slice(1);
    expect(vs.map(sent)).toEqual(delivered);
    for (const v of vs.slice(0, 2)) {
      expect(v.result.trace.passes.length).toBe(1); // no recirc(0x1) pass
      expect(v.result.datapathActions).toEqual(['ct(commit,zone=1,nat),recirc(0x1)']);
      const notes = v.result.trace.passes[0].events.filter((e) => e.kind === 'note').map((e) => e.text);
      expect(notes).toEqual([expect.stringMatching(/^the kernel datapath drops the packet at this ct\(\): another connection in zone 1 holds this one's reply tuple, so the commit fails \(a bare nat moves no port\)\. .*nor the recirculation to table 1/)]);
    }
  });

  it('a helper that answers NF_DROP (alg-ext-kernel/ftp6-eprt-bad: EPRT |1| on IPv6)', () => {
    const c = JSON.parse(readFileSync(join(ORACLE, 'alg-ext-kernel', 'ftp6-eprt-bad', 'result.json'), 'utf8'));
    const flows = [
      'priority=100,tcp6,in_port=1,tp_dst=21,actions=ct(commit,zone=1,alg=ftp),output:2',
      'priority=100,tcp6,in_port=2,tp_src=21,actions=ct(commit,zone=1,alg=ftp),output:1',
      'priority=90,ipv6,in_port=1,actions=ct(commit,zone=1),output:2',
      'priority=90,ipv6,in_port=2,actions=ct(commit,zone=1),output:1',
    ].join('\n');
    const vs = replay(flows, c.steps.map((s: any) => `@${s.t} ${s.line}`));
    expect(vs.map(sent)).toEqual(c.steps.map((s: any) => s.out !== null));
    const dropped = vs.filter((v) => !sent(v)).map((v) => v.result.failure);
    expect(dropped).toEqual(['the kernel datapath drops it at ct(commit,zone=1,helper=ftp): the connection\'s FTP/TFTP helper refused the packet']);
  });
});

describe('kernel profile: a packet conntrack calls invalid is not dropped', () => {
  it('a SYN-ACK with no entry goes on as +trk+inv (kernel/cases/tcp-synack-no-entry), its commit and NAT no-ops', () => {
    // ovs_ct_commit and the NAT step skip a packet conntrack attached no connection to.
    const { lines, delivered } = recorded('kernel/cases/tcp-synack-no-entry/result.json');
    const commit = 'ct(commit,zone=1,nat(src=10.99.0.1))';
    const vs = replay(`tcp,in_port=1,actions=${commit},output:2\ntcp,in_port=2,actions=${commit},output:1\n`, lines);
    expect(vs.map(sent)).toEqual(delivered);
    expect(vs[0].result.ctStates).toEqual([CS.trk | CS.inv]);
    expect(vs.map((v) => v.result.failure)).toEqual([null, null]);
  });
});

// From the kernel source alone (net/openvswitch/conntrack.c, __ovs_ct_lookup and
// ovs_ct_commit; actions.c clone_execute): not recordable without the module.
describe('kernel profile: what does not drop, and a drop inside clone()', () => {
  const clash = [
    '@0 udp,in_port=1,nw_src=172.16.255.130,nw_dst=172.16.255.200,tp_src=40000,tp_dst=53',
    '@0.1 udp,in_port=1,nw_src=172.16.255.130,nw_dst=172.16.255.131,tp_src=40000,tp_dst=53',
  ];
  const vipFlow = 'priority=100,udp,nw_dst=172.16.255.200,actions=ct(commit,zone=1,nat(dst=172.16.255.131)),output:2\n';

  it('a lookup never fails (a new connection is NATed only by its commit, and a lookup takes only a bare nat): its commit does', () => {
    const vs = replay(vipFlow + 'priority=90,udp,actions=ct(zone=1,nat),output:3,ct(commit,zone=1,nat),output:2\n', clash);
    expect(vs[1].result.ctStates).toEqual([CS.trk | CS.new, CS.trk | CS.inv]);
    expect(vs[1].result.outputs).toEqual([3]);
    expect(vs[1].result.failure).toMatch(/^the kernel datapath drops it at ct\(commit,zone=1,nat\): another connection in zone 1 holds this one's reply tuple/);
  });

  it('a failed ct() inside clone() ends the actions around it too (the clone returns its error)', () => {
    const vs = replay(vipFlow + 'priority=90,udp,actions=output:3,clone(ct(commit,zone=1,nat)),output:2\n', clash);
    // What ran before the clone was sent; nothing after it.
    expect(vs[1].result.outputs).toEqual([3]);
    expect(vs[1].result.failure).toMatch(/^the kernel datapath drops it at ct\(commit,zone=1,nat\)/);
  });

  it('the userspace profile keeps OVS userspace: the range-full connection goes out untranslated (nat/snat-port-kept)', () => {
    // Recorded with OVS 3.1 userspace: nat(src=192.168.0.100:5000-5001), the third client
    // endpoint finds both ports taken and leaves as 10.0.0.1:6000, with no entry.
    const dir = join(ORACLE, 'nat', 'snat-port-kept');
    const flows = readFileSync(join(dir, 'flows.txt'), 'utf8');
    const lines = readFileSync(join(dir, 'packets.conv'), 'utf8').split('\n').filter((l) => l.startsWith('@')).slice(0, 3);
    const user = replay(flows, lines, 'userspace');
    const c = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(user.map((v) => v.result.outputs.length)).toEqual(c.steps.slice(0, 3).map((s: any) => s.outputs.length));
    expect(formatPacketFlow(user[2].result.sent[0])).toContain('nw_src=10.0.0.1,nw_dst=172.16.0.2');
    expect(user[2].result.failure).toBeNull();
    // The kernel profile, the same tables: the third packet is dropped at its ct(commit,nat).
    const kernel = replay(flows, lines);
    expect(kernel.map(sent)).toEqual([true, true, false]);
    expect(kernel[2].result.failure).toMatch(/: no free reply tuple for the NAT binding in zone 1$/);
  });
});
