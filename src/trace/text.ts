// A trace as text in the layout of `ovs-appctl ofproto/trace`: the flow, the bridge, per
// table the matching flow and its actions (nested by resubmit depth, flat for tail calls),
// then `Final flow:` and `Datapath actions:`; each recirculation as a section of its own.
import type { MatchedFlow, Trace, TracePass, TraceEvent } from './events.js';

const RULE = '='.repeat(79);
// A packet's trace is thousands of lines made of the same flows and actions at the same
// depths: indentations and table lines are made once and reused.
const PADS: string[] = [];
const pad = (depth: number) => PADS[depth] ?? (PADS[depth] = ' '.repeat(4 * depth));

/** Table lines of a matched flow, per depth (MatchedFlow objects are made once per flow and pipeline). */
const TABLE_LINES = new WeakMap<MatchedFlow, string[]>();

function tableLine(e: Extract<TraceEvent, { kind: 'table' }>): string {
  const f = e.flow;
  if (!f) return `${pad(e.depth)}${String(e.table).padStart(2)}. No match.\n${pad(e.depth + 1)}drop`;
  let lines = TABLE_LINES.get(f);
  if (!lines) { lines = []; TABLE_LINES.set(f, lines); }
  return lines[e.depth] ?? (lines[e.depth] = tableLine__(e, f));
}

function tableLine__(e: Extract<TraceEvent, { kind: 'table' }>, f: MatchedFlow): string {
  const head = `${pad(e.depth)}${String(e.table).padStart(2)}. `;
  let s = `${head}${f.match ? f.match + ', ' : ''}priority ${f.priority}`;
  if (f.cookie !== '0x0') s += `, cookie ${f.cookie}`;
  if (f.line) s += `  (line ${f.line})`;
  return s;
}

function eventLine(e: TraceEvent): string {
  switch (e.kind) {
    case 'table': return tableLine(e);
    case 'action': return pad(e.depth) + e.text;
    case 'detail': return `${pad(e.depth)} -> ${e.text}`;
    case 'warn': return `${pad(e.depth)} >> ${e.text}`;
    case 'error': return `${pad(e.depth)} >>>> ${e.text} <<<<`;
    case 'note': return `${pad(e.depth)} # ${e.text}`;
    case 'action-set': return '--. Executing action set:';
  }
}

function passText(out: string[], p: TracePass, bridge: string): void {
  if (p.recircId) {
    const how = p.ctSource === 'default'
      ? `resume conntrack with default ct_state=${p.ctState} (use --ct-next to customize)`
      : p.ctSource === 'tracker'
        ? `resume conntrack with ct_state=${p.ctState} (from ctflow's conntrack)`
        : `resume conntrack with ct_state=${p.ctState}`;
    // A recirculation that is not conntrack's (a dp_hash select group's) has a bare header.
    out.push('', RULE, `recirc(0x${p.recircId.toString(16)})${p.ctSource === null ? '' : ' - ' + how}`, RULE, '');
  }
  out.push(`Flow: ${p.flow}`, '', `bridge("${bridge}")`, '-'.repeat(13 + bridge.length - 3));
  if (p.recircId) out.push('    thaw', `        Resuming from table ${p.resumeTable}`);
  for (const e of p.events) out.push(eventLine(e));
  out.push('', `Final flow: ${p.finalFlow}`, `Datapath actions: ${p.datapathActions}`);
  if (p.failure) out.push(`Translation failed (${p.failure}), packet is dropped.`);
}

export function formatTraceText(t: Trace, bridge = 'br0'): string {
  const out: string[] = [];
  for (const p of t.passes) passText(out, p, bridge);
  out.push('');
  return out.join('\n');
}
