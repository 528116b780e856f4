// Every accepted corpus line: one parse, canonical print equal to real ovs-ofctl's
// (default and OpenFlow 1.5 dumps), and print → reparse → the same print.
import { describe, expect, it } from 'vitest';
import { countParses } from '../../grammar/parse.js';
import { formatFlow } from '../../src/model/print-flow.js';
import { closeParens } from '../../src/parse/flows.js';
import { CORPUS_GROUPS, loadCorpus } from '../helpers/corpus.js';
import { addedWith, readOne as one, SWITCH_DEPENDENT_ALL } from './corpus-lines.js';

/** Lines whose canonical form depends on the recording switch, not on the flow text. */
const SWITCH_DEPENDENT = new Map<string, string>(SWITCH_DEPENDENT_ALL);

// `protocols`: the same writes added over OpenFlow 1.0-1.5 (set_tunnel, enqueue,
// set_mpls_label over 1.2+ reach the switch as set_field / set_queue+output+pop_queue).
for (const group of [...CORPUS_GROUPS.filter((g) => g !== 'errors'), 'protocols']) {
  describe(`corpus ${group}`, () => {
    const entries = loadCorpus(group).filter((e) => !e.error && typeof e.canonical === 'string' && e.via !== 'add-flows'
      && !SWITCH_DEPENDENT.has(e.input));
    it.each(entries.map((e) => [e.input, e] as const))('%s', (input, e) => {
      expect(countParses(closeParens(input.trim()))).toBe(1);
      const flow = one(input, addedWith(e));
      const printed = formatFlow(flow);
      expect(printed).toBe(e.canonical);
      // A flow added over OpenFlow 1.0/1.1 shows `reset_counts` in a 1.5 dump and has lost its
      // importance (1.0 cannot carry it): ctflow's flow holds what the switch holds.
      // Added over OpenFlow 1.0, its actions are held in their OF1.0 form (write_actions,
      // clear_actions, meter gone; goto_table became resubmit): the canonical line's actions.
      const of10Add = !e.protocol || ['default', 'OpenFlow10'].includes(e.protocol);
      const held = of10Add ? { ...flow, actions: one(printed).actions } : flow;
      // An indented line reads as a switch's dump line, which says its flags itself.
      const dumpLike = (x: string) => (input.startsWith(' ') ? x.replace('reset_counts ', '') : x);
      if (e.of15) expect(formatFlow(held, { of15: true })).toBe(dumpLike(e.of15));
      expect(formatFlow(one(printed))).toBe(printed);
    });
  });
}
