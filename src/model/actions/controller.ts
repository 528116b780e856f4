// controller, controller:MAX_LEN, controller(reason=R,max_len=N,id=I,userdata=HEX,pause,meter_id=M):
// send the packet to the controllers. With nothing but max_len OVS stores a plain output to
// the CONTROLLER port, printed `CONTROLLER:MAX_LEN`.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { args, intArg } from './args.js';
import { ACTION_SET_RANK, align8 } from './facets.js';
import type { ActionSpec } from './types.js';

export interface ControllerArgs {
  maxLen: number;
  reason: string;          // packet-in reason; 'action' is the default
  id: number;              // controller id; 0 = all
  userdata: number[];      // bytes
  pause: boolean;
  meterId: number | null;  // null = no meter
}

const REASONS = ['action', 'no_match', 'invalid_ttl', 'action_set', 'group', 'packet_out'];

function parseUserdata(text: string, span: Item['span']): number[] {
  // Pairs of hex digits, optionally separated by dots (OVS prints them dotted).
  const digits = text.replace(/\./g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) fail("bad hex digit in `controller' action `userdata'", span);
  return digits.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? [];
}

function parse(item: Item): ControllerArgs {
  const c: ControllerArgs = { maxLen: 0xffff, reason: 'action', id: 0, userdata: [], pause: false, meterId: null };
  const v = item.colon ?? item.eq;
  if (v) {
    c.maxLen = intArg(valueText(v), 16, 'max_len', v.span);
    return c;
  }
  for (const it of args(item)) {
    const val = () => {
      if (!it.eq) fail(`controller: ${it.key.text} needs a value (${it.key.text}=...)`, it.span);
      return valueText(it.eq);
    };
    switch (it.key.text) {
      case 'reason':
        if (!REASONS.includes(val())) fail(`unknown reason "${val()}"`, it.eq!.span);
        c.reason = val();
        break;
      case 'max_len': c.maxLen = intArg(val(), 16, 'max_len', it.eq!.span); break;
      case 'id': c.id = intArg(val(), 16, 'id', it.eq!.span); break;
      case 'userdata': c.userdata = parseUserdata(val(), it.eq!.span); break;
      case 'pause': c.pause = true; break;
      case 'meter_id': c.meterId = intArg(val(), 32, 'meter_id', it.eq!.span); break;
      default: fail(`unknown key "${it.key.text}" parsing controller action`, it.key.span);
    }
  }
  return c;
}

const plain = (c: ControllerArgs) => c.reason === 'action' && !c.id && !c.userdata.length && !c.pause && c.meterId === null;

export const controller: ActionSpec<ControllerArgs> = {
  name: 'controller',
  heldBytes: (a) => align8(24 + a.userdata.length), // struct ofpact_controller and its userdata
  inert: true,
  // Dumps print the plain form as `CONTROLLER:N`; reading a dump back must accept it.
  aliases: ['CONTROLLER'],
  reportsTable: () => true,
  // OpenFlow 1.1+ carries the plain form as an output to CONTROLLER: the action set takes
  // it as one (and refuses any other form).
  actionSetRank: (c) => (plain(c) ? ACTION_SET_RANK.output : undefined),
  outputPort: (c) => (plain(c) ? 0xfffd : null), // OFPP_CONTROLLER
  parse,
  execute: (c, x) => x.controller({ reason: c.reason, maxLen: c.maxLen, controllerId: c.id, userdata: c.userdata, pause: c.pause, meterId: c.meterId }),
  format(c) {
    if (plain(c)) return `CONTROLLER:${c.maxLen}`;
    const p: string[] = [];
    if (c.reason !== 'action') p.push(`reason=${c.reason}`);
    if (c.maxLen !== 0xffff) p.push(`max_len=${c.maxLen}`);
    if (c.id) p.push(`id=${c.id}`);
    if (c.userdata.length) p.push(`userdata=${c.userdata.map((b) => b.toString(16).padStart(2, '0')).join('.')}`);
    if (c.pause) p.push('pause');
    if (c.meterId !== null) p.push(`meter_id=${c.meterId}`);
    return `controller(${p.join(',')})`;
  },
};
