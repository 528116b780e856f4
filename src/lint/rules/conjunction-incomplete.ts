// conjunction-incomplete: conjunctive matches that can never complete or select anything.
//  - conjunction(ID,k/N) flows of one table and priority that leave a clause 1..N without
//    a flow: OVS completes a conjunction only when every clause matched, at one priority;
//  - flows giving ID with different N;
//  - conj_id=ID matched in a table where no flow gives conjunction(ID,...): never set;
//  - conjunction(ID,...) in a table where no flow matches conj_id=ID: a completed
//    conjunction finds no flow to select.
import type { Flow } from '../../model/flow.js';
import { clauseOf } from '../actions.js';
import { atAction, atField, finding, lineOf } from '../finding.js';
import type { Finding, LintRule } from '../types.js';

interface Clauses { first: Flow; n: Set<number>; have: Set<number> }

export const conjunctionIncomplete: LintRule = {
  id: 'conjunction-incomplete',
  summary: 'conjunction clauses missing, or conj_id with no conjunction (and back)',
  check(_input, ctx) {
    const out: Finding[] = [];
    const sets = new Map<string, Clauses>();          // table/id/priority
    const ids = new Map<string, Flow>();              // table/id → first flow giving it
    const wanted = new Map<string, Flow[]>();         // table/id → flows matching conj_id=id
    for (const f of ctx.effective) {
      if ((f.match.masks.get('conj_id') ?? 0n) === 0xffffffffn) {
        const k = `${f.table}/${f.match.values.get('conj_id')}`;
        wanted.set(k, [...(wanted.get(k) ?? []), f]);
      }
      for (const c of f.actions.map(clauseOf)) {
        if (!c) continue;
        const k = `${f.table}/${c.id}/${f.priority}`;
        let s = sets.get(k);
        if (!s) sets.set(k, (s = { first: f, n: new Set(), have: new Set() }));
        s.n.add(c.nClauses); s.have.add(c.clause);
        if (!ids.has(`${f.table}/${c.id}`)) ids.set(`${f.table}/${c.id}`, f);
      }
    }
    for (const [k, s] of sets) {
      const [table, id, priority] = k.split('/');
      const at = conjAction(s.first, Number(id));
      if (s.n.size > 1) {
        out.push(finding('conjunction-incomplete', 'error', s.first, at,
          `conjunction ${id} in table ${table} at priority ${priority} is given with ${[...s.n].join(' and ')} clauses`,
          'every flow of one conjunction must say the same number of clauses'));
        continue;
      }
      const n = [...s.n][0];
      const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !s.have.has(i));
      if (missing.length) {
        out.push(finding('conjunction-incomplete', 'error', s.first, at,
          `conjunction ${id} in table ${table} at priority ${priority} has no flow for clause ${missing.join(', ')} of ${n}: it never completes`,
          `add conjunction(${id},${missing[0]}/${n}) flows at priority ${priority}, or lower the clause count`));
      }
    }
    for (const [k, flows] of wanted) {
      if (ids.has(k)) continue;
      const [table, id] = k.split('/');
      for (const f of flows) {
        out.push(finding('conjunction-incomplete', 'warning', f, atField('conj_id'),
          `conj_id=${id} never matches: no flow in table ${table} gives conjunction(${id},...)`, null));
      }
    }
    for (const [k, f] of ids) {
      if (wanted.has(k)) continue;
      const [table, id] = k.split('/');
      out.push(finding('conjunction-incomplete', 'warning', f, conjAction(f, Number(id)),
        `conjunction ${id}: no flow in table ${table} matches conj_id=${id}, so completing it selects nothing`,
        `add a flow with conj_id=${id} to table ${table} (${lineOf(f)} is a clause)`));
    }
    return out;
  },
};

function conjAction(f: Flow, id: number) {
  const a = f.actions.find((x) => clauseOf(x)?.id === id);
  return a ? atAction(a) : atAction(f.actions[0]);
}
