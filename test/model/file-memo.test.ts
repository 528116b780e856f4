// A file's flows are built with what the file's earlier flows left (flow-memo.ts: the
// writes of each item text, matches by their items, shared masks maps, packed values,
// checks already passed): each must equal the same line built alone, the long way — same
// masks, values, printed text, and the same errors. The lines: every corpus input, the
// real OVN table, and copies of both with the numbers of their match parts changed and
// crossed (the usual difference between the matches of a dump).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { formatFlow } from '../../src/model/print-flow.js';

const ROOT = join(import.meta.dirname, '..', '..');
const corpus = ['matches', 'actions', 'ct', 'flowkeys', 'learn'].flatMap((n) => {
  try { return (JSON.parse(readFileSync(join(ROOT, 'test/corpus', `${n}.json`), 'utf8')) as Array<{ input: string }>).map((c) => c.input); } catch { return []; }
});
const ovn = readFileSync(join(ROOT, 'flows/ovn-acl.flows'), 'utf8').split('\n').filter((l) => l.includes('actions='));

const FLOW_KEYS = new Set(['table', 'priority', 'cookie', 'idle_timeout', 'hard_timeout', 'importance']);

/** The line with each number in the values of its match fields changed, the item at
 *  position i by k(i); flow keys and subscripts are kept, so the copies have the
 *  original's shapes. */
function vary(line: string, k: (i: number) => number): string {
  const at = line.indexOf('actions=');
  const match = at < 0 ? line : line.slice(0, at);
  let i = 0;
  const changed = match.replace(/([A-Za-z0-9_]+)(\[[^\]]*\])?=([^,\s]+)/g, (item, key: string, sub: string | undefined, value: string) => {
    if (FLOW_KEYS.has(key)) return item;
    const by = k(i++);
    const v = value.replace(/(^|[.:/x])([0-9a-f]+)\b/g, (m, sep: string, digits: string) => {
      const hex = sep === 'x' || sep === ':' || /[a-f]/.test(digits);
      const d = parseInt(digits.slice(-1), 16);
      return sep + digits.slice(0, -1) + ((d + by) % (hex ? 16 : 10)).toString(hex ? 16 : 10);
    });
    return `${key}${sub ?? ''}=${v}`;
  });
  return changed + (at < 0 ? '' : line.slice(at));
}

// Items that write parts of one slot: their writes must fold into it in order.
const shared = [
  'table=1,reg0[0..3]=0x5,reg0[4..7]=0x6,reg1=0x7 actions=drop',
  'table=1,ip,nw_tos=8,nw_ecn=2,nw_dst=10.0.0.1 actions=drop',
  'table=1,ip,ip_dscp=3,ip_ecn=1 actions=drop',
  'table=1,xxreg0=0x1234,reg3=0x9 actions=drop',
  'table=1,ct_mark=0x1/0x1,ct_mark=0x2/0x2,ct_label=0x5 actions=drop',
  'table=1,tcp,tcp_flags=+syn-ack,tp_dst=22 actions=drop',
  'table=1,icmp6,icmpv6_type=135,nd_target=fe80::1,nd_sll=02:00:00:00:00:01 actions=drop',
  // Items seen before, in a combination a check refuses.
  'table=2,priority=5,ip,ct_state=+est+trk,ct_nw_src=10.0.0.1 actions=drop',
  'table=2,priority=5,ip,ct_state=-est+trk,nw_dst=10.0.0.3 actions=drop',
  'table=2,priority=5,ip,ct_state=-est+trk,ct_nw_src=10.0.0.1 actions=drop',
  'table=3,recirc_id=0,reg2=0x1 actions=drop',
  'table=3,recirc_id=0x5,reg2=0x2 actions=drop',
  'table=3,recirc_id=0x5,reg2=0x1 actions=drop',
];
const lines = [...corpus, ...ovn, ...shared];
// Copies 1 and 2, then lines crossing them (even items from one, odd from the other):
// new matches made only of items the file has seen.
const file = [...lines, ...[1, 2].flatMap((k) => lines.map((l) => vary(l, () => k))),
  ...lines.map((l) => vary(l, (i) => (i % 2 ? 1 : 2))), ...lines.map((l) => vary(l, (i) => (i % 2 ? 2 : 1)))];

describe('flows built with the file memo', () => {
  const together = readFlows(file.join('\n'), 'f');
  const byLine = new Map(together.flows.map((f) => [f.line, f]));
  const errors = new Map(together.diagnostics.map((d) => [d.line, d.message]));
  it('equal the lines built alone', () => {
    let checked = 0;
    for (const [i, text] of file.entries()) {
      const alone = readFlows(text, 'f');
      const f = byLine.get(i + 1);
      if (alone.flows.length === 0) { expect(errors.get(i + 1), text).toBe(alone.diagnostics[0]?.message); continue; }
      expect(f, text).toBeDefined();
      const a = alone.flows[0].match, b = f!.match;
      expect([...b.masks], text).toEqual([...a.masks]);
      expect(new Map(b.values), text).toEqual(new Map(a.values));
      expect(formatFlow(f!), text).toBe(formatFlow(alone.flows[0]));
      checked++;
    }
    expect(checked).toBeGreaterThan(4000);
  });
});
