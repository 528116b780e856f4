// What an action means to static analysis (src/lint/): where it sends the packet, which
// nested list it runs, which fields it reads and writes, what it does to connection
// tracking. Each action declares these beside its parse, check, format and execute, so
// lint reads the registry and never names an action (design.md, rule 1). An action that
// declares none says so with `inert: true`; test/model/facets.test.ts holds every action
// to one of the two and checks the hooks against the corpus. The translation (src/pipeline/)
// asks the registry the same way: TranslationFacets below.
import { ones } from '../bits.js';
import type { FieldSpec } from '../fields.js';
import type { Subfield } from './args.js';
import type { NatArgs } from './nat.js';
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

export interface ActionFacets<A> extends TranslationFacets<A> {
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
  /**
   * It empties the action set (clear_actions): what write_actions put there before never
   * runs. Lint follows the set along paths (src/lint/held-set.ts); an inert action may say so.
   */
  clearsActionSet?: true;
}

/** n rounded up to OVS's 8-byte action alignment (OFPACT_ALIGN). */
export const align8 = (n: number): number => (n + 7) & ~7;

/**
 * The classes of the OpenFlow 1.1+ action set, as OVS 3.1 runs it, in the order it runs
 * them. Three kinds:
 * - one place per kind up to dec_nsh_ttl (the last one written holds it), run in this order;
 * - the "final" actions, ct to group: the set runs at all only when it holds one, and then
 *   only the one of the highest class (of one class, the last written), after everything else;
 * - field writes (set_field, move, set_queue…): all of them, in the order they were written.
 */
export const ACTION_SET_RANK = {
  popVlan: 1, popMpls: 2, decap: 3, encap: 4, pushMpls: 5, pushVlan: 6, decTtl: 7, decMplsTtl: 8, decNshTtl: 9,
  ct: 10, ctClear: 11, resubmit: 12, output: 13, group: 14,
  write: 15,
} as const;

/** The class of `a` in the action set, undefined when OVS refuses it there. */
export function actionSetRankOf(spec: TranslationFacets<unknown> | undefined, a: Action): number | undefined {
  const r = spec?.actionSetRank;
  return typeof r === 'function' ? r(a.args) : r;
}

/**
 * An action set being written, as slots (slot key → action), so that a translation can copy
 * it cheaply: `p<rank>` for a place, `final` for the final action, `w<n>` for the n-th key
 * (unique: keys are only ever added until the set is cleared) for a field write.
 */
export type ActionSetSlots = Map<string, Action>;

/** Adds `a`, of class `r`, to `set`; `rankOf` gives the class of the final action it holds. */
export function putInActionSet(set: ActionSetSlots, a: Action, r: number, rankOf: (a: Action) => number): void {
  if (r === ACTION_SET_RANK.write) { set.set(`w${set.size}`, a); return; }
  if (r < ACTION_SET_RANK.ct) { set.set(`p${r}`, a); return; }
  const held = set.get('final');
  if (!held || rankOf(held) <= r) set.set('final', a);
}

/**
 * What `set` runs, in order: places by class, the field writes as written, the final
 * action. A whole set runs nothing without a final action; a `part` (one write_actions of
 * several a pipeline may write) keeps the rest, since a later part may bring the final one.
 */
export function actionSetOrder(set: ReadonlyMap<string, Action>, part = false): Action[] {
  const final = set.get('final');
  if (!final && !part) return [];
  const places: Array<[number, Action]> = [], writes: Action[] = [];
  for (const [k, a] of set) {
    if (k[0] === 'p') places.push([Number(k.slice(1)), a]);
    else if (k[0] === 'w') writes.push(a);
  }
  places.sort((p, q) => p[0] - q[0]);
  return [...places.map((p) => p[1]), ...writes, ...(final ? [final] : [])];
}

/**
 * The actions of `list` that run when it is written to an action set: what `rankOf` gives
 * no class the set never runs. The pipeline runs a group bucket so (whole); lint reads a
 * write_actions list so (a part), and each bucket (whole).
 */
export function runsAsActionSet(list: readonly Action[], rankOf: (a: Action) => number | undefined, part = false): Action[] {
  const set: ActionSetSlots = new Map();
  const known = (a: Action) => rankOf(a) as number;
  for (const a of list) {
    const r = rankOf(a);
    if (r !== undefined) putInActionSet(set, a, r, known);
  }
  return actionSetOrder(set, part);
}

/** A constant write of the bits `mask` of `field` (what set_field and load do). */
export interface FieldWrite { field: FieldSpec; value: bigint; mask: bigint }

/**
 * What the translation (src/pipeline/) asks of an action besides executing it, so that it
 * never names one. The `from…` hooks build an action the translation makes itself (the
 * flows learn adds, a frozen translation's actions); one action of the registry declares
 * each (test/model/facets.test.ts).
 */
export interface TranslationFacets<A> {
  /**
   * Its class in the action set (ACTION_SET_RANK), or a function of its arguments when
   * they decide it (OpenFlow 1.1+ carries a plain controller as an output to CONTROLLER).
   * OVS refuses an action without one there (OFPBAC_BAD_TYPE).
   */
  actionSetRank?: number | ((args: A) => number | undefined);
  /** The port it outputs to, when one fixed port (the action set keeps it in actset_output). */
  outputPort?(args: A): number | null;
  /**
   * It may send a packet-in, which carries the table and cookie it runs under, or it
   * looks up the table it runs in (resubmit without a table): a frozen translation
   * restores both before it resumes the action (freeze.ts).
   */
  reportsTable?(args: A): boolean;
  /** A frozen translation need not keep it: resuming it would do nothing (note, conjunction). */
  notRestored?: true;
  /**
   * The action a frozen translation keeps in place of this instruction (frozen actions are
   * actions: OVS turns write_metadata into a set_field on metadata).
   */
  frozenAs?(args: A): Omit<Action, 'span'>;
  /** The meter it sends the packet through (the datapath numbers meters by first use). */
  meterId?(args: A): number;
  /** It is ct()'s nat: it sets up the ct() it is nested in rather than running on its own. */
  ctNat?(args: A): NatArgs;
  /**
   * After pop_mpls took the packet's last label, OVS runs this action on the packet as it is
   * (an output, an L2 write); any other action makes it recirculate first, to parse what was
   * under the label (OVS's recirc_for_mpls; src/model/actions/mpls.ts waitsForParsedPacket).
   */
  runsUnparsed?(args: A): boolean;
  /**
   * Bytes OVS 3.1 holds the action in (its struct ofpact_*, padded to 8, on a 64-bit build),
   * nested actions not counted. A freeze checks that the action set takes no more than
   * the actions frozen with it (src/pipeline/freeze.ts); without it the size is unknown.
   */
  heldBytes?(args: A): number;
  /** Builds the action writing `w` (the flows learn adds load their values with it). */
  fromWrite?(w: FieldWrite): A;
  /** Builds the action outputting to `port` (learn's output:SRC in the flows it adds). */
  fromPort?(port: number): A;
  /** Builds the action resubmitting to `table` (a frozen goto_table resumes as one). */
  fromTable?(table: number): A;
  /** Builds the action running group `id` (a frozen translation resumes at it). */
  fromGroupId?(id: number): A;
  /** Builds the action giving a flow FIN/RST timeouts (learn's fin_idle/hard_timeout: OVS
   *  puts it first among the actions of the flows it adds). */
  fromFinTimeouts?(idle: number, hard: number): A;
}

/** The hooks of ActionFacets, for tests that walk the registry. */
export const FACET_HOOKS = ['nested', 'jumps', 'learnsInto', 'groupId', 'conntrack', 'clause', 'reads', 'writes'] as const;

export const subfieldAccess = (s: Subfield): FieldAccess => ({ field: s.field, mask: ones(s.bits) << BigInt(s.ofs) });
export const wholeField = (f: FieldSpec): FieldAccess => ({ field: f, mask: ones(f.bits) });
