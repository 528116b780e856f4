// output:PORT, output:FIELD[..], output(port=P,max_len=N), and a bare port (`2`, `LOCAL`,
// `in_port`, `normal`, ...), which OVS reads as output to that port.
import type { Item } from '../../../grammar/syntax.js';
import { fail, FlowError } from '../errors.js';
import { subfieldByName } from '../fields.js';
import { valueText } from '../match.js';
import { formatPort, isValidPort, parsePort, ValueError } from '../values.js';
import { args, formatSubfield, intArg, keyValues, subfieldFromAtoms, type Subfield } from './args.js';
import type { ActionSpec, ParseCtx } from './types.js';
import { ACTION_SET_RANK, subfieldAccess } from './facets.js';

export type OutputArgs =
  | { kind: 'port'; port: number; maxLen: number }
  | { kind: 'reg'; src: Subfield; maxLen: number }
  | { kind: 'trunc'; port: number; maxLen: number };

const OFPP_MAX = 0xff00;
const OFPP_CONTROLLER = 0xfffd;

/** A port number or name, or null when `text` is not one. */
export function tryPort(text: string, ctx: ParseCtx): number | null {
  try {
    return Number(parsePort(text, { ports: ctx.ports }));
  } catch (e) {
    if (e instanceof ValueError) return null;
    throw e;
  }
}

function parse(item: Item, ctx: ParseCtx): OutputArgs {
  if (item.key.text !== 'output') {
    // A bare port used as an action.
    const port = tryPort(item.key.text, ctx);
    if (port === null) fail(`${item.key.text}: unknown action`, item.key.span);
    return { kind: 'port', port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 };
  }
  if (item.args) {
    const kv = keyValues(args(item), ['port', 'max_len'], 'output');
    const p = kv.get('port'), m = kv.get('max_len');
    if (!p?.eq || !m?.eq) fail('output(...): expected output(port=P,max_len=N)', item.span);
    const port = tryPort(valueText(p.eq), ctx);
    if (port === null) fail(`output to unknown truncate port: ${valueText(p.eq)}`, p.eq.span);
    if (port > OFPP_MAX && port !== 0xfffe && port !== 0xfff8) fail(`output to unsupported truncate port: ${valueText(p.eq)}`, p.eq.span);
    const maxLen = intArg(valueText(m.eq), 32, 'max_len', m.eq.span);
    if (maxLen < 14) fail(`max_len ${maxLen} is less than the minimum value 14`, m.eq.span);
    return { kind: 'trunc', port, maxLen };
  }
  const v = item.colon ?? item.eq;
  if (!v) fail('output: expected output:PORT', item.span);
  const port = tryPort(valueText(v), ctx);
  if (port !== null && !isValidPort(port)) fail(`${valueText(v)}: output to unknown port`, v.span);
  // ANY/NONE names no port: the switch refuses the flow (OFPBAC_BAD_OUT_PORT).
  if (port === 0xffff) fail(`output:${valueText(v)}: not a port to output to (OFPBAC_BAD_OUT_PORT)`, v.span);
  if (port !== null) return { kind: 'port', port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 };
  const a = v.chain[0];
  // A field, with or without a bit range (output:NXM_NX_REG0 is the whole register).
  if (v.chain.length === 1 && a.kind === 'ref' && (a.subscript !== null || subfieldByName(a.text))) {
    // OVS tries the text as a subfield, then as a port name: a subfield it refuses
    // (vlan_vid[0..12]) ends as an unknown port.
    try {
      return { kind: 'reg', src: subfieldFromAtoms(v.chain, v.span), maxLen: 0xffff };
    } catch (e) {
      if (!(e instanceof FlowError)) throw e;
    }
  }
  return fail(`${valueText(v)}: output to unknown port`, v.span);
}

export const output: ActionSpec<OutputArgs> = {
  name: 'output',
  runsUnparsed: () => true,
  heldBytes: (a) => (a.kind === 'reg' ? 24 : 16), // struct ofpact_output_reg / ofpact_output
  reads: (a) => (a.kind === 'reg' ? [subfieldAccess(a.src)] : []),
  actionSetRank: ACTION_SET_RANK.output,
  outputPort: (a) => (a.kind === 'port' ? a.port : null),
  reportsTable: () => true,
  fromPort: (port) => ({ kind: 'port', port, maxLen: 0 }),
  parse,
  execute(a, x) {
    if (a.kind === 'reg') x.outputField(a.src);
    else x.output(a.port, a.maxLen);
  },
  format(a, ctx) {
    if (a.kind === 'reg') return `output:${formatSubfield(a.src)}`;
    if (a.kind === 'trunc') return `output(port=${formatPort(BigInt(a.port), ctx.portNames)},max_len=${a.maxLen})`;
    const name = formatPort(BigInt(a.port), ctx.portNames);
    if (a.port === OFPP_CONTROLLER) return `${name}:${a.maxLen}`;
    return a.port < OFPP_MAX ? `output:${name}` : name;
  },
};
