// Output queues: set_queue:N, pop_queue, and enqueue (OpenFlow 1.0's output-to-queue),
// which OpenFlow 1.1+ has no action for: OF1.1+ dumps print it as set_queue, output,
// pop_queue, and added over OpenFlow 1.1+ it reaches the switch as those three, so OF1.0
// dumps print them too (test/corpus/protocols.json).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { formatPort, parseNumber } from '../values.js';
import { args, itemText } from './args.js';
import { output, tryPort } from './output.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK } from './facets.js';

const OFPP_MAX = 0xff00, OFPP_IN_PORT = 0xfff8, OFPP_LOCAL = 0xfffe;

function queueId(text: string, span: Item['span']): number {
  const n = parseNumber(text);
  if (n === null || n > 0xffffffffn) fail(text === '' ? 'missing required numeric argument' : `invalid queue id "${text}"`, span);
  return Number(n);
}

export interface EnqueueArgs {
  port: number;
  queue: number;
  /** Added over OpenFlow 1.1+: the switch holds set_queue, output, pop_queue. */
  split?: boolean;
}
const ENQUEUE_SYNTAX = '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"';

export const enqueue: ActionSpec<EnqueueArgs> = {
  name: 'enqueue',
  runsUnparsed: () => true,
  heldBytes: () => 16,
  inert: true,
  parse(item, ctx) {
    let parts: { text: string; span: Item['span'] }[];
    if (item.args) parts = args(item).map((it) => ({ text: itemText(it), span: it.span }));
    else parts = (item.colon?.chain ?? []).map((a) => ({ text: a.kind === 'ref' ? a.text : '', span: a.span }));
    if (parts.length !== 2) fail(ENQUEUE_SYNTAX, item.span);
    const port = tryPort(parts[0].text, ctx);
    if (port === null) fail(`${parts[0].text}: enqueue to unknown port`, parts[0].span);
    if (port >= OFPP_MAX && port !== OFPP_IN_PORT && port !== OFPP_LOCAL) {
      fail(`enqueue to port ${parts[0].text} is not allowed: actions are invalid with specified match (OFPBAC_BAD_OUT_PORT)`, parts[0].span);
    }
    const queue = queueId(parts[1].text, parts[1].span);
    return !ctx.dump && (ctx.ofVersion ?? 10) >= 11 ? { port, queue, split: true } : { port, queue };
  },
  execute(a, x) { x.setQueue(a.queue); x.output(a.port); x.popQueue(false); },
  format(a, ctx) {
    if (ctx.ofVersion < 11 && !a.split) return `enqueue:${formatPort(BigInt(a.port), ctx.portNames)}:${a.queue}`;
    return `set_queue:${a.queue},${output.format({ kind: 'port', port: a.port, maxLen: 0 }, ctx)},pop_queue`;
  },
};

export const set_queue: ActionSpec<{ queue: number }> = {
  name: 'set_queue',
  runsUnparsed: () => true,
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.write,
  parse(item) {
    const v = item.colon ?? item.eq;
    return { queue: queueId(v ? valueText(v) : '', v?.span ?? item.span) };
  },
  format: (a) => `set_queue:${a.queue}`,
  execute: (a, x) => x.setQueue(a.queue),
};

export const pop_queue: ActionSpec<null> = {
  name: 'pop_queue',
  heldBytes: () => 8,
  inert: true,
  parse(item) {
    if (item.eq || item.colon || item.args) fail('pop_queue takes no argument', item.span);
    return null;
  },
  format: () => 'pop_queue',
  execute: (_a, x) => x.popQueue(true),
};
