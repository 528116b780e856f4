// SCTP as the Linux kernel tracks it (nf_conntrack_proto_sctp, Linux 6.18): one state per
// association, moved by the chunks a packet carries, and the verification tag each
// direction must carry, learnt from the INIT / INIT_ACK initiate tags (or from heartbeats
// on a path that saw no handshake). Recorded: test/oracle/kernel-sctp.
//
// The OVS userspace tracker has none of this: it tracks SCTP as an "other" protocol
// (addresses only, udp_* timeouts), which userspace.ts already does.

import { CtUnsupportedError } from './alg.js';
import type { KernelTimeouts } from './timeouts.js';

export type SctpState =
  | 'NONE'
  | 'CLOSED'
  | 'COOKIE_WAIT'
  | 'COOKIE_ECHOED'
  | 'ESTABLISHED'
  | 'SHUTDOWN_SENT'
  | 'SHUTDOWN_RECD'
  | 'SHUTDOWN_ACK_SENT'
  | 'HEARTBEAT_SENT';

/** One chunk as conntrack reads it. */
export interface CtSctpChunk {
  type: number;
  /** The T bit (meaningful on ABORT and SHUTDOWN_COMPLETE). */
  t?: boolean;
  /** The initiate tag of an INIT or INIT_ACK chunk. */
  initTag?: number;
}

/** What conntrack reads of an SCTP packet beyond its ports. */
export interface CtSctpFields {
  vtag: number;
  chunks: CtSctpChunk[];
}

/** Chunk type numbers (RFC 9260 §3.2), by the names conversation lines use. */
export const SCTP_CHUNK_TYPES = new Map<string, number>([
  ['data', 0],
  ['init', 1],
  ['init_ack', 2],
  ['sack', 3],
  ['heartbeat', 4],
  ['heartbeat_ack', 5],
  ['abort', 6],
  ['shutdown', 7],
  ['shutdown_ack', 8],
  ['error', 9],
  ['cookie_echo', 10],
  ['cookie_ack', 11],
  ['shutdown_complete', 14],
]);
const C = Object.fromEntries(SCTP_CHUNK_TYPES) as Record<string, number>;

export interface KernelSctp {
  state: SctpState;
  /**
   * The verification tag packets of each direction must carry (0 = not known yet; -1 =
   * restored from a saved table, which does not show tags: taken from the next packet).
   */
  vtag: [number, number];
  /** Which side sent an INIT that no COOKIE_ACK settled yet (for INIT collisions). */
  init: [boolean, boolean];
  /** Direction of a HEARTBEAT whose vtag did not match (a peer restarted?), -1 = none. */
  hbMismatch: -1 | 0 | 1;
}

export const SCTP_STATE_NAMES: ReadonlySet<string> = new Set<SctpState>([
  'NONE', 'CLOSED', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'ESTABLISHED',
  'SHUTDOWN_SENT', 'SHUTDOWN_RECD', 'SHUTDOWN_ACK_SENT', 'HEARTBEAT_SENT',
]);

/** An entry read back from `conntrack -L`: its state, tags to be learnt (see vtag). */
export const restoredSctp = (state: SctpState): KernelSctp => ({ state, vtag: [-1, -1], init: [false, false], hbMismatch: -1 });

// Next state by chunk type, from each current state (in STATES order), for a chunk seen in
// the original direction and in the reply direction. '--' = the packet is invalid there.
const STATES = [...SCTP_STATE_NAMES] as SctpState[];
const CODE = new Map<string, SctpState>([
  ['no', 'NONE'], ['cl', 'CLOSED'], ['cw', 'COOKIE_WAIT'], ['ce', 'COOKIE_ECHOED'], ['es', 'ESTABLISHED'],
  ['ss', 'SHUTDOWN_SENT'], ['sr', 'SHUTDOWN_RECD'], ['sa', 'SHUTDOWN_ACK_SENT'], ['hs', 'HEARTBEAT_SENT'],
]);
//                          from: no cl cw ce es ss sr sa hs
const MOVES_TEXT: [number, string, string][] = [
  [C.init!,              'cl cl cw ce es cl cl sa cw', '-- cl cw ce es ss sr sa --'],
  [C.init_ack!,          'cl cl cw ce es ss sr sa cl', '-- cw cw ce es ss sr sa --'],
  [C.abort!,             'cl cl cl cl cl cl cl cl cl', '-- cl cl cl cl cl cl cl --'],
  [C.shutdown!,          'cl cl cw ce ss ss sr sa cl', '-- cl cw ce sr ss sr sa --'],
  [C.shutdown_ack!,      'sa cl cw ce es sa sa sa sa', '-- cl cw ce es sa sa sa --'],
  [C.error!,             'cl cl cw ce es ss sr sa cl', '-- cl cw cl es ss sr sa --'],
  [C.cookie_echo!,       'cl cl ce ce es ss sr sa cl', '-- cl ce ce es ss sr sa --'],
  [C.cookie_ack!,        'cl cl cw es es ss sr sa cl', '-- cl cw es es ss sr sa --'],
  [C.shutdown_complete!, 'cl cl cw ce es ss sr cl cl', '-- cl cw ce es ss sr cl --'],
  [C.heartbeat!,         'hs cl cw ce es ss sr sa hs', '-- cl cw ce es ss sr sa hs'],
  [C.heartbeat_ack!,     'cl cl cw ce es ss sr sa hs', '-- cl cw ce es ss sr sa es'],
];
const row = (text: string): (SctpState | null)[] => text.split(' ').map((c) => CODE.get(c) ?? null);
const MOVES = new Map<number, [(SctpState | null)[], (SctpState | null)[]]>(
  MOVES_TEXT.map(([type, orig, reply]) => [type, [row(orig), row(reply)]]),
);

/** The state after one chunk; null = invalid. DATA, SACK and unknown chunks change nothing. */
function move(dir: 0 | 1, from: SctpState, type: number): SctpState | null {
  const m = MOVES.get(type);
  return m ? m[dir][STATES.indexOf(from)]! : from;
}

/**
 * The chunk layout checks every packet passes first: at least one chunk; COOKIE_ECHO and
 * COOKIE_ACK only as the first chunk; INIT, INIT_ACK and SHUTDOWN_COMPLETE alone (nothing
 * may follow them, and they must come first).
 */
function wellFormed(p: CtSctpFields): boolean {
  if (p.chunks.length === 0) return false;
  let alone = false;
  for (let i = 0; i < p.chunks.length; i++) {
    const t = p.chunks[i]!.type;
    if (t === C.init || t === C.init_ack || t === C.shutdown_complete) alone = true;
    if (i > 0 && (alone || t === C.cookie_ack || t === C.cookie_echo)) return false;
  }
  return true;
}

const has = (p: CtSctpFields, type: number): boolean => p.chunks.some((c) => c.type === type);

/**
 * A packet that says nothing of its chunks (a trace's packet text has no place for them)
 * cannot be tracked: the kernel would judge it by chunks and tag. Fail, naming the way out.
 */
function fields(p: CtSctpFields | undefined): CtSctpFields {
  if (p) return p;
  throw new CtUnsupportedError(
    'the kernel profile tracks SCTP by its chunks and verification tag, and this SCTP packet gives neither ' +
      '(a conversation line says them: vtag=N chunks=[init,...] init_tag=N); use --ct-next or --profile userspace to trace without them',
  );
}

/**
 * A packet that would start an entry. Out-of-the-blue ABORT, SHUTDOWN_COMPLETE and
 * COOKIE_ACK never do; every chunk must be one that may open an association from NONE
 * (INIT, HEARTBEAT, SHUTDOWN_ACK, ...; not DATA). The tags known so far: an INIT's initiate
 * tag is what the reply side must carry, a HEARTBEAT's own vtag is the original side's,
 * an out-of-the-blue SHUTDOWN_ACK's vtag is what the answer will carry.
 */
export function kernelSctpNew(given: CtSctpFields | undefined): KernelSctp | undefined {
  const p = fields(given);
  if (!wellFormed(p)) return undefined;
  if (has(p, C.abort!) || has(p, C.shutdown_complete!) || has(p, C.cookie_ack!)) return undefined;
  const s: KernelSctp = { state: 'NONE', vtag: [0, 0], init: [false, false], hbMismatch: -1 };
  for (const ch of p.chunks) {
    const next = move(0, 'NONE', ch.type);
    if (next === null || next === 'NONE') return undefined;
    if (ch.type === C.init) {
      if (p.vtag !== 0) return undefined;
      s.vtag[1] = ch.initTag ?? 0;
    } else if (ch.type === C.heartbeat) {
      s.vtag[0] = p.vtag;
    } else if (ch.type === C.shutdown_ack) {
      s.vtag[1] = p.vtag;
    }
  }
  return s;
}

export interface SctpOutcome {
  verdict: 'accept' | 'invalid';
  /** The new timeout; undefined = keep the old one (a retransmitted INIT on a closed entry). */
  timeoutSec?: number;
  stateChanged: boolean;
  setAssured: boolean;
}

const INVALID: SctpOutcome = { verdict: 'invalid', stateChanged: false, setAssured: false };

/** Chunks that carry their own tag rules, so the packet skips the plain vtag comparison. */
const OWN_TAG_RULES = [C.init, C.shutdown_complete, C.cookie_echo, C.abort, C.shutdown_ack, C.heartbeat, C.heartbeat_ack];

/**
 * One packet of direction `dir` on an entry. Chunks are handled in order and each may move
 * the state; a chunk found invalid stops there (what the earlier chunks changed stays, as
 * in the kernel). `confirmed`: the entry is already in the table.
 */
export function kernelSctpPacket(
  s: KernelSctp,
  dir: 0 | 1,
  given: CtSctpFields | undefined,
  confirmed: boolean,
  assured: boolean,
  T: KernelTimeouts,
): SctpOutcome {
  const p = fields(given);
  if (!wellFormed(p)) return INVALID;
  const other = (1 - dir) as 0 | 1;
  if (s.vtag[dir] === -1 && !has(p, C.init!)) s.vtag[dir] = p.vtag;
  if (!OWN_TAG_RULES.some((t) => has(p, t!)) && p.vtag !== s.vtag[dir]) return INVALID;
  let changed = false;
  let setAssured = false;
  let keepTimeout = false;
  let last: SctpState = 'NONE';
  for (const ch of p.chunks) {
    const t = ch.type;
    // Tag rules of RFC 9260 §8.5.1, checked per chunk.
    if (t === C.init) {
      if (p.vtag !== 0) return INVALID;
    } else if (t === C.abort || t === C.shutdown_complete) {
      // T bit set: the sender had no TCB and reflects the peer's tag.
      if (p.vtag !== s.vtag[ch.t ? other : dir]) return INVALID;
    } else if (t === C.cookie_echo) {
      if (p.vtag !== s.vtag[dir]) return INVALID;
    } else if (t === C.cookie_ack) {
      s.init = [false, false];
    } else if (t === C.heartbeat) {
      if (s.vtag[dir] === 0) s.vtag[dir] = p.vtag;
      else if (p.vtag !== s.vtag[dir]) {
        // Maybe the peer restarted: let it through once without touching the entry, and
        // accept the new tag if the answer comes back from the other side.
        if (has(p, C.data!) || keepTimeout) return INVALID;
        s.hbMismatch = dir;
        keepTimeout = true;
        continue;
      } else s.hbMismatch = -1;
    } else if (t === C.heartbeat_ack) {
      if (s.vtag[dir] === 0) s.vtag[dir] = p.vtag;
      else if (p.vtag !== s.vtag[dir]) {
        if (has(p, C.data!) || keepTimeout) return INVALID;
        if (s.hbMismatch === -1 || s.hbMismatch === dir) return INVALID;
        s.hbMismatch = -1;
        s.vtag[dir] = p.vtag;
        s.vtag[other] = 0;
      } else s.hbMismatch = -1;
    }
    const from = s.state;
    const next = move(dir, from, t);
    if (next === null) return INVALID;
    if (t === C.init) {
      const tag = ch.initTag ?? 0;
      // A retransmitted INIT (same tag as known) does not restart the collision bookkeeping.
      if (from === 'NONE' || s.vtag[other] !== tag) {
        if (s.init[dir] && s.init[other]) s.init[other] = false;
        s.init[dir] = true;
      }
      s.vtag[other] = tag;
      // INITs on a closed entry do not keep it alive (a port reused behind NAT).
      if (next === 'CLOSED' && from === 'CLOSED' && confirmed) keepTimeout = true;
    } else if (t === C.init_ack) {
      const tag = ch.initTag ?? 0;
      const known = s.vtag[other];
      if (!s.init[other] && known !== 0 && known !== tag) return INVALID;
      if (s.init[dir] && s.init[other] && known !== tag) return INVALID;
      s.vtag[other] = tag;
    }
    s.state = next;
    last = next;
    if (from !== next) {
      changed = true;
      if (next === 'ESTABLISHED' && !assured && !setAssured) setAssured = true;
    }
  }
  if (keepTimeout) return { verdict: 'accept', stateChanged: changed, setAssured };
  // NONE has no timeout of its own: the kernel uses CLOSED's.
  return { verdict: 'accept', timeoutSec: T.sctp.get(last === 'NONE' ? 'CLOSED' : last)!, stateChanged: changed, setAssured };
}
