// A flow printed as `ovs-ofctl dump-flows --no-stats` prints it (or with stats as pasted).
import type { Action } from './actions/types.js';
import { actionByName } from './actions/index.js';
import type { FormatCtx } from './actions/types.js';
import { FLOW_FLAGS, type Flow } from './flow.js';
import { formatMatch } from './print-match.js';

export interface FlowPrintOpts {
  /** OXM dialect (OpenFlow 1.2+ dumps): set_field instead of load, flags shown. */
  of15?: boolean;
  /** OpenFlow version of the dump (importance only exists from 1.4 on). Default: 15 with of15. */
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

export function formatCtx(opts: FlowPrintOpts = {}): FormatCtx {
  const ctx: FormatCtx = {
    of15: opts.of15 ?? false,
    portNames: opts.portNames,
    formatActions: (as) => formatActions(as, ctx),
  };
  return ctx;
}

/** One dump-flows line, without the leading space ovs-ofctl puts before it. */
export function formatFlow(flow: Flow, opts: FlowPrintOpts = {}): string {
  let s = '';
  const st = opts.stats ? flow.stats : null;
  if (st || flow.cookie) s += `cookie=0x${flow.cookie.toString(16)}, `;
  if (st?.has('duration')) s += `duration=${st.get('duration')}, `;
  if (st || flow.table) s += `table=${flow.table}, `;
  if (st) s += `n_packets=${st.get('n_packets') ?? 0}, n_bytes=${st.get('n_bytes') ?? 0}, `;
  if (flow.idleTimeout) s += `idle_timeout=${flow.idleTimeout}, `;
  if (flow.hardTimeout) s += `hard_timeout=${flow.hardTimeout}, `;
  // OpenFlow 1.0 flow stats carry neither flags nor importance; 1.3+ (1.4+) dumps show them.
  if (opts.of15) {
    for (const f of FLOW_FLAGS) if (flow.flags.includes(f)) s += `${f} `;
    if (flow.importance && (opts.ofVersion ?? 15) >= 14) s += `importance=${flow.importance}, `;
  }
  if (st?.has('idle_age')) s += `idle_age=${st.get('idle_age')}, `;
  if (st?.has('hard_age')) s += `hard_age=${st.get('hard_age')}, `;
  const m = formatMatch(flow.match, flow.priority, { portNames: opts.portNames });
  if (m) s += m + ' ';
  return s + 'actions=' + formatActions(flow.actions, formatCtx(opts));
}

/** A whole flow file as `ovs-ofctl dump-flows --no-stats` prints it: one line per flow,
 *  each with the leading space ovs-ofctl puts there, no header. */
export function formatFlowLines(flows: Flow[], opts: FlowPrintOpts = {}): string[] {
  return flows.map((f) => ' ' + formatFlow(f, opts));
}
