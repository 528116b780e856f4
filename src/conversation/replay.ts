// Replays a conversation: each packet, at its time, through the pipeline with one
// connection tracker shared by the whole conversation, so replies find the entries the
// earlier packets committed. Per packet it keeps what the run did (passes, outputs,
// ct_state at every ct()) and the conntrack table right after it.
//
// A packet may bring table changes (`@S flows PATH`, read by the caller): the pipeline's
// OpenFlow tables are replaced before it runs, and everything else of the bridge stays —
// the tracker, the MAC learning table (kept per pipeline object), the groups and ports —
// as when a controller such as ovn-controller rewrites the flows of a running switch.
//
// Pure: the clock is the packets' own times; the tracker is passed in (so a caller can
// preload entries, or look at the table between packets).
import type { Conntrack } from '../conntrack/index.js';
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { buildPipeline, type Pipeline } from '../pipeline/pipeline.js';
import { runPacket, type PacketResult } from '../pipeline/run.js';
import type { ConvPacket, TableChange } from './read.js';

export interface ReplayOptions {
  pipeline: Pipeline;
  conntrack: Conntrack;
  /** Keep the per-table trace events (for --trace). */
  trace?: boolean;
  /** Give each pass as data (PacketResult.passes), for expectations and `run --json`. */
  passes?: boolean;
  /** The tables of each change the packets name (ConvPacket.flowsBefore). */
  tables?: ReadonlyMap<TableChange, NewTables>;
}

/** A change's flows, and whether its file is an OpenFlow 1.5 dump (printed with set_field). */
export interface NewTables { flows: readonly Flow[]; of15: boolean }

/** Whether an action list (nested ones included) uses a meter. */
function usesMeter(actions: readonly Action[]): boolean {
  return actions.some((a) => {
    const spec = actionByName(a.name);
    return spec?.meterId?.(a.args) !== undefined || usesMeter(spec?.nested?.(a.args) ?? []);
  });
}

/** A table change ctflow cannot carry out faithfully: the message says what, `change` where. */
export class TableChangeError extends Error {
  constructor(readonly change: TableChange, message: string) { super(message); }
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
  /** How many flows the tables had when they were installed: more now means learn() added some. */
  private installed: number;
  constructor(readonly o: ReplayOptions) { this.installed = o.pipeline.classifier.size; }

  /**
   * Replaces the OpenFlow tables (not the pipeline object: the MAC learning table is keyed
   * by it). Refused when OVS's answer depends on state ctflow does not carry across: flows
   * learn() installed (OVS keeps or deletes them by their own rules, e.g. delete_learned),
   * or meters (datapath meter ids are numbered from the flows that use them).
   */
  setFlows({ flows, of15 }: NewTables, change: TableChange): void {
    const pp = this.o.pipeline;
    if (of15 !== pp.of15) throw new TableChangeError(change, `${of15 ? 'an OpenFlow 1.5 dump' : 'not an OpenFlow 1.5 dump'} after tables that ${pp.of15 ? 'are' : 'are not'}: a run prints actions one way (use dumps of one kind)`);
    const learned = pp.classifier.size - this.installed;
    if (learned > 0) throw new TableChangeError(change, `table change after learn() installed ${learned} flow${learned === 1 ? '' : 's'}: which learned flows OVS keeps across a flow table change is not emulated`);
    if (!pp.meters && ([...pp.classifier.entries()].some((e) => usesMeter(e.flow.actions)) || flows.some((f) => usesMeter(f.actions)))) {
      throw new TableChangeError(change, `table change with meters in the tables: datapath meter numbering across a table change is not emulated`);
    }
    pp.classifier = buildPipeline(flows).classifier;
    this.installed = pp.classifier.size;
  }

  /** Sends one packet. Times must not go backwards (the reader guarantees it for files). */
  send(p: ConvPacket): PacketVerdict {
    if (p.timeMs < this.lastMs) throw new RangeError(`packet at ${p.timeMs} ms is before the previous one (${this.lastMs} ms)`);
    this.lastMs = p.timeMs;
    for (const c of p.flowsBefore ?? []) {
      const tables = this.o.tables?.get(c);
      if (!tables) throw new Error(`internal: the flows of '${c.text}' (line ${c.line}) were not given to the replay`);
      this.setFlows(tables, c);
    }
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
