// ct(...)'s parsed arguments (src/model/actions/ct.ts) as the interpreter's CtRequest.
import { actionByName } from '../model/actions/index.js';
import type { CtArgs } from '../model/actions/ct.js';
import type { NatArgs } from '../model/actions/nat.js';
import type { Action } from '../model/actions/types.js';
import type { NatSpec } from '../conntrack/index.js';
import type { CtRequest } from './exec.js';
import { wordRef } from '../packet/field-io.js';

const ALG_NAMES = new Map<number, string>([[21, 'ftp'], [69, 'tftp']]);

export function natSpec(n: NatArgs): NatSpec {
  if (!n.kind) return {};
  const s: NatSpec = { kind: n.kind };
  if (n.af !== null) {
    s.addrMin = n.addrMin;
    s.addrMax = n.addrMax || n.addrMin;
    if (n.portMin) { s.portMin = n.portMin; s.portMax = n.portMax || n.portMin; }
  }
  if (n.persistent) s.persistent = true;
  if (n.hash) s.hash = true;
  if (n.random) s.random = true;
  return s;
}

/**
 * Made once per ct() action (its arguments are immutable IR shared by every packet): a
 * fresh request per execution allocated a new exec list each time, which also defeated
 * the translation's per-list caches. Frozen: whoever reads it must not change it.
 */
const REQUESTS = new WeakMap<CtArgs, CtRequest>();

export function ctRequest(a: CtArgs): CtRequest {
  let r = REQUESTS.get(a);
  if (!r) {
    r = makeRequest(a);
    Object.freeze(r.exec); // r.odp stays writable: its nat parts are made on first use
    if (r.nat) Object.freeze(r.nat);
    REQUESTS.set(a, Object.freeze(r));
  }
  return r;
}

function makeRequest(a: CtArgs): CtRequest {
  // ct()'s nat sets up the ct() (its spec says so); the other nested actions run in exec().
  const natOf = (x: Action): NatArgs | undefined => actionByName(x.name)?.ctNat?.(x.args);
  const nat = a.actions.map(natOf).find((n) => n !== undefined);
  return {
    zone: a.zone, commit: a.commit, force: a.force, table: a.table,
    nat: nat ? natSpec(nat) : null,
    exec: a.actions.filter((x) => natOf(x) === undefined),
    nested: a.actions,
    alg: a.alg ? ALG_NAMES.get(a.alg) ?? String(a.alg) : null,
    zoneRef: typeof a.zone === 'number' ? null : wordRef(a.zone.field, a.zone.ofs, a.zone.bits),
    odp: { head: a.commit ? (a.force ? 'force_commit' : 'commit') : '', tail4: null, tail6: null, lastKey: -1, lastMask: 0, lastMark: 0, last: '' },
  };
}
