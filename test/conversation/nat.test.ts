// NAT conversations recorded on real OVS 3.1 (userspace, dummy datapath) through small
// SNAT/DNAT tables (test/oracle/nat/, recorded by test/tools/record-nat.py), replayed with
// ctflow's userspace profile. Per packet: the OpenFlow ports it left by, the addresses and
// ports of the frame that left (after NAT), the ct_state bits each recirculation's megaflow
// matched on, and the whole `dpctl/dump-conntrack -m -s` table (timeouts ±1 s).
// Recordings whose bindings depend on OVS's per-process random hash basis (port ranges)
// are kept from two ovs-vswitchd processes (`…/second-process`) and checked by the rules
// every process follows instead (end of this file). Every other recording agrees exactly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConntrack } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { formatIpv4 } from '../../src/model/values.js';
import { formatPacketFlow } from '../../src/packet/format.js';
import type { Packet } from '../../src/packet/packet.js';
import { compareLines } from '../conntrack/oracle-replay.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle', 'nat');
const read = (p: string) => readFileSync(p, 'utf8');

/** The addresses/ports of a frame in flow syntax (`nw_src=…,tp_dst=…`), the fields NAT may change. */
function l3l4(flow: string): string {
  const keep = ['nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'tp_src', 'tp_dst'];
  return flow.split(',').filter((kv) => keep.includes(kv.split('=')[0])).join(',');
}

/** The ct_state bits each ct() recirculation matched on in the megaflows OVS installed
 *  (only the bits the tables look at are in the mask), in pass order. */
function recordedCtStates(dump: string[]): string[] {
  const byId = new Map<string, string>();
  for (const line of dump.slice(1)) byId.set(/recirc_id\((0x[0-9a-f]+|0)\)/.exec(line)![1], line);
  const out: string[] = [];
  for (let id: string | undefined = '0'; id !== undefined && byId.has(id);) {
    const line: string = byId.get(id)!;
    id = /recirc\((0x[0-9a-f]+)\)$/.exec(line)?.[1];
    // A recirculation whose tables never look at ct_state has none in its megaflow.
    if (id !== undefined && byId.has(id)) out.push(/ct_state\(([^)]*)\)/.exec(byId.get(id)!)?.[1] ?? '');
  }
  return out;
}

const CS_BITS = new Map([['new', 0x01], ['est', 0x02], ['rel', 0x04], ['rpl', 0x08], ['inv', 0x10], ['trk', 0x20], ['snat', 0x40], ['dnat', 0x80]]);

/** Whether a ct_state value agrees with a megaflow's `+new-est+trk` match. */
function ctStateMatches(state: number, masked: string): boolean {
  for (const [, sign, name] of masked.matchAll(/([+-])([a-z]+)/g)) {
    const bit = CS_BITS.get(name);
    if (bit === undefined) throw new Error(`unknown ct_state bit ${name}`);
    if (((state & bit) !== 0) !== (sign === '+')) return false;
  }
  return true;
}

/** The quoted packet of an ICMP error as the recordings write it (`inner=[proto=17,nw_src=…]`). */
function quoted(p: Packet): string {
  const q = p.extra.inner;
  if (!q) return '';
  const ports = q.proto === 6 || q.proto === 17 ? `,tp_src=${q.sport},tp_dst=${q.dport}` : '';
  return `inner=[proto=${q.proto},nw_src=${formatIpv4(q.src)},nw_dst=${formatIpv4(q.dst)}${ports}]`;
}

/** The addresses/ports (and quoted packet) of a frame ctflow sent, as the recordings write them. */
const sentText = (p: Packet): string => `${l3l4(formatPacketFlow(p))} ${quoted(p)}`.trim();
/** The same of a frame OVS sent (recorded flow text plus the quoted packet from `fields`). */
const recordedText = (o: any): string => `${l3l4(o.flow)} ${/inner=\[[^\]]*\]/.exec(o.fields)?.[0] ?? ''}`.trim();

/**
 * Recordings whose NAT bindings come from OVS's per-process random hash basis (a port
 * range: the starting port, and the address among several, are hashed with a salt drawn
 * when ovs-vswitchd starts). They cannot be replayed exactly: the replies in them are
 * addressed to the bindings that one process chose. They are checked by the rules instead
 * (see `describe('bindings chosen by a random hash')` below), on OVS's recording and on
 * ctflow's own run alike.
 */
const RANDOM = new Set(['snat-port-range', 'snat-port-kept']);

/** The recordings of some cases: `case` (result.json) and `case/second-process` (result-second-process.json). */
const recordingsOf = (cases: Iterable<string>): string[] => [...cases].flatMap((n) => readdirSync(join(ORACLE, n))
  .filter((f) => f.startsWith('result')).map((f) => (f === 'result.json' ? n : `${n}/${f.slice('result-'.length, -'.json'.length)}`)));

/** state: outputs, ct_state, conntrack table. frames: the addresses/ports of every frame
 *  that left, and the packet an ICMP error quotes. */
type Aspect = 'state' | 'frames';

/** A recording: `case` (packets.conv + result.json) or `case/second-process` (the same
 *  case recorded in a freshly started ovs-vswitchd: packets-second-process.conv, …). */
function load(recording: string) {
  const [name, variant] = recording.split('/');
  const suffix = variant ? `-${variant}` : '';
  const dir = join(ORACLE, name);
  const flows = readFlows(read(join(dir, 'flows.txt')), 'flows.txt');
  expect(flows.diagnostics).toEqual([]);
  const pipeline = buildPipeline(flows.flows);
  const convText = read(join(dir, `packets${suffix}.conv`));
  const conv = readConversation(convText, `packets${suffix}.conv`);
  expect(conv.diagnostics).toEqual([]);
  const rec = JSON.parse(read(join(dir, `result${suffix}.json`)));
  expect(conv.packets.length).toBe(rec.steps.length);
  return { pipeline, conv, convText, rec, replay: new Replay({ pipeline, conntrack: newConntrack({ profile: 'userspace' }), trace: true }) };
}

function replayNat(recording: string, what: Aspect): string[] {
  const { conv, rec, replay } = load(recording);
  const out: string[] = [];
  conv.packets.forEach((p, i) => {
    const s = rec.steps[i];
    const where = `${recording} step ${s.step}`;
    const v = replay.send(p);
    const want = s.outputs.map((o: any) => o.ofport);
    if (what === 'frames') {
      const got = v.result.sent.map(sentText);
      const sent = s.outputs.map(recordedText);
      if (JSON.stringify(got) !== JSON.stringify(sent)) out.push(`${where}: frames ${JSON.stringify(got)}, OVS ${JSON.stringify(sent)}`);
      return;
    }
    if (JSON.stringify(v.result.outputs) !== JSON.stringify(want)) {
      out.push(`${where}: outputs ${JSON.stringify(v.result.outputs)}, OVS ${JSON.stringify(want)}`);
    }
    const masks = recordedCtStates(s.datapath_flows);
    // Every recirculating ct() in these tables is a lookup, and every commit is table-less.
    const recirculating = v.result.ctCalls.filter((c) => !c.commit).length;
    if (masks.length !== recirculating) out.push(`${where}: ${recirculating} ct() recirculations, OVS ${masks.length}`);
    masks.forEach((m, k) => {
      const st = v.result.ctStates[k];
      if (st === undefined || !ctStateMatches(st, m)) out.push(`${where}: ct_state #${k + 1} 0x${st?.toString(16)}, OVS matched ${m}`);
    });
    compareLines(`${where} dump-conntrack -m -s`, v.conntrack, s.conntrack_ms, out);
  });
  return out;
}

describe('ctflow NAT against real OVS 3.1 userspace conntrack', () => {
  const names = readdirSync(ORACLE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  it('has the twelve recorded cases', () => expect(names).toEqual(['dnat-clash', 'dnat-vip', 'nat-commit-continues', 'nat-state-bits', 'snat-collision', 'snat-icmp', 'snat-icmp-error', 'snat-port-kept', 'snat-port-range', 'snat-tcp', 'snat-udp', 'snat-udp6']));
  const TITLE = new Map<Aspect, string>([
    ['state', 'output ports, ct_state and conntrack table after each packet'],
    ['frames', 'addresses/ports of each frame that left (and the packet an ICMP error quotes)'],
  ]);
  for (const name of recordingsOf(names.filter((n) => !RANDOM.has(n)))) {
    for (const what of ['state', 'frames'] as const) {
      it(`${name}: ${TITLE.get(what)}`, () => expect(replayNat(name, what)).toEqual([]));
    }
  }
});

// ---- port ranges: bindings from a per-process random hash --------------------------------
// OVS userspace (lib/conntrack.c, nat_get_unique_tuple) hashes the connection with a salt
// drawn when ovs-vswitchd starts: the hash picks ONE address of the range and the port the
// search starts at; the search walks that address's ports upwards and gives up when they
// are all taken, even if another address has free ports (the packet then leaves un-NATed
// and nothing is committed). So which binding a connection gets differs from process to
// process (the recordings from two processes disagree), and ctflow's fixed hash cannot
// match a given one. What every process obeys is checked instead, on OVS's recordings and
// on ctflow's run of the same client packets, with replies sent to whatever bindings each
// one chose (as the recorder does).

interface ClientStep { client: string; binding: string | null; outputs: number[] }
interface ReplyStep { to: string; delivered: string | null; outputs: number[]; owner: ClientStep | undefined }
interface RangeRun { clients: ClientStep[]; replies: ReplyStep[] }

const field = (flow: string, k: string): string => new RegExp(`(?:^|,)${k}=([^,\\s]+)`).exec(flow)?.[1] ?? '?';
const endpoint = (flow: string, side: 'src' | 'dst'): string => `${field(flow, `nw_${side}`)}:${field(flow, `tp_${side}`)}`;

function rangeOf(flowsText: string) {
  const m = /nat\(src=([\d.]+)(?:-([\d.]+))?:(\d+)-(\d+)\)/.exec(flowsText)!;
  const addrs: string[] = [];
  const [a, b] = [m[1], m[2] ?? m[1]].map((s) => s.split('.').map(Number));
  for (let last = a[3]; last <= b[3]; last++) addrs.push(`${a[0]}.${a[1]}.${a[2]}.${last}`);
  return { addrs, lo: Number(m[3]), hi: Number(m[4]) };
}

/** What OVS did, read from a recording: clients are the packets from ports 1 and 3. */
function recordedRangeRun(rec: any): RangeRun {
  const clients: ClientStep[] = [], replies: ReplyStep[] = [];
  for (const s of rec.steps) {
    const outputs = s.outputs.map((o: any) => o.ofport);
    if (s.ofport !== 2) {
      const from = endpoint(s.flow, 'src'), left = s.outputs[0] ? endpoint(s.outputs[0].flow, 'src') : from;
      clients.push({ client: from, binding: left === from ? null : left, outputs });
    } else {
      const to = endpoint(s.flow, 'dst');
      replies.push({ to, delivered: s.outputs[0] ? endpoint(s.outputs[0].flow, 'dst') : null, outputs, owner: undefined });
    }
  }
  return link(clients, replies);
}

/** ctflow's run of the recording's client packets, then one reply to each frame it sent. */
function ctflowRangeRun(recording: string): RangeRun {
  const { conv, convText, replay } = load(recording);
  const lines = convText.split('\n').filter((l) => l.startsWith('@'));
  const clients: ClientStep[] = [];
  conv.packets.forEach((p, i) => {
    if (!/\bin_port=2\b/.test(lines[i])) {
      const v = replay.send(p);
      const from = endpoint(lines[i], 'src');
      const left = v.result.sent[0] ? endpoint(formatPacketFlow(v.result.sent[0]), 'src') : from;
      clients.push({ client: from, binding: left === from ? null : left, outputs: v.result.outputs });
    }
  });
  // Replies: the recording's reply lines, addressed to what ctflow sent instead.
  const replyLines = lines.filter((l) => /\bin_port=2\b/.test(l));
  const sentBy = clients.filter((c) => c.outputs.length);
  const addressed = replyLines.map((l, i) => {
    const [ip, port] = (sentBy[i]?.binding ?? sentBy[i]?.client ?? '0.0.0.0:0').split(':');
    return l.replace(/nw_dst=[^,]+/, `nw_dst=${ip}`).replace(/tp_dst=\d+/, `tp_dst=${port}`);
  });
  const replies: ReplyStep[] = readConversation(addressed.join('\n'), 'replies').packets.map((p, i) => {
    const v = replay.send(p);
    const f = v.result.sent[0] ? formatPacketFlow(v.result.sent[0]) : '';
    return { to: endpoint(addressed[i], 'dst'), delivered: f ? endpoint(f, 'dst') : null, outputs: v.result.outputs, owner: undefined };
  });
  return link(clients, replies);
}

function link(clients: ClientStep[], replies: ReplyStep[]): RangeRun {
  for (const r of replies) r.owner = clients.find((c) => (c.binding ?? c.client) === r.to);
  return { clients, replies };
}

/** The rules every OVS 3.1 userspace process follows for a port range (see above). */
function rangeRules(run: RangeRun, range: ReturnType<typeof rangeOf>): string[] {
  const out: string[] = [];
  const bound = new Map<string, number>(range.addrs.map((a) => [a, 0]));
  const seen = new Set<string>();
  const ports = range.hi - range.lo + 1;
  for (const c of run.clients) {
    if (JSON.stringify(c.outputs) !== '[2]') out.push(`${c.client}: output ${JSON.stringify(c.outputs)}, not to the server`);
    if (c.binding === null) {
      // No binding although ports are free somewhere: only when the hashed address is full.
      if (![...bound.values()].some((n) => n === ports)) out.push(`${c.client}: no binding while no address was full`);
      continue;
    }
    const [ip, port] = c.binding.split(':');
    if (!bound.has(ip) || Number(port) < range.lo || Number(port) > range.hi) out.push(`${c.client}: ${c.binding} outside the range`);
    if (seen.has(c.binding)) out.push(`${c.client}: ${c.binding} given twice`);
    seen.add(c.binding);
    bound.set(ip, (bound.get(ip) ?? 0) + 1);
  }
  // With a single address, exactly the first `ports` connections get a binding.
  if (range.addrs.length === 1) {
    const got = run.clients.map((c) => c.binding !== null);
    const want = run.clients.map((_, i) => i < ports);
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`bound ${JSON.stringify(got)}, expected the first ${ports}`);
  }
  for (const r of run.replies) {
    const o = r.owner;
    if (!o) out.push(`reply to ${r.to}: no client sent from there`);
    else if (o.binding === null) {
      if (r.outputs.length) out.push(`reply to un-NATed ${r.to}: delivered, but no connection was committed`);
    } else if (r.delivered !== o.client || JSON.stringify(r.outputs) !== JSON.stringify([o.client.startsWith('10.0.0.1:') ? 1 : 3])) {
      out.push(`reply to ${r.to}: delivered as ${r.delivered} on ${JSON.stringify(r.outputs)}, owner ${o.client}`);
    }
  }
  return out;
}

describe('port ranges: bindings drawn from a per-process random hash follow OVS userspace rules', () => {
  const recordings = recordingsOf(RANDOM);
  it('covers both cases, each from two ovs-vswitchd processes', () => expect(recordings.length).toBe(4));
  for (const recording of recordings) {
    const range = rangeOf(read(join(ORACLE, recording.split('/')[0], 'flows.txt')));
    it(`${recording}: the recording (real OVS) follows them`, () => {
      expect(rangeRules(recordedRangeRun(load(recording).rec), range)).toEqual([]);
    });
    it(`${recording}: ctflow, replayed with replies to its own bindings, follows them`, () => {
      const run = ctflowRangeRun(recording);
      expect(rangeRules(run, range)).toEqual([]);
    });
  }
});
