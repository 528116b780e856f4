// The translation of one pass of a packet through the tables (OVS's xlate): lookups,
// actions, the action set, resubmits, datapath actions and the trace. Recirculations
// (ct(table=…)) are queued on the packet's run and translated as passes of their own.
import { actionByName } from '../model/actions/index.js';
import type { Action, ActionSpec } from '../model/actions/types.js';
import { ones } from '../model/bits.js';
import type { FieldSpec } from '../model/fields.js';
import { formatActions, formatCtx } from '../model/print-flow.js';
import { formatMatch } from '../model/print-match.js';
import type { Flow } from '../model/flow.js';
import { clonePacket, isIp, type Packet } from '../packet/packet.js';
import { orSegs, readSegs, wordRef, writeSegs } from '../packet/field-io.js';
import { SlotStore, wordOf } from '../packet/slots.js';
import type { MatchedFlow, TraceEvent } from '../trace/events.js';
import type { Entry } from './classifier.js';
import { ExecError, type LearnLimits, type ControllerRequest, type CtRequest, type ExecCtx, type SubfieldRef } from './exec.js';
import { executeActionSet, writeToActionSet } from './action-set.js';
import { commitOdp, nothingToCommit } from './odp.js';
import { finishFreezing, unrollFrozen } from './freeze.js';
import { applySet, moveWords, setPlanOf, type SetArgs, type WordWrites } from './writes.js';
import { prepare, type PreparedList } from './prepared.js';
import {
  dpPort, OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX, OFPP_NONE, OFPP_NORMAL,
  OFPP_TABLE, portExists, type Pipeline,
} from './pipeline.js';
import type { PacketRun } from './run-types.js';
import { EMPTY, fresh } from './alloc.js';
import * as more from './xlate-more.js';
import * as lb from './xlate-group.js';
import { commitEncap, encap as encapPacket, type EncapState } from './encap.js';
import { normal } from './normal.js';
import { flood } from './flood.js';
import type { BundleArgs } from '../model/actions/bundle.js';
import type { MultipathArgs } from '../model/actions/multipath.js';
import type { EncapArgs } from '../model/actions/encap.js';

/** OVS's limits: nesting depth of resubmits, and resubmits per translation (64 × 64). */
export const MAX_DEPTH = 64;
export const MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH;

/** The trace text of flows and actions, printed once per pipeline (a packet meets the same ones again and again). */
interface Texts { flows: WeakMap<Flow, MatchedFlow>; actions: WeakMap<Action, string> }
const TEXTS = new WeakMap<Pipeline, Texts>();
function textsOf(pp: Pipeline): Texts {
  let t = TEXTS.get(pp);
  if (!t) { t = { flows: new WeakMap(), actions: new WeakMap() }; TEXTS.set(pp, t); }
  return t;
}

const IN_PORT = wordOf('in_port');
const SKB_PRIORITY = wordOf('skb_priority');
const PACKET_TYPE = wordOf('packet_type');

const NO_ACTIONS: readonly Action[] = EMPTY;

/** The megaflow mask as a commit reads it: `wc` plus the masks of the flows matched. */
class WcView {
  constructor(private readonly x: Xlate) {}
  get(slot: string): bigint {
    let v = this.x.wc.get(slot);
    for (const f of this.x.wcFlows) { const b = f.match.masks.get(slot); if (b) v |= b; }
    return v;
  }
}

/** Stops the whole translation (OVS's xlate errors); the datapath actions become `drop`. */
export class XlateFailure extends Error {}

export class Xlate implements ExecCtx {
  readonly pkt: Packet;
  /**
   * The packet as the datapath has it (last commit). It may start as a store the pass
   * shares (its starting packet, never written): copied on first access, which a commit
   * that writes nothing does not make (a per-pass copy was ~1.5% of a packet).
   */
  private base_: SlotStore;
  private baseShared: boolean;
  get base(): SlotStore {
    if (this.baseShared) { this.base_ = this.base_.clone(); this.baseShared = false; }
    return this.base_;
  }
  readonly wc: SlotStore = new SlotStore(); // bits the actions read or wrote
  /** The masks of the flows matched: with `wc`, the megaflow mask, merged only for the slots a commit asks about. */
  readonly wcFlows: Flow[] = fresh(); // the flows, not their masks: one pointer fewer to follow per lookup
  /** What a commit reads of the megaflow mask; made on the first commit. */
  private wcView_: WcView | null = null;
  odp: string[] = fresh();
  outputs: number[] = fresh();
  events: TraceEvent[] = fresh();
  /** The action set (write_actions), made on first use: most translations never write one. */
  private actionSet_: Map<string, Action> | null = null;
  get actionSet(): Map<string, Action> { return (this.actionSet_ ??= new Map()); }
  set actionSet(set: Map<string, Action>) { this.actionSet_ = set; }
  /** Whether the action set is empty, without making one. */
  get actionSetEmpty(): boolean { return this.actionSet_ === null || this.actionSet_.size === 0; }
  stack: Array<{ value: bigint; bits: number }> = fresh();
  depth = 0;          // indentation level of the current action
  recursion = 0;      // resubmit nesting
  resubmits = 0;
  table = 0;          // the table whose flow is executing
  flow: Flow | null = null;
  exited = false;
  stopList = false;   // dec_ttl exception: stop the current action list
  private pendingGoto: number | null = null;
  failure: string | null = null;
  /** Set by the first encap(): headers pushed but not yet committed (encap.ts). */
  encapState: EncapState | null = null;

  /** skb_priority when the translation started (pop_queue returns to it). */
  private readonly origPrio: number;
  get origPriority(): bigint { return BigInt(this.origPrio >>> 0); }

  /** `start`: the packet's slots at the start of the pass, if the caller keeps them unchanged (else copied). */
  constructor(readonly run: PacketRun, pkt: Packet, start?: SlotStore) {
    this.pkt = pkt;
    this.origPrio = pkt.slots.w[SKB_PRIORITY];
    this.base_ = start ?? pkt.slots.clone();
    this.baseShared = start !== undefined;
  }

  get slots(): SlotStore { return this.pkt.slots; }
  ev(e: TraceEvent): void { if (this.run.trace) this.events.push(e); }

  /** Translates from `table` (or resumes frozen actions) to the end: the pipeline, then the action set. */
  start(table: number, thaw?: (x: Xlate) => void): void {
    const sentBefore = this.run.sent.length;
    try {
      if (thaw) thaw(this); else this.lookupAndExecute(table, 0);
      if (!this.exited && !this.actionSetEmpty) {
        this.ev({ kind: 'action-set', depth: 0 });
        executeActionSet(this, 1);
      }
      finishFreezing(this); // a dp_hash select group froze the translation
    } catch (e) {
      if (!(e instanceof XlateFailure)) throw e;
      this.failure = e.message;
      this.odp = fresh();
      this.outputs = fresh();
      this.run.sent.length = sentBefore;
    }
  }

  /**
   * One table lookup and the matched flow's instructions. A resubmit that is the flow's
   * last action, and a goto_table, continue here as the next turn of the loop rather than
   * a call deeper: each still counts as a resubmit (enter()), and the levels it deepens
   * are given back when the chain ends, as the nested calls would.
   */
  lookupAndExecute(table: number, depth: number, inPort: number | null = null, ct = false): void {
    let levels = 0;
    for (;;) {
      // resubmit(port,…) changes in_port for the lookup only (OVS restores it before the
      // flow's actions run).
      const w = this.slots.w;
      const oldIn = w[IN_PORT];
      if (inPort !== null) w[IN_PORT] = inPort;
      if (ct) more.swapCtTuple(this); // resubmit(,T,ct): look up with the connection's tuple
      const entry: Entry | null = this.run.pipeline.classifier.lookup(table, this.slots);
      if (ct) more.swapCtTuple(this);
      w[IN_PORT] = oldIn;
      if (this.run.trace) this.ev({ kind: 'table', depth, table, flow: entry ? this.describe(entry.flow) : null });
      this.run.lookups?.push({ table, flow: entry ? entry.flow : null }); // RunOptions.passes
      if (!entry) break; // table miss: drop (OVS 3.1's default miss behaviour)
      this.wcFlows.push(entry.flow);
      const savedTable = this.table, savedFlow = this.flow;
      this.table = table;
      this.flow = entry.flow;
      this.executeList(entry.flow.actions, depth + 1, (entry.prep ??= prepare(entry.flow.actions)), true);
      const goto = this.pendingGoto;
      this.pendingGoto = null;
      this.table = savedTable;
      this.flow = savedFlow;
      if (goto !== null) {
        if (this.exited) break;
        this.enter(false); // goto_table goes to a later table: no level deeper
        table = goto;
        if (!this.actionSetEmpty) depth++;
        inPort = null;
        ct = false;
      } else if (this.tailTable >= 0) {
        // resubmit() counted the resubmit (enter) when it ran.
        if (this.tailDeepens) levels++;
        table = this.tailTable;
        depth = this.tailDepth;
        inPort = this.tailPort;
        ct = this.tailCt;
        this.tailTable = -1;
      } else break;
    }
    this.recursion -= levels;
  }

  /** A resubmit ending a flow's actions, left for lookupAndExecute's loop: table (-1: none), depth, in_port, ct. */
  private tailTable = -1;
  private tailDepth = 0;
  private tailPort: number | null = null;
  private tailCt = false;
  private tailDeepens = false;
  /** The list executing is a flow's own actions, run by lookupAndExecute (not a clone's, a bucket's…). */
  private flowList = false;

  describe(f: Flow): MatchedFlow {
    const pp = this.run.pipeline;
    const texts = textsOf(pp);
    let d = texts.flows.get(f);
    if (!d) { d = this.describe__(f); texts.flows.set(f, d); }
    return d;
  }

  private describe__(f: Flow): MatchedFlow {
    const pp = this.run.pipeline;
    return {
      table: f.table, priority: f.priority, cookie: '0x' + f.cookie.toString(16),
      match: formatMatch(f.match, 32768, { portNames: pp.portNames }),
      actions: formatActions(f.actions, formatCtx({ of15: pp.of15, portNames: pp.portNames })), line: f.line,
    };
  }

  actionText(a: Action): string {
    const pp = this.run.pipeline;
    const texts = textsOf(pp);
    let t = texts.actions.get(a);
    if (t === undefined) {
      t = formatActions([a], formatCtx({ of15: pp.of15, portNames: pp.portNames }));
      texts.actions.set(a, t);
    }
    return t;
  }

  /** Executes an action list; `depth` is the indentation of its actions in the trace. */
  executeList(actions: readonly Action[], depth: number, prep = prepare(actions), flowList = false): void {
    const savedStop = this.stopList, savedList = this.curList, savedIndex = this.curIndex, savedPrep = this.curPrep;
    const savedFlowList = this.flowList;
    this.flowList = flowList;
    const { execs, args, specs, plain, runs, ends, jumps } = prep, n = execs.length, trace = this.run.trace;
    this.stopList = false;
    this.curList = actions;
    this.curPrep = prep;
    for (let i = 0; i < n; i++) {
      if (this.exited || this.stopList) {
        if (this.exited) unrollFrozen(this, actions, i); // a frozen translation resumes with the rest
        break;
      }
      if (!trace) {
        // A field write neither stops the list nor reads curIndex, depth or tail.
        const r = runs[i];
        if (r !== null) { applySet(r, this.slots, this.wc); i = ends[i]; continue; }
      }
      this.curIndex = i;
      this.depth = depth;
      this.tail = i === n - 1;
      if (trace) {
        this.ev({ kind: 'action', depth, text: this.actionText(actions[i]) });
        const w = plain[i];
        if (w !== null) { applySet(w, this.slots, this.wc); continue; }
      }
      const j = jumps[i];
      if (j !== null) { this.resubmit(j.inPort, j.table, j.ct); continue; }
      const exec = execs[i];
      if (!exec) this.executeSpec(actions[i], null); // fails, naming the action
      else exec.call(specs[i], args[i], this);
    }
    this.stopList = savedStop;
    this.curList = savedList;
    this.curIndex = savedIndex;
    this.curPrep = savedPrep;
    this.flowList = savedFlowList;
  }

  tail = false;
  /** The action list executing and the index of the current action (check_pkt_larger forks the rest). */
  curList: readonly Action[] = NO_ACTIONS;
  curIndex = 0;
  /** curList prepared (null outside executeList). */
  private curPrep: PreparedList | null = null;

  execute(a: Action): void { this.executeSpec(a, actionByName(a.name) ?? null); }

  private executeSpec(a: Action, spec: ActionSpec | null): void {
    if (!spec?.execute) throw new ExecError(`action '${a.name}' cannot be executed yet (no execute in src/model/actions/)`);
    spec.execute(a.args, this);
  }

  // ---- fields ------------------------------------------------------------------------------
  readField(f: FieldSpec): bigint {
    const r = f.segs.length === 1 ? wordRef(f, 0, f.bits) : null;
    if (r) return BigInt(((this.slots.w[r.word] >>> r.shift) & r.mask) >>> 0);
    return readSegs(this.slots, f.segs);
  }
  read(sf: SubfieldRef): bigint {
    const r = wordRef(sf.field, sf.ofs, sf.bits);
    if (r) return BigInt(((this.slots.w[r.word] >>> r.shift) & r.mask) >>> 0);
    return (this.readField(sf.field) >> BigInt(sf.ofs)) & ones(sf.bits);
  }

  write(f: FieldSpec, value: bigint, mask: bigint): void {
    const set = f.set;
    if (!set) {
      // A field inside one word (a register, an IPv4 address, a port): integer arithmetic.
      const r = f.segs.length === 1 ? wordRef(f, 0, f.bits) : null;
      if (r) {
        const m = (Number(mask) & r.mask) << r.shift, w = this.slots.w;
        w[r.word] = (w[r.word] & ~m) | ((Number(value) << r.shift) & m);
        this.wc.w[r.word] |= m;
        return;
      }
      // Registers viewed wide (xreg, xxreg) and wide slots: only the bits of the mask are written.
      writeSegs(this.slots, f.segs, value, mask);
      orSegs(this.wc, f.segs, mask);
      return;
    }
    const cur = this.readField(f);
    // A field that owns only some bits of its container (nw_tos: DSCP; dl_vlan_pcp: PCP
    // and the tag-present bit) says how a whole-field value lands in it.
    if (mask === ones(f.bits)) ({ value, mask } = set({ value: cur, mask: 0n }, value));
    writeSegs(this.slots, f.segs, (cur & ~mask) | (value & mask), ones(f.bits));
    orSegs(this.wc, f.segs, mask);
  }

  setField(a: SetArgs): void {
    // The action executing is the prepared list's action curIndex (unless an action runs another's execute):
    // its compiled writes are kept beside it.
    const i = this.curIndex, prep = this.curPrep;
    let p: WordWrites | null | undefined;
    if (prep !== null && prep.args[i] === a) { p = prep.sets[i]; if (p === undefined) p = prep.sets[i] = setPlanOf(a); } else p = setPlanOf(a);
    if (p !== null) applySet(p, this.slots, this.wc); else this.write(a.field, a.value, a.mask);
  }
  move(a: { src: SubfieldRef; dst: SubfieldRef }): void {
    if (!moveWords(a, this.slots, this.wc)) this.writeSub(a.dst, this.read(a.src));
  }

  writeSub(sf: SubfieldRef, value: bigint): void {
    const sh = BigInt(sf.ofs);
    this.write(sf.field, (value & ones(sf.bits)) << sh, ones(sf.bits) << sh);
  }

  writeMetadata(value: bigint, mask: bigint): void {
    const m = this.slots.get('metadata');
    this.slots.set('metadata', (m & ~mask) | (value & mask));
  }

  // ---- trace helpers -----------------------------------------------------------------------
  detail(text: string): void { this.ev({ kind: 'detail', depth: this.depth, text }); }
  warn(text: string): void { this.ev({ kind: 'warn', depth: this.depth, text }); }
  note(text: string): void { this.ev({ kind: 'note', depth: this.depth, text }); }
  /** The translation stops here for good (controller pause; dp_hash groups resume: freeze.ts). */
  freeze(): void { this.exited = true; this.actionSet_?.clear(); }
  error(text: string): void { this.ev({ kind: 'error', depth: this.depth, text }); }
  unsupported(what: string): never { throw new ExecError(`${what} is not supported by ctflow's interpreter`); }
  exit(): void { this.exited = true; }

  // ---- output ------------------------------------------------------------------------------
  commit(): void {
    if (this.encapState) commitEncap(this, this.encapState, this.odp);
    if (this.baseShared && nothingToCommit(this.slots, this.base_)) return;
    commitOdp(this.slots, this.base, (this.wcView_ ??= new WcView(this)), this.odp);
  }

  private emitOutput(port: number): void {
    if (this.slots.w[PACKET_TYPE] !== 0) {
      this.warn('Trying to send non-Ethernet packet through legacy L2 port. Dropping packet.');
      return;
    }
    this.commit();
    this.odp.push(String(dpPort(this.run.pipeline.ports, port)));
    this.outputs.push(port);
    more.noteSent(this);
  }

  output(port: number, maxLen = 0): void {
    const ports = this.run.pipeline.ports;
    const inPort = this.slots.w[IN_PORT] >>> 0;
    switch (port) {
      case OFPP_IN_PORT:
        if (portExists(ports, inPort)) this.emitOutput(inPort); else this.warn('Nonexistent output port');
        return;
      case OFPP_CONTROLLER:
        return this.controller({ reason: 'action', maxLen, controllerId: 0, userdata: [], pause: false, meterId: null });
      case OFPP_NONE: return;
      case OFPP_NORMAL: return normal(this);
      case OFPP_TABLE: return this.unsupported('output to TABLE');
      case OFPP_FLOOD: case OFPP_ALL: return flood(this);
      default: break;
    }
    if (port >= OFPP_MAX && port !== OFPP_LOCAL) return this.unsupported(`output to reserved port ${port}`);
    if (port === inPort) { this.warn('skipping output to input port'); return; }
    if (!portExists(ports, port)) { this.warn('Nonexistent output port'); return; }
    this.emitOutput(port);
  }

  outputField(sf: SubfieldRef): void {
    const port = this.read(sf);
    this.writeSegsWc(sf);
    this.detail(`output port is ${port}`);
    if (port <= 0xffffn) this.output(Number(port));
  }

  private writeSegsWc(sf: SubfieldRef): void {
    orSegs(this.wc, sf.field.segs, ones(sf.bits) << BigInt(sf.ofs));
  }

  // ---- resubmit / goto ---------------------------------------------------------------------
  /** Runs `body` one resubmit level deeper, enforcing OVS's two limits. */
  recurse(body: () => void): void {
    this.enter(true);
    try { body(); } finally { this.recursion--; }
  }

  /**
   * Checks OVS's limits before a lookup and counts it. Only a resubmit to the same or an
   * earlier table `deepens` the nesting (OVS's xlate_recursively): a chain of resubmits
   * to later tables, as OVN's pipeline is, may be longer than 64 (recorded: a loop of
   * table 0 → 1 → 0 stops after 129 lookups, a self loop after 65).
   */
  private enter(deepens: boolean): void {
    if (this.recursion >= MAX_DEPTH) {
      this.error(`over max translation depth ${MAX_DEPTH}`);
      throw new XlateFailure('Recursion too deep');
    }
    if (++this.resubmits > MAX_RESUBMITS) {
      this.error(`over ${MAX_RESUBMITS} resubmit actions`);
      throw new XlateFailure('Too many resubmits');
    }
    if (deepens) this.recursion++;
  }

  private lookupDeeper(table: number, depth: number, inPort: number | null, ct: boolean, deepens: boolean): void {
    this.enter(deepens);
    try { this.lookupAndExecute(table, depth, inPort, ct); } finally { if (deepens) this.recursion--; }
  }

  /** goto_table: looked up once the current flow's instructions are done. */
  gotoTable(table: number): void { this.pendingGoto = table; }

  resubmit(inPort: number | null, table: number | null, ct: boolean): void {
    const depth = this.tail && this.actionSetEmpty ? this.depth - 1 : this.depth;
    const t = table ?? this.table;
    if (ct && !more.ctTupleUsable(this)) {
      this.error('resubmit(ct) with non-tracked or non-IP packet!');
      return;
    }
    const port = inPort !== null && inPort !== OFPP_IN_PORT ? inPort : null;
    const deepens = t <= this.table;
    if (this.tail && this.flowList && this.pendingGoto === null) {
      // The flow's last action: its lookupAndExecute goes on with this lookup.
      this.enter(deepens);
      this.tailDeepens = deepens;
      this.tailTable = t;
      this.tailDepth = depth;
      this.tailPort = port;
      this.tailCt = ct;
      return;
    }
    this.lookupDeeper(t, depth, port, ct, deepens);
  }

  writeActions(actions: Action[]): void { writeToActionSet(this, actions); }
  clearActions(): void {
    if (!this.actionSetEmpty) this.detail(`action set was: ${[...this.actionSet.values()].map((a) => this.actionText(a)).join(',')}`);
    this.actionSet_?.clear();
    this.slots.delete('actset_output');
  }

  // ---- stack ---------------------------------------------------------------------------------
  stackPush(sf: SubfieldRef): void { this.stack.push({ value: this.read(sf), bits: sf.bits }); }
  stackPop(sf: SubfieldRef): void {
    const top = this.stack.pop();
    if (!top) { this.error('stack underflow'); return; }
    this.writeSub(sf, top.value);
  }

  // ---- the rest lives in xlate-more.ts ---------------------------------------------------------
  clone(actions: Action[]): void { more.clone(this, actions); }
  pushVlan(tpid: number): void { more.pushVlan(this, tpid); }
  popVlan(): void { more.popVlan(this); }
  setVlanVid(vid: number, push: boolean): void { more.setVlan(this, 0xfffn, BigInt(vid), push); }
  setVlanPcp(pcp: number, push: boolean): void { more.setVlan(this, 0xe000n, BigInt(pcp) << 13n, push); }
  decTtl(ids: number[]): void { more.decTtl(this, ids); }
  controller(req: ControllerRequest): void { more.controller(this, req); }
  conntrack(req: CtRequest): void { more.conntrack(this, req); }
  ctClear(): void { more.ctClear(this); }
  group(id: number): void { lb.group(this, id); }
  meter(id: number): void { this.odp.push(`meter(${more.dpMeterId(this.run.pipeline, id)})`); }
  multipath(a: MultipathArgs): void { lb.multipath(this, a); }
  bundle(a: BundleArgs): void { lb.bundle(this, a); }
  bundleLoad(a: BundleArgs): void { lb.bundleLoad(this, a); }
  setQueue(queue: number): void { more.setQueue(this, queue); }
  popQueue(): void { more.popQueue(this); }
  setTunnel(id: bigint): void { this.slots.set('tun_id', id); }
  sample(): void { this.detail('no IPFIX/sFlow collector is configured: nothing is sampled'); }
  pushMpls(ethertype: number): void { more.pushMpls(this, ethertype); }
  setMpls(action: string, value: number): void { more.setMpls(this, action, value); }
  decapEthernet(): void { more.decap(this); }
  encap(a: EncapArgs): void { encapPacket(this, a); }
  learn(flow: Flow, limits?: LearnLimits): void { more.learn(this, flow, limits); }
  checkPktLarger(len: number, dst: SubfieldRef): void {
    // With a tracker (a real packet of known length) only the branch it takes runs; a
    // trace translates both, as ofproto/trace does (check_pkt_len(size=N,gt(…),le(…))).
    if (this.run.conntrack) { this.writeSub(dst, this.pkt.frameLen > len ? 1n : 0n); return; }
    more.checkPktLen(this, len, dst);
  }

  /** A copy of this translation's packet, e.g. for a recirculation. */
  snapshot(): Packet { return clonePacket(this.pkt); }
  get isIp(): boolean { return isIp(this.pkt); }
}
