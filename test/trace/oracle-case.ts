// Loads one recorded ofproto/trace case (test/oracle/trace/cases/<name>/) and runs it
// through ctflow with the same bridge (ports 1..4, LOCAL = datapath port 100).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket } from '../../src/packet/packet.js';
import { buildPipeline, OFPP_LOCAL, type GroupDesc } from '../../src/pipeline/pipeline.js';
import { parseCtNext, runPacket, type PacketResult } from '../../src/pipeline/run.js';

export const CASES = join(import.meta.dirname, '../oracle/trace/cases');

export interface Expect {
  trace_rc: number;
  datapath_actions: string | null;
  final_flow: string | null;
  recirculations: Array<{ header: string; flow: string; final_flow: string | null; datapath_actions: string | null }>;
  setup_errors?: string[];
  /** FLOOD/ALL/NORMAL: OVS emits the ports in an order that changes with every ovs-vswitchd start. */
  output_order_unstable?: boolean;
  /** `ovs-appctl dpctl/show` of the bridge the case ran on. */
  dpctl_show?: string;
}

/**
 * The bridge's port names, as ofproto/trace knows them, from the recorded `dpctl/show`:
 * datapath port N is OpenFlow port N (the recorder's ofport_request), port 100 is LOCAL
 * (named after the bridge), port 0 the datapath's own.
 */
function bridgeNames(dpctlShow: string | undefined): Map<number, string> | undefined {
  if (!dpctlShow) return undefined;
  const names = new Map<number, string>();
  for (const [, n, name] of dpctlShow.matchAll(/^\s*port (\d+): (\S+)/gm)) {
    const dp = Number(n);
    if (dp !== 0) names.set(dp === 100 ? OFPP_LOCAL : dp, name);
  }
  return names;
}

export interface CaseOutcome { name: string; diffs: string[]; result: PacketResult | null }

const read = (dir: string, f: string): string | null => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : null);

/** The recorder adds groups with `ovs-ofctl -O OpenFlow15 add-groups` (README). */
const GROUPS_OF_VERSION = 15;

/** Optional groups reader (src/parse/groups.ts), loaded when present. */
async function loadGroups(text: string): Promise<GroupDesc[]> {
  const path = '../../src/parse/groups.js';
  const mod = await import(/* @vite-ignore */ path).catch(() => null);
  if (!mod?.readGroups) throw new Error('groups.txt given but no groups reader (src/parse/groups.ts) yet');
  const r = mod.readGroups(text, 'groups.txt', { ofVersion: GROUPS_OF_VERSION });
  if (r.diagnostics.length) throw new Error(`groups.txt: ${r.diagnostics[0].message}`);
  return r.groups;
}

export async function runCase(name: string): Promise<CaseOutcome> {
  const dir = join(CASES, name);
  const expect = JSON.parse(read(dir, 'expect.json')!) as Expect;
  const diffs: string[] = [];
  const flowsText = read(dir, 'flows.txt') ?? '';
  const proto = /^#\s*protocol:\s*OpenFlow1(\d)/m.exec(flowsText);
  // `# protocol: OpenFlow1N`: the flows were added with ovs-ofctl -O OpenFlow1N.
  const ofVersion = proto ? 10 + Number(proto[1]) : 10;
  const file = readFlows(flowsText, 'flows.txt', { ofVersion });
  const rejected = file.diagnostics.length > 0;
  if (rejected !== !!expect.setup_errors?.length) {
    diffs.push(rejected ? `ctflow rejects the flows: ${file.diagnostics[0].message}` : `OVS rejected the flows, ctflow accepts them: ${expect.setup_errors![0]}`);
  }
  // meters.txt: `meter=N,…` lines, added in that order (OVS numbers datapath meters so).
  const meters = [...(read(dir, 'meters.txt') ?? '').matchAll(/^meter=(\d+)/gm)].map((m) => Number(m[1]));
  const groupsText = read(dir, 'groups.txt');
  const groups = groupsText && !expect.setup_errors?.length ? await loadGroups(groupsText) : [];
  // A flow mod the switch refused (OFPT_ERROR) leaves the flows added before it installed
  // (README): where ctflow refuses a line too, the flows before it; a file ovs-ofctl itself
  // refused installs nothing.
  const switchRefused = rejected && (expect.setup_errors?.some((e) => e.includes('OFPT_ERROR')) ?? false);
  const firstBad = Math.min(...file.diagnostics.map((d) => d.line));
  const installed = switchRefused ? file.flows.filter((f) => f.line < firstBad) : rejected || expect.setup_errors?.length ? [] : file.flows;
  const pipeline = buildPipeline(installed, {
    groups, of15: proto !== null && Number(proto[1]) >= 5, meters,
    ofVersion, groupsOfVersion: GROUPS_OF_VERSION,
    ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100, names: bridgeNames(expect.dpctl_show) },
  });
  let packet;
  try {
    packet = parsePacket(read(dir, 'packet.txt')!.trim());
  } catch (e) {
    if (expect.trace_rc === 0) diffs.push(`ctflow rejects the packet: ${(e as Error).message}`);
    return { name, diffs, result: null };
  }
  if (expect.trace_rc !== 0) { diffs.push('OVS rejected the packet, ctflow accepts it'); return { name, diffs, result: null }; }
  const ctNext = (read(dir, 'ct_next.txt') ?? '').split('\n').map((l) => l.trim()).filter(Boolean).map(parseCtNext);
  const learn = (read(dir, 'trace_args.txt') ?? '').includes('-generate');
  const result = runPacket({ pipeline, ctNext, learn }, packet, 0);
  const passes = result.trace.passes;
  const cmp = (what: string, got: string | undefined, want: string | null) => {
    if (want !== null && got !== want) diffs.push(`${what}: got ${got ?? '(none)'}, OVS ${want}`);
  };
  // The recordings' README: where OVS's port order is not stable, the same actions in any
  // order of the outputs agree; the header changes must still come in OVS's order.
  const dp = passes[0].datapathActions, wantDp = expect.datapath_actions;
  const orderOnly = expect.output_order_unstable && dp !== undefined && wantDp !== null && sameUpToOutputOrder(dp, wantDp);
  if (!orderOnly) cmp('datapath actions', dp, wantDp);
  cmp('final flow', passes[0].finalFlow, expect.final_flow);
  if (passes.length - 1 !== expect.recirculations.length) {
    diffs.push(`recirculations: ${passes.length - 1}, OVS ${expect.recirculations.length}`);
  }
  expect.recirculations.forEach((r, i) => {
    const p = passes[i + 1];
    if (!p) return;
    cmp(`recirc ${i + 1} flow`, p.flow, r.flow);
    cmp(`recirc ${i + 1} datapath actions`, p.datapathActions, r.datapath_actions);
    cmp(`recirc ${i + 1} final flow`, p.finalFlow, r.final_flow);
  });
  return { name, diffs, result };
}

/** Top-level datapath actions (commas inside parentheses do not split). */
export function topLevelActions(text: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const c of text) {
    if (c === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    if (c === '(') depth++;
    if (c === ')') depth--;
    cur += c;
  }
  return [...out, cur];
}

/**
 * The same frames to the same ports, whatever the order of the outputs: each output is
 * keyed by the header actions before it (the frame that port receives).
 */
export function sameUpToOutputOrder(got: string, want: string): boolean {
  const frames = (text: string) => {
    const heads: string[] = [], sent: string[] = [];
    for (const a of topLevelActions(text)) {
      if (/^\d+$/.test(a)) sent.push(`${heads.join(',')} -> ${a}`); else heads.push(a);
    }
    return JSON.stringify([sent.sort(), heads]);
  };
  return frames(got) === frames(want);
}
