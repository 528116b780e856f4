// The state one packet's run shares between its passes (recirculations).
import type { Conntrack, CtPacketCache } from '../conntrack/index.js';
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
  queueRecirc(x: Xlate, table: number, packet: Packet, source: CtSource): void;
  /** A frozen translation's recirculation (freeze.ts): the next pass runs `resume`, not a lookup. */
  queueThaw(x: Xlate, packet: Packet, resume: (x: Xlate) => void): void;
  /** Trace mode: the ct_state the next recirculation resumes with. */
  nextCtState(): { state: number; source: CtSource };
  controllerRecircId(): number;
  /** A recirculation id for a datapath recirculation the run does not follow (dp_hash). */
  newRecircId(): number;
  /** The packet as received (the userspace datapath's RSS hash is computed from it). */
  received: Packet;
  /** The packet's number in a conversation (for notes such as "committed by packet 1"). */
  packetNo: number | null;
  clearCtCache(): void;
}

/** One ct() a packet went through. */
export interface CtCall { zone: number; commit: boolean }
