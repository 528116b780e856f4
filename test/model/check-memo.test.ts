// A file reader runs an action list's checks once per set of values in the slots the
// checks read (NotingMap notes them) and lets later matches with the same values pass
// without running them again. Reading a file must give what reading each of its lines
// alone gives: here every corpus action list behind matches of many protocols, read all
// in one file (lists shared between lines) and line by line.
import { describe, expect, it } from 'vitest';
import { NotingMap, ReadNotes } from '../../src/model/match.js';
import { formatFlow } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { CORPUS_GROUPS, CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';

const MATCHES = ['', 'ip', 'ipv6', 'arp', 'tcp', 'udp6', 'icmp', 'metadata=0x1', 'ip,metadata=0x2', 'tcp,tp_dst=80',
  'vlan_tci=0x1000/0x1000', 'ip,ct_state=+inv+trk', 'ip,ct_state=+new+trk', 'ip,reg0=0x4/0x4', 'dl_type=0x8847'];

const actionLists = [...new Set(CORPUS_GROUPS.flatMap((g) => loadCorpus(g).map((e) => e.input))
  .map((l) => /(?:^|[\s,])actions?=(.*)$/.exec(l)?.[1]).filter((a): a is string => !!a))];

/** Each line read: its flow as printed, or its error. */
const outcome = (text: string, line: number): string[] => {
  const r = readFlows(text, 'x.flows', { ports: CORPUS_PORTS });
  const errors = r.diagnostics.filter((d) => line === 0 || d.line === line).map((d) => `${d.line}: ${d.message}`);
  return [...r.flows.map((f) => `${f.line}: ${formatFlow(f)}`), ...errors];
};

describe('checks remembered by the slots they read', () => {
  it('give every line of a file what the line alone gives', () => {
    const lines = actionLists.flatMap((a) => MATCHES.map((m) => `${m}${m ? ' ' : ''}actions=${a}`));
    const together = outcome(lines.join('\n'), 0).sort();
    const alone = lines.flatMap((l, i) => outcome('\n'.repeat(i) + l, i + 1)).sort();
    expect(together).toEqual(alone);
    // Not vacuous: the protocols make some lists pass and the same lists fail.
    expect(together.filter((s) => /OFPBAC_MATCH_INCONSISTENT|needs a flow/.test(s)).length).toBeGreaterThan(50);
  });

  it('NotingMap notes reads, keeps writes to itself, and notes everything on a bulk read', () => {
    const base = new Map([['dl_type', 0x800n], ['nw_proto', 6n]]);
    const notes = new ReadNotes();
    const m = new NotingMap(base, notes);
    expect(m.get('dl_type')).toBe(0x800n);
    expect(m.has('vlan_tci')).toBe(false);
    expect([...notes.slots]).toEqual(['dl_type', 'vlan_tci']);
    const f = m.fork();
    f.set('vlan_tci', 0x1000n);
    f.delete('nw_proto');
    expect(f.get('vlan_tci')).toBe(0x1000n);
    expect(f.has('nw_proto')).toBe(false);
    expect(base).toEqual(new Map([['dl_type', 0x800n], ['nw_proto', 6n]]));
    expect(notes.all).toBe(false);
    expect([...f]).toEqual([['dl_type', 0x800n], ['vlan_tci', 0x1000n]]);
    expect(f.size).toBe(2);
    expect(notes.all).toBe(true);
  });
});
