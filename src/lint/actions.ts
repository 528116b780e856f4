// Lint's view of actions: which nested lists an action holds, which tables it sends the
// packet to, which fields it reads and writes. This is the one place in lint that knows
// actions by name (the rules never do); it reads the IR the action specs build.
import type { Action } from '../model/actions/types.js';
import type { Subfield } from '../model/actions/args.js';
import type { CtArgs } from '../model/actions/ct.js';
import type { LearnArgs } from '../model/actions/learn.js';
import type { OutputArgs } from '../model/actions/output.js';
import type { ResubmitArgs } from '../model/actions/resubmit.js';
import type { SetFieldArgs } from '../model/actions/set_field.js';
import type { FieldSpec } from '../model/fields.js';
import { formatSubfield } from '../model/actions/args.js';

/** Actions whose arguments hold a nested action list (`actions`) run inside this flow. */
export function nestedActions(a: Action): Action[] | null {
  const x = a.args as { actions?: unknown } | null;
  return x && Array.isArray(x.actions) ? (x.actions as Action[]) : null;
}

/** Calls `fn` for every action, nested ones included, in the order they are written. */
export function eachAction(actions: readonly Action[], fn: (a: Action) => void): void {
  for (const a of actions) {
    fn(a);
    const inner = nestedActions(a);
    if (inner) eachAction(inner, fn);
  }
}

/** A ct() action's zone as written: a number, or the subfield holding it. */
export function ctZone(a: CtArgs): string {
  return typeof a.zone === 'number' ? String(a.zone) : formatSubfield(a.zone);
}

export const isCt = (a: Action): a is Action<CtArgs> => a.name === 'ct';
export const isCtClear = (a: Action): boolean => a.name === 'ct_clear';
export const isClone = (a: Action): boolean => a.name === 'clone';
export const isConjunction = (a: Action): boolean => a.name === 'conjunction';

/** Where a resubmit or goto_table goes (`table` is the flow's own table, for resubmit:PORT). */
export function jumpTarget(a: Action, table: number): { table: number; kind: 'resubmit' | 'goto_table' } | null {
  if (a.name === 'resubmit') return { table: (a.args as ResubmitArgs).table ?? table, kind: 'resubmit' };
  if (a.name === 'goto_table') return { table: (a.args as { table: number }).table, kind: 'goto_table' };
  return null;
}

export const groupOf = (a: Action): number | null => (a.name === 'group' ? (a.args as { group: number }).group : null);

/** The table a learn action adds flows to. */
export const learnTable = (a: Action): number | null => (a.name === 'learn' ? (a.args as LearnArgs).table : null);

/** A field access: the field and the bits of it (as a mask over the field). */
export interface Access { field: FieldSpec; mask: bigint }

const sub = (s: Subfield): Access => ({ field: s.field, mask: ((1n << BigInt(s.bits)) - 1n) << BigInt(s.ofs) });

/** Fields an action writes (learned flows' loads count: they run as this table's flows). */
export function writes(a: Action): Access[] {
  const x = a.args as Record<string, unknown>;
  switch (a.name) {
    case 'set_field': case 'load': {
      const s = x as unknown as SetFieldArgs;
      return [{ field: s.field, mask: s.mask }];
    }
    case 'pop': return [sub(x as unknown as Subfield)];
    case 'move': case 'multipath': case 'bundle_load': case 'check_pkt_larger':
      return x.dst ? [sub(x.dst as Subfield)] : [];
    case 'learn': {
      const l = x as unknown as LearnArgs;
      const out = l.resultDst ? [sub(l.resultDst)] : [];
      for (const s of l.specs) if (s.kind === 'load' || s.kind === 'load_field') out.push(sub(s.dst));
      return out;
    }
    default:
      // OpenFlow 1.0 field actions (mod_nw_src, ...) share set_field's arguments.
      return x && typeof x === 'object' && 'field' in x && 'mask' in x && 'value' in x
        ? [{ field: (x as unknown as SetFieldArgs).field, mask: (x as unknown as SetFieldArgs).mask }] : [];
  }
}

/** Fields an action reads (besides the packet headers every action may look at). */
export function reads(a: Action): Access[] {
  const x = a.args as Record<string, unknown>;
  switch (a.name) {
    case 'move': return [sub(x.src as Subfield)];
    case 'push': return [sub(x as unknown as Subfield)];
    case 'ct': {
      const z = (x as unknown as CtArgs).zone;
      return typeof z === 'number' ? [] : [sub(z)];
    }
    case 'output': {
      const o = x as unknown as OutputArgs;
      return o.kind === 'reg' ? [sub(o.src)] : [];
    }
    case 'learn': {
      const out: Access[] = [];
      for (const s of (x as unknown as LearnArgs).specs) if (s.kind !== 'match' && s.kind !== 'load') out.push(sub(s.src));
      return out;
    }
    default: return [];
  }
}
