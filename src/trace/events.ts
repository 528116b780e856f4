// Trace events: what one packet did in the pipeline, as plain data (no text layout).
// The interpreter appends them; renderers (text.ts: ofproto/trace style, json.ts) read them.

/** The flow a table lookup found, as the trace shows it. */
export interface MatchedFlow {
  table: number;
  priority: number;
  cookie: string;   // 0x… as dump-flows prints it
  match: string;    // canonical match, without priority
  actions: string;  // canonical actions
  line: number;     // source line in the flow file (0 when learned or built in memory)
}

// `depth` is the event's place in ofproto/trace's tree, not its indentation: a table
// lookup, a group bucket and the action set hold the events one level deeper that follow
// them (a lookup's actions, a bucket's actions); everything else holds nothing. The text
// renderer derives OVS's indentation from the tree (text.ts).
export type TraceEvent =
  /** A lookup: the flow it found, or null for a table miss. */
  | { kind: 'table'; depth: number; table: number; flow: MatchedFlow | null; learned?: boolean }
  /** An action executed (its canonical text). */
  | { kind: 'action'; depth: number; text: string }
  /** What an action did, OVS's `-> …` lines. */
  | { kind: 'detail'; depth: number; text: string }
  /** Something that stopped an action, OVS's `>> …` lines. */
  | { kind: 'warn'; depth: number; text: string }
  /** An error that stops the translation, OVS's `>>>> … <<<<` lines. */
  | { kind: 'error'; depth: number; text: string }
  /** ctflow's own explanation where ofproto/trace has none. */
  | { kind: 'note'; depth: number; text: string }
  /** The action set executed at the end of the pipeline. */
  | { kind: 'action-set'; depth: number }
  /** A group bucket whose actions follow, OVS's `bucket N` lines. */
  | { kind: 'bucket'; depth: number; bucket: number }
  /**
   * What a resumed pass takes back from its frozen state, under OVS's `thaw` node
   * (`Restoring action set: …`, `Restoring actions: …`). OVS's thaw nodes may hold
   * children, so the last of them is not indented as a followed node (text.ts).
   */
  | { kind: 'thaw'; depth: number; text: string };

/** How a recirculated pass got its ct_state. */
export type CtSource = 'tracker' | 'ct-next' | 'default';

export interface TracePass {
  /** 0 for the packet as received; the recirc id for a recirculation. */
  recircId: number;
  /** The table a recirculation resumes in (null for the first pass). */
  resumeTable: number | null;
  ctState: string | null;   // `trk|new` style, for recirculated passes
  ctSource: CtSource | null;
  flow: string;             // the flow as the pass starts (ofproto/trace `Flow:`)
  events: TraceEvent[];
  finalFlow: string;        // `unchanged` or the flow
  datapathActions: string;  // OVS notation, `drop` when empty
  /** OpenFlow ports the pass output to, in order. */
  outputs: number[];
  /** After ct(nat) without a tracker: the flow's addresses and ports before and after ofproto/trace's stand-in translation (nat-sim.ts). */
  natSim?: readonly [string, string];
  /** Set when the translation failed (then the datapath actions are `drop`). */
  failure: string | null;
}

export interface Trace {
  passes: TracePass[];
}
