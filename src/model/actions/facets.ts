// What an action means to static analysis (src/lint/): where it sends the packet, which
// nested list it runs, which fields it reads and writes, what it does to connection
// tracking. Each action declares these beside its parse, check, format and execute, so
// lint reads the registry and never names an action (design.md, rule 1). An action that
// declares none says so with `inert: true`; test/model/facets.test.ts holds every action
// to one of the two and checks the hooks against the corpus.
import { ones } from '../bits.js';
import type { FieldSpec } from '../fields.js';
import type { Subfield } from './args.js';
import type { Action } from './types.js';

/** A field access: the field and the bits of it (as a mask over the field). */
export interface FieldAccess { field: FieldSpec; mask: bigint }

/**
 * How an action sends the packet to a table: `resubmit` looks it up and goes on with the
 * next action; `goto_table` continues the pipeline there; `ct` recirculates it there
 * after connection tracking (it arrives tracked in the ct()'s zone).
 */
export interface Jump { table: number; kind: 'resubmit' | 'goto_table' | 'ct' }

/**
 * What an action does to the packet's connection tracking: `track` is a ct() lookup in
 * `zone` (a number, or the bits of a field holding it), committing when `commit`; the
 * rest of the flow's actions see the packet untracked again (OVS clears the ct fields
 * after ct()). `clear` is ct_clear.
 */
export type CtUse = { kind: 'track'; zone: number | Subfield; commit: boolean } | { kind: 'clear' };

/** A conjunctive match clause: this flow is clause `clause` of `nClauses` of conjunction `id`. */
export interface Clause { id: number; clause: number; nClauses: number }

export interface ActionFacets<A> {
  /** The action list this action runs inside the flow (clone, write_actions, ct's nat/exec). */
  nested?(args: A): readonly Action[];
  /** The nested list runs on a copy of the packet: what it changes stays inside (clone). */
  nestedOnCopy?: boolean;
  /** The tables the action sends the packet to; `table` is the flow's own (resubmit:PORT). */
  jumps?(args: A, table: number): readonly Jump[];
  /** The table the action adds flows to (learn): not empty at run time. */
  learnsInto?(args: A): number;
  /** The group whose buckets the action runs. */
  groupId?(args: A): number;
  /** A ct() lookup (zone, commit) or ct_clear. */
  conntrack?(args: A): CtUse;
  /** The conjunction clause this flow supplies: a conjunctive flow never matches alone. */
  clause?(args: A): Clause;
  /** Fields the action reads, besides the packet headers any action may look at. */
  reads?(args: A): readonly FieldAccess[];
  /** Fields the action writes (for learn, also what the flows it adds load). */
  writes?(args: A): readonly FieldAccess[];
  /**
   * Declares that none of the hooks above apply: the action moves the packet to no table or
   * group, runs no nested list, and reads or writes no field beyond whole headers it
   * pushes, pops or decrements (VLAN/MPLS tags, TTLs, NAT).
   */
  inert?: true;
}

/** The hooks of ActionFacets, for tests that walk the registry. */
export const FACET_HOOKS = ['nested', 'jumps', 'learnsInto', 'groupId', 'conntrack', 'clause', 'reads', 'writes'] as const;

export const subfieldAccess = (s: Subfield): FieldAccess => ({ field: s.field, mask: ones(s.bits) << BigInt(s.ofs) });
export const wholeField = (f: FieldSpec): FieldAccess => ({ field: f, mask: ones(f.bits) });
