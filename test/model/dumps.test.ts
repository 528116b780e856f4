// `ctflow fmt` of a dump pasted from a real switch equals that switch's `--no-stats` dump,
// byte for byte (recorded from real ovs-ofctl 3.1, test/corpus/dumps/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFlowLines } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_DIR, CORPUS_PORTS } from '../helpers/corpus.js';

const names = new Map([...CORPUS_PORTS].map(([n, v]) => [v, n]));
const variants: Array<[string, { of15: boolean; names: boolean }]> = [
  ['default', { of15: false, names: false }],
  ['names', { of15: false, names: true }],
  ['of13', { of15: true, names: false }],
  ['of15', { of15: true, names: false }],
  ['of15-names', { of15: true, names: true }],
];

describe('fmt of a pasted dump', () => {
  it.each(variants)('%s', (variant, o) => {
    const raw = readFileSync(join(CORPUS_DIR, 'dumps', `${variant}.raw.txt`), 'utf8');
    const want = readFileSync(join(CORPUS_DIR, 'dumps', `${variant}.no-stats.txt`), 'utf8');
    const r = readFlows(raw, `${variant}.raw.txt`, { ports: CORPUS_PORTS });
    expect(r.diagnostics).toEqual([]);
    const ofVersion = variant === 'of13' ? 13 : r.ofVersion;
    const lines = formatFlowLines(r.flows, { of15: o.of15, ofVersion, portNames: o.names ? names : undefined });
    expect(lines.join('\n') + '\n').toBe(want);
  });
});
