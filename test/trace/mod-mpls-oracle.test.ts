// OpenFlow 1.0 field actions (mod_nw_src, mod_tp_dst, ...) on packets that lack the field,
// and pop_mpls, against ofproto/trace of real OVS 3.1 (test/oracle/trace-mod-mpls/, recorded
// like the main trace oracle). Each case must give OVS's datapath actions and final flow
// and print OVS's whole trace text.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { texts } from './full-text-case.js';
import { CASES, runCase } from './oracle-case.js';

const HERE = join(import.meta.dirname, '../oracle/trace-mod-mpls/cases');
// runCase and texts read cases under the main oracle folder: these are reached from there.
const rel = (name: string) => join('../../trace-mod-mpls/cases', name);
const names = readdirSync(HERE).sort();

/** Cases ctflow refuses, naming what it does not know offline (the test wants that error). */
const REFUSED = new Map<string, RegExp>([
]);
/** Cases whose datapath actions and final flow agree but whose trace text does not, and why. */
const TEXT_DIFFERS = new Map<string, string>([]);

describe('legacy field actions and pop_mpls (ofproto/trace oracle)', () => {
  it('reads the cases from their own folder', () => {
    expect(join(CASES, rel('x'))).toBe(join(HERE, 'x'));
    expect(names.length).toBeGreaterThan(50);
  });
  for (const name of names) {
    const refused = REFUSED.get(name), differs = TEXT_DIFFERS.get(name);
    if (refused) {
      it(`${name} (refused: ctflow cannot know it offline)`, async () => { await expect(runCase(rel(name))).rejects.toThrow(refused); });
      continue;
    }
    it(differs ? `${name} (text differs: ${differs})` : name, async () => {
      expect((await runCase(rel(name))).diffs).toEqual([]);
      if (name.startsWith('reject-')) return;
      const [got, want] = await texts(rel(name));
      if (differs) expect(got, 'now prints what OVS printed: remove it from TEXT_DIFFERS').not.toBe(want);
      else expect(got).toBe(want);
    });
  }
  it('lists only existing cases', () => {
    for (const k of [...REFUSED.keys(), ...TEXT_DIFFERS.keys()]) expect(names).toContain(k);
  });
});
