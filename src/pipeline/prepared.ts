// Action lists prepared for translation: what a run of a list reads, gathered once per
// list (flows' action lists are shared by every packet).
import { actionByName } from '../model/actions/index.js';
import type { Action, ActionSpec } from '../model/actions/types.js';
import { heldAsSetField } from '../model/actions/set_field.js';
import type { Prereq } from '../model/fields.js';
import { PREREQ_SLOTS } from './prereq.js';
import { mergeSets, setPlanOf, type SetArgs, type WordWrites } from './writes.js';

/**
 * An action list as a translation runs it, made once per list (flows' action lists are
 * shared by every packet): the spec of every action (a name lookup per executed action
 * was a measurable share of a packet; null: no such action, it fails when executed, not
 * before) and, filled as they run, the compiled writes of its set_field/load actions
 * (a WeakMap lookup per load was 3%).
 */
export interface PreparedList {
  specs: Array<ActionSpec | null>;
  /** Each spec's execute, read once: reading it per action was a lookup on specs of many shapes. */
  execs: Array<ActionSpec['execute'] | null>;
  /**
   * Each action's arguments. With execs they are all a run of the list reads: the action
   * objects, made by the parser among much else, are scattered in memory, and a first
   * touch of each per packet was a measurable share of the translation.
   */
  args: unknown[];
  sets: Array<WordWrites | null | undefined>;
  /**
   * The compiled write of each action that is only a constant field write (its spec's
   * fieldWrite, set_field and load), null for the others: applied without calling the
   * action. `runs[i]` is the write of the whole run of such actions starting at i (null
   * inside a run) and `ends[i]` its last index: without a trace to write (an event per
   * action), a run is applied at once.
   */
  plain: Array<WordWrites | null>;
  /**
   * What the packet must have for the write at i (a set_field/load on a field with
   * prerequisites: OVS skips it on a packet without the field, which a flow's match does
   * not rule out after encap/decap or in a group bucket), null for none: such a write is
   * not applied through `plain`.
   */
  needs: Array<Prereq | null>;
  runs: Array<WordWrites | null>;
  /**
   * Per run start: the prerequisites of its writes, checked once before the run is applied
   * at once (a constant write changes none of the slots they read); NEVER when a write of
   * the run changes such a slot (tcp_src, vlan_tci), so its writes are asked one by one.
   */
  runNeeds: Array<readonly Prereq[] | null>;
  ends: number[];
  /** The arguments of each action that is only a resubmit (its spec's jump), null for the others: run without calling the action. */
  jumps: Array<Jump | null>;
}
/** A run whose writes must each be asked on their own. */
export const NEVER: readonly Prereq[] = Object.freeze([]);
type Jump = ReturnType<NonNullable<ActionSpec['jump']>>;
const PREPARED = new WeakMap<readonly Action[], PreparedList>();
export function prepare(actions: readonly Action[]): PreparedList {
  let p = PREPARED.get(actions);
  if (!p) {
    const specs = actions.map((a) => actionByName(a.name) ?? null);
    const writes = actions.map((a, i) => (specs[i]?.fieldWrite?.(a.args) ?? null) as SetArgs | null);
    const plain = writes.map((w) => (w ? setPlanOf(w) : null));
    const needs: Array<Prereq | null> = writes.map((w, i) => (plain[i] !== null && w!.field.prereq !== 'none' && heldAsSetField(w!) ? w!.field.prereq : null));
    const runs: Array<WordWrites | null> = plain.map(() => null), ends = plain.map((_, i) => i);
    const runNeeds: Array<readonly Prereq[] | null> = plain.map(() => null);
    for (let i = 0; i < plain.length; i++) {
      if (plain[i] === null || (i > 0 && plain[i - 1] !== null)) continue;
      let e = i;
      while (e + 1 < plain.length && plain[e + 1] !== null) e++;
      runs[i] = e === i ? plain[i] : mergeSets(plain.slice(i, e + 1) as WordWrites[]);
      ends[i] = e;
      const ps = [...new Set(needs.slice(i, e + 1).filter((n): n is Prereq => n !== null))];
      const movesKey = writes.slice(i, e + 1).some((w) => w!.field.segs.some((s) => PREREQ_SLOTS.has(s.slot)));
      runNeeds[i] = ps.length === 0 ? null : movesKey ? NEVER : ps;
    }
    p = {
      specs, execs: specs.map((s) => s?.execute ?? null), args: actions.map((a) => a.args), sets: actions.map(() => undefined),
      plain, needs, runs, runNeeds, ends, jumps: actions.map((a, i) => specs[i]?.jump?.(a.args) ?? null),
    };
    PREPARED.set(actions, p);
  }
  return p;
}
