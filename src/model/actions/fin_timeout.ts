// fin_timeout(idle_timeout=N,hard_timeout=M): shorten the flow's timeouts once a TCP FIN
// or RST is seen. Zero (or absent) values are not printed.
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { args, intArg } from './args.js';
import type { ActionSpec } from './types.js';

export interface FinTimeoutArgs { idle: number; hard: number }

export const fin_timeout: ActionSpec<FinTimeoutArgs> = {
  name: 'fin_timeout',
  heldBytes: () => 8,
  inert: true,
  parse(item) {
    if (!item.args) fail('fin_timeout: expected fin_timeout(idle_timeout=N,hard_timeout=N)', item.span);
    const a: FinTimeoutArgs = { idle: 0, hard: 0 };
    for (const it of args(item)) {
      const k = it.key.text;
      if (k !== 'idle_timeout' && k !== 'hard_timeout') fail(`invalid key '${k}' in 'fin_timeout' argument`, it.key.span);
      if (!it.eq) fail(`${k}: expected ${k}=N`, it.span);
      const n = intArg(valueText(it.eq), 16, k, it.eq.span);
      if (k === 'idle_timeout') a.idle = n; else a.hard = n;
    }
    return a;
  },
  // Changes the timeouts of the flow that ran it; nothing happens to the packet.
  execute: () => {},
  fromFinTimeouts: (idle, hard) => ({ idle, hard }),
  format(a) {
    const parts = [...(a.idle ? [`idle_timeout=${a.idle}`] : []), ...(a.hard ? [`hard_timeout=${a.hard}`] : [])];
    return `fin_timeout(${parts.join(',')})`;
  },
};
