// `ctflow fmt` of a dump pasted from a real switch equals that switch's `--no-stats` dump,
// byte for byte (recorded from real ovs-ofctl 3.1, test/corpus/dumps/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFlowLines } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_DIR, CORPUS_PORTS } from '../helpers/corpus.js';

const names = new Map([...CORPUS_PORTS].map(([n, v]) => [v, n]));
// The OpenFlow version comes from the dump's header line (`OFPST_FLOW reply (OF1.3)`).
const variants: Array<[string, { ofVersion: number; names: boolean }]> = [
  ['default', { ofVersion: 10, names: false }],
  ['names', { ofVersion: 10, names: true }],
  ['of13', { ofVersion: 13, names: false }],
  ['of15', { ofVersion: 15, names: false }],
  ['of15-names', { ofVersion: 15, names: true }],
];

describe('fmt of a pasted dump', () => {
  it.each(variants)('%s', (variant, o) => {
    const raw = readFileSync(join(CORPUS_DIR, 'dumps', `${variant}.raw.txt`), 'utf8');
    const want = readFileSync(join(CORPUS_DIR, 'dumps', `${variant}.no-stats.txt`), 'utf8');
    const r = readFlows(raw, `${variant}.raw.txt`, { ports: CORPUS_PORTS });
    expect(r.diagnostics).toEqual([]);
    // (The OpenFlow 1.5 dump with --names comes without a header line.)
    if (r.header) expect(r.ofVersion).toBe(o.ofVersion);
    const lines = formatFlowLines(r.flows, { ofVersion: o.ofVersion, portNames: o.names ? names : undefined });
    expect(lines.join('\n') + '\n').toBe(want);
  });
});
