// A trace as text in the layout of `ovs-appctl ofproto/trace`: the flow, the bridge, per
// table the matching flow and its actions, then `Final flow:` and `Datapath actions:`;
// each recirculation as a section of its own.
//
// ofproto/trace keeps a tree (a lookup holds its actions and the lookups they make) and
// indents a node one step more than its parent's children when a sibling follows it or it
// cannot hold children (an action, a detail, a bucket); the children of such a node go two
// steps deeper. So a lookup made by a flow's last action prints flat under its caller, and
// one followed by more actions nests. The events carry their tree level (events.ts); the
// renderer works the indentation out as OVS does.
import type { MatchedFlow, Trace, TracePass, TraceEvent } from './events.js';

const RULE = '='.repeat(79);
// A packet's trace is thousands of lines made of the same flows and actions at the same
// depths: indentations and table lines are made once and reused.
const PADS: string[] = [];
const pad = (steps: number) => PADS[steps] ?? (PADS[steps] = ' '.repeat(4 * steps));

/** Table lines of a matched flow, without indentation (MatchedFlow objects are made once per flow and pipeline). */
const TABLE_LINES = new WeakMap<MatchedFlow, string>();

function tableText(table: number, f: MatchedFlow): string {
  let s = TABLE_LINES.get(f);
  if (s === undefined) {
    s = `${String(table).padStart(2)}. ${f.match ? f.match + ', ' : ''}priority ${f.priority}`;
    if (f.cookie !== '0x0') s += `, cookie ${f.cookie}`;
    if (f.line) s += `  (line ${f.line})`;
    TABLE_LINES.set(f, s);
  }
  return s;
}

// OVS's datapath interface has no action for rewriting ARP, ICMP or neighbor discovery
// fields: a flow whose datapath actions set them runs in userspace, which the trace says.
const SLOW_SET = /\bset\((?:arp|icmp|icmpv6|nd|nd_ext)\(/;

/** OVS's node types that may hold children (the others always count as followed). */
const holds = (k: TraceEvent['kind']): boolean => k === 'table' || k === 'action-set' || k === 'thaw';

function nodeText(e: TraceEvent): string {
  switch (e.kind) {
    case 'table': return e.flow ? tableText(e.table, e.flow) : `${String(e.table).padStart(2)}. No match.`;
    case 'action': case 'thaw': return e.text;
    case 'detail': return ` -> ${e.text}`;
    case 'warn': return ` >> ${e.text}`;
    case 'error': return ` >>>> ${e.text} <<<<`;
    case 'note': return ` # ${e.text}`;
    case 'action-set': return '--. Executing action set:';
    case 'bucket': return `bucket ${e.bucket}`;
  }
}

/**
 * An action ctflow holds as one that OVS stores as several, printed as several lines: a
 * 128-bit load over OpenFlow 1.0 is two 64-bit loads (`load:…[0..63],load:…[64..127]`).
 */
function switchActions(text: string): string[] {
  return text.split(',load:').map((p, i) => (i ? 'load:' + p : p));
}

/**
 * The lines of a pass's tree. A table without actions holds an implicit `drop` (OVS
 * traces an empty action list so). ctflow's notes are not OVS nodes: they do not make
 * their siblings "followed".
 */
function treeLines(out: string[], nodes: TraceEvent[]): void {
  const n = nodes.length;
  // Backwards: whether a node has a later sibling (a later node of its level before any
  // node of a lower level). later[L] holds that for level L at the current position.
  const followed = new Uint8Array(n);
  const later: boolean[] = [];
  let top = -1;
  for (let i = n - 1; i >= 0; i--) {
    const e = nodes[i], l = e.depth;
    followed[i] = !holds(e.kind) || later[l] ? 1 : 0;
    for (let k = l + 1; k <= top; k++) later[k] = false;
    if (e.kind !== 'note') later[l] = true;
    top = l;
  }
  // Forwards: base[L] is the indentation level the nodes of tree level L start from.
  const base = [0];
  for (let i = 0; i < n; i++) {
    const e = nodes[i], b = base[e.depth] ?? 0, more = followed[i];
    if (e.kind === 'action' && e.text.startsWith('load:') && e.text.includes(',load:')) {
      for (const part of switchActions(e.text)) out.push(pad(b + more) + part);
    } else out.push(pad(b + more) + nodeText(e));
    base[e.depth + 1] = b + 2 * more;
    if (e.kind === 'table' && (!e.flow || e.flow.actions === 'drop') && !(nodes[i + 1]?.depth > e.depth)) {
      out.push(pad(b + 2 * more + 1) + 'drop');
    }
  }
}

function passText(out: string[], p: TracePass, bridge: string): void {
  let nodes: TraceEvent[] = p.events;
  if (p.recircId) {
    // OVS names the default state as a fixed text, in its own flag order.
    const how = p.ctSource === 'default'
      ? 'resume conntrack with default ct_state=trk|new (use --ct-next to customize)'
      : p.ctSource === 'tracker'
        ? `resume conntrack with ct_state=${p.ctState} (from ctflow's conntrack)`
        : `resume conntrack with ct_state=${p.ctState}`;
    // A recirculation that is not conntrack's (a dp_hash select group's) has a bare header.
    out.push('', RULE, `recirc(0x${p.recircId.toString(16)})${p.ctSource === null ? '' : ' - ' + how}`);
    if (p.natSim) out.push('Replacing src/dst IP/ports to simulate NAT:', ` Initial flow: ${p.natSim[0]}`, ` Modified flow: ${p.natSim[1]}`);
    out.push(RULE, '');
    nodes = [{ kind: 'thaw', depth: 0, text: 'thaw' }, { kind: 'thaw', depth: 1, text: `Resuming from table ${p.resumeTable}` }, ...p.events];
  }
  out.push(`Flow: ${p.flow}`, '', `bridge("${bridge}")`, '-'.repeat(13 + bridge.length - 3));
  treeLines(out, nodes);
  out.push('', `Final flow: ${p.finalFlow}`, `Datapath actions: ${p.datapathActions}`);
  if (p.failure) out.push(`Translation failed (${p.failure}), packet is dropped.`);
  else if (SLOW_SET.test(p.datapathActions)) out.push('This flow is handled by the userspace slow path because it:', '  - Uses action(s) not supported by datapath.');
}

export function formatTraceText(t: Trace, bridge = 'br0'): string {
  const out: string[] = [];
  for (const p of t.passes) passText(out, p, bridge);
  out.push('');
  return out.join('\n');
}
