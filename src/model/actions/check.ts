// Runs every action's semantic check against the flow's match, the way ovs-ofctl does
// after parsing (ofpacts_check): an action may be fine alone but inconsistent with the
// match (ct() on a non-IP flow, learn reading tcp_src without `tcp`).
import type { Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { cloneMatch, type Match } from '../match.js';
import { actionByName } from './index.js';
import { verifyInstructions } from './instructions.js';
import type { Action, CheckCtx } from './types.js';

/**
 * What a nested list's checks may change and OVS puts back after it (ofpacts_check saves
 * and restores them): a clone(encap(nsh),...) leaves the packet of the actions after it
 * as it was.
 */
const RESTORED = ['packet_type', 'dl_type', 'nw_proto', 'vlan_tci'];

/** The flow formats ovs-ofctl allows with `-O OpenFlow1N`, N < 3, by its names. */
const ALLOWED_FORMATS = new Map([[10, 'OpenFlow10,NXM'], [11, 'OpenFlow11'], [12, 'OXM-OpenFlow12']]);

interface Limit { what: string; span: Span }
interface Of13 extends Limit { nxast: number }

/** `dump`: the flows are a switch's dump, already accepted (no protocol to refuse them over). */
export function checkActions(actions: Action[], flowMatch: Match, table: number, ofVersion = 10, dump = false): void {
  // Checks may update the match as OVS's do (push_vlan marks a tag present): they get a
  // copy, made only when the first action with a check is met (most lists have none).
  let match: Match | null = null;
  // What limits the OpenFlow versions that carry the flow (OVS's usable protocols).
  let only10: Limit | null = null, ofctl13: Of13 | null = null, switch13: Of13 | null = null, ofctl11: Limit | null = null;
  // Inside an action set (write_actions) OVS cannot judge consistency: no limit comes out.
  let inSet = 0;
  const run = (list: Action[], outer: string | null): void => {
    for (const a of list) {
      const spec = actionByName(a.name);
      if (!spec?.check) continue;
      const m = (match ??= cloneMatch(flowMatch));
      const ctx: CheckCtx = {
        match: m, table, outer,
        checkActions: (xs) => {
          const saved = RESTORED.map((s) => [m.values.get(s), m.masks.get(s)] as const);
          if (spec.instruction) inSet++;
          try { run(xs, a.name); } finally { if (spec.instruction) inSet--; }
          RESTORED.forEach((s, i) => { put(m.values, s, saved[i][0]); put(m.masks, s, saved[i][1]); });
        },
        fail: (message: string, span?: Span) => fail(message, span ?? a.span),
        inconsistent: (what: string) => { if (!inSet) only10 ??= { what, span: a.span }; },
        needsOf13: (what, nxast, by) => {
          if (by === 'ofctl') ofctl13 ??= { what, nxast, span: a.span };
          else switch13 ??= { what, nxast, span: a.span };
        },
        // Parsing limits the flow: inside an action set too.
        needsOf11: (what) => { ofctl11 ??= { what, span: a.span }; },
      };
      spec.check(a.args, ctx);
    }
  };
  run(actions, null);
  if (!dump) refuseOverVersion(ofVersion, only10, ofctl13 ?? ofctl11, switch13);
  verifyInstructions(actions, ofVersion);
}

function put(m: Map<string, bigint>, slot: string, v: bigint | undefined): void {
  if (v === undefined) m.delete(slot); else m.set(slot, v);
}

/** ovs-ofctl's refusals by protocol, then the switch's, as OVS 3.1 words them. */
function refuseOverVersion(ofVersion: number, only10: Limit | null, ofctl: Limit | Of13 | null, switch13: Of13 | null): void {
  // `ofctl`: the highest version ovs-ofctl's parsing asks for (1.3 for encap, else 1.1 for push_vlan).
  const from = ofctl && 'nxast' in ofctl ? 13 : 11;
  if (only10 && ofctl) {
    fail(`${only10.what}, and ${ofctl.what} needs OpenFlow 1.${from - 10} or later: no OpenFlow version carries the flow `
      + '(actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT))', only10.span);
  }
  if (ofctl && ofVersion < from) {
    const usable = from === 13 ? 'OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15' : 'OXM,OpenFlow11';
    fail(`${ofctl.what} needs OpenFlow 1.${from - 10} or later (ovs-ofctl: none of the usable flow formats `
      + `(${usable}) is among the allowed flow formats (${ALLOWED_FORMATS.get(ofVersion)}))`, ofctl.span);
  }
  if (only10 && ofVersion >= 11) {
    fail(`${only10.what}: only OpenFlow 1.0 can carry that, not the OpenFlow 1.${ofVersion - 10} the flows are added with `
      + '(ovs-ofctl: none of the usable flow formats is among the allowed flow formats)', only10.span);
  }
  if (switch13 && ofVersion < 13) {
    const v = `OpenFlow1${ofVersion - 10}`;
    fail(`${switch13.what} needs OpenFlow 1.3 or later: the switch refuses the flow over ${v} `
      + `(unknown ${v} action for vendor 0x2320 and type ${switch13.nxast}, OFPBAC_BAD_VENDOR_TYPE)`, switch13.span);
  }
}
