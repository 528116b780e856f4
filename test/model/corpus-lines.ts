// Shared by the corpus tests of each dump dialect (corpus.test.ts: OpenFlow 1.0 and 1.5,
// corpus-of13.test.ts: OpenFlow 1.3): how a recorded input line is read.
import { expect } from 'vitest';
import type { Flow } from '../../src/model/flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_PORTS, type CorpusEntry } from '../helpers/corpus.js';

/** The one flow of `text`, read as added with OpenFlow `ofVersion` (1.0 if not given). */
export function readOne(text: string, ofVersion?: number): Flow {
  const r = readFlows(text, 'corpus', { ports: CORPUS_PORTS, ofVersion });
  expect(r.diagnostics.map((d) => `${d.col}: ${d.message}`).join('; '), text).toBe('');
  expect(r.flows.length).toBe(1);
  return r.flows[0];
}

/** The OpenFlow version a line was added with (`@OpenFlow13` in the input), else undefined. */
export const addedWith = (e: CorpusEntry): number | undefined =>
  (e.protocol?.startsWith('OpenFlow1') ? Number(e.protocol.slice(8)) : undefined);

/** Lines whose dumps, in every dialect, depend on the recording switch, not on the flow text. */
export const SWITCH_DEPENDENT_ALL: ReadonlyArray<[string, string]> = [
  ['tun_metadata0 actions=drop', 'option sizes come from the switch\'s Geneve TLV map'],
  ['tun_metadata1=0x1/0xff actions=drop', 'option sizes come from the switch\'s TLV map'],
  ['tun_metadata0=0x1122334455 actions=drop', 'option sizes come from the switch\'s TLV map'],
  ['tun_metadata0=0x7/0xff,actions=drop', 'option sizes come from the switch\'s TLV map'],
  ['vlan_tci=0x0000/0xe000 actions=drop', 'ovs-ofctl sent it as an OpenFlow 1.0 match, which cannot say "PCP 0 on any tag"'],
];
