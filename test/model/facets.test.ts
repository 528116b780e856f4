// Every action of the registry tells lint what it does (src/model/actions/facets.ts) or
// says it is inert. The corpus holds the two to what OVS prints: wherever an action
// prints as a jump (resubmit, goto_table, ct(table=)), a field write (load, set_field,
// move, pop, ->DST), a subfield, a ct(), a group, a conjunction, a nested list or a
// learn, the matching hook must be declared and answer for that line. The printing is
// the spec's own (corpus.test.ts holds it equal to what real ovs-ofctl printed), in both
// the OpenFlow 1.0 and 1.5 dialects. Forgetting a hook in a new action fails here.
// The translation's facets (TranslationFacets) are held to what OVS 3.1 does with each
// action and to what the action's own execute() does.
import { formatCtx } from '../../src/model/print-flow.js';
import { describe, expect, it } from 'vitest';
import { ACTIONS, actionByName } from '../../src/model/actions/index.js';
import { ACTION_SET_RANK, actionSetRankOf, FACET_HOOKS, type ActionFacets, type FieldWrite } from '../../src/model/actions/facets.js';
import type { Action, ActionSpec, FormatCtx } from '../../src/model/actions/types.js';
import { subfieldByName, type FieldSpec } from '../../src/model/fields.js';
import { formatActions } from '../../src/model/print-flow.js';
import { readFlows } from '../../src/parse/flows.js';
import { addedWith } from './corpus-lines.js';
import { resubmit } from '../../src/model/actions/resubmit.js';
import type { CtRequest, ExecCtx } from '../../src/pipeline/exec.js';
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
const uses: Array<{ a: Action; table: number; line: string; outer: string | null }> = [];
for (const g of CORPUS_GROUPS) {
  for (const e of loadCorpus(g)) {
    for (const f of readFlows(e.input, 'corpus', { ports: CORPUS_PORTS, ofVersion: addedWith(e) }).flows) {
      const walk = (list: readonly Action[], outer: string | null) => list.forEach((a) => {
        uses.push({ a, table: f.table, line: e.input, outer });
        walk(registry(a).nested?.(a.args) ?? [], a.name);
      });
      walk(f.actions, null);
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

/**
 * What OVS 3.1 admits to an action set (ofp-actions.c, action_set_classify), by ctflow's
 * names; set_field also stands for load and the OpenFlow 1.0 field actions.
 */
const IN_ACTION_SET = ['strip_vlan', 'pop_mpls', 'decap', 'encap', 'push_mpls', 'push_vlan', 'dec_ttl', 'dec_mpls_ttl',
  'dec_nsh_ttl', 'output', 'group', 'set_field', 'load', 'move', 'mod_dl_src', 'mod_dl_dst', 'mod_nw_src', 'mod_nw_dst',
  'mod_nw_tos', 'mod_nw_ecn', 'mod_nw_ttl', 'mod_tp_src', 'mod_tp_dst', 'mod_vlan_vid', 'mod_vlan_pcp', 'set_mpls_label',
  'set_mpls_tc', 'set_mpls_ttl', 'set_queue', 'set_tunnel', 'set_tunnel64', 'ct', 'ct_clear', 'resubmit'];
/**
 * The order OVS 3.1 runs a set in (ACTION_SET_ORDER, then ACTION_SET_FINAL_PRIORITY lowest
 * first); field writes keep their written order, after the places, before the final action.
 */
const SET_ORDER = [['strip_vlan'], ['pop_mpls'], ['decap'], ['encap'], ['push_mpls'], ['push_vlan'], ['dec_ttl'], ['dec_mpls_ttl'],
  ['dec_nsh_ttl'], ['ct'], ['ct_clear'], ['resubmit'], ['output'], ['group']];
/** Before these OVS's freeze puts unroll_xlate (ofproto-dpif-xlate.c, freeze_unroll_actions): they may send a packet-in. */
const REPORTS_TABLE = ['output', 'group', 'controller', 'dec_ttl', 'dec_mpls_ttl', 'dec_nsh_ttl'];
/** What a frozen translation does not copy (the same function). */
const NOT_RESTORED = ['note', 'conjunction'];

/** The ExecCtx calls an action's execute() makes (reads answer 0; nothing else happens). */
function calls(spec: Spec, args: unknown): Array<{ m: string; args: unknown[] }> {
  const out: Array<{ m: string; args: unknown[] }> = [];
  const x = new Proxy({}, {
    get: (_t, m) => (...a: unknown[]) => { out.push({ m: String(m), args: a }); return m === 'read' || m === 'readField' ? 0n : undefined; },
  }) as ExecCtx;
  spec.execute?.(args, x);
  return out;
}

describe('actions declare what the translation asks', () => {
  it('the name lists name registry actions', () => {
    for (const n of [...IN_ACTION_SET, ...REPORTS_TABLE, ...NOT_RESTORED]) expect(actionByName(n)?.name, n).toBe(n);
  });

  it.each(ACTIONS.map((a) => [a.name, a as Spec] as const))('%s: an action set rank exactly when OVS admits it to an action set', (name, spec) => {
    if (name === 'controller') return; // depends on its arguments: the test below
    expect(spec.actionSetRank !== undefined, `${name}: actionSetRank`).toBe(IN_ACTION_SET.includes(name));
    if (spec.actionSetRank !== undefined) expect(Object.values(ACTION_SET_RANK)).toContain(spec.actionSetRank);
  });

  it('a plain controller is an output in an action set (OpenFlow 1.1+ carries it as one); any other is refused', () => {
    const spec = actionByName('controller')!;
    const of = (text: string) => readFlows(`# protocol: OpenFlow13\nactions=${text}\n`, 'f').flows[0].actions[0];
    for (const [text, rank, port] of [['controller', ACTION_SET_RANK.output, 0xfffd], ['controller:100', ACTION_SET_RANK.output, 0xfffd],
      ['controller(reason=no_match)', undefined, null], ['controller(userdata=01)', undefined, null]] as const) {
      expect(actionSetRankOf(spec, of(text)), text).toBe(rank);
      expect(spec.outputPort!(of(text).args), text).toBe(port);
    }
  });

  it('action set ranks follow OVS 3.1\'s order; every other admitted action is a field write', () => {
    const ranks = SET_ORDER.map(([n]) => (actionByName(n) as Spec).actionSetRank as number);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    for (const n of IN_ACTION_SET.filter((m) => !SET_ORDER.some(([o]) => o === m))) {
      expect((actionByName(n) as Spec).actionSetRank, n).toBe(ACTION_SET_RANK.write);
    }
  });

  it('every action the corpus writes to an action set has a rank', () => {
    const inSets = uses.filter((u) => u.outer === 'write_actions');
    expect(inSets.length).toBeGreaterThan(10);
    const unranked = inSets.filter((u) => actionSetRankOf(registry(u.a), u.a) === undefined);
    expect(unranked.map((u) => `${u.a.name}: ${u.line}`)).toEqual([]);
  });

  it.each(ACTIONS.map((a) => a.name))('%s: reportsTable and notRestored as OVS freezes it', (name) => {
    const spec = actionByName(name)! as Spec;
    expect(spec.notRestored === true, `${name}: notRestored`).toBe(NOT_RESTORED.includes(name));
    for (const u of uses.filter((v) => v.a.name === name)) {
      const want = REPORTS_TABLE.includes(name) || (name === 'resubmit' && (u.a.args as { table: number | null }).table === null);
      expect(spec.reportsTable?.(u.a.args) ?? false, `${name}: reportsTable for ${u.line}`).toBe(want);
    }
  });

  it('frozenAs: write_metadata resumes as a set_field on metadata with its value and mask (freeze_unroll_actions)', () => {
    expect(ACTIONS.filter((a) => (a as Spec).frozenAs).map((a) => a.name)).toEqual(['write_metadata']);
    const wm = readFlows('# protocol: OpenFlow13\nactions=write_metadata:0x5/0xff\n', 'f').flows[0].actions[0];
    const as = (actionByName('write_metadata') as Spec).frozenAs!(wm.args);
    const back = actionByName(as.name)!.fieldWrite!(as.args);
    expect([as.name, back.field.name, back.value, back.mask]).toEqual(['set_field', 'metadata', 5n, 0xffn]);
  });

  it('each from… builder is declared by one action and agrees with its other facets', () => {
    for (const hook of ['fromWrite', 'fromPort', 'fromTable', 'fromGroupId', 'fromFinTimeouts'] as const) {
      expect(ACTIONS.filter((a) => (a as Spec)[hook]).map((a) => a.name), hook).toHaveLength(1);
    }
    const by = (hook: keyof Spec) => ACTIONS.find((a) => (a as Spec)[hook]) as Spec;
    const writes = uses.map((u) => registry(u.a).fieldWrite?.(u.a.args)).filter((w): w is FieldWrite => w !== undefined);
    expect(writes.length).toBeGreaterThan(10);
    for (const w of writes) {
      const built = by('fromWrite');
      const back = built.fieldWrite!(built.fromWrite!(w));
      expect([back.field, back.value, back.mask]).toEqual([w.field, w.value, w.mask]);
    }
    for (const p of [1, 0xfffe, 0xfffa]) expect(by('fromPort').outputPort!(by('fromPort').fromPort!(p))).toBe(p);
    for (const t of [0, 7, 254]) {
      const r = by('fromTable'), args = r.fromTable!(t);
      expect(r.jumps!(args, 3)).toEqual([{ table: t, kind: 'resubmit' }]);
      expect(r.jump!(args)).toEqual({ inPort: null, table: t, ct: false });
    }
    for (const g of [1, 0xffffff00]) expect(by('fromGroupId').groupId!(by('fromGroupId').fromGroupId!(g))).toBe(g);
    // Printed as OVS prints the fin_timeout it puts in learned flows (recorded: learn-mac-learning-ovn-style).
    const fin = by('fromFinTimeouts');
    expect(fin.format(fin.fromFinTimeouts!(5, 10), formatCtx())).toBe('fin_timeout(idle_timeout=5,hard_timeout=10)');
  });

  it('meterId, groupId and ctNat agree with what execute() does', () => {
    let meters = 0, nats = 0;
    for (const u of uses) {
      const spec = registry(u.a);
      const made = calls(spec, u.a.args);
      const meter = made.find((c) => c.m === 'meter'), group = made.find((c) => c.m === 'group');
      expect(spec.meterId?.(u.a.args), `${u.a.name}: meterId for ${u.line}`).toBe(meter?.args[0]);
      if (group) expect(spec.groupId?.(u.a.args), `${u.a.name}: groupId for ${u.line}`).toBe(group.args[0]);
      if (meter) meters++;
      // ct(): its request has a nat exactly when a nested action declares ctNat and OVS prints one.
      const ct = made.find((c) => c.m === 'conntrack')?.args[0] as CtRequest | undefined;
      if (ct) {
        const text = printed(u.a, spec, false);
        expect(ct.nat !== null, `nat of ${text}`).toBe(/[(,]nat\b/.test(text));
        if (ct.nat) nats++;
      }
    }
    expect(meters).toBeGreaterThan(0);
    expect(nats).toBeGreaterThan(5);
  });
});
