// Runs one packet through a pipeline: the first pass from table 0, then each queued
// recirculation (ct(table=…), or the thaw after a dp_hash select group) as a pass of its
// own, in the order they were queued (as ofproto/trace lists them). Pure: the clock is
// the `nowMs` argument. With `passes`, each pass is also given as data (PassResult: its
// packet, start, lookups, datapath actions), traced or not.
import { newCtPacketCache, clearCtPacketCache, type Conntrack } from '../conntrack/index.js';
import { CS } from '../conntrack/index.js';
import { formatPacketFlow } from '../packet/format.js';
import { clonePacket, type Packet } from '../packet/packet.js';
import { slotInfo, wordOf } from '../packet/slots.js';
import { SLOTS } from '../model/fields.js';
import type { CtSource, Trace, TracePass } from '../trace/events.js';
import type { Pipeline } from './pipeline.js';
import type { CtCall, Lookup, PacketRun, PassResult, PassStart, ThawPoint } from './run-types.js';
import type { ControllerRequest } from './exec.js';
import { Xlate } from './xlate.js';
import { fresh } from './alloc.js';

const CT_STATE = wordOf('ct_state'), CT_ZONE = wordOf('ct_zone'), RECIRC_ID = wordOf('recirc_id');

/** The datapath (dpif-netdev) drops a packet recirculated more than 6 times. */
export const MAX_RECIRC_DEPTH = 6;

export interface RunOptions {
  pipeline: Pipeline;
  /** The tracker; null/absent = trace mode (ct() bypassed, ct_state from ctNext). */
  conntrack?: Conntrack | null;
  /** Trace mode: ct_state bits for successive recirculations (default trk|new). */
  ctNext?: number[];
  trace?: boolean;
  learn?: boolean;
  /** The packet's number in a conversation: trace notes name the packet that committed a connection. */
  packetNo?: number;
  /** Give every pass as data (PacketResult.passes). Off by default: it keeps a copy of
   *  each pass's starting packet and its lookups, which an untraced run otherwise skips. */
  passes?: boolean;
}

export interface PacketResult {
  trace: Trace;
  /** OpenFlow ports output to, over all passes, in order. */
  outputs: number[];
  /** With a tracker: the frame sent by each of those outputs, as the datapath had it (a
   *  table-less ct(nat(...)) translates it there while the translation goes on
   *  untranslated). Empty in trace mode. */
  sent: Packet[];
  /** ct_state of the pass that output or dropped the packet (the last pass). */
  ctState: number;
  /** ct_state after each ct() of the packet. */
  ctStates: number[];
  /** Zone and commit flag of each ct(), in the same order. */
  ctCalls: CtCall[];
  /** `conntrack -E` lines (kernel profile). */
  events: string[];
  /** Datapath actions of every pass, joined as the recirculations chain them. */
  datapathActions: string[];
  /** Why the run ended the packet: a translation failure, a recirculation loop, or (kernel
   *  profile) the first ct() the datapath failed, which drops the packet there. */
  failure: string | null;
  /** Each pass as data, in order, when RunOptions.passes asked for it; else null. */
  passes: PassResult[] | null;
}

interface Pending {
  packet: Packet; table: number; recircId: number; depth: number; source: CtSource | null;
  /** A thawed pass resumes frozen actions (freeze.ts) instead of looking up `table`. */
  thaw?: (x: Xlate) => void;
  at?: ThawPoint;
  /** The trace's NAT stand-in for this pass (TracePass.natSim). */
  natSim?: readonly [string, string];
}

export class RecirculationError extends Error {}

export function runPacket(o: RunOptions, packet: Packet, nowMs: number): PacketResult {
  const run = new Run(o, packet, nowMs);
  const { queue, result } = run;
  while (queue.length) {
    const current = (run.current = queue.shift()!);
    result.ctState = current.packet.slots.w[CT_STATE] >>> 0;
    const pass = runPass(run, current);
    result.trace.passes.push(pass);
    result.outputs.push(...pass.outputs);
    result.datapathActions.push(pass.datapathActions);
    if (result.failure) break;
  }
  // A ct() the kernel datapath failed: why the packet went no further (the passes queued
  // before it still ran).
  if (run.dpDrop !== null) result.failure ??= run.dpDrop;
  return result;
}

/** One packet's run: a class rather than an object of closures, made per packet. */
class Run implements PacketRun {
  readonly pipeline: Pipeline;
  readonly conntrack: Conntrack | null;
  readonly ctCache = newCtPacketCache();
  readonly trace: boolean;
  readonly learn: boolean;
  readonly ctEvents: string[];
  readonly ctStates: number[];
  readonly ctCalls: CtCall[];
  readonly controllerEvents: ControllerRequest[] = fresh();
  readonly sent: Packet[];
  readonly packetNo: number | null;
  dpDrop: string | null = null;
  readonly queue: Pending[] = fresh();
  readonly result: PacketResult;
  current: Pending;
  /** The first pass, from table 0: it starts as the received packet. */
  readonly first: Pending;
  /** Recirculation ids of the packet-ins so far, by frozen state (frozenKey). */
  private ctrlIds: Map<string, number> | null = null;
  lookups: Lookup[] | null = null;
  private nextId = 1;
  private readonly ctNext: number[];

  constructor(o: RunOptions, readonly received: Packet, readonly nowMs: number) {
    this.pipeline = o.pipeline;
    this.conntrack = o.conntrack ?? null;
    this.trace = o.trace ?? true;
    this.learn = o.learn ?? (o.conntrack != null);
    this.packetNo = o.packetNo ?? null;
    this.ctNext = o.ctNext ? o.ctNext.slice() : fresh();
    this.result = {
      trace: { passes: fresh() }, outputs: fresh(), sent: fresh(), ctState: 0, ctStates: fresh(), ctCalls: fresh(), events: fresh(), datapathActions: fresh(), failure: null,
      passes: o.passes ? fresh() : null,
    };
    this.ctEvents = this.result.events;
    this.ctStates = this.result.ctStates;
    this.ctCalls = this.result.ctCalls;
    this.sent = this.result.sent;
    this.current = this.first = { packet: clonePacket(received), table: 0, recircId: 0, depth: 0, source: null, thaw: undefined, at: undefined, natSim: undefined }; // one shape with the queued passes
    this.queue.push(this.current);
  }

  queueRecirc(x: Xlate, table: number, p: Packet, source: CtSource | null, natSim?: readonly [string, string], thaw?: (x: Xlate) => void, at?: ThawPoint): void {
    const id = this.nextId++;
    p.slots.w[RECIRC_ID] = id;
    x.odp.push(id < RECIRC_TEXTS.length ? (RECIRC_TEXTS[id] ??= `recirc(0x${id.toString(16)})`) : `recirc(0x${id.toString(16)})`);
    if (x.dpDrop) return; // the kernel datapath dropped the packet at a ct() before it
    if (this.current.depth + 1 > MAX_RECIRC_DEPTH) {
      x.error(`recirculation depth limit ${MAX_RECIRC_DEPTH} reached (a ct(table=…) loop?), packet dropped`);
      this.result.failure = `recirculation loop: more than ${MAX_RECIRC_DEPTH} recirculations`;
      return;
    }
    this.queue.push({ packet: p, table, recircId: id, depth: this.current.depth + 1, source, thaw, at, natSim });
  }

  queueThaw(x: Xlate, p: Packet, resume: (x: Xlate) => void, at: ThawPoint): void { this.queueRecirc(x, 0, p, null, undefined, resume, at); }

  nextCtState(): { state: number; source: CtSource } {
    const v = this.ctNext.shift();
    return v === undefined ? { state: CS.trk | CS.new, source: 'default' } : { state: v, source: 'ct-next' };
  }

  /**
   * A packet-in's recirculation id. OVS finds or allocates it by the translation state it
   * would freeze (ofproto-dpif-rid: equal states share one id, from the same pool as the
   * recirculations), so a second packet-in with nothing of that state changed reuses the
   * first's id, and one after a register write or in another table takes the next.
   */
  controllerRecircId(x: Xlate, userdata: readonly number[]): number {
    const key = frozenKey(x, this.current, userdata);
    const ids = (this.ctrlIds ??= new Map());
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = this.nextId++));
    return id;
  }
  newRecircId(): number { return this.nextId++; }
  clearCtCache(): void { clearCtPacketCache(this.ctCache); }
}

/** Words of the frozen metadata: the tunnel, metadata, the registers and in_port (not the headers). */
const FROZEN_WORDS: number[] = [...SLOTS.keys()]
  .filter((n) => n.startsWith('tun_') || /^(metadata|in_port|reg\d+)$/.test(n))
  .flatMap((n) => { const i = slotInfo(n); return Array.from({ length: i.words }, (_, k) => i.word + k); });

/**
 * The state a packet-in freezes, as text: the table, whether the pass is conntracked (a
 * ct() recirculation whose ct_state no later ct()/ct_clear cleared), the userdata, the
 * stack and the frozen metadata. OVS's mirrors and was_mpls are not emulated (always
 * equal here).
 */
function frozenKey(x: Xlate, p: Pending, userdata: readonly number[]): string {
  const w = x.pkt.slots.w;
  const conntracked = p.recircId !== 0 && (w[CT_STATE] & CS.trk) !== 0;
  let key = `${x.table}|${conntracked ? 1 : 0}|${userdata.join('.')}|${x.stack.map((e) => `${e.bits}:${e.value}`).join(',')}|`;
  for (const i of FROZEN_WORDS) key += `${w[i] | 0},`;
  return key;
}

/** `recirc(0x…)` of the small ids every packet's run counts from 1, made once. */
const RECIRC_TEXTS: Array<string | undefined> = new Array(64);

function runPass(run: Run, p: Pending): TracePass {
  const names = run.pipeline.portNames;
  const flow = run.trace ? formatPacketFlow(p.packet, names) : '';
  const ct = p.packet.slots.w[CT_STATE] >>> 0;
  const passes = run.result.passes;
  // The pass's starting packet is kept for `Final flow: unchanged` only when tracing, or
  // for PassResult.packet. The pass's starting slots, unchanged while it runs, are its
  // datapath base until a commit writes: a kept packet's (the pass translates a copy), and
  // the first pass's, which starts as the received packet.
  const keep = run.trace || passes !== null;
  const start = keep ? p.packet.slots : p === run.first ? run.received.slots : undefined;
  const x = new Xlate(run, keep ? clonePacket(p.packet) : p.packet, start);
  if (passes !== null) run.lookups = fresh();
  x.start(p.table, p.thaw);
  if (passes !== null) passes.push(passResult(p, x, run.lookups!));
  return {
    recircId: p.recircId,
    resumeTable: p.recircId ? p.table : null,
    ctState: p.recircId ? ctStateText(ct) : null,
    ctSource: p.source,
    flow,
    events: x.events,
    finalFlow: !run.trace || p.packet.slots.equals(x.pkt.slots) ? 'unchanged' : formatPacketFlow(x.pkt, names),
    datapathActions: odpText(x.odp),
    outputs: x.outputs,
    failure: x.failure,
    natSim: p.natSim,
  };
}

const RECEIVED: PassStart = { kind: 'received' };

function passResult(p: Pending, x: Xlate, lookups: Lookup[]): PassResult {
  const w = p.packet.slots.w;
  const start: PassStart = p.at ? { kind: 'thaw', table: p.at.table, group: p.at.group }
    : p.recircId ? { kind: 'recirc', table: p.table, ctSource: p.source ?? 'default' } : RECEIVED;
  return {
    recircId: p.recircId, start, packet: p.packet, final: x.pkt,
    ctState: w[CT_STATE] >>> 0, ctZone: w[CT_ZONE] >>> 0, lookups,
    datapathActions: odpText(x.odp), outputs: x.outputs, failure: x.failure,
  };
}

/**
 * The datapath actions as OVS prints them. Concatenated rather than join()ed: join goes
 * through V8's generic path (cycle check, then a flat copy), which for the two or three
 * actions of a pass was 4% of a packet; `+` makes a rope that is flattened only if printed.
 */
function odpText(odp: string[]): string {
  if (!odp.length) return 'drop';
  let s = odp[0];
  for (let i = 1; i < odp.length; i++) s = s + ',' + odp[i];
  return s;
}

const CT_NAMES: Array<[string, number]> = [
  ['new', CS.new], ['est', CS.est], ['rel', CS.rel], ['rpl', CS.rpl], ['inv', CS.inv], ['trk', CS.trk],
  ['snat', CS.snat], ['dnat', CS.dnat],
];

/** ct_state as OVS prints a flow's value: `new|trk`. */
export function ctStateText(bits: number): string {
  if (bits >= 0 && bits < CT_TEXTS.length) return (CT_TEXTS[bits] ??= ctStateText__(bits));
  return ctStateText__(bits);
}
// Made once per value: every recirculated pass prints one.
const CT_TEXTS: Array<string | undefined> = new Array(256);
function ctStateText__(bits: number): string {
  const s = CT_NAMES.filter(([, b]) => bits & b).map(([n]) => n).join('|');
  return s || '0';
}

/** Parses `--ct-next` flags: `trk,new`, `trk|new` or `+trk+new`. */
export function parseCtNext(text: string): number {
  let v = 0;
  for (const part of text.split(/[,|+]/).filter(Boolean)) {
    const hit = CT_NAMES.find(([n]) => n === part.trim());
    if (!hit) throw new RecirculationError(`--ct-next: unknown ct_state flag '${part}'`);
    v |= hit[1];
  }
  return v;
}
