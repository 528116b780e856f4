// ct_state as the connection tracker can set it. ovs-fields(7) lists what never occurs:
// without trk no other flag is set; with inv only trk is; new excludes est and rpl. Lint
// uses this to tell a match that cannot meet a real packet, and to widen what a match
// implies (ct_state=+est matches exactly the packets ct_state=+trk+est matches).
import type { Match } from '../model/match.js';
import { CT_STATE_FLAGS } from '../model/values.js';

const bit = (name: string): bigint => 1n << BigInt(CT_STATE_FLAGS.indexOf(name));
export const NEW = bit('new'), EST = bit('est'), REL = bit('rel'), RPL = bit('rpl');
export const INV = bit('inv'), TRK = bit('trk'), SNAT = bit('snat'), DNAT = bit('dnat');
const ALL = NEW | EST | REL | RPL | INV | TRK | SNAT | DNAT;
/** Every flag but trk. */
export const NOT_TRK = ALL & ~TRK;

export interface CtState { value: bigint; mask: bigint }

export function ctStateOf(m: Match): CtState {
  const mask = m.masks.get('ct_state') ?? 0n;
  return { value: (m.values.get('ct_state') ?? 0n) & mask, mask };
}

/** The flags named, `+est+trk` style, for messages. */
export function flagText(s: CtState): string {
  let out = '';
  CT_STATE_FLAGS.forEach((n, i) => {
    const b = 1n << BigInt(i);
    if (s.mask & b) out += (s.value & b ? '+' : '-') + n;
  });
  return out;
}

/** Why no packet can have this ct_state, or null when some packet can. */
export function impossible(s: CtState): string | null {
  const set = s.value, clear = s.mask & ~s.value;
  const on = (b: bigint) => (set & b) !== 0n;
  if (clear & TRK && set & NOT_TRK) return `-trk with +${names(set & NOT_TRK)}: an untracked packet has no other flag set`;
  if (on(INV) && set & (NOT_TRK & ~INV)) return `+inv with +${names(set & NOT_TRK & ~INV)}: an invalid packet has only trk besides inv`;
  if (on(NEW) && on(EST)) return '+new with +est: a packet is never both';
  if (on(NEW) && on(RPL)) return '+new with +rpl: a new connection has no reply direction yet';
  return null;
}

const names = (bits: bigint): string => CT_STATE_FLAGS.filter((_, i) => bits & (1n << BigInt(i))).join('+');

/**
 * The ct_state bits a packet matching `s` must have, with what the tracker guarantees
 * added: any flag but trk set means trk set; -trk means every flag clear; +inv means every
 * flag but trk and inv clear; any other flag set means inv clear; new excludes est and
 * rpl. Same packets, more bits: a wider match covers it more often. (Only for matches
 * `impossible` lets through.)
 */
export function implied(s: CtState): CtState {
  let { value, mask } = s;
  const clear = (bits: bigint) => { mask |= bits; value &= ~bits; };
  if (value & NOT_TRK) { value |= TRK; mask |= TRK; }
  if (mask & TRK && !(value & TRK)) { mask |= ALL; value = 0n; }
  if (value & INV) { mask |= ALL; value = INV | TRK; }
  if (value & (NOT_TRK & ~INV)) clear(INV);       // inv comes with trk alone
  if (value & NEW) clear(EST | RPL);              // new excludes est and rpl
  if (value & (EST | RPL)) clear(NEW);
  return { value, mask };
}

/** Whether a packet not yet through ct() (every flag 0) can match `s`. */
export const matchesUntracked = (s: CtState): boolean => s.value === 0n;
/** Whether a tracked packet can match `s` (trk not required clear). */
export const matchesTracked = (s: CtState): boolean => (s.mask & TRK) === 0n || (s.value & TRK) !== 0n;
