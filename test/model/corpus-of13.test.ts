// Every accepted corpus line printed in the OpenFlow 1.3 dialect equals what real
// `ovs-ofctl -O OpenFlow13 dump-flows br0 --no-stats` printed for it (the `of13` key,
// test/corpus/*.json). OF1.3 sits between the other two dialects: OpenFlow 1.0 actions come
// back as their OF1.1/1.2 forms (set_field:...->eth_dst, pop_vlan, push_vlan, goto_table),
// a write that reached the switch as a load stays a load, and only whole-field writes can
// be a set_field (an OF1.3 set_field has no mask). Which writes reach the switch as a load
// depends on the version they were added with (set_field.ts, arrivesAsLoad): each line is
// read as added with its recorded protocol.
import { describe, expect, it } from 'vitest';
import { formatFlow } from '../../src/model/print-flow.js';
import { CORPUS_GROUPS, loadCorpus, type CorpusEntry } from '../helpers/corpus.js';
import { addedWith, readOne as one, SWITCH_DEPENDENT_ALL } from './corpus-lines.js';

/** Lines whose OF1.3 dump depends on the recording switch, not on the flow text. */
const SWITCH_DEPENDENT = new Map(SWITCH_DEPENDENT_ALL);

const OF11_INSTRUCTIONS = new Set(['goto_table', 'write_actions', 'clear_actions', 'meter']);

type Entry = CorpusEntry & { of13?: string | null };

// `protocols`: lines added over different OpenFlow versions to show what decides between
// load and set_field in an OF1.3 dump (not part of the other corpus tests).
for (const group of [...CORPUS_GROUPS.filter((g) => g !== 'errors'), 'protocols']) {
  describe(`corpus ${group} (OpenFlow 1.3 dump)`, () => {
    const entries = (loadCorpus(group) as Entry[]).filter((e) => !e.error && typeof e.canonical === 'string'
      && typeof e.of13 === 'string' && e.via !== 'add-flows' && !SWITCH_DEPENDENT.has(e.input));
    it.each(entries.map((e) => [e.input, e] as const))('%s', (input, e) => {
      const flow = one(input, addedWith(e));
      // Added over OpenFlow 1.0, instructions reach the switch in their OF1.0 form (goto_table
      // as resubmit; write_actions, clear_actions and meter not at all): ctflow keeps them as
      // written, so such flows are taken as the switch holds them, from the canonical line.
      const of10Add = !e.protocol || ['default', 'OpenFlow10'].includes(e.protocol);
      const lost = of10Add && flow.actions.some((a) => OF11_INSTRUCTIONS.has(a.name));
      const held = lost ? { ...flow, actions: one(e.canonical as string).actions } : flow;
      // Flows added over OpenFlow 1.0-1.1 carry the reset_counts flag, as the switch shows.
      const printed = formatFlow(held, { ofVersion: 13 });
      // An indented line reads as a switch's dump line, which says its flags itself.
      expect(printed).toBe(input.startsWith(' ') ? e.of13!.replace('reset_counts ', '') : e.of13);
      // Pasted back as an OF1.3 dump line, it prints the same.
      expect(formatFlow(one(` ${printed}`, 13), { ofVersion: 13 })).toBe(printed);
    });
  });
}
