// ct-state-without-trk: ct_state matched without saying trk. ovs-fields(7): without trk
// no other flag is ever set. So
//  - only '-' flags (ct_state=-new, -inv): every packet that never went through ct() has
//    all flags 0 and matches too: a warning, the usual intent is +trk-inv (unless every
//    path reaches the table after a ct(): no untracked packet comes there);
//  - some '+' flag (ct_state=+est): implies trk, the same packets as +trk+est: a note.
// OVS 3.1 accepts both (recorded in test/lint/oracle/ovs-ct-untracked.txt).
import { atField, finding } from '../finding.js';
import { ctStateOf, flagText, impossible, TRK } from '../ct-state.js';
import type { LintRule } from '../types.js';

export const ctStateWithoutTrk: LintRule = {
  id: 'ct-state-without-trk',
  summary: 'ct_state matched without +trk or -trk',
  check(_input, ctx) {
    const out = [];
    for (const f of ctx.effective) {
      const cs = ctStateOf(f.match);
      if (!cs.mask || cs.mask & TRK || impossible(cs)) continue;
      const text = flagText(cs);
      if (cs.value === 0n) {
        const states = ctx.reach.tables.get(f.table);
        if (states && ![...states.values()].includes(null)) continue;
        out.push(finding('ct-state-without-trk', 'warning', f, atField('ct_state'),
          `ct_state=${text} also matches packets that never went through ct() (all their ct_state flags are 0)`,
          `write ct_state=+trk${text} to match tracked packets only, or ct_state=-trk for untracked ones`));
      } else {
        out.push(finding('ct-state-without-trk', 'note', f, atField('ct_state'),
          `ct_state=${text} implies +trk (no flag is set on an untracked packet): it matches what ct_state=+trk${text} matches`,
          'writing +trk says so'));
      }
    }
    return out;
  },
};
