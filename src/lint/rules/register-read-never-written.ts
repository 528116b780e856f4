// register-read-never-written (notes): bits of reg0..reg15 (xreg/xxreg are views of
// them) that a flow matches or an action reads, while no action anywhere writes them.
// Registers are 0 when a packet enters the pipeline, so such a read always sees 0:
// sometimes intended (a flag another controller sets), often a typo in the register.
import { writeSegs } from '../../model/bits.js';
import { bucketActions, eachAction, reads, writes, type Access } from '../actions.js';
import { atAction, atField, finding } from '../finding.js';
import type { Finding, LintRule, Where } from '../types.js';
import type { Flow } from '../../model/flow.js';

const REG = /^reg(\d|1[0-5])$/;

/** The register bits an access touches, by slot. */
function regBits(a: Access): Map<string, bigint> {
  const m = new Map<string, bigint>();
  writeSegs(m, a.field.segs, a.mask, a.mask);
  for (const s of [...m.keys()]) if (!REG.test(s) || !m.get(s)) m.delete(s);
  return m;
}

export const registerReadNeverWritten: LintRule = {
  id: 'register-read-never-written',
  summary: 'register bits read or matched that no action writes (notes)',
  check(input, ctx) {
    const written = new Map<string, bigint>();
    const addWrites = (actions: Parameters<typeof eachAction>[0]) => eachAction(actions, (a) => {
      for (const w of writes(a)) for (const [s, b] of regBits(w)) written.set(s, (written.get(s) ?? 0n) | b);
    });
    for (const f of input.flows) addWrites(f.actions);
    for (const g of input.groups?.values() ?? []) for (const b of g.buckets) addWrites(bucketActions(b.actions));
    const out: Finding[] = [];
    const report = (f: Flow, slot: string, bits: bigint, at: Where, how: string) => {
      const unwritten = bits & ~(written.get(slot) ?? 0n);
      if (!unwritten) return;
      out.push(finding('register-read-never-written', 'note', f, at,
        `${how} ${slot} bits 0x${unwritten.toString(16)}, which no action writes: they are always 0 here`,
        'check the register number; registers start at 0 for every packet'));
    };
    for (const f of ctx.effective) {
      for (const [slot, mask] of f.match.masks) {
        if (REG.test(slot) && mask) report(f, slot, mask, atField(slot), 'matches');
      }
      eachAction(f.actions, (a) => {
        for (const r of reads(a)) for (const [slot, bits] of regBits(r)) report(f, slot, bits, atAction(a), 'reads');
      });
    }
    return out;
  },
};
