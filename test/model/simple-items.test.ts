// The reader builds the commonest match items (`key=word`) without starting nearley; the
// grammar stays the specification: for every such item of the corpus and the OVN dump,
// the tree built directly equals nearley's, and every other shape is left to nearley.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFlowSyntax } from '../../grammar/parse.js';
import { simpleItem } from '../../src/parse/flows.js';
import { CORPUS_GROUPS, loadCorpus } from '../helpers/corpus.js';

const ovn = readFileSync(new URL('../../flows/ovn-acl.flows', import.meta.url), 'utf8');
const lines = [...CORPUS_GROUPS.flatMap((g) => loadCorpus(g).map((e) => e.input)), ...ovn.split('\n')];
const items = new Set<string>();
for (const l of lines) {
  const at = l.search(/(^|[\s,])actions?=/);
  for (const t of (at < 0 ? l : l.slice(0, at)).split(/[\s,]+/)) if (t) items.add(t);
}

describe('match items built without nearley', () => {
  it('are exactly the trees nearley builds', () => {
    let simple = 0;
    for (const text of items) {
      const direct = simpleItem(text);
      if (!direct) continue;
      simple++;
      const syn = parseFlowSyntax(text);
      expect(syn.match, text).toHaveLength(1);
      expect(direct, text).toEqual(syn.match[0]);
    }
    expect(simple).toBeGreaterThan(500);
  });

  it('leave other shapes to nearley', () => {
    for (const t of ['reg0[0..3]=5', 'packet_type=(0,0x800)', 'in_port="my port"', 'ip', 'a=b=c', 'nw_src=10.0.0.1,']) {
      expect(simpleItem(t), t).toBeNull();
    }
  });
});
