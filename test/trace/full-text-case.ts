// One recorded ofproto/trace case as two comparable texts: ctflow's trace and OVS's
// trace.txt, with only what cannot or need not agree taken out (listed in normalise).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTraceText } from '../../src/trace/text.js';
import { CASES, runCase, sameUpToOutputOrder, type Expect } from './oracle-case.js';

const DP = 'Datapath actions: ';

/**
 * What is left out of the comparison, and why:
 * - `Megaflow:` lines: ctflow computes no megaflow (datapath flow cache key).
 * - ctflow's `  (line N)` after a table line and its ` # …` note lines: ctflow's own
 *   annotations (where a flow came from, what ctflow assumes), which ofproto/trace has not.
 * - The order of the outputs in `Datapath actions:` for FLOOD/ALL/NORMAL cases
 *   (output_order_unstable): OVS itself changes it from one ovs-vswitchd start to the next;
 *   when both lines send the same frames to the same ports, OVS's line is kept.
 */
export function normalise(got: string, want: string, unstable: boolean): [string, string] {
  const keep = (l: string) => !l.startsWith('Megaflow: ') && !/^ *# /.test(l);
  const w = want.split('\n').filter(keep);
  const g = got.split('\n').filter(keep).map((l) => l.replace(/ {2}\(line \d+\)$/, ''));
  if (unstable) {
    const wantDp = w.filter((l) => l.startsWith(DP));
    let i = 0;
    for (let k = 0; k < g.length; k++) {
      if (!g[k].startsWith(DP)) continue;
      const o = wantDp[i++];
      if (o !== undefined && sameUpToOutputOrder(g[k].slice(DP.length), o.slice(DP.length))) g[k] = o;
    }
  }
  return [g.join('\n'), w.join('\n')];
}

export const names = readdirSync(CASES).sort().filter((n) => {
  if (!existsSync(join(CASES, n, 'expect.json'))) return false; // a case still being recorded
  const e = JSON.parse(readFileSync(join(CASES, n, 'expect.json'), 'utf8')) as Expect;
  return e.trace_rc === 0; // a refused packet has no trace to compare (oracle.test.ts checks them)
});

export async function texts(name: string): Promise<[string, string]> {
  const dir = join(CASES, name);
  const e = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expect;
  const r = await runCase(name);
  const got = r.result ? formatTraceText(r.result.trace, 'br0') : '(no trace)';
  return normalise(got, readFileSync(join(dir, 'trace.txt'), 'utf8'), !!e.output_order_unstable);
}
