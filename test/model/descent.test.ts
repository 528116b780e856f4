// The top-down fast path (grammar/descent.ts) must build exactly nearley's tree, or
// step aside (null) and let nearley parse: for every corpus line, every line of the
// bundled OVN dumps and of the recorded dumps, every action list and match item the
// reader hands to the parser, and for generated token soups.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFlowFast } from '../../grammar/descent.js';
import { parseFlowNearley } from '../../grammar/parse.js';
import type { FlowSyntax } from '../../grammar/syntax.js';
import { closeParens } from '../../src/parse/flows.js';
import { CORPUS_DIR, CORPUS_GROUPS, loadCorpus } from '../helpers/corpus.js';

const FLOWS = new URL('../../flows/', import.meta.url);
const dumps = readdirSync(FLOWS).filter((f) => f.endsWith('.flows')).map((f) => readFileSync(new URL(f, FLOWS), 'utf8'));
const recorded = readdirSync(join(CORPUS_DIR, 'dumps')).map((f) => readFileSync(join(CORPUS_DIR, 'dumps', f), 'utf8'));
const lines = [
  ...CORPUS_GROUPS.flatMap((g) => loadCorpus(g).map((e) => e.input)),
  ...[...dumps, ...recorded].flatMap((t) => t.split('\n')),
].filter((l) => l.trim() !== '');

/** What the reader gives the parser besides whole lines: the action text and each item. */
function pieces(line: string): string[] {
  const at = line.search(/(^|[\s,])actions?=/);
  const out = [line];
  if (at >= 0) out.push(closeParens(line.slice(at).trimStart()));
  for (const t of (at < 0 ? line : line.slice(0, at)).split(/[\s,]+/)) if (t) out.push(t);
  return out;
}

const nearley = (text: string): FlowSyntax | null => {
  try { return parseFlowNearley(text); } catch { return null; }
};

describe('top-down fast path', () => {
  it('builds nearley\'s tree for every real flow text nearley parses', () => {
    let checked = 0;
    for (const text of new Set(lines.flatMap(pieces))) {
      const want = nearley(text);
      const got = parseFlowFast(text);
      if (want === null) { expect(got, text).toBeNull(); continue; }
      expect(got, text).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('agrees with nearley on generated token soups (same tree, or steps aside where nearley fails)', () => {
    const tokens = ['a', 'reg0', '0x1/0xf', '=', ':', '->', '(', ')', '[', ']', ',', ' ', 'actions=', '"q r"',
      '00:11:22:33:44:55', 'fe80::1', '-', '0..3', '10.0.0.1', '+trk-est', '@', '\t'];
    fc.assert(fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 14 }), (parts) => {
      const text = parts.join('');
      const want = nearley(text);
      const got = parseFlowFast(text);
      if (want === null) expect(got, text).toBeNull();
      else expect(got, text).toEqual(want);
    }), { numRuns: 20_000, seed: 20261125 });
  });

  it('steps aside for a text nearley refuses', () => {
    for (const t of ['a=', 'a(b', 'a:b:', 'x[1..2', 'nat(src=[fe80::1]x[fe80::2])', 'a=b c=d=e', '"', '#']) {
      expect(nearley(t), t).toBeNull();
      expect(parseFlowFast(t), t).toBeNull();
    }
  });
});
