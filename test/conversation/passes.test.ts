// Each datapath pass as data (RunOptions.passes: PacketResult.passes), from runs WITHOUT a
// trace, against what real OVS 3.1 recorded for the same pass:
//  - ct(table=T) recirculations: the recorded ofproto/trace cases (test/oracle/trace/):
//    the recirc id, the table it resumed in, where its ct_state came from, the packet as
//    it started and ended, its lookups (table, priority, miss) and datapath actions;
//  - thaws after a dp_hash select group (test/oracle/dp-hash/): the group and the table
//    the frozen actions resumed in (`restored state: table=N` of the resumed trace), the
//    dp_hash the pass ran with and its datapath actions (the megaflows OVS installed).
// And a traced run gives the same passes as an untraced one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import { parsePacket } from '../../src/packet/packet.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { ctStateText, parseCtNext, runPacket, type PacketResult } from '../../src/pipeline/run.js';
import type { PassResult } from '../../src/pipeline/run-types.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle');
const PORTS = { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map<number, number>(), local: 100 };

/** A recorded case's flows and groups as a pipeline (`# protocol: OpenFlow1N` honoured). */
function pipelineOf(dir: string, read: (f: string) => string) {
  const text = read('flows.txt');
  const proto = /^#\s*protocol:\s*OpenFlow1(\d)/m.exec(text);
  const flows = readFlows(text, 'flows.txt', { ofVersion: proto ? 10 + Number(proto[1]) : 10 });
  const groups = read('groups.txt') ? readGroups(read('groups.txt'), 'groups.txt') : null;
  expect([...flows.diagnostics, ...(groups?.diagnostics ?? [])], dir).toEqual([]);
  return buildPipeline(flows.flows, { groups: groups?.groups ?? [], of15: proto !== null && Number(proto[1]) >= 5, ports: PORTS });
}

const reader = (dir: string) => (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');

/** A pass's lookups as ofproto/trace lists them: `table priority` or `table miss`. */
const lookupsOf = (p: PassResult) => p.lookups.map((l) => `${l.table} ${l.flow ? l.flow.priority : 'miss'}`);

/** The same from a recorded trace section: ` 1. ct_state=+trk,ip, priority 100`, ` 2. No match.` */
function recordedLookups(section: string): string[] {
  return [...section.matchAll(/^ *(\d+)\. (.*)$/gm)].map((m) => `${m[1]} ${m[2].startsWith('No match') ? 'miss' : /priority (\d+)$/.exec(m[2])?.[1]}`);
}

describe('ct(table=T) recirculations as data, against real ofproto/trace (no trace run)', () => {
  const CASES = join(ORACLE, 'trace', 'cases');
  const names = readdirSync(CASES).sort().filter((n) => {
    const e = JSON.parse(readFileSync(join(CASES, n, 'expect.json'), 'utf8'));
    return e.trace_rc === 0 && !e.setup_errors?.length && e.recirculations.length > 0;
  });
  it('covers the recorded cases with recirculations', () => expect(names.length).toBeGreaterThanOrEqual(30));

  it.each(names)('%s', (name) => {
    const dir = join(CASES, name), read = reader(dir);
    const rec = JSON.parse(read('expect.json'));
    const trace = read('trace.txt');
    const ctNext = read('ct_next.txt').split('\n').map((l) => l.trim()).filter(Boolean).map(parseCtNext);
    const r = runPacket({ pipeline: pipelineOf(dir, read), ctNext, trace: false, passes: true }, parsePacket(read('packet.txt').trim()), 0);
    const passes = r.passes!;
    expect(passes.length).toBe(rec.recirculations.length + 1);
    // Per pass: the recorded section (first pass, then one per `recirc(0xN) - resume …` header).
    const sections = trace.split(/^={20,}\n[\s\S]*?\n={20,}$/m);
    const resumedAt = [...trace.matchAll(/The forked pipeline will be resumed at table (\d+)\./g)].map((m) => Number(m[1]));
    expect(passes[0].start).toEqual({ kind: 'received' });
    expect(passes[0].recircId).toBe(0);
    expect(formatPacketFlow(passes[0].packet)).toBe(/^Flow: (.*)$/m.exec(trace)![1]);
    expect(lookupsOf(passes[0])).toEqual(recordedLookups(sections[0]));
    rec.recirculations.forEach((want: { header: string; flow: string; final_flow: string; datapath_actions: string }, i: number) => {
      const p = passes[i + 1];
      const [, id, dflt, state] = /^recirc\((0x[0-9a-f]+)\) - resume conntrack with (default )?ct_state=(\S+)/.exec(want.header)!;
      expect(p.recircId).toBe(Number(id));
      expect(p.start).toEqual({ kind: 'recirc', table: resumedAt[i], ctSource: dflt ? 'default' : 'ct-next' });
      expect(ctStateText(p.ctState)).toBe(ctStateText(parseCtNext(state))); // the header writes trk first
      expect(formatPacketFlow(p.packet)).toBe(want.flow);
      expect(p.ctZone).toBe(Number(/ct_zone=(\d+)/.exec(want.flow)?.[1] ?? 0));
      expect(want.final_flow === 'unchanged' ? want.flow : want.final_flow).toBe(formatPacketFlow(p.final));
      expect(p.datapathActions).toBe(want.datapath_actions);
      expect(lookupsOf(p)).toEqual(recordedLookups(sections[i + 1]));
    });
  });
});

describe('dp_hash thaws as data, against real OVS (no trace run)', () => {
  const DIR = join(ORACLE, 'dp-hash');
  const cases = readdirSync(DIR).filter((c) => !c.includes('.')).sort();
  it('has the recorded cases', () => expect(cases.length).toBe(8));

  it.each(cases)('%s', (c) => {
    const dir = join(DIR, c), read = reader(dir);
    const conv = readConversation(`@0 ${read('packet.txt').trim()} seq=1000 ack=0 win=64240 len=0\n`, 'packet');
    const replay = new Replay({ pipeline: pipelineOf(dir, read), conntrack: newConntrack({ profile: 'userspace' }), passes: true });
    const passes = replay.send(conv.packets[0]).result.passes!;
    // The installed megaflows, chained from recirc_id(0): one per pass.
    const byId = new Map(read('datapath-flows.txt').split('\n').slice(1).filter(Boolean).map((l) => [/recirc_id\((0x[0-9a-f]+|0)\)/.exec(l)![1], l]));
    const chain: string[] = [];
    for (let id: string | undefined = '0'; id !== undefined && byId.has(id);) {
      chain.push(byId.get(id)!);
      id = /recirc\((0x[0-9a-f]+)\)/.exec(byId.get(id)!.slice(byId.get(id)!.indexOf(' actions:')))?.[1];
    }
    expect(passes.map((p) => p.datapathActions)).toEqual(chain.map((l) => l.slice(l.indexOf(' actions:') + 9)));
    // Each resumed trace: `Restoring actions: unroll_xlate(table=T, …),group:G…`, then `restored state: table=T`.
    const resumed = read('resumed-traces.txt').split(/^\$ .*$/m).slice(1).map((t) => ({
      kind: 'thaw', table: Number(/restored state: table=(\d+)/.exec(t)![1]), group: Number(/Restoring actions: [^\n]*?group:(\d+)/.exec(t)![1]),
    }));
    const thawed = passes.filter((p) => p.start.kind === 'thaw');
    expect(thawed.map((p) => p.start)).toEqual(resumed);
    expect(resumed.length).toBeGreaterThan(0);
    passes.forEach((p, i) => {
      const h = /dp_hash\((0x[0-9a-f]+)\//.exec(chain[i])?.[1];
      // The megaflow keyed on dp_hash is the thawed pass's, and it ran with that value.
      expect(p.start.kind === 'thaw', `pass ${i + 1}`).toBe(h !== undefined);
      if (h) expect(p.packet.slots.get('dp_hash')).toBe(BigInt(h));
    });
  });
});

describe('a traced run gives the same passes as an untraced one', () => {
  /** The passes as plain data (packets as flow text, flows as their source line). */
  const plain = (r: PacketResult) => r.passes!.map((p) => ({
    ...p, packet: formatPacketFlow(p.packet), final: formatPacketFlow(p.final), lookups: p.lookups.map((l) => [l.table, l.flow?.line ?? null]),
  }));

  it.each(['tcp-vm1-lb-vip', 'tcp-vm1-vm2-http', 'icmp-vm1-vm4-routed-ping'])('OVN conversation %s', (name) => {
    const flows = join(import.meta.dirname, '..', '..', 'flows');
    const conv = readConversation(readFileSync(join(flows, 'conversations', `${name}.conv`), 'utf8'), 'c.conv');
    const [untraced, traced] = [false, true].map((trace) => {
      const pipeline = buildPipeline(readFlows(readFileSync(join(flows, 'ovn-acl.flows'), 'utf8'), 'f').flows, {
        groups: readGroups(readFileSync(join(flows, 'ovn-acl.groups'), 'utf8'), 'g').groups, controllerConnected: true,
        ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map([[1, 2], [2, 3], [3, 4], [4, 5]]), local: 1 },
      });
      const replay = new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace, passes: true });
      return conv.packets.map((p) => plain(replay.send(p).result));
    });
    expect(untraced.flat().length).toBeGreaterThan(conv.packets.length); // recirculations were made
    expect(untraced).toEqual(traced);
  });

  it('without the option there are none (the untraced run keeps no copies)', () => {
    const pipeline = buildPipeline(readFlows('table=0,ip,actions=ct(table=1,zone=1)\ntable=1,actions=output:2', 'f').flows, { ports: PORTS });
    const r = runPacket({ pipeline, trace: false }, parsePacket('tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2'), 0);
    expect(r.passes).toBeNull();
    expect(r.datapathActions).toEqual(['ct(zone=1),recirc(0x1)', '2']);
  });
});
