// TCP tracking as Linux nf_conntrack does it (behaviour of kernel 6.x,
// nf_conntrack_proto_tcp.c): one state per connection, a transition table indexed by
// direction × segment kind × state, and window tracking per direction.

import type { KernelConfig } from './profiles.js';
import { after, before, u32 } from './seq.js';
import type { KernelTcpStateName } from './timeouts.js';
import { TCP, type CtTcpFields } from './types.js';

/** Segment kinds the transition table distinguishes, in the kernel's precedence order. */
export type Kind = 'syn' | 'synack' | 'fin' | 'ack' | 'rst' | 'none';

/** What conntrack knows about one direction's sender. */
export interface KernelSide {
  end: number; // highest seq+len sent
  maxend: number; // highest seq this side may send (peer's ack + window)
  maxwin: number; // largest window seen (scaled)
  maxack: number;
  scale: number;
  wscaleOpt: boolean;
  sackPerm: boolean;
  liberal: boolean;
  closeInit: boolean;
  dataUnack: boolean;
  maxackSet: boolean;
}

export interface KernelTcp {
  state: KernelTcpStateName;
  seen: [KernelSide, KernelSide];
  lastDir: 0 | 1;
  lastKind: Kind;
  lastSeq: number;
  lastAck: number;
  lastEnd: number;
  lastWin: number;
  lastWscale: number;
  lastWscaleOpt: boolean;
  lastSackPerm: boolean;
  retrans: number;
  simultaneousOpen: boolean;
}

const side = (): KernelSide => ({
  end: 0,
  maxend: 0,
  maxwin: 0,
  maxack: 0,
  scale: 0,
  wscaleOpt: false,
  sackPerm: false,
  liberal: false,
  closeInit: false,
  dataUnack: false,
  maxackSet: false,
});

export function kindOf(flags: number): Kind {
  if (flags & TCP.rst) return 'rst';
  if (flags & TCP.syn) return flags & TCP.ack ? 'synack' : 'syn';
  if (flags & TCP.fin) return 'fin';
  if (flags & TCP.ack) return 'ack';
  return 'none';
}

// Flag combinations the kernel accepts at all (PSH, ECE and CWR never matter).
const VALID_FLAGS = new Set<number>([
  TCP.syn,
  TCP.syn | TCP.urg,
  TCP.syn | TCP.ack,
  TCP.rst,
  TCP.rst | TCP.ack,
  TCP.fin | TCP.ack,
  TCP.fin | TCP.ack | TCP.urg,
  TCP.ack,
  TCP.ack | TCP.urg,
]);
export const kernelFlagsValid = (flags: number): boolean =>
  VALID_FLAGS.has(flags & (TCP.fin | TCP.syn | TCP.rst | TCP.ack | TCP.urg));

// Transition table. 'IV' = invalid, 'IG' = ignore (let through, maybe resync later).
type Next = KernelTcpStateName | 'IV' | 'IG';
const COLS: KernelTcpStateName[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
];
const row = (...n: Next[]): Map<KernelTcpStateName, Next> => new Map(COLS.map((c, i) => [c, n[i]!]));
const NO = 'NONE', SS = 'SYN_SENT', SR = 'SYN_RECV', ES = 'ESTABLISHED', FW = 'FIN_WAIT', CW = 'CLOSE_WAIT',
  LA = 'LAST_ACK', TW = 'TIME_WAIT', CL = 'CLOSE', S2 = 'SYN_SENT2', IV = 'IV', IG = 'IG';
void NO;
export const TABLE: [Map<Kind, Map<KernelTcpStateName, Next>>, Map<Kind, Map<KernelTcpStateName, Next>>] = [
  // original direction
  new Map<Kind, Map<KernelTcpStateName, Next>>([
    ['syn', row(SS, SS, IG, IG, IG, IG, IG, SS, SS, S2)],
    ['synack', row(IV, IV, SR, IV, IV, IV, IV, IV, IV, SR)],
    ['fin', row(IV, IV, FW, FW, LA, LA, LA, TW, CL, IV)],
    ['ack', row(ES, IV, ES, ES, CW, CW, TW, TW, CL, IV)],
    ['rst', row(IV, CL, CL, CL, CL, CL, CL, CL, CL, CL)],
    ['none', row(IV, IV, IV, IV, IV, IV, IV, IV, IV, IV)],
  ]),
  // reply direction
  new Map<Kind, Map<KernelTcpStateName, Next>>([
    ['syn', row(IV, S2, IV, IV, IV, IV, IV, SS, IV, S2)],
    ['synack', row(IV, SR, IG, IG, IG, IG, IG, IG, IG, SR)],
    ['fin', row(IV, IV, FW, FW, LA, LA, LA, TW, CL, IV)],
    ['ack', row(IV, IG, SR, ES, CW, CW, TW, TW, CL, IG)],
    ['rst', row(IV, CL, CL, CL, CL, CL, CL, CL, CL, CL)],
    ['none', row(IV, IV, IV, IV, IV, IV, IV, IV, IV, IV)],
  ]),
];

/** seq + payload, counting SYN and FIN as one byte each. */
export const segEnd = (t: CtTcpFields): number =>
  u32(t.seq + t.len + (t.flags & TCP.syn ? 1 : 0) + (t.flags & TCP.fin ? 1 : 0));

const MAXACKWINCONST = 66000;
const maxAckWindow = (s: KernelSide): number => (s.maxwin > MAXACKWINCONST ? s.maxwin : MAXACKWINCONST);

export function readOptions(s: KernelSide, t: CtTcpFields): void {
  // A segment without options leaves what was known untouched, as the kernel does.
  if (t.wscale === undefined && !t.sackPerm && t.mss === undefined) return;
  s.scale = 0;
  s.wscaleOpt = false;
  s.sackPerm = !!t.sackPerm;
  if (t.wscale !== undefined) {
    s.scale = Math.min(t.wscale, 14);
    s.wscaleOpt = true;
  }
}

/**
 * A first packet with no entry: returns the new tracking state, or null when the kernel
 * refuses to create one (packet is then +inv).
 */
export function kernelTcpNew(t: CtTcpFields, cfg: KernelConfig): KernelTcp | null {
  if (!kernelFlagsValid(t.flags)) return null;
  const next = TABLE[0].get(kindOf(t.flags))!.get('NONE')!;
  if (next === 'IV' || next === 'IG') return null;
  const s0 = side();
  s0.end = segEnd(t);
  s0.maxwin = t.win === 0 ? 1 : t.win;
  if (next === 'SYN_SENT') {
    s0.maxend = s0.end;
    readOptions(s0, t);
  } else {
    if (!cfg.tcpLoose) return null;
    // Picked up mid-stream: history unknown, so both sides are checked liberally.
    s0.maxend = u32(s0.end + s0.maxwin);
    s0.sackPerm = true;
    s0.liberal = true;
  }
  const s1 = side();
  if (next !== 'SYN_SENT') {
    s1.sackPerm = true;
    s1.liberal = true;
  }
  return {
    state: 'NONE',
    seen: [s0, s1],
    lastDir: 0,
    lastKind: 'none',
    lastSeq: 0,
    lastAck: 0,
    lastEnd: 0,
    lastWin: 0,
    lastWscale: 0,
    lastWscaleOpt: false,
    lastSackPerm: false,
    retrans: 0,
    simultaneousOpen: false,
  };
}

function initSender(snd: KernelSide, rcv: KernelSide, t: CtTcpFields, end: number, dir: 0 | 1): void {
  snd.end = end;
  snd.maxend = end;
  snd.maxwin = t.win === 0 ? 1 : t.win;
  readOptions(snd, t);
  // Window scaling counts only when both SYNs carried the option.
  if (dir === 1 && !(snd.wscaleOpt && rcv.wscaleOpt)) {
    snd.scale = 0;
    rcv.scale = 0;
  }
}

export type WinVerdict = 'accept' | 'ignore' | 'invalid';

export function inWindow(ct: KernelTcp, dir: 0 | 1, kind: Kind, t: CtTcpFields, cfg: KernelConfig): WinVerdict {
  const snd = ct.seen[dir];
  const rcv = ct.seen[dir === 0 ? 1 : 0];
  let seq = u32(t.seq);
  let ack = u32(t.ack);
  let sack = ack;
  let win = t.win;
  let end = segEnd(t);
  const syn = (t.flags & TCP.syn) !== 0;
  const hasAck = (t.flags & TCP.ack) !== 0;
  // Being liberal turns every window complaint into acceptance, without learning from it.
  const complain = (v: WinVerdict): WinVerdict => (snd.liberal || cfg.beLiberal ? 'accept' : v);

  if (snd.maxwin === 0) {
    if (syn) {
      initSender(snd, rcv, t, end, dir);
      if (!hasAck) return 'accept'; // simultaneous open
    } else {
      snd.end = end;
      const swin = u32(win * 2 ** snd.scale);
      snd.maxwin = swin === 0 ? 1 : swin;
      snd.maxend = u32(end + snd.maxwin);
      if (rcv.maxwin === 0) {
        rcv.end = sack;
        rcv.maxend = sack;
      } else if (sack === u32(rcv.end + 1)) {
        rcv.end = u32(rcv.end + 1); // answer to a keepalive
      }
    }
  } else if (syn && after(end, snd.end) && (ct.state === 'SYN_SENT' || ct.state === 'SYN_RECV')) {
    // The sender restarted with a higher ISN: learn it afresh.
    initSender(snd, rcv, t, end, dir);
    if (dir === 1 && !hasAck) return 'accept';
  }

  if (!hasAck) {
    ack = rcv.end;
    sack = rcv.end;
  } else if (t.flags & TCP.rst && ack === 0) {
    ack = rcv.end;
    sack = rcv.end;
  }
  if (t.flags & TCP.rst && seq === 0 && ct.state === 'SYN_SENT') {
    seq = snd.end;
    end = snd.end;
  }

  if (!before(seq, u32(snd.maxend + 1))) {
    const overshot = u32(end - snd.maxend + 1);
    const ackOk = after(sack, u32(rcv.end - maxAckWindow(snd) - 1));
    const inRecv = rcv.maxwin !== 0 && after(end, u32(snd.end - rcv.maxwin - 1));
    if (inRecv && ackOk && overshot <= rcv.maxwin && before(sack, u32(rcv.end + 1))) {
      snd.end = end;
      snd.dataUnack = true;
      return complain('ignore');
    }
    return complain('invalid');
  }
  if (!before(sack, u32(rcv.end + 1))) return complain('invalid'); // acks data never sent
  const inRecv = rcv.maxwin === 0 || after(end, u32(snd.end - rcv.maxwin - 1));
  if (!inRecv) return complain('ignore'); // old, already acknowledged data
  if (!after(sack, u32(rcv.end - maxAckWindow(snd) - 1))) return complain('ignore');

  if (!syn) win = u32(win * 2 ** snd.scale);
  const swin = u32(win + u32(sack - ack));
  if (snd.maxwin < swin) snd.maxwin = swin;
  if (after(end, snd.end)) {
    snd.end = end;
    snd.dataUnack = true;
  }
  if (hasAck) {
    if (!snd.maxackSet) {
      snd.maxack = ack;
      snd.maxackSet = true;
    } else if (after(ack, snd.maxack)) snd.maxack = ack;
  }
  if (rcv.maxwin !== 0 && after(end, snd.maxend)) rcv.maxwin = u32(rcv.maxwin + u32(end - snd.maxend));
  if (after(u32(sack + win), u32(rcv.maxend - 1))) {
    rcv.maxend = u32(sack + win);
    if (win === 0) rcv.maxend = u32(rcv.maxend + 1);
  }
  if (ack === rcv.end) rcv.dataUnack = false;

  if (kind === 'ack') {
    if (ct.lastDir === dir && ct.lastSeq === seq && ct.lastAck === ack && ct.lastEnd === end && ct.lastWin === t.win) {
      ct.retrans++;
    } else {
      ct.lastDir = dir;
      ct.lastSeq = seq;
      ct.lastAck = ack;
      ct.lastEnd = end;
      ct.lastWin = t.win;
      ct.retrans = 0;
    }
  }
  return 'accept';
}

