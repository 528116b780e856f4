// ctflow's own explanations of a ct() result, where ofproto/trace has none: which packet
// of the run committed the connection a later packet found. The tracker does not keep
// that, so the pipeline remembers it per tracker: tuple → number of the committing packet.
import { CS, type Conntrack, type CtPacket } from '../conntrack/index.js';

const COMMITTED = new WeakMap<Conntrack, Map<string, number>>();

const key = (zone: number, p: CtPacket, reverse: boolean): string => (reverse
  ? `${zone}|${p.proto}|${p.dst}|${p.dport ?? 0}|${p.src}|${p.sport ?? 0}`
  : `${zone}|${p.proto}|${p.src}|${p.sport ?? 0}|${p.dst}|${p.dport ?? 0}`);

const ctText = (bits: number): string =>
  (['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'] as const).filter((n) => bits & CS[n]).join('|');

/** The note for one ct() of packet `packetNo` (null: the run numbers no packets). */
export function ctNote(ct: Conntrack, zone: number, p: CtPacket, state: number, commit: boolean, packetNo: number | null): string {
  let seen = COMMITTED.get(ct);
  if (!seen) { seen = new Map(); COMMITTED.set(ct, seen); }
  const s = `ct_state=${ctText(state)}`;
  if (state & CS.new) {
    if (commit && packetNo !== null && !seen.has(key(zone, p, false))) seen.set(key(zone, p, false), packetNo);
    return commit ? `${s}: no connection for this tuple in zone ${zone}; this packet commits one` : `${s}: no connection for this tuple in zone ${zone} (not committed here)`;
  }
  if (state & (CS.est | CS.rel)) {
    const by = seen.get(key(zone, p, false)) ?? seen.get(key(zone, p, true));
    if (by !== undefined) return `${s} came from the entry committed by packet ${by}`;
    return `${s} came from an entry already in the table (loaded with --conntrack or committed before this run)`;
  }
  if (state & CS.inv) return `${s}: the tracker judged this packet invalid for its connection`;
  return s;
}
