// Mutated corpus lines never make the reader throw: every failure is a structured
// diagnostic with a line, a column inside the line and a message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_GROUPS, CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';

const lines = CORPUS_GROUPS.flatMap((g) => loadCorpus(g).map((e) => e.input));
const PIECES = [',', '(', ')', '=', ':', '->', '[', ']', '..', '/', '+', '-', '"', ' ', '0x', '::', 'actions=', 'ct(', 'reg0[', '999999999999999999999', '\u00e9', '__proto__'];

const mutated = fc.tuple(
  fc.constantFrom(...lines),
  fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }))), { minLength: 1, maxLength: 4 }),
).map(([line, edits]) => {
  let s = line;
  for (const [at, del, ins] of edits) {
    const i = at % (s.length + 1);
    s = s.slice(0, i) + ins + s.slice(Math.min(s.length, i + (del % 3)));
  }
  return s.replace(/[\r\n]/g, ' ');
});

describe('fuzz: mutated corpus lines', () => {
  it('give flows or structured diagnostics, never an exception', () => {
    fc.assert(fc.property(mutated, (text) => {
      const r = readFlows(text, 'fuzz', { ports: CORPUS_PORTS });
      for (const d of r.diagnostics) {
        expect(d.line).toBe(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeLessThanOrEqual(text.length + 1);
        expect(d.message.length).toBeGreaterThan(0);
      }
    }), { numRuns: 3000, seed: 42 });
  });
});
