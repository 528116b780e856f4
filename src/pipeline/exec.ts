// What an action's `execute` may do to the packet and the translation. The interpreter
// (xlate.ts) implements it; action files call it, so an action's semantics sit next to
// its parser while the pipeline keeps the state (packet, action set, stack, datapath
// actions, trace).
import type { FieldSpec } from '../model/fields.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { NatSpec } from '../conntrack/index.js';
import type { WordRef } from '../packet/field-io.js';
import type { BundleArgs } from '../model/actions/bundle.js';
import type { MultipathArgs } from '../model/actions/multipath.js';
import type { EncapArgs } from '../model/actions/encap.js';

export interface SubfieldRef { field: FieldSpec; ofs: number; bits: number }

export interface CtRequest {
  zone: number | SubfieldRef;
  commit: boolean;
  force: boolean;
  table: number | null;
  nat: NatSpec | null;       // null: no nat; {} : bare `nat`
  exec: Action[];            // set_field/load of ct_mark / ct_label
  /** nat and exec()'s actions in the order written: the trace prints them as ct()'s nested list. */
  nested: readonly Action[];
  alg: string | null;
  /** Where a subfield zone lies inside one packet word (null: an immediate zone, or a wider one). */
  zoneRef: WordRef | null;
  /**
   * The parts of its datapath action that do not depend on the packet, the nat part made
   * on first use per IP version; and the last whole action made without a label, with
   * what it depends on (zone × 2 + IPv6, the mark's mask and value): a flow's ct() meets
   * the same zone and mark packet after packet.
   */
  odp: { head: string; tail4: string | null; tail6: string | null; lastKey: number; lastMask: number; lastMark: number; last: string };
}

export interface ControllerRequest {
  reason: string;             // action, no_match, invalid_ttl, action_set, group, packet_out
  maxLen: number;
  controllerId: number;
  userdata: number[];
  pause: boolean;
  meterId: number | null;
}

export interface LearnLimits { action: object; limit: number; resultDst: SubfieldRef | null }

export class ExecError extends Error {}

export interface ExecCtx {
  /** Reads a field (whole) or a bit range of it. */
  read(sf: SubfieldRef): bigint;
  readField(f: FieldSpec): bigint;
  /** Writes the bits of `mask` (field-aligned) of field `f`. */
  write(f: FieldSpec, value: bigint, mask: bigint): void;
  writeSub(sf: SubfieldRef, value: bigint): void;
  /** set_field/load of a constant: `a` is the action's (immutable) arguments, so the write is compiled once per action. */
  setField(a: { field: FieldSpec; value: bigint; mask: bigint }): void;
  /** move:SRC->DST, compiled once per action like setField. */
  move(a: { src: SubfieldRef; dst: SubfieldRef }): void;
  output(port: number, maxLen?: number): void;
  /** output:FIELD[..]: the port is read from the packet. */
  outputField(sf: SubfieldRef): void;
  resubmit(inPort: number | null, table: number | null, ct: boolean): void;
  gotoTable(table: number): void;
  writeActions(actions: Action[]): void;
  clearActions(): void;
  writeMetadata(value: bigint, mask: bigint): void;
  /** Runs a nested action list on a copy of the packet (clone). */
  clone(actions: Action[]): void;
  stackPush(sf: SubfieldRef): void;
  stackPop(sf: SubfieldRef): void;
  pushVlan(tpid: number): void;
  popVlan(): void;
  /** mod_vlan_vid / mod_vlan_pcp: push a header first when untagged and `push` is set. */
  setVlanVid(vid: number, push: boolean): void;
  setVlanPcp(pcp: number, push: boolean): void;
  /** dec_ttl(ids…): false when the TTL ran out (the packet went to the controller). */
  decTtl(controllerIds: number[]): void;
  controller(req: ControllerRequest): void;
  conntrack(req: CtRequest): void;
  ctClear(): void;
  group(id: number): void;
  /** meter:M: the datapath meter(N) action (a single packet never exceeds a band). */
  meter(id: number): void;
  multipath(a: MultipathArgs): void;
  bundle(a: BundleArgs): void;
  bundleLoad(a: BundleArgs): void;
  /** set_queue / pop_queue: the datapath skb_priority the queue maps to (the queue id). */
  setQueue(queue: number): void;
  /** Back to the packet's first priority; `report`: say so in a trace when it changed (pop_queue does, enqueue not). */
  popQueue(report: boolean): void;
  setTunnel(id: bigint): void;
  /** sample(): no collector is configured offline, so nothing is sampled. */
  sample(): void;
  pushMpls(ethertype: number): void;
  /**
   * set_mpls_label / set_mpls_tc / set_mpls_ttl: `value` into the bits `mask << shift` of
   * the outer label stack entry (`action` names it in the trace).
   */
  setMplsLse(action: string, shift: number, mask: number, value: number): void;
  decMplsTtl(): void;
  /**
   * pop_mpls: the entries under the outer one move up and the packet takes `ethertype`.
   * When that is not MPLS (the last label went), actions past L2 recirculate first, until
   * the datapath has parsed the packet again.
   */
  popMpls(ethertype: number): void;
  /** decap() of the Ethernet header: the packet becomes an L3 packet (packet_type). */
  decapEthernet(): void;
  /** encap(HEADER): the packet gets a new outer header (src/pipeline/encap.ts). */
  encap(a: EncapArgs): void;
  /** Installs a learned flow; `limits` for learn(limit=N,result_dst=…). */
  learn(flow: Flow, limits?: LearnLimits): void;
  /** check_pkt_larger(N)->dst. */
  checkPktLarger(len: number, dst: SubfieldRef): void;
  /** Stops executing actions (exit). */
  exit(): void;
  /** A `-> …` line under the current action. */
  detail(text: string): void;
  /** Fails the run: the action cannot be executed (names it). */
  unsupported(what: string): never;
}
