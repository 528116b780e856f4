// The action set (write_actions) as OVS 3.1 runs it. Its order and its "final action" rule
// are held to recorded traces (test/oracle/trace/cases/actset-*, write-actions-*, and the
// reject-actset-* refusals); these tests pin the rules those cases rely on, each against
// what the recorded trace of real OVS showed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { formatTraceText } from '../../src/trace/text.js';
import { parsePacket } from '../../src/packet/packet.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';

const PACKET = 'tcp,in_port=1,dl_src=02:00:00:00:0a:01,dl_dst=02:00:00:00:0b:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=40000,tp_dst=80';

function flows(text: string) {
  return readFlows(`# protocol: OpenFlow13\n${text}\n`, 'flows.txt', { ofVersion: 13 });
}

function run(text: string) {
  const f = flows(text);
  expect(f.diagnostics).toEqual([]);
  return runPacket({ pipeline: buildPipeline(f.flows) }, parsePacket(PACKET), 0);
}

describe('what the action set takes', () => {
  it.each(['note:01', 'clone(output:2)', 'push:NXM_NX_REG0[]', 'controller(reason=no_match)', 'learn(table=1)', 'exit'])(
    'write_actions(%s) is refused as the switch refuses it', (action) => {
      const d = flows(`table=0,tcp,in_port=1 actions=write_actions(${action})`).diagnostics;
      expect(d.map((e) => e.message).join()).toMatch(/disallowed action in action set \(OFPBAC_BAD_TYPE\)/);
    });

  it.each(['ct(commit)', 'ct_clear', 'resubmit(,1)', 'controller', 'set_queue:1', 'encap(nsh)', 'decap()'])('write_actions(%s) is taken', (action) => {
    expect(flows(`table=0,tcp,in_port=1 actions=write_actions(${action})`).diagnostics).toEqual([]);
  });
});

describe('how the action set runs', () => {
  it('runs nothing without a final action (ct, ct_clear, resubmit, output, group)', () => {
    expect(run('table=0,tcp,in_port=1 actions=output:2,write_actions(dec_ttl,set_field:0x1->reg0)').datapathActions).toEqual(['2']);
  });

  it('an output beats a ct() and a resubmit, whichever came first', () => {
    expect(run('table=0,tcp,in_port=1 actions=write_actions(ct(commit),resubmit(,1),output:2)\ntable=1 actions=output:3').datapathActions).toEqual(['2']);
    expect(run('table=0,tcp,in_port=1 actions=write_actions(output:2),goto_table:1\ntable=1 actions=write_actions(resubmit(,2))\ntable=2 actions=output:3').datapathActions).toEqual(['2']);
  });

  it('a resubmit it runs goes on in the table it names', () => {
    expect(run('table=0,tcp,in_port=1 actions=write_actions(resubmit(,2))\ntable=2 actions=output:4').datapathActions).toEqual(['4']);
  });

  it('keeps every field write in the order written (a later one does not take an earlier one\'s place)', () => {
    const r = run('table=0,tcp,in_port=1 actions=write_actions(set_field:0x1->reg0,output:2),goto_table:1\ntable=1,tcp actions=write_actions(move:NXM_NX_REG0[0..15]->NXM_OF_TCP_DST[],set_field:0x2->reg0)');
    expect(r.datapathActions.join(',')).toBe('set(tcp(dst=1)),2');
  });

  it('runs pops, pushes and TTL decrements in OVS\'s order, not the written one', () => {
    const r = run('table=0,tcp,in_port=1 actions=write_actions(dec_mpls_ttl,push_mpls:0x8847,dec_ttl,output:2)');
    expect(r.datapathActions.join(',')).toBe('push_mpls(label=0,tc=0,ttl=63,bos=1,eth_type=0x8847),2');
  });

  it('a plain controller is an output there, and its packet-in says action_set', () => {
    const r = run('table=0,tcp,in_port=1 actions=write_actions(controller)');
    expect(r.datapathActions.join(',')).toMatch(/^userspace\(pid=0,controller\(reason=3,/);
  });
});

describe('a frozen translation (dp_hash select group) keeps write_metadata as a set_field on metadata', () => {
  // Recorded with a real packet (netdev-dummy/receive), dpctl/dump-flows and the resumed
  // pass traced as `ofproto/trace br0 recirc_id=0x1,dp_hash=…` (test/oracle/dp-hash/README.md
  // describes the method), beside the case's own trace in
  // test/oracle/trace/cases/actset-write-metadata-freeze-of13/.
  const DIR = join(import.meta.dirname, '..', 'oracle', 'trace', 'cases', 'actset-write-metadata-freeze-of13');
  const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

  it('restores it as OVS does; the resumed lookup sees the metadata and the action set still runs', () => {
    const f = readFlows(read('flows.txt'), 'flows.txt', { ofVersion: 13 });
    const g = readGroups(read('groups.txt'), 'groups.txt');
    expect([...f.diagnostics, ...g.diagnostics]).toEqual([]);
    const pipeline = buildPipeline(f.flows, { groups: g.groups, ofVersion: 13, ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 } });
    const conv = readConversation(`@0 ${read('packet.txt').trim()} seq=1000 ack=0 win=64240 len=0\n`, 'packet');
    const result = new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace: true }).send(conv.packets[0]).result;
    // datapath-flows.txt: the first pass hashes and recirculates, the resumed one outputs 2,3,4.
    const dumped = read('datapath-flows.txt').split('\n').filter((l) => l.includes(' actions:')).map((l) => l.slice(l.indexOf(' actions:') + 9));
    expect(result.datapathActions).toEqual([...dumped].reverse());
    const lines = (text: string) => text.split('\n').filter((l) => /^\s*(Restoring actions:|set_field|-> action set is|Final flow:|Datapath actions:)/.test(l)).map((l) => l.trim());
    const want = lines(read('resumed-traces.txt').replace(/^Final flow: recirc_id=0x1,dp_hash=0x[0-9a-f]+,eth,/m, 'Final flow: '));
    expect(want[0]).toContain('set_field:0x5/0xff->metadata');
    expect(lines(formatTraceText({ passes: [result.trace.passes[1]] })).map((l) => l.replace(/^Final flow: recirc_id=0x1,dp_hash=0x[0-9a-f]+,eth,/, 'Final flow: '))).toEqual(want);
  });
});
