// Which tables a packet can reach from table 0, and whether it is tracked there.
//
// A path's state is its track state and the action set it holds (held-set.ts). The track
// state is "untracked" or "tracked after a ct() in zone Z". Table 0 starts untracked with
// an empty set. resubmit and goto_table keep the state; ct(table=N, zone=Z) reaches N
// tracked in Z (the recirculation), and the rest of the flow's actions continue
// untracked: OVS clears the conntrack fields after every ct() (ofproto-dpif-xlate.c,
// compose_conntrack_action). ct_clear makes the packet untracked. A flow whose ct_state
// cannot hold in a state is not followed from it. Any flow may match: this
// over-approximates the paths, never misses one.
//
// The action set runs when a pass ends, so what it sends where depends on the whole path:
// a resubmit written in table 0 that table 1 clears, or that a later output outranks,
// never runs. So a lookup is followed as a call: the states its flows leave (with what
// they wrote to the set, or cleared) are what the caller's next action starts from, and
// the set runs from each state a pass (or a clone) ends in. Calls are computed once per
// (table, state) and again when what they call returns more states (a fixpoint), so
// resubmit loops end. Group buckets run the actions the bucket's own set runs
// (actions.ts, bucketActions) on a copy of the packet, but share the pipeline's set.
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { GroupDesc } from '../pipeline/pipeline.js';
import {
  bucketActions, clearsActionSet, conntrackOf, groupOf, jumps, learnTable, nestedActions, nestedOnCopy, setWriteOf, zoneText,
} from './actions.js';
import { ctStateOf, matchesTracked, matchesUntracked } from './ct-state.js';
import { byTable } from './finding.js';
import { addBytes, frozenTails, type Bytes } from './frozen-bytes.js';
import { ActionIds, EMPTY_SET, written, type HeldSet } from './held-set.js';
import { isSoft, matchKey } from './match-index.js';

/** null: untracked; else the zone of the last ct() and the flow and action of that ct(). */
export type TrackState = { zone: string; by: Flow; act: Action } | null;

const key = (s: TrackState): string => (s === null ? '-' : s.zone);

/** A ct(commit) in `zone` met while tracked in a zone (commit-zone-mismatch reads these). */
export interface CommitSeen { flow: Flow; action: Action; zone: string; state: TrackState }

/**
 * A freeze met while the action set held something (`set.held` wrote last): a ct() that
 * recirculates, or a select group that may freeze for the datapath's dp_hash. `action`:
 * that action, or the flow's group action when it is in a bucket. `sets`: the sizes of
 * the sets it is met with, each beside the bytes frozen with the group on that path (the
 * group and the rest of its list, then the rest of each list whose resubmit led there,
 * up to the pass, clone() or bucket the freeze ends with: freeze.ts), or why lint cannot
 * say (a freeze in a bucket: the bucket runs as an action set of its own).
 */
export interface FreezeWithSet {
  kind: 'ct' | 'dp_hash'; flow: Flow; action: Action; set: HeldSet;
  sets: Array<{ bytes: Bytes; frozen: Bytes }>;
}

export interface Reach {
  /** Reached tables → the states they are reached in (by state key). */
  tables: Map<number, Map<string, TrackState>>;
  /** Tables that learn actions add flows to. */
  learned: Set<number>;
  /** Groups used but not given (their buckets are not followed). */
  unknownGroups: Set<number>;
  commits: CommitSeen[];
  /** Final actions some reached write_actions put in the set (→ its flow), and those the set ran on some path. */
  setWritten: Map<Action, Flow>;
  setRuns: Set<Action>;
  /** goto_table actions reached with a final action in the set → the flows that wrote it. */
  gotoWithSet: Map<Action, Set<Flow>>;
  /** Freezes met with a non-empty action set, once per action. */
  freezesWithSet: FreezeWithSet[];
}

interface State { s: TrackState; set: HeldSet }

/** What a lookup made with an empty set would freeze of its callers: not counted (a set written after it is sized without them). */
const NOT_COUNTED = 'the set was written after a resubmit whose caller\'s remaining actions lint did not count';
const IN_BUCKET = 'the group runs in a group bucket, which OVS runs as an action set of its own';

/** One lookup (or one pass) from one state: the states it leaves, and who waits for them. */
interface Call { run: () => State[]; outs: Map<string, State>; callers: Set<Call> }

export function computeReach(flows: readonly Flow[], groups: ReadonlyMap<number, GroupDesc> | null): Reach {
  const tables = byTable(flows);
  const r: Reach = {
    tables: new Map(), learned: new Set(), unknownGroups: new Set(), commits: [],
    setWritten: new Map(), setRuns: new Set(), gotoWithSet: new Map(), freezesWithSet: [],
  };
  const ids = new ActionIds();
  const stKey = (st: State): string => `${key(st.s)}|${ids.setKey(st.set)}`;
  const seen = new Set<string>(); // commits and forks recorded, by action id and state
  const freezeOf = new Map<Action, FreezeWithSet>();
  // Sizes matter only where some flow writes the action set (OVN's tables never do).
  const writesSet = flows.some((f) => f.actions.some((a) => setWriteOf(a) !== null));
  const reasons = new Map<string, string>(); // why a size is not known → a short key
  const reasonId = (why: string): string => reasons.get(why) ?? (reasons.set(why, `?${reasons.size}`), `?${reasons.size - 1}`);
  // A table with a flow that matches every packet never misses: its lookup leaves only
  // what its flows leave. Any other may miss, which changes nothing.
  const neverMisses = new Set(flows.filter((f) => !isSoft(f) && matchKey(f.match) === '').map((f) => f.table));

  const calls = new Map<string, Call>();
  const work: Call[] = [];
  const queued = new Set<Call>();
  let current: Call | null = null;
  let viaGroup: Action | null = null; // the flow's group action while its buckets are walked
  const schedule = (c: Call) => { if (!queued.has(c)) { queued.add(c); work.push(c); } };
  const callOf = (k: string, run: () => State[]): Call => {
    let c = calls.get(k);
    if (!c) { calls.set(k, (c = { run, outs: new Map(), callers: new Set() })); schedule(c); }
    return c;
  };

  pass(0, { s: null, set: EMPTY_SET });
  while (work.length) {
    const c = work.pop()!;
    queued.delete(c);
    current = c;
    const outs = c.run();
    current = null;
    let grew = false;
    for (const o of outs) {
      const k = stKey(o);
      if (!c.outs.has(k)) { c.outs.set(k, o); grew = true; }
    }
    if (grew) for (const caller of c.callers) schedule(caller);
  }
  return r;

  function visit(table: number, s: TrackState): void {
    let states = r.tables.get(table);
    if (!states) r.tables.set(table, (states = new Map()));
    if (!states.has(key(s))) states.set(key(s), s);
  }

  /** A pass from `table` (table 0, or a recirculation): its lookup, then the set runs. */
  function pass(table: number, st: State): void {
    callOf(`pass ${table}/${stKey(st)}`, () => {
      for (const o of lookup(table, st, 0)) runSet(o);
      return [];
    });
  }

  /**
   * The states a lookup in `table` from `st` leaves, as far as known yet. `rest`: the
   * bytes a freeze after it would hold of the lists that led there (up to a pass, clone
   * or bucket); kept apart only while the set holds something (a freeze with an empty
   * set is fine whatever it holds), so tables without write_actions are followed once.
   */
  function lookup(table: number, st: State, rest: Bytes): State[] {
    visit(table, st.s);
    if (!writesSet) rest = 0; // no set, no size: one call per table and state, as before sizes
    else if (!st.set.held && rest !== 0) rest = NOT_COUNTED;
    const c = callOf(`${table}/${stKey(st)}/${typeof rest === 'number' ? rest : reasonId(rest)}`, () => {
      const outs: State[] = [];
      for (const f of tables.get(table) ?? []) {
        const cs = ctStateOf(f.match);
        if (st.s === null ? !matchesUntracked(cs) : !matchesTracked(cs)) continue;
        outs.push(...walk(f, f.actions, [st], rest));
      }
      if (!neverMisses.has(table)) outs.push(st);
      return outs;
    });
    if (current) c.callers.add(current);
    return [...c.outs.values()];
  }

  /** Runs the set `st` holds, as the end of a pass does: only its final action moves the packet. */
  function runSet(st: State): void {
    const { final, by } = st.set;
    if (!final || !by) return;
    r.setRuns.add(final);
    walk(by, [final], [{ s: st.s, set: EMPTY_SET }], 0); // what the set's run writes to a set never runs
  }

  /** Runs `actions` of `flow` from each of `states`; returns the states after them. `rest`: as lookup's, around the list. */
  function walk(flow: Flow, actions: readonly Action[], states: State[], rest: Bytes): State[] {
    let tails: readonly Bytes[] | null = null;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i];
      // Sized only while a set is held (most tables never write one): else only whether
      // anything follows matters to the lookups (lookup: 0 or NOT_COUNTED).
      let from: Bytes = NOT_COUNTED, after: Bytes = i === actions.length - 1 ? rest : NOT_COUNTED;
      if (states.some((st) => st.set.held !== null)) {
        tails ??= frozenTails(actions, flow.table);
        from = addBytes(tails[i], rest);
        after = addBytes(tails[i + 1], rest);
      }
      const next = new Map<string, State>();
      for (const st of states) for (const o of step(flow, a, st, from, after)) next.set(stKey(o), o);
      states = [...next.values()];
      if (!states.length) break; // a call that has returned nothing yet: followed again when it does
    }
    return states;
  }

  /** `from`: the bytes a freeze at `a` holds (it and what follows, in every list around); `rest`: those after `a`. */
  function step(flow: Flow, a: Action, st: State, from: Bytes, rest: Bytes): State[] {
    const ct = conntrackOf(a);
    const zone = ct?.kind === 'track' ? zoneText(ct.zone) : null;
    if (zone !== null && ct?.kind === 'track' && ct.commit && once(`c${ids.of(a)}/${key(st.s)}`)) {
      r.commits.push({ flow, action: a, zone, state: st.s });
    }
    let outs = [st];
    for (const j of jumps(a, flow.table)) {
      if (j.kind === 'ct') {
        if (zone === null) throw new Error(`internal: action ${a.name} recirculates after ct() but declares no ct() lookup`);
        freezes('ct', flow, a, st, from);
        // OVS means the recirculated pass to go on with the set (it aborts first when the
        // set holds anything: freezesWithSet); followed so, the findings after it still hold.
        pass(j.table, { s: { zone, by: flow, act: a }, set: st.set });
        continue;
      }
      if (j.kind === 'goto_table' && st.set.final && st.set.by) {
        let by = r.gotoWithSet.get(a);
        if (!by) r.gotoWithSet.set(a, (by = new Set()));
        by.add(st.set.by);
      }
      outs = outs.flatMap((o) => lookup(j.table, o, rest));
    }
    const g = groupOf(a);
    if (g !== null) {
      const desc = groups?.get(g);
      if (!desc) r.unknownGroups.add(g);
      else {
        // A select group without a hash of its own fields may freeze (src/pipeline/xlate-group.ts).
        if (desc.type === 'select' && (desc.selectionMethod ?? 'dp_hash') === 'dp_hash') freezes('dp_hash', flow, a, st, from);
        const outer = viaGroup;
        viaGroup ??= a;
        outs = outs.flatMap((o) => buckets(flow, desc, o));
        viaGroup = outer;
      }
    }
    const lt = learnTable(a);
    if (lt !== null) r.learned.add(lt);
    const w = setWriteOf(a);
    if (w) {
      if (w.final) r.setWritten.set(w.final, flow);
      outs = outs.map((o) => ({ s: o.s, set: written(o.set, flow, w) }));
    } else if (clearsActionSet(a)) {
      outs = outs.map((o) => ({ s: o.s, set: EMPTY_SET }));
    } else {
      const inner = nestedActions(a);
      // clone() runs on a copy, with a copy of the set that runs when the clone ends; the
      // packet then goes on as it was (test/oracle/lint-actset/clone-runs-set).
      // A freeze inside the clone ends with it (freeze.ts): its list is a tail of its own.
      if (inner && nestedOnCopy(a)) for (const o of walk(flow, inner, outs, 0)) runSet(o);
      else if (inner) outs = walk(flow, inner, outs, rest);
    }
    // After ct() the packet goes on untracked (the recirculation is tracked); so after ct_clear.
    return ct ? outs.map((o) => ({ s: null, set: o.set })) : outs;
  }

  /**
   * A group's buckets from `st`. Each runs on a copy of the packet (its track state
   * comes back after it) but on the pipeline's one set, which tables it resubmits to may
   * change: one bucket after the other for type=all, any one bucket for the others.
   * A freeze inside a bucket ends with it (freeze.ts); what it freezes of a bucket, which
   * runs as an action set of its own, lint does not size.
   */
  function buckets(flow: Flow, desc: GroupDesc, st: State): State[] {
    const run = (b: GroupDesc['buckets'][number], from: State): State[] =>
      walk(flow, bucketActions(b.actions), [from], IN_BUCKET).map((o) => ({ s: from.s, set: o.set }));
    if (desc.type === 'all') return desc.buckets.reduce((states, b) => states.flatMap((x) => run(b, x)), [st]);
    return desc.buckets.length ? desc.buckets.flatMap((b) => run(b, st)) : [st];
  }

  function freezes(kind: FreezeWithSet['kind'], flow: Flow, a: Action, st: State, frozen: Bytes): void {
    if (!st.set.held) return;
    const at = viaGroup ?? a;
    let f = freezeOf.get(at);
    if (!f) {
      freezeOf.set(at, (f = { kind, flow, action: at, set: st.set, sets: [] }));
      r.freezesWithSet.push(f);
    }
    if (once(`f${ids.of(at)}/${st.set.bytes}/${frozen}`)) f.sets.push({ bytes: st.set.bytes, frozen });
  }

  function once(k: string): boolean {
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }
}
