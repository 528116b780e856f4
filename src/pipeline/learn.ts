// learn(...): the flow a learn action installs for the packet at hand.
import type { LearnArgs } from '../model/actions/learn.js';
import type { Action } from '../model/actions/types.js';
import { ones } from '../model/bits.js';
import { finTimeoutAction, outputAction, writeAction } from './built.js';
import type { Flow } from '../model/flow.js';
import { newMatch, setSubfield } from '../model/match.js';
import type { ExecCtx } from './exec.js';

export function learnedFlow(l: LearnArgs, x: ExecCtx): Flow {
  const match = newMatch();
  // OVS gives the flow its fin_idle/hard_timeout as a fin_timeout action ahead of the rest.
  const actions: Action[] = l.finIdleTimeout || l.finHardTimeout ? [finTimeoutAction(l.finIdleTimeout, l.finHardTimeout)] : [];
  for (const s of l.specs) {
    switch (s.kind) {
      case 'match': setSubfield(match, s.dst.field, s.dst.ofs, s.dst.bits, s.value); break;
      case 'match_field': setSubfield(match, s.dst.field, s.dst.ofs, s.dst.bits, x.read(s.src)); break;
      case 'load': case 'load_field': {
        const v = s.kind === 'load' ? s.value : x.read(s.src);
        const sh = BigInt(s.dst.ofs);
        actions.push(writeAction({ field: s.dst.field, value: (v & ones(s.dst.bits)) << sh, mask: ones(s.dst.bits) << sh }));
        break;
      }
      case 'output':
        actions.push(outputAction(Number(x.read(s.src))));
        break;
    }
  }
  return {
    table: l.table, priority: l.priority, cookie: l.cookie, idleTimeout: l.idleTimeout, hardTimeout: l.hardTimeout,
    importance: 0, flags: l.sendFlowRem ? ['send_flow_rem'] : [], match, actions, stats: null, line: 0,
  };
}
