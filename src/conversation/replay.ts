// Replays a conversation: each packet, at its time, through the pipeline with one
// connection tracker shared by the whole conversation, so replies find the entries the
// earlier packets committed. Per packet it keeps what the run did (passes, outputs,
// ct_state at every ct()) and the conntrack table right after it.
//
// Pure: the clock is the packets' own times; the tracker is passed in (so a caller can
// preload entries, or look at the table between packets).
import type { Conntrack } from '../conntrack/index.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { runPacket, type PacketResult } from '../pipeline/run.js';
import type { ConvPacket } from './read.js';

export interface ReplayOptions {
  pipeline: Pipeline;
  conntrack: Conntrack;
  /** Keep the per-table trace events (for --trace). */
  trace?: boolean;
  /** Give each pass as data (PacketResult.passes), for expectations and `run --json`. */
  passes?: boolean;
}

export interface PacketVerdict {
  packet: ConvPacket;
  result: PacketResult;
  /** The table after the packet, all zones, sorted: `conntrack -L` lines (kernel) or
   *  `dpctl/dump-conntrack -m -s` lines (userspace). */
  conntrack: string[];
  /** The same table as people usually look at it: `conntrack -L` (kernel) or
   *  `dpctl/dump-conntrack -s` (userspace: one state, timeout). */
  conntrackBrief: string[];
}

/** The whole table as the profile's tool prints it, sorted so output is stable. */
export function conntrackLines(ct: Conntrack, nowMs: number): string[] {
  const lines = ct.profile === 'kernel' ? ct.dump(nowMs) : ct.dump(nowMs, { more: true, stats: true });
  return lines.sort();
}

export class Replay {
  private lastMs = 0;
  constructor(readonly o: ReplayOptions) {}

  /** Sends one packet. Times must not go backwards (the reader guarantees it for files). */
  send(p: ConvPacket): PacketVerdict {
    if (p.timeMs < this.lastMs) throw new RangeError(`packet at ${p.timeMs} ms is before the previous one (${this.lastMs} ms)`);
    this.lastMs = p.timeMs;
    const result = runPacket(
      { pipeline: this.o.pipeline, conntrack: this.o.conntrack, trace: this.o.trace ?? false, passes: this.o.passes ?? false },
      p.packet,
      p.timeMs,
    );
    const ct = this.o.conntrack;
    const brief = ct.profile === 'kernel' ? null : ct.dump(p.timeMs, { stats: true }).sort();
    const full = conntrackLines(ct, p.timeMs);
    return { packet: p, result, conntrack: full, conntrackBrief: brief ?? full };
  }
}

export function replay(o: ReplayOptions, packets: readonly ConvPacket[]): PacketVerdict[] {
  const r = new Replay(o);
  return packets.map((p) => r.send(p));
}
