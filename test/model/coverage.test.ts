// Every field of the FIELDS table and every action of the registry has at least one
// corpus line recorded from real ovs-ofctl that uses it.
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/model/actions/index.js';
import { FIELDS } from '../../src/model/fields.js';
import { CORPUS_GROUPS, loadCorpus } from '../helpers/corpus.js';

// A recorded refusal counts too: for dp_hash or skb_priority it is the whole behaviour.
const lines = CORPUS_GROUPS.flatMap((g) => loadCorpus(g)).map((e) => e.input);
const words = new Set(lines.flatMap((l) => l.split(/[^A-Za-z0-9_]+/)));
// The 64 Geneve options are one family: the corpus switch maps options 0-3 only.
const family = (n: string) => n.replace(/^(tun_metadata|NXM_NX_TUN_METADATA)\d+$/, '$1');
const families = new Set([...words].map(family));

describe('corpus covers the registries', () => {
  it.each(FIELDS.map((f) => [f.name, f] as const))('field %s', (_n, f) => {
    const used = [...f.names, ...f.aliases].some((n) => words.has(n) || families.has(family(n)));
    expect(used, `no corpus line uses ${f.name} (names: ${[...f.names, ...f.aliases].join(', ')})`).toBe(true);
  });
  it.each(ACTIONS.map((a) => [a.name, a] as const))('action %s', (_n, a) => {
    const used = [a.name, ...(a.aliases ?? [])].some((n) => words.has(n));
    expect(used, `no corpus line uses action ${a.name}`).toBe(true);
  });
});
