// Matches compared as the classifier compares them: per slot a mask and the value under it.
// Flow A covers flow B when every packet B matches, A matches too: each of A's masks lies
// inside B's and the values agree there. Flows are grouped by mask (as OVS's subtables
// are), so finding who covers a flow is one hash probe per group, not a scan of the table.
import type { Flow } from '../model/flow.js';
import type { Match } from '../model/match.js';
import { clauseOf } from './actions.js';
import { ctStateOf, impossible, implied } from './ct-state.js';

const sigOf = (masks: Map<string, bigint>): string[] => [...masks.keys()].filter((s) => masks.get(s)).sort();

/** The match as text: same text, same packets matched bit for bit. */
export function matchKey(m: Match): string {
  return sigOf(m.masks).map((s) => `${s}=${(m.values.get(s) ?? 0n).toString(16)}/${m.masks.get(s)!.toString(16)}`).join(',');
}

/** A conjunctive flow (clause of a conjunction) never matches on its own. */
export const isSoft = (f: Flow): boolean => f.actions.some((a) => clauseOf(a) !== null);

/**
 * The flows OVS keeps, and the ones a later flow replaced: a flow with the table,
 * priority and match of an earlier one replaces it (add-flows, like add-flow, modifies).
 */
export function keptFlows(flows: readonly Flow[]): { kept: Flow[]; replaced: Array<{ old: Flow; by: Flow }> } {
  const last = new Map<string, Flow>();
  const replaced: Array<{ old: Flow; by: Flow }> = [];
  for (const f of flows) {
    const k = `${f.table}/${f.priority}/${matchKey(f.match)}`;
    const old = last.get(k);
    if (old) replaced.push({ old, by: f });
    last.set(k, f);
  }
  const keep = new Set(last.values());
  return { kept: flows.filter((f) => keep.has(f)), replaced };
}

interface MaskGroup { slots: string[]; masks: bigint[]; byValues: Map<string, Flow[]> }

/** The same masks with ct_state widened by what the tracker guarantees (ct-state.ts). */
function widened(m: Match): { values: Map<string, bigint>; masks: Map<string, bigint> } {
  const cs = ctStateOf(m);
  if (!cs.mask) return m;
  const w = implied(cs);
  const values = new Map(m.values), masks = new Map(m.masks);
  values.set('ct_state', w.value); masks.set('ct_state', w.mask);
  return { values, masks };
}

/** Finds, for a flow, the best flow of its table that covers it with a higher priority. */
export class CoverIndex {
  private tables = new Map<number, Map<string, MaskGroup>>();

  /** `flows`: the kept flows. Conjunctive flows and flows no packet can match cover nothing. */
  constructor(flows: readonly Flow[]) {
    for (const f of flows) {
      if (isSoft(f) || impossible(ctStateOf(f.match))) continue;
      let groups = this.tables.get(f.table);
      if (!groups) this.tables.set(f.table, (groups = new Map()));
      const slots = sigOf(f.match.masks);
      const sig = slots.map((s) => `${s}/${f.match.masks.get(s)!.toString(16)}`).join(',');
      let g = groups.get(sig);
      if (!g) groups.set(sig, (g = { slots, masks: slots.map((s) => f.match.masks.get(s)!), byValues: new Map() }));
      const k = valuesKey(g, f.match.values);
      let list = g.byValues.get(k);
      if (!list) g.byValues.set(k, (list = []));
      list.push(f);
    }
    for (const groups of this.tables.values()) {
      for (const g of groups.values()) for (const l of g.byValues.values()) l.sort((a, b) => b.priority - a.priority || a.line - b.line);
    }
  }

  /**
   * The highest-priority flow covering `f` that wins over it: a higher priority; for a
   * conjunctive flow also an equal one (OVS only looks at conjunctive matches above the
   * best plain match's priority).
   */
  coverOf(f: Flow): Flow | null {
    const m = widened(f.match);
    const soft = isSoft(f);
    let best: Flow | null = null;
    for (const g of this.tables.get(f.table)?.values() ?? []) {
      if (!g.slots.every((s, i) => (g.masks[i] & ~(m.masks.get(s) ?? 0n)) === 0n)) continue;
      const list = g.byValues.get(valuesKey(g, m.values));
      const c = list?.find((x) => x !== f && (x.priority > f.priority || (soft && x.priority === f.priority)));
      if (c && (!best || c.priority > best.priority || (c.priority === best.priority && c.line < best.line))) best = c;
    }
    return best;
  }
}

function valuesKey(g: MaskGroup, values: Map<string, bigint>): string {
  return g.slots.map((s, i) => ((values.get(s) ?? 0n) & g.masks[i]).toString(16)).join(',');
}
