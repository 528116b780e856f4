// Scenario files written to a temporary folder and run as `ctflow test` runs them
// (runTests, stdout/stderr captured), on a small stateful firewall or the bundled OVN tables.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { runTests } from '../../src/cli/test.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * One zone: port 1 opens connections (reg0 bit 0 set, TTL decremented), port 2 may only
 * answer; anything else from port 2 goes to the controller; ssh is dropped. Line N = flow N.
 */
export const FW_FLOWS = [
  'table=0,priority=10,ip,ct_state=-trk,actions=ct(zone=1,table=1)',
  'table=1,priority=20,tcp,tp_dst=22,actions=drop',
  'table=1,priority=10,ip,in_port=1,actions=load:1->NXM_NX_REG0[0],ct(commit,zone=1),dec_ttl,output:2',
  'table=1,priority=10,cookie=0xbeef,ip,in_port=2,ct_state=+est+trk,actions=output:1',
  'table=1,priority=5,ip,in_port=2,actions=controller',
].join('\n');

export const FW_HEADER = 'flows fw.flows\nports p1=1,p2=2\ncontroller\n';

/** A DNS query from p1, its answer, an unsolicited answer from another port. */
export const DNS = [
  '@0 udp,in_port=p1,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=5000,tp_dst=53 len=40',
  '+0.5 udp,in_port=p2,nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_ttl=64,tp_src=53,tp_dst=5000 len=80',
  '+0.1 udp,in_port=p2,nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_ttl=64,tp_src=99,tp_dst=5000 len=80',
];

export interface Ran { code: number; out: string; err: string }

export function capture(run: () => number): Ran {
  let out = '', err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try { return { code: run(), out, err }; } finally { vi.restoreAllMocks(); }
}

/** Writes `files` (name → text) to a fresh folder; returns the folder. */
export function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctflow-scenario-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs one scenario text (header included) next to the firewall flows. */
export function runText(scenario: string, o: { json?: boolean; files?: Record<string, string> } = {}): Ran & { file: string } {
  const dir = folder({ 'fw.flows': FW_FLOWS, 't.scenario': scenario, ...o.files });
  const file = join(dir, 't.scenario');
  return { ...capture(() => runTests([file], { json: o.json })), file };
}

/** The JSON verdict of a firewall scenario: its failures' expected/got. */
export function verdicts(scenario: string): { code: number; failures: Array<{ line: number; expected: string; got: string }>; err: string } {
  const r = runText(scenario, { json: true });
  if (r.code === 2) return { code: 2, failures: [], err: r.err };
  const doc = JSON.parse(r.out);
  return { code: r.code, err: r.err, failures: doc.scenarios.flatMap((s: any) => s.failures.map((f: any) => ({ line: f.line, expected: f.expected, got: f.got }))) };
}
