// Every recorded ofproto/trace case (test/oracle/trace/cases/, real OVS 3.1): ctflow must
// give the same datapath actions and final flow, for the main pass and every
// recirculation. Known disagreements are listed with their reason and must stay failing.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN } from './known-disagreements.js';
import { CASES, runCase } from './oracle-case.js';

const names = readdirSync(CASES).sort();

async function diffsOf(name: string): Promise<string[]> {
  try {
    return (await runCase(name)).diffs;
  } catch (e) {
    return [`throws: ${(e as Error).message}`];
  }
}

describe('ofproto/trace oracle', () => {
  it('has many cases', () => { expect(names.length).toBeGreaterThan(100); });
  for (const name of names) {
    const known = KNOWN.get(name);
    if (known) {
      it(`${name} (known disagreement: ${known})`, async () => {
        expect((await diffsOf(name)).length, 'now agrees with OVS: remove it from known-disagreements.ts').toBeGreaterThan(0);
      });
    } else {
      it(name, async () => { expect(await diffsOf(name)).toEqual([]); });
    }
  }
  it('lists only existing cases as known disagreements', () => {
    for (const k of KNOWN.keys()) expect(names).toContain(k);
  });
});
