// Building findings: the rules' shared vocabulary for places and messages.
import type { Action } from '../model/actions/types.js';
import { fieldByName } from '../model/fields.js';
import type { Flow } from '../model/flow.js';
import type { Finding, Related, Severity, Where } from './types.js';

export function finding(rule: string, severity: Severity, flow: Flow, at: Where, message: string, hint: string | null = null, related: Related[] = []): Finding {
  return { rule, severity, flow, at, message, hint, related };
}

/** The match item of field `name` (written with any of its names). */
export function atField(name: string): Where {
  const f = fieldByName(name);
  if (!f) throw new Error(`internal: no field ${name}`);
  return { kind: 'field', names: f.names };
}

export const atAction = (action: Action): Where => ({ kind: 'action', action });
export const atFlow: Where = { kind: 'flow' };

/** `line 12` for messages (a flow built in memory has no line). */
export const lineOf = (f: Flow): string => (f.line ? `line ${f.line}` : 'a flow');

/** Flows by table, in file order. */
export function byTable(flows: readonly Flow[]): Map<number, Flow[]> {
  const out = new Map<number, Flow[]>();
  for (const f of flows) {
    let l = out.get(f.table);
    if (!l) out.set(f.table, (l = []));
    l.push(f);
  }
  return out;
}
