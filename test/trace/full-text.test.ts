// The whole text of `ctflow trace` against the whole recorded `ofproto/trace` output
// (test/oracle/trace/cases/*/trace.txt, real OVS 3.1), not only the lines oracle.test.ts
// compares. Every case must print exactly what OVS printed, except the cases listed in
// REMAINING (each with its reason); a listed case that starts agreeing fails too, so the
// list only shrinks.
import { describe, expect, it } from 'vitest';
import { names, texts } from './full-text-case.js';
import { REMAINING } from './full-text-remaining.js';

describe('ofproto/trace full text', () => {
  it('has many cases', () => { expect(names.length).toBeGreaterThan(250); });
  for (const name of names) {
    const why = REMAINING.get(name);
    if (why) {
      it(`${name} (remaining: ${why})`, async () => {
        const [got, want] = await texts(name);
        expect(got, 'now prints what OVS printed: remove it from full-text-remaining.ts').not.toBe(want);
      });
    } else {
      it(name, async () => {
        const [got, want] = await texts(name);
        expect(got).toBe(want);
      });
    }
  }
  it('lists only existing cases', () => {
    for (const k of REMAINING.keys()) expect(names).toContain(k);
  });
});
