// The translation's hot lookup loop (resubmit, goto_table) and OVS's limits on it, apart from the rest of xlate.ts.
import type { Entry } from './classifier.js';
import { OFPP_IN_PORT } from './pipeline.js';
import { prepare } from './prepared.js';
import { XlateFailure, type Xlate } from './xlate.js';
import { ctTupleUsable, swapCtTuple } from './xlate-ct.js';
import { wordOf } from '../packet/slots.js';

const IN_PORT = wordOf('in_port');

/** OVS's limits: nesting depth of resubmits, and resubmits per translation (64 × 64). */
export const MAX_DEPTH = 64;
export const MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH;

/**
 * One table lookup and the matched flow's instructions. A resubmit that is the flow's
 * last action, and a goto_table, continue here as the next turn of the loop rather than
 * a call deeper: each still counts as a resubmit (enter()), and the levels it deepens
 * are given back when the chain ends, as the nested calls would.
 */
export function lookupAndExecute(x: Xlate, table: number, depth: number, inPort: number | null, ct: boolean): void {
  let levels = 0;
  for (;;) {
    // resubmit(port,…) changes in_port for the lookup only (OVS restores it before the
    // flow's actions run).
    const w = x.slots.w;
    const oldIn = w[IN_PORT];
    if (inPort !== null) w[IN_PORT] = inPort;
    if (ct) swapCtTuple(x); // resubmit(,T,ct): look up with the connection's tuple
    const entry: Entry | null = x.run.pipeline.classifier.lookup(table, x.slots);
    if (ct) swapCtTuple(x);
    w[IN_PORT] = oldIn;
    if (x.run.trace) x.ev({ kind: 'table', depth, table, flow: entry ? x.describe(entry.flow) : null });
    x.run.lookups?.push({ table, flow: entry ? entry.flow : null }); // RunOptions.passes
    if (!entry) break; // table miss: drop (OVS 3.1's default miss behaviour)
    x.wcFlows.push(entry.flow);
    const savedTable = x.table, savedFlow = x.flow;
    x.table = table;
    x.flow = entry.flow;
    x.executeList(entry.flow.actions, depth + 1, (entry.prep ??= prepare(entry.flow.actions)), true);
    const goto = x.pendingGoto;
    x.pendingGoto = null;
    x.table = savedTable;
    x.flow = savedFlow;
    if (goto !== null) {
      if (x.exited) break;
      enter(x, false); // goto_table goes to a later table: no level deeper
      table = goto;
      depth++; // the next table's lookup hangs under this one (trace tree level)
      inPort = null;
      ct = false;
    } else if (x.tailTable >= 0) {
      // resubmit() counted the resubmit (enter) when it ran.
      if (x.tailDeepens) levels++;
      table = x.tailTable;
      depth = x.tailDepth;
      inPort = x.tailPort;
      ct = x.tailCt;
      x.tailTable = -1;
    } else break;
  }
  x.recursion -= levels;
}

/** Runs `body` one resubmit level deeper, enforcing OVS's two limits. */
export function recurse(x: Xlate, body: () => void): void {
  enter(x, true);
  try { body(); } finally { x.recursion--; }
}

/**
 * Checks OVS's limits before a lookup and counts it. Only a resubmit to the same or an
 * earlier table `deepens` the nesting (OVS's xlate_recursively): a chain of resubmits
 * to later tables, as OVN's pipeline is, may be longer than 64 (recorded: a loop of
 * table 0 → 1 → 0 stops after 129 lookups, a self loop after 65).
 */
function enter(x: Xlate, deepens: boolean): void {
  if (x.recursion >= MAX_DEPTH) {
    x.error(`over max translation depth ${MAX_DEPTH}`);
    throw new XlateFailure('Recursion too deep');
  }
  if (++x.resubmits > MAX_RESUBMITS) {
    x.error(`over ${MAX_RESUBMITS} resubmit actions`);
    throw new XlateFailure('Too many resubmits');
  }
  if (deepens) x.recursion++;
}

function lookupDeeper(x: Xlate, table: number, depth: number, inPort: number | null, ct: boolean, deepens: boolean): void {
  enter(x, deepens);
  try { lookupAndExecute(x, table, depth, inPort, ct); } finally { if (deepens) x.recursion--; }
}

export function resubmit(x: Xlate, inPort: number | null, table: number | null, ct: boolean): void {
  const depth = x.depth; // the lookup hangs under the resubmit's table (trace tree level)
  const t = table ?? x.table;
  if (ct && !ctTupleUsable(x)) {
    x.error('resubmit(ct) with non-tracked or non-IP packet!');
    return;
  }
  const port = inPort !== null && inPort !== OFPP_IN_PORT ? inPort : null;
  const deepens = t <= x.table;
  if (x.tail && x.flowList && x.pendingGoto === null) {
    // The flow's last action: its lookupAndExecute goes on with this lookup.
    enter(x, deepens);
    x.tailDeepens = deepens;
    x.tailTable = t;
    x.tailDepth = depth;
    x.tailPort = port;
    x.tailCt = ct;
    return;
  }
  lookupDeeper(x, t, depth, port, ct, deepens);
}
