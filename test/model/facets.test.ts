// Every action of the registry tells lint what it does (src/model/actions/facets.ts) or
// says it is inert. The corpus holds the two to what OVS prints: wherever an action
// prints as a jump (resubmit, goto_table, ct(table=)), a field write (load, set_field,
// move, pop, ->DST), a subfield, a ct(), a group, a conjunction, a nested list or a
// learn, the matching hook must be declared and answer for that line. The printing is
// the spec's own (corpus.test.ts holds it equal to what real ovs-ofctl printed), in both
// the OpenFlow 1.0 and 1.5 dialects. Forgetting a hook in a new action fails here.
import { describe, expect, it } from 'vitest';
import { ACTIONS, actionByName } from '../../src/model/actions/index.js';
import { FACET_HOOKS, type ActionFacets } from '../../src/model/actions/facets.js';
import type { Action, ActionSpec, FormatCtx } from '../../src/model/actions/types.js';
import { subfieldByName, type FieldSpec } from '../../src/model/fields.js';
import { formatActions } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { resubmit } from '../../src/model/actions/resubmit.js';
import { CORPUS_GROUPS, CORPUS_PORTS, loadCorpus } from '../helpers/corpus.js';

type Spec = ActionSpec & ActionFacets<unknown>;

/** What an action and the lists nested in it declare, as seen through the hooks. */
interface Seen { jumps: Set<string>; writes: number; fields: Set<FieldSpec>; conntrack: boolean; group: boolean; clause: boolean; learn: boolean; nested: boolean }

function seen(a: Action, table: number, specOf: (a: Action) => Spec, into?: Seen): Seen {
  const s = into ?? { jumps: new Set(), writes: 0, fields: new Set<FieldSpec>(), conntrack: false, group: false, clause: false, learn: false, nested: false };
  const spec = specOf(a);
  for (const j of spec.jumps?.(a.args, table) ?? []) s.jumps.add(j.kind);
  const w = spec.writes?.(a.args) ?? [], r = spec.reads?.(a.args) ?? [];
  s.writes += w.length;
  for (const x of [...w, ...r]) s.fields.add(x.field);
  s.conntrack ||= spec.conntrack !== undefined;
  s.group ||= spec.groupId !== undefined;
  s.clause ||= spec.clause !== undefined;
  s.learn ||= spec.learnsInto !== undefined;
  s.nested ||= spec.nested !== undefined;
  for (const n of spec.nested?.(a.args) ?? []) seen(n, table, specOf, s);
  return s;
}

/** Words of OVS's printing and the facet each one needs. */
const RULES: Array<{ word: RegExp; hook: string; ok: (s: Seen) => boolean }> = [
  { word: /\bresubmit\b/, hook: 'jumps (resubmit)', ok: (s) => s.jumps.has('resubmit') || s.jumps.has('goto_table') },
  { word: /\bgoto_table\b/, hook: 'jumps (goto_table)', ok: (s) => s.jumps.has('goto_table') },
  { word: /\bct\([^()]*\btable=/, hook: 'jumps (ct)', ok: (s) => s.jumps.has('ct') },
  { word: /\bct\(|\bct_clear\b/, hook: 'conntrack', ok: (s) => s.conntrack },
  { word: /\b(load|set_field|move|pop):|->/, hook: 'writes', ok: (s) => s.writes > 0 },
  { word: /\bgroup:\d/, hook: 'groupId', ok: (s) => s.group },
  { word: /\bconjunction\(/, hook: 'clause', ok: (s) => s.clause },
  { word: /\b(clone|write_actions|exec)\(|\bct\(.*\bnat\b/, hook: 'nested', ok: (s) => s.nested },
  { word: /\blearn\(/, hook: 'learnsInto', ok: (s) => s.learn },
];

function printed(a: Action, spec: Spec, of15: boolean): string {
  const ctx: FormatCtx = { ofVersion: of15 ? 15 : 10, of15, formatActions: (l) => formatActions(l, ctx) };
  return spec.format(a.args, ctx);
}

/** The facets an action's printing calls for that its hooks do not give. */
function missing(a: Action, table: number, specOf: (a: Action) => Spec): string[] {
  const spec = specOf(a);
  const text = `${printed(a, spec, false)} ${printed(a, spec, true)}`;
  const s = seen(a, table, specOf);
  const out = RULES.filter((r) => r.word.test(text) && !r.ok(s)).map((r) => `prints '${text.match(r.word)![0]}' but declares no ${r.hook}: ${text}`);
  // Every subfield printed is read or written, except a learned match's destination
  // (`NXM_OF_ETH_DST[]=...`): that is a match of the flow learn adds.
  for (const m of text.matchAll(/(\w+)\[[\d.]*\](?!=)/g)) {
    const f = subfieldByName(m[1]);
    if (!f || !s.fields.has(f)) out.push(`prints subfield '${m[0]}' but no reads or writes name ${f?.name ?? m[1]}: ${text}`);
  }
  return out;
}

const registry = (a: Action): Spec => actionByName(a.name)!;

/** Every action the corpus lines build, nested ones included, with their flow's table. */
const uses: Array<{ a: Action; table: number; line: string }> = [];
for (const g of CORPUS_GROUPS) {
  for (const e of loadCorpus(g)) {
    for (const f of readFlows(e.input, 'corpus', { ports: CORPUS_PORTS }).flows) {
      const walk = (list: readonly Action[]) => list.forEach((a) => {
        uses.push({ a, table: f.table, line: e.input });
        walk(registry(a).nested?.(a.args) ?? []);
      });
      walk(f.actions);
    }
  }
}

describe('actions declare what lint reads', () => {
  it.each(ACTIONS.map((a) => [a.name, a as Spec] as const))('%s: hooks or inert, not both', (_n, spec) => {
    const hooks = FACET_HOOKS.filter((h) => spec[h] !== undefined);
    expect(hooks.length > 0 || spec.inert === true, `${spec.name} declares no facet hook and is not marked inert`).toBe(true);
    expect(hooks.length > 0 && spec.inert === true, `${spec.name} is marked inert but declares ${hooks.join(', ')}`).toBe(false);
    if (spec.nestedOnCopy) expect(spec.nested, `${spec.name}: nestedOnCopy without nested`).toBeDefined();
  });

  it.each(ACTIONS.map((a) => a.name))('%s: hooks answer for every corpus use', (name) => {
    const mine = uses.filter((u) => u.a.name === name);
    expect(mine.length, `no corpus line builds ${name}`).toBeGreaterThan(0);
    const problems = mine.flatMap((u) => missing(u.a, u.table, registry).map((p) => `${u.line}: ${p}`));
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('the check fails for an action that forgets a hook', () => {
    // resubmit without its jumps: every corpus resubmit must then be reported.
    const forgetful: Spec = { ...(resubmit as Spec), jumps: undefined };
    const specOf = (a: Action): Spec => (a.name === 'resubmit' ? forgetful : registry(a));
    const rs = uses.filter((u) => u.a.name === 'resubmit');
    expect(rs.length).toBeGreaterThan(0);
    for (const u of rs) expect(missing(u.a, u.table, specOf).join()).toMatch(/declares no jumps \(resubmit\)/);
  });
});
