// Groups as real ovs-ofctl 3.1 read and printed them (test/corpus/groups.json) and the real
// OVN load-balancer group of flows/ovn-acl.groups: parse, print in the dump's form, reparse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGroups } from '../../src/parse/groups.js';
import { formatGroup } from '../../src/parse/print-groups.js';
import { CORPUS_DIR, CORPUS_PORTS } from '../helpers/corpus.js';

interface GroupEntry { input: string; protocol: string; dump?: string; of13?: string; error?: string }
const entries: GroupEntry[] = JSON.parse(readFileSync(join(CORPUS_DIR, 'groups.json'), 'utf8'));
const opts = { ports: CORPUS_PORTS };

const VERSION = new Map([['OpenFlow11', 11], ['OpenFlow13', 13], ['OpenFlow15', 15]]);

function one(text: string, ofVersion?: number) {
  const r = readGroups(text, 'groups', { ...opts, ofVersion });
  expect(r.diagnostics.map((d) => `${d.col}: ${d.message}`).join('; '), text).toBe('');
  expect(r.groups).toHaveLength(1);
  return r.groups[0];
}

describe('groups.json accepted lines', () => {
  it.each(entries.filter((e) => !e.error).map((e) => [e.input, e] as const))('%s', (input, e) => {
    const g = one(input, VERSION.get(e.protocol));
    // A group added in OpenFlow 1.1-1.4 lost what those versions cannot carry (selection
    // method, fields): the switch holds what its OF1.3 dump shows.
    const held = e.protocol === 'OpenFlow15' ? g : one(' ' + e.of13!, 13);
    const dump = formatGroup(held, { of15: true });
    expect(dump).toBe(e.dump);
    expect(formatGroup(one(dump), { of15: true })).toBe(dump);
    // The OF1.3 dump: no bucket ids or selection method; a write that arrived as a load
    // stays one, other whole-field writes are set_field (as in flow dumps).
    expect(formatGroup(g, { ofVersion: 13 })).toBe(e.of13);
  });
});

describe('groups.json rejected lines', () => {
  it.each(entries.filter((e) => e.error).map((e) => [e.input] as const))('%s', (input) => {
    const r = readGroups(input, 'groups', opts);
    expect(r.groups).toHaveLength(0);
    expect(r.diagnostics).toHaveLength(1);
  });

  it('names the place and the thing', () => {
    const r = readGroups('group_id=1,type=all,bucket=output:1\ngroup_id=2,type=bogus,bucket=output:1\n', 'g.txt', opts);
    expect(r.groups).toHaveLength(1);
    const d = r.diagnostics[0];
    expect([d.line, d.col, d.message]).toEqual([2, 17, 'invalid group type bogus']);
    const f = readGroups('group_id=1,type=ff,bucket=output:1,bucket=watch_port:2,output:2', 'g.txt', opts).diagnostics[0];
    expect([f.col, f.message]).toEqual([20, 'fast failover bucket requires watch_port or watch_group']);
    const c = readGroups('group_id=1,type=select,bucket=actions=ct(force)', 'g.txt', opts).diagnostics[0];
    expect([c.col, c.message]).toEqual([39, '"force" flag requires "commit" flag.']);
  });
});

describe('flows/ovn-acl.groups (real OVN 23.03 dump-groups)', () => {
  const text = readFileSync(join(CORPUS_DIR, '..', '..', 'flows', 'ovn-acl.groups'), 'utf8');
  it('reads and prints back byte for byte', () => {
    const r = readGroups(text, 'ovn-acl.groups', opts);
    expect(r.diagnostics).toEqual([]);
    const out = [r.header, ...r.groups.map((g) => ' ' + formatGroup(g))].join('\n') + '\n';
    expect(out).toBe(text);
  });
  it('holds a select group whose buckets run ct(commit,nat(dst=...),exec(...))', () => {
    const g = readGroups(text, 'ovn-acl.groups', opts).groups[0];
    expect(g.type).toBe('select');
    expect(g.selectionMethod).toBe('dp_hash');
    expect(g.buckets.map((b) => b.weight)).toEqual([100, 100]);
    const ct = g.buckets[0].actions[0];
    expect(ct.name).toBe('ct');
    const args = ct.args as { commit: boolean; table: number; actions: { name: string; args: { kind: string } }[] };
    expect(args.commit).toBe(true);
    expect(args.table).toBe(21);
    expect(args.actions.map((a) => a.name)).toEqual(['nat', 'load']);
    expect(args.actions[0].args.kind).toBe('dst');
  });
});
