// A flow printed as `ovs-ofctl dump-flows --no-stats` prints it (or with stats as pasted).
import type { Action } from './actions/types.js';
import { actionByName } from './actions/index.js';
import type { FormatCtx } from './actions/types.js';
import { FLOW_FLAGS, type Flow } from './flow.js';
import { formatMatch } from './print-match.js';

export interface FlowPrintOpts {
  /** Print as an OpenFlow 1.5 dump: set_field instead of load (same as ofVersion 15). */
  of15?: boolean;
  /** OpenFlow version of the dump: 1.1+ instructions, 1.2+ set_field for whole-field
   *  writes, 1.3+ flags, 1.4+ importance, 1.5 set_field for every write. */
  ofVersion?: number;
  portNames?: Map<number, string>;
  stats?: boolean;
}

export function formatActions(actions: Action[], ctx: FormatCtx): string {
  // An action may print as nothing: push_vlan has no OpenFlow 1.0 form.
  const parts = actions.filter((a) => a.name !== 'drop').map((a) => {
    const spec = actionByName(a.name);
    if (!spec) throw new Error(`internal: no action spec ${a.name}`);
    return spec.format(a.args, ctx);
  }).filter((s) => s !== '');
  return parts.length ? parts.join(',') : 'drop';
}

const versionOf = (opts: FlowPrintOpts): number => opts.ofVersion ?? (opts.of15 ? 15 : 10);

export function formatCtx(opts: FlowPrintOpts = {}): FormatCtx {
  const version = versionOf(opts);
  const ctx: FormatCtx = {
    ofVersion: version,
    of15: version >= 15,
    portNames: opts.portNames,
    formatActions: (as) => formatActions(as, ctx),
  };
  return ctx;
}

// Flows of one file share their action lists and matches (see buildFlow): each is printed
// once per key (dialect; priority and dialect), most of them ever with one key, which the
// cache holds without a map. Port names change the text, so printing with names is not cached.
interface Printed { key: number; text: string; more: Map<number, string> | null }

function lookup<K extends object>(cache: WeakMap<K, Printed>, of: K, key: number): string | undefined {
  const p = cache.get(of);
  return p === undefined ? undefined : p.key === key ? p.text : p.more?.get(key);
}

function remember<K extends object>(cache: WeakMap<K, Printed>, of: K, key: number, text: string): string {
  const p = cache.get(of);
  if (p === undefined) cache.set(of, { key, text, more: null });
  else (p.more ??= new Map()).set(key, text);
  return text;
}

const PRINTED = new WeakMap<Action[], Printed>();

function actionsText(actions: Action[], opts: FlowPrintOpts): string {
  if (opts.portNames) return formatActions(actions, formatCtx(opts));
  const version = versionOf(opts);
  // Consecutive flows of a dump often share their action list: the last one is kept aside.
  if (actions === last.actions && version === last.version) return last.text;
  const text = lookup(PRINTED, actions, version) ?? remember(PRINTED, actions, version, formatActions(actions, formatCtx(opts)));
  last.actions = actions; last.version = version; last.text = text;
  return text;
}
const last: { actions: Action[] | null; version: number; text: string } = { actions: null, version: 0, text: '' };

function matchText(flow: Flow, oxm: boolean, portNames?: Map<number, string>): string {
  if (portNames) return formatMatch(flow.match, flow.priority, { portNames, of15: oxm });
  // Kept on the match itself: a dump's matches are many and each is printed about once.
  const m = flow.match, key = flow.priority * 2 + (oxm ? 1 : 0);
  const known = m.printed == null ? undefined : m.printedKey === key ? m.printed : m.printedMore?.get(key);
  if (known !== undefined) return known;
  const text = formatMatch(m, flow.priority, { of15: oxm });
  if (m.printed == null) { m.printed = text; m.printedKey = key; } else (m.printedMore ??= new Map()).set(key, text);
  return text;
}

/** One dump-flows line, without the leading space ovs-ofctl puts before it. */
export function formatFlow(flow: Flow, opts: FlowPrintOpts = {}): string {
  return flowLine(flow, opts, '');
}

// The pieces of a line, joined once: one flat string per line, not a chain of partial
// concatenations (a dump's lines are many and kept).
const PARTS: string[] = [];

function flowLine(flow: Flow, opts: FlowPrintOpts, lead: string): string {
  // Match and actions first: PARTS is free again by the time they return.
  const version = versionOf(opts);
  const m = matchText(flow, version >= 12, opts.portNames);
  const actions = actionsText(flow.actions, opts);
  const p = PARTS;
  // Length 1, not 0: an array cut to 0 gives its storage away and would get a new one.
  p.length = 1;
  p[0] = lead;
  const st = opts.stats ? flow.stats : null;
  if (st || flow.cookie) p.push('cookie=0x', flow.cookie.toString(16), ', ');
  if (st?.duration !== undefined) p.push(`duration=${st.duration.toFixed(3)}s, `);
  if (st || flow.table) p.push('table=', String(flow.table), ', ');
  if (st) p.push(`n_packets=${st.n_packets ?? 0}, n_bytes=${st.n_bytes ?? 0}, `);
  if (flow.idleTimeout) p.push(`idle_timeout=${flow.idleTimeout}, `);
  if (flow.hardTimeout) p.push(`hard_timeout=${flow.hardTimeout}, `);
  // OpenFlow 1.0 flow stats carry neither flags nor importance; 1.3+ (1.4+) dumps show them.
  if (version >= 13) for (const f of FLOW_FLAGS) if (flow.flags.includes(f)) p.push(`${f} `);
  if (version >= 14 && flow.importance) p.push(`importance=${flow.importance}, `);
  if (st?.idle_age !== undefined) p.push(`idle_age=${st.idle_age}, `);
  if (st?.hard_age !== undefined) p.push(`hard_age=${st.hard_age}, `);
  if (m) p.push(m, ' ');
  p.push('actions=', actions);
  return p.join('');
}

/** A whole flow file as `ovs-ofctl dump-flows --no-stats` prints it: one line per flow,
 *  each with the leading space ovs-ofctl puts there, no header. */
export function formatFlowLines(flows: Flow[], opts: FlowPrintOpts = {}): string[] {
  const out = new Array<string>(flows.length);
  for (let i = 0; i < flows.length; i++) out[i] = flowLine(flows[i], opts, ' ');
  return out;
}
