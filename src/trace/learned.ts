// The line ofproto/trace prints for the flow a learn action installs: `table=T MATCH
// priority=P [cookie=C] [idle=I] [hard=H] [send_flow_rem] actions=...`, the match without
// its priority and the actions as OVS stores learned ones (set_field written as load).
import type { Flow } from '../model/flow.js';
import { formatActions, formatCtx } from '../model/print-flow.js';
import { formatMatch } from '../model/print-match.js';

export function learnedFlowText(f: Flow): string {
  const match = formatMatch(f.match, 32768, {});
  let s = `table=${f.table}${match ? ' ' + match : ''} priority=${f.priority}`;
  if (f.cookie) s += ` cookie=0x${f.cookie.toString(16)}`;
  if (f.idleTimeout) s += ` idle=${f.idleTimeout}`;
  if (f.hardTimeout) s += ` hard=${f.hardTimeout}`;
  if (f.flags.includes('send_flow_rem')) s += ' send_flow_rem';
  return `${s} actions=${formatActions(f.actions, formatCtx({}))}`;
}
