// The state one packet's run shares between its passes (recirculations).
import type { Conntrack, CtPacketCache } from '../conntrack/index.js';
import type { Flow } from '../model/flow.js';
import type { Packet } from '../packet/packet.js';
import type { CtSource } from '../trace/events.js';
import type { ControllerRequest } from './exec.js';
import type { Pipeline } from './pipeline.js';
import type { Xlate } from './xlate.js';

export interface PacketRun {
  pipeline: Pipeline;
  /** null: trace mode, ct() bypasses the tracker (ct_state from --ct-next). */
  conntrack: Conntrack | null;
  nowMs: number;
  ctCache: CtPacketCache;
  trace: boolean;
  /** Whether learn() installs flows (ofproto/trace only does with -generate). */
  learn: boolean;
  ctEvents: string[];
  /** ct_state after every ct() of the packet, in order. */
  ctStates: number[];
  /** The zone and commit flag of those ct() calls, in the same order. */
  ctCalls: CtCall[];
  controllerEvents: ControllerRequest[];
  /** The frame each output sent, as the datapath had it then (see PacketResult.sent). */
  sent: Packet[];
  /** `natSim`: the trace's NAT stand-in shown in the pass's header (TracePass.natSim). */
  queueRecirc(x: Xlate, table: number, packet: Packet, source: CtSource, natSim?: readonly [string, string]): void;
  /** A frozen translation's recirculation (freeze.ts): the next pass runs `resume`, not a
   *  lookup; `at` is where it resumes (for PassResult.start). */
  queueThaw(x: Xlate, packet: Packet, resume: (x: Xlate) => void, at: ThawPoint): void;
  /** With RunOptions.passes: the current pass's table lookups, in order (else null). */
  lookups: Lookup[] | null;
  /** Trace mode: the ct_state the next recirculation resumes with. */
  nextCtState(): { state: number; source: CtSource };
  /** A packet-in's recirculation id, found or allocated by the state it freezes (run.ts). */
  controllerRecircId(x: Xlate, userdata: readonly number[]): number;
  /** A recirculation id for a datapath recirculation the run does not follow (dp_hash). */
  newRecircId(): number;
  /** The packet as received (the userspace datapath's RSS hash is computed from it). */
  received: Packet;
  /** The packet's number in a conversation (for notes such as "committed by packet 1"). */
  packetNo: number | null;
  /** Kernel profile: why the datapath dropped the packet at a failed ct() (first one), else null. */
  dpDrop: string | null;
  clearCtCache(): void;
}

/** One ct() a packet went through. */
/** `failed`: the kernel datapath failed this ct() (CtResult.dpDrop): nothing was committed. */
export interface CtCall { zone: number; commit: boolean; failed: boolean }

/** Where a thawed pass resumes: the select group that froze, in the table whose flow ran it. */
export interface ThawPoint { table: number; group: number }

/** A table lookup of a pass: the flow it found, or null for a miss. */
export interface Lookup { table: number; flow: Flow | null }

/**
 * How a datapath pass began:
 *  - `received`: the packet as it came in, looked up from table 0;
 *  - `recirc`: after ct(table=T): looked up from `table`, with the ct_state the tracker gave
 *    (`tracker`) or, without one, --ct-next / the trk|new default;
 *  - `thaw`: after the `hash(…),recirc(…)` of a dp_hash select group: the frozen actions
 *    resume at `group`, inside the flow of `table` that ran it (no lookup first).
 */
export type PassStart =
  | { kind: 'received' }
  | { kind: 'recirc'; table: number; ctSource: CtSource }
  | { kind: 'thaw'; table: number; group: number };

/** One datapath pass of a packet, as data (RunOptions.passes): no trace text involved. */
export interface PassResult {
  /** 0 for the first pass; the recirc_id the datapath recirculated with. */
  recircId: number;
  start: PassStart;
  /** The packet as the pass started (ofproto/trace's `Flow:`): every field, ct_* included. */
  packet: Packet;
  /** The packet at the end of the pass's translation (`Final flow:`). */
  final: Packet;
  /** ct_state and ct_zone of `packet` (what a recirculated pass matches on). */
  ctState: number;
  ctZone: number;
  lookups: Lookup[];
  /** OVS notation, `drop` when empty (as PacketResult.datapathActions). */
  datapathActions: string;
  outputs: number[];
  failure: string | null;
}
