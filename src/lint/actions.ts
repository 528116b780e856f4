// Lint's view of actions: which nested lists an action holds, which tables it sends the
// packet to, which fields it reads and writes. Each action declares these in its spec
// (src/model/actions/facets.ts); this file only reads them through the registry, so lint
// knows no action by name and a new action needs no change here.
import { actionByName } from '../model/actions/index.js';
import type { Action, ActionSpec } from '../model/actions/types.js';
import { ACTION_SET_RANK, actionSetRankOf, runsAsActionSet, type Clause, type CtUse, type FieldAccess, type Jump } from '../model/actions/facets.js';
import type { Subfield } from '../model/actions/args.js';
import { formatSubfield } from '../model/actions/args.js';
import { listBytes, type Bytes } from './frozen-bytes.js';

export type Access = FieldAccess;

function specOf(a: Action): ActionSpec {
  const s = actionByName(a.name);
  if (!s) throw new Error(`internal: action ${a.name} is not in the registry`);
  return s;
}

const setRank = (a: Action): number | undefined => actionSetRankOf(specOf(a), a);

/**
 * The action list an action runs inside this flow (clone, write_actions, ct), or null.
 * An instruction's list (OpenFlow's Write-Actions: the flow's own list is Apply-Actions)
 * goes to the action set, so only what the set would run of it counts, as the pipeline
 * chooses it (facets.ts, runsAsActionSet): one final action, the last of each place. It
 * is one part of the set: other tables may add to it, so writes count without a final.
 */
export function nestedActions(a: Action): readonly Action[] | null {
  const spec = specOf(a);
  const inner = spec.nested?.(a.args);
  if (!inner) return null;
  if (!spec.instruction) return inner;
  let runs = RUNS.get(inner);
  if (!runs) RUNS.set(inner, (runs = runsAsActionSet(inner, setRank, true)));
  return runs;
}

/** A group bucket's actions that run: OVS runs a bucket as a whole action set of its own. */
export function bucketActions(list: readonly Action[]): readonly Action[] {
  let runs = RUNS.get(list);
  if (!runs) RUNS.set(list, (runs = runsAsActionSet(list, setRank)));
  return runs;
}

/** Each list's actions that run, kept: lint asks for the same lists once per rule. */
const RUNS = new WeakMap<readonly Action[], readonly Action[]>();

/** Whether the nested list runs on a copy of the packet (its changes stay inside). */
export const nestedOnCopy = (a: Action): boolean => specOf(a).nestedOnCopy === true;

/** Whether the nested list (of an action that has one) runs after the flow's other actions: the action set, at the pipeline's end. */
export const nestedDeferred = (a: Action): boolean => specOf(a).instruction === true;

/** Whether the action empties the action set (clear_actions). */
export const clearsActionSet = (a: Action): boolean => specOf(a).clearsActionSet === true;

/** Whether `a` is a final action of the action set (ct, ct_clear, resubmit, output, group: one of them runs). */
export function isSetFinal(a: Action): boolean {
  const r = setRank(a);
  return r !== undefined && r >= ACTION_SET_RANK.ct && r < ACTION_SET_RANK.write;
}

/** The class of a final action in the action set (the higher one wins; of one class, the later). */
export const finalRank = (a: Action): number => setRank(a) ?? -1;

/**
 * What an instruction's list puts in the action set: its final action (the one of its
 * own that would win, or null), whether it adds anything at all and its bytes (all of
 * the list, as OVS appends it: freeze-with-action-set compares them). Null when `a` has no
 * such list (it is not write_actions).
 */
export function setWriteOf(a: Action): { final: Action | null; adds: boolean; bytes: Bytes } | null {
  const spec = specOf(a);
  if (!spec.instruction) return null;
  const raw = spec.nested?.(a.args);
  if (!raw) return null;
  const runs = nestedActions(a)!;
  const last = runs[runs.length - 1];
  return { final: last && isSetFinal(last) ? last : null, adds: raw.length > 0, bytes: listBytes(raw) };
}

/** Calls `fn` for every action that runs, nested ones included (a write_actions list: those it would run, in the set's order). */
export function eachAction(actions: readonly Action[], fn: (a: Action) => void): void {
  for (const a of actions) {
    fn(a);
    const inner = nestedActions(a);
    if (inner) eachAction(inner, fn);
  }
}

/** A ct() zone as written: a number, or the subfield holding it. */
export function zoneText(zone: number | Subfield): string {
  return typeof zone === 'number' ? String(zone) : formatSubfield(zone);
}

/** Where the action sends the packet (`table` is the flow's own table, for resubmit:PORT). */
export const jumps = (a: Action, table: number): readonly Jump[] => specOf(a).jumps?.(a.args, table) ?? [];

/** The tables actions of one kind send the packet to. */
export const jumpsOf = (kind: Jump['kind']) => (a: Action, table: number): number[] =>
  jumps(a, table).filter((j) => j.kind === kind).map((j) => j.table);

export const conntrackOf = (a: Action): CtUse | null => specOf(a).conntrack?.(a.args) ?? null;
export const groupOf = (a: Action): number | null => specOf(a).groupId?.(a.args) ?? null;
export const clauseOf = (a: Action): Clause | null => specOf(a).clause?.(a.args) ?? null;

/** The table an action adds flows to (learn). */
export const learnTable = (a: Action): number | null => specOf(a).learnsInto?.(a.args) ?? null;

/** Fields an action writes (learned flows' loads count: they run as this table's flows). */
export const writes = (a: Action): readonly Access[] => specOf(a).writes?.(a.args) ?? [];

/** Fields an action reads (besides the packet headers every action may look at). */
export const reads = (a: Action): readonly Access[] => specOf(a).reads?.(a.args) ?? [];
