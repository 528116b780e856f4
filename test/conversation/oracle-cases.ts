// Recorded conntrack cases (test/oracle/{kernel,ovs-userspace}/cases/) replayed the way
// `ctflow run` replays a conversation: the recorded packets become a conversation file
// (`@t` + the packet line, client in_port=1, server in_port=2) and go through real flow
// tables, so ct() runs in the pipeline (table 0 tracks and recirculates, table 1 commits
// and forwards) rather than being called directly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newConntrack, type Profile } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { Replay, type PacketVerdict } from '../../src/conversation/replay.js';
import { readFlows } from '../../src/parse/flows.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';

export const ORACLE = join(import.meta.dirname, '..', 'oracle');

/** The recorded setup: everything IP is tracked in zone 1 and recirculated to table 1. */
const TABLE0 = 'table=0,ip,ct_state=-trk,actions=ct(zone=1,table=1)';

/** Kernel recordings: table 1 commits every packet and forwards it (1 ↔ 2). */
export const KERNEL_FLOWS = [
  TABLE0,
  'table=1,ip,in_port=1,actions=ct(commit,zone=1),output:2',
  'table=1,ip,in_port=2,actions=ct(commit,zone=1),output:1',
].join('\n');

/** OVS userspace recordings: table 1 forwards +inv packets without committing them. */
export const USERSPACE_FLOWS = [
  TABLE0,
  'table=1,priority=100,ip,ct_state=+inv+trk,in_port=1,actions=output:2',
  'table=1,priority=100,ip,ct_state=+inv+trk,in_port=2,actions=output:1',
  'table=1,priority=50,ip,in_port=1,actions=ct(commit,zone=1),output:2',
  'table=1,priority=50,ip,in_port=2,actions=ct(commit,zone=1),output:1',
].join('\n');

export interface Step { step: number; t: number; who: 'c' | 's'; flow: string; dump_after_s: number; [k: string]: any }
export interface Case { case: string; steps: Step[]; sysctls?: Record<string, number>; kernel_sysctls?: Record<string, number> }

export const caseNames = (dir: string): string[] => readdirSync(join(ORACLE, dir, 'cases')).sort();
export const readCase = (dir: string, name: string): Case =>
  JSON.parse(readFileSync(join(ORACLE, dir, 'cases', name, 'result.json'), 'utf8'));

/** The case as a conversation file: `@t proto,in_port=N,…  seq=… …`. */
export function conversationText(c: Case): string {
  return c.steps
    .map((s) => {
      const comma = s.flow.indexOf(',');
      return `@${s.t} ${s.flow.slice(0, comma)},in_port=${s.who === 'c' ? 1 : 2}${s.flow.slice(comma)}`;
    })
    .join('\n');
}

/**
 * Replays a case; `check` is called after each packet with the verdict and the table as
 * the recorder dumped it (`dump_after_s` later).
 */
export function replayCase(
  c: Case, profile: Profile, flowsText: string, sysctls: Map<string, number>,
  check: (s: Step, v: PacketVerdict, dumpLater: string[]) => void,
): void {
  const flows = readFlows(flowsText, 'oracle.flows');
  if (flows.diagnostics.length) throw new Error(`oracle flows: ${flows.diagnostics[0].message}`);
  const conv = readConversation(conversationText(c), `${c.case}.conv`);
  if (conv.diagnostics.length) throw new Error(`${c.case}: ${conv.diagnostics[0].message}`);
  const conntrack = newConntrack({ profile, sysctls });
  const replay = new Replay({ pipeline: buildPipeline(flows.flows), conntrack });
  conv.packets.forEach((p, i) => {
    const s = c.steps[i];
    const v = replay.send(p);
    const later = p.timeMs + Math.round(s.dump_after_s * 1000);
    const lines = profile === 'kernel' ? conntrack.dump(later) : conntrack.dump(later, { more: true, stats: true });
    check(s, v, lines);
  });
}
