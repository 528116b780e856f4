// Lint's match reasoning against independent definitions:
//  - ct_state: every (value, mask) over the 8 flags, against the states the tracker can
//    produce, written straight from ovs-fields(7)'s list of constraints;
//  - shadowed/duplicate: random tables looked up by the classifier (src/pipeline): a flow
//    lint calls shadowed is never the flow a matching packet finds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { impossible, implied } from '../../src/lint/ct-state.js';
import { lint, selectRules } from '../../src/lint/lint.js';
import type { Flow } from '../../src/model/flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { parsePacket, type Packet } from '../../src/packet/packet.js';
import { Classifier } from '../../src/pipeline/classifier.js';
import { conjunctionsOf } from '../../src/pipeline/pipeline.js';

// new est rel rpl inv trk snat dnat = bits 0..7
const [NEW, EST, , RPL, INV, TRK] = [1, 2, 4, 8, 16, 32];

/** ovs-fields(7): no flag without trk; with inv only trk; new excludes est and rpl. */
function trackerCanProduce(v: number): boolean {
  if (!(v & TRK)) return v === 0;
  if (v & INV) return v === (INV | TRK);
  return !((v & NEW) && (v & EST)) && !((v & NEW) && (v & RPL));
}
const STATES = Array.from({ length: 256 }, (_, v) => v).filter(trackerCanProduce);

describe('ct_state reasoning, exhaustively', () => {
  it('impossible() is null exactly when some state the tracker produces matches; implied() matches the same states', () => {
    let checked = 0;
    for (let mask = 0; mask < 256; mask++) {
      for (let value = 0; value < 256; value++) {
        if (value & ~mask) continue;
        const s = { value: BigInt(value), mask: BigInt(mask) };
        const hits = STATES.filter((v) => (v & mask) === value);
        expect(impossible(s) === null, `${value}/${mask}`).toBe(hits.length > 0);
        if (!hits.length) continue;
        const w = implied(s);
        expect(STATES.filter((v) => (BigInt(v) & w.mask) === w.value), `${value}/${mask}`).toEqual(hits);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

const CT = ['', '', 'ct_state=+trk,', 'ct_state=+est+trk,', 'ct_state=+est,', 'ct_state=-new+trk,', 'ct_state=-trk,', 'ct_state=-new,', 'ct_state=+new+trk,', 'ct_state=-inv+trk,', 'ct_state=+rpl,'];
const SRC = ['', 'nw_src=10.0.0.0/16,', 'nw_src=10.0.1.0/24,', 'nw_src=10.0.1.4/30,', 'nw_src=10.0.1.5,', 'nw_src=10.0.2.0/24,'];
const flowText = fc.record({
  prio: fc.integer({ min: 1, max: 4 }), ct: fc.constantFrom(...CT), src: fc.constantFrom(...SRC),
  tp: fc.constantFrom('', 'tp_dst=1,', 'tp_dst=2,'), proto: fc.constantFrom('tcp,', 'tcp,', 'ip,'),
}).map(({ prio, ct, src, tp, proto }) => `priority=${prio},${proto}${ct}${src}${proto === 'tcp,' ? tp : ''}`.replace(/,$/, '') + ' actions=drop');

const packetText = fc.record({
  b: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 0, max: 7 }), tp: fc.integer({ min: 1, max: 3 }), ct: fc.constantFrom(...STATES),
}).map(({ b, d, tp, ct }) => `tcp,nw_src=10.0.${b}.${d},tp_dst=${tp},ct_state=0x${ct.toString(16)}`);

const matches = (f: Flow, p: Packet): boolean =>
  [...f.match.masks].every(([slot, mask]) => (p.slots.get(slot) & mask) === ((f.match.values.get(slot) ?? 0n) & mask));

describe('shadowed against the classifier', () => {
  it('no packet a shadowed flow matches is looked up to it; duplicates are replaced', () => {
    let shadowedSeen = 0, matchedShadowed = 0;
    fc.assert(fc.property(fc.array(flowText, { minLength: 2, maxLength: 10 }), fc.array(packetText, { minLength: 20, maxLength: 40 }), (texts, pkts) => {
      const r = readFlows(texts.join('\n'), 't');
      expect(r.diagnostics).toEqual([]);
      const c = new Classifier(conjunctionsOf);
      r.flows.forEach((f) => c.add(f));
      const fs = lint({ flows: r.flows, groups: null }, selectRules(['shadowed', 'duplicate'], []));
      const dead = new Set(fs.map((f) => f.flow));
      shadowedSeen += fs.filter((f) => f.rule === 'shadowed').length;
      for (const t of pkts) {
        const p = parsePacket(t);
        const hit = c.lookup(0, p.slots)?.flow;
        for (const f of dead) if (matches(f, p)) { matchedShadowed++; expect(hit).not.toBe(f); }
      }
    }), { numRuns: 300, seed: 11 });
    // Not vacuous: shadowed flows were found and packets matching them were looked up.
    expect(shadowedSeen).toBeGreaterThan(100);
    expect(matchedShadowed).toBeGreaterThan(100);
  });
});
