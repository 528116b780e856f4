// The classifier against the definition of a lookup: among the flows whose every masked
// slot equals the packet's, the highest priority wins, the flow added first on a tie,
// and a flow with the same match and priority replaces the earlier one in its place.
// Random tables mix what the lookup plans split on (metadata, dl_type, nw_proto; exact,
// masked or absent), subtables small enough to be compared word by word and big enough
// to be hashed, and flows added after lookups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/model/flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket, type Packet } from '../../src/packet/packet.js';
import { Classifier } from '../../src/pipeline/classifier.js';

// Repeated entries are likelier: flows of several families then tie on priority.
const METADATA = ['metadata=0x1,', 'metadata=0x1,', 'metadata=0x1,', '', 'metadata=0x2,', 'metadata=0x1/0x1,', 'metadata=0x100000001,'];
const PROTO = ['tcp,', 'tcp,', 'tcp,', '', 'ip,', 'udp,', 'arp,', 'ipv6,'];
const REG0 = ['', '', '', 'reg0=0x1,', 'reg0=0x2/0x2,', 'reg0=0x3,'];
const PRIORITY = [0, 5, 100, 110];

/** A family of flows with one shape (one subtable) differing in nw_dst and priority. */
const family = fc.record({
  md: fc.constantFrom(...METADATA), proto: fc.constantFrom(...PROTO), reg0: fc.constantFrom(...REG0), tp: fc.integer({ min: 0, max: 3 }),
  members: fc.array(fc.record({ prio: fc.constantFrom(...PRIORITY), dst: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 12 }),
}).map(({ md, proto, reg0, tp, members }) => {
  const ip = proto === 'ip,' || proto === 'tcp,' || proto === 'udp,';
  const port = (proto === 'tcp,' || proto === 'udp,') && tp ? `tp_dst=${tp},` : '';
  // Without IP there is no nw_dst: the members differ in priority only (replacing each other).
  return members.map(({ prio, dst }) => `priority=${prio},${md}${proto}${reg0}${ip ? `nw_dst=10.0.0.${dst},` : ''}${port}`.replace(/,$/, '') + ' actions=drop');
});
const flowTexts = (max: number) => fc.array(family, { minLength: 1, maxLength: max }).map((fs) => fs.flat());

const packetText = fc.record({
  md: fc.constantFrom('0x1', '0x1', '0x2', '0x3', '0x100000001'), proto: fc.constantFrom('tcp', 'tcp', 'ip', 'udp', 'arp', 'ipv6'),
  reg0: fc.integer({ min: 0, max: 3 }), dst: fc.integer({ min: 0, max: 12 }), tp: fc.integer({ min: 0, max: 3 }),
}).map(({ md, proto, reg0, dst, tp }) => {
  const ip = proto === 'ip' || proto === 'tcp' || proto === 'udp';
  return `${proto},metadata=${md},reg0=${reg0}` + (ip ? `,nw_dst=10.0.0.${dst}` : '') + (proto === 'tcp' || proto === 'udp' ? `,tp_dst=${tp}` : '');
});

const matches = (f: Flow, p: Packet): boolean =>
  [...f.match.masks].every(([slot, mask]) => (p.slots.get(slot) & mask) === ((f.match.values.get(slot) ?? 0n) & mask));
const key = (f: Flow): string =>
  `${f.priority} ${[...f.match.masks].filter(([, m]) => m).map(([s, m]) => `${s}=${(f.match.values.get(s) ?? 0n) & m}/${m}`).sort().join(',')}`;

/** The reference: flows in table order (a replacement keeps the replaced flow's place). */
function reference(flows: Flow[]): Flow[] {
  const out: Flow[] = [];
  for (const f of flows) {
    const i = out.findIndex((g) => key(g) === key(f));
    if (i >= 0) out[i] = f; else out.push(f);
  }
  return out;
}
function refLookup(table: Flow[], p: Packet): number | null {
  let best: Flow | null = null;
  for (const f of table) if (matches(f, p) && (!best || f.priority > best.priority)) best = f;
  return best?.line ?? null;
}

describe('classifier against a linear scan', () => {
  it('finds the same flow for every packet, before and after more flows are added', () => {
    fc.assert(fc.property(
      flowTexts(8), flowTexts(2), fc.array(packetText, { minLength: 1, maxLength: 12 }),
      (first, later, packets) => {
        const r = readFlows([...first, ...later].join('\n'), 't');
        expect(r.diagnostics).toEqual([]);
        const c = new Classifier(() => null);
        const pkts = packets.map((t) => parsePacket(t));
        const check = (n: number) => {
          const table = reference(r.flows.slice(0, n));
          for (const p of pkts) expect(c.lookup(0, p.slots)?.flow.line ?? null).toBe(refLookup(table, p));
        };
        r.flows.slice(0, first.length).forEach((f) => c.add(f));
        check(first.length);
        r.flows.slice(first.length).forEach((f) => c.add(f));
        check(r.flows.length);
      },
    ), { numRuns: 400, seed: 7 });
  });
});
