// TCP tracking as OVS 3.1's userspace conntrack does it (lib/conntrack-tcp.c, derived
// from OpenBSD pf): one state per direction (pf names), a window check per peer, and a
// timer chosen from the pair of states.

import type { UserspaceConfig } from './profiles.js';
import { seqGeq, seqGt, u32 } from './seq.js';
import type { UserTpAttr } from './timeouts.js';
import { TCP, type CtTcpFields } from './types.js';

/** Per-direction states, in the order OVS compares them (ct_dpif_tcp_state). */
export const USER_TCP_STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'CLOSE_WAIT',
  'FIN_WAIT_1',
  'CLOSING',
  'LAST_ACK',
  'FIN_WAIT_2',
  'TIME_WAIT',
] as const;
export type UserTcpStateName = (typeof USER_TCP_STATES)[number];
const R = (s: UserTcpStateName): number => USER_TCP_STATES.indexOf(s);

const WSCALE_FLAG = 0x80;
const WSCALE_UNKNOWN = 0x40;
const WSCALE_MASK = 0x0f;
const MAX_WSCALE = 14;
const MAXACKWINDOW = 0xffff + 1500;

export interface UserTcpPeer {
  seqlo: number;
  seqhi: number;
  maxWin: number;
  /** Window-scale byte: WSCALE_FLAG when the option was seen, WSCALE_UNKNOWN on mid-stream pickup. */
  wscale: number;
  state: UserTcpStateName;
}

export interface UserTcp {
  peer: [UserTcpPeer, UserTcpPeer];
  /** Set for entries loaded from a dump (which has no sequence numbers): the first
   *  packet from that side re-learns its sequence space instead of being checked. */
  unsynced?: [boolean, boolean];
}

export type UserUpdate = 'valid' | 'invalid' | 'new' | 'valid_new';

/** pf's flag sanity check (pf_normalize_tcp). */
export function userTcpInvalidFlags(f: number): boolean {
  if (f & TCP.syn) {
    if (f & (TCP.rst | TCP.fin)) return true;
  } else if (!(f & (TCP.ack | TCP.rst))) return true;
  if (!(f & TCP.ack) && f & (TCP.fin | TCP.psh | TCP.urg)) return true;
  return false;
}

/** May this packet create a connection? (SYN-ACK may not: half-open is not allowed.) */
export function userTcpValidNew(t: CtTcpFields): boolean {
  if (userTcpInvalidFlags(t.flags)) return false;
  return !((t.flags & TCP.syn) && (t.flags & TCP.ack));
}

const wscaleOf = (t: CtTcpFields): number =>
  t.wscale === undefined ? 0 : Math.min(t.wscale, MAX_WSCALE) | WSCALE_FLAG;

export function userTcpNew(t: CtTcpFields): { s: UserTcp; attr: UserTpAttr } {
  const src: UserTcpPeer = { seqlo: u32(t.seq), seqhi: 0, maxWin: 0, wscale: 0, state: 'SYN_SENT' };
  const dst: UserTcpPeer = { seqlo: 0, seqhi: 1, maxWin: 1, wscale: 0, state: 'CLOSED' };
  src.seqhi = u32(src.seqlo + t.len + 1);
  if (t.flags & TCP.syn) {
    src.seqhi = u32(src.seqhi + 1);
    src.wscale = wscaleOf(t);
  } else {
    // Picked up mid-stream: scale unknown, so be liberal both ways (shown as BE_LIBERAL).
    src.wscale = WSCALE_UNKNOWN;
    dst.wscale = WSCALE_UNKNOWN;
  }
  src.maxWin = Math.max(t.win, 1);
  if (src.wscale & WSCALE_MASK) src.maxWin = Math.ceil(src.maxWin / 2 ** (src.wscale & WSCALE_MASK));
  if (t.flags & TCP.fin) src.seqhi = u32(src.seqhi + 1);
  return { s: { peer: [src, dst] }, attr: 'tcp_syn_sent' };
}

/** Timer attribute for a pair of per-direction states (after an accepted packet). */
function timerFor(a: UserTcpPeer, b: UserTcpPeer): UserTpAttr {
  const ge = (p: UserTcpPeer, s: UserTcpStateName): boolean => R(p.state) >= R(s);
  if (ge(a, 'FIN_WAIT_2') && ge(b, 'FIN_WAIT_2')) return 'tcp_close';
  if (ge(a, 'CLOSING') && ge(b, 'CLOSING')) return 'tcp_time_wait';
  if (R(a.state) < R('ESTABLISHED') || R(b.state) < R('ESTABLISHED')) return 'tcp_syn_recv';
  if (ge(a, 'CLOSING') || ge(b, 'CLOSING')) return 'tcp_fin_wait';
  return 'tcp_established';
}

/** Result of one packet: the verdict and, when the timer must be reset, from which attribute. */
export interface UserTcpOutcome {
  res: UserUpdate;
  attr?: UserTpAttr;
}

const shl = (v: number, n: number): number => u32(v * 2 ** n);

export function userTcpUpdate(ct: UserTcp, reply: boolean, t: CtTcpFields, cfg: UserspaceConfig): UserTcpOutcome {
  const src = ct.peer[reply ? 1 : 0];
  const dst = ct.peer[reply ? 0 : 1];
  const f = t.flags;
  let win = t.win;
  let sws = 0;
  let dws = 0;
  if (userTcpInvalidFlags(f)) return { res: 'invalid' };

  if ((f & (TCP.syn | TCP.ack)) === TCP.syn) {
    if (R(dst.state) >= R('FIN_WAIT_2') && R(src.state) >= R('FIN_WAIT_2')) {
      src.state = 'CLOSED';
      dst.state = 'CLOSED';
      return { res: 'new' };
    }
    if (R(src.state) <= R('SYN_SENT')) {
      // Retransmitted (or simultaneous) SYN: still opening, timer back to syn_sent.
      src.state = 'SYN_SENT';
      return { res: 'valid_new', attr: 'tcp_syn_sent' };
    }
  }
  if (src.wscale & WSCALE_FLAG && dst.wscale & WSCALE_FLAG && !(f & TCP.syn)) {
    sws = src.wscale & WSCALE_MASK;
    dws = dst.wscale & WSCALE_MASK;
  } else if (src.wscale & WSCALE_UNKNOWN && dst.wscale & WSCALE_UNKNOWN && !(f & TCP.syn)) {
    sws = MAX_WSCALE;
    dws = MAX_WSCALE;
  }

  const origSeq = u32(t.seq);
  let seq = origSeq;
  let ack: number;
  let end: number;
  const si = reply ? 1 : 0;
  let checkAckskew = !ct.unsynced?.[1 - si];
  if (ct.unsynced?.[si]) {
    ct.unsynced[si] = false;
    src.seqlo = seq;
    src.seqhi = u32(seq + t.len + 2 + Math.max(1, shl(dst.maxWin, dws)));
    src.maxWin = Math.max(src.maxWin, win, 1);
    checkAckskew = false;
  }
  if (R(src.state) < R('SYN_SENT')) {
    // First packet seen from this side.
    ack = u32(t.ack);
    end = u32(seq + t.len);
    if (f & TCP.syn) {
      end = u32(end + 1);
      if (dst.wscale & WSCALE_FLAG) {
        src.wscale = wscaleOf(t);
        if (src.wscale & WSCALE_FLAG) {
          sws = src.wscale & WSCALE_MASK;
          win = Math.ceil(win / 2 ** sws);
          dws = dst.wscale & WSCALE_MASK;
        } else {
          dst.maxWin = shl(dst.maxWin, dst.wscale & WSCALE_MASK) & 0xffff;
          dst.wscale = 0;
        }
      }
    }
    if (f & TCP.fin) end = u32(end + 1);
    src.seqlo = seq;
    src.state = 'SYN_SENT';
    const reach = u32(end + Math.max(1, shl(dst.maxWin, dws)));
    if (src.seqhi === 1 || seqGeq(reach, src.seqhi)) {
      src.seqhi = reach;
      checkAckskew = false;
    }
    if (win > src.maxWin) src.maxWin = win;
  } else {
    ack = u32(t.ack);
    end = u32(seq + t.len + (f & TCP.syn ? 1 : 0) + (f & TCP.fin ? 1 : 0));
  }

  if (!(f & TCP.ack)) ack = dst.seqlo;
  else if (ack === 0 && (f & (TCP.ack | TCP.rst)) === (TCP.ack | TCP.rst)) ack = dst.seqlo;
  if (seq === end) {
    // No data: do not hold it to sequence limits.
    seq = src.seqlo;
    end = seq;
  }

  const ackskew = checkAckskew ? u32(dst.seqlo - ack) | 0 : 0;
  const rstOk =
    (f & TCP.rst) === 0 ||
    origSeq === src.seqlo ||
    origSeq === u32(src.seqlo + 1) ||
    u32(origSeq + 1) === src.seqlo;
  const inWindow =
    seqGeq(src.seqhi, end) &&
    seqGeq(seq, u32(src.seqlo - shl(dst.maxWin, dws))) &&
    ackskew >= -MAXACKWINDOW &&
    ackskew <= MAXACKWINDOW * 2 ** sws &&
    rstOk;

  const learn = (): void => {
    if (src.maxWin < win) src.maxWin = win & 0xffff;
    if (seqGt(end, src.seqlo)) src.seqlo = end;
    const reach = u32(ack + shl(win, sws));
    if (seqGeq(reach, dst.seqhi)) dst.seqhi = u32(ack + Math.max(shl(win, sws), 1));
  };

  if (inWindow || !cfg.tcpSeqCheck) {
    learn();
    if (f & TCP.syn && R(src.state) < R('SYN_SENT')) src.state = 'SYN_SENT';
    if (f & TCP.fin && R(src.state) < R('CLOSING')) src.state = 'CLOSING';
    if (f & TCP.ack) {
      if (dst.state === 'SYN_SENT') dst.state = 'ESTABLISHED';
      else if (dst.state === 'CLOSING') dst.state = 'FIN_WAIT_2';
    }
    if (f & TCP.rst) {
      src.state = 'TIME_WAIT';
      dst.state = 'TIME_WAIT';
    }
    return { res: 'valid', attr: timerFor(src, dst) };
  }
  const looseOk =
    (R(dst.state) < R('SYN_SENT') || R(dst.state) >= R('FIN_WAIT_2') || R(src.state) >= R('FIN_WAIT_2')) &&
    seqGeq(u32(src.seqhi + MAXACKWINDOW), end) &&
    seqGeq(seq, u32(src.seqlo - MAXACKWINDOW));
  if (looseOk) {
    // Shotgunned SYNs, a stream picked up late, or stray segments after a close:
    // accepted, but the timer is not refreshed (a flood must not keep the entry alive).
    learn();
    if (f & TCP.fin && R(src.state) < R('CLOSING')) src.state = 'CLOSING';
    if (f & TCP.rst) {
      src.state = 'TIME_WAIT';
      dst.state = 'TIME_WAIT';
    }
    return { res: 'valid' };
  }
  return { res: 'invalid' };
}

/** `flags_orig=` / `flags_reply=` words for `dpctl/dump-conntrack -m`. */
export function userPeerFlags(p: UserTcpPeer): string[] {
  const out: string[] = [];
  if (p.wscale & WSCALE_FLAG) out.push('WINDOW_SCALE');
  if (p.wscale & WSCALE_UNKNOWN) out.push('BE_LIBERAL');
  return out;
}

/** Window scale shown by `-m` when the side has the option. */
export const userPeerWscale = (p: UserTcpPeer): number | undefined =>
  p.wscale & WSCALE_FLAG ? p.wscale & WSCALE_MASK : undefined;

/** The one state the plain dump prints: the later of the two, FIN_WAIT_2 as TIME_WAIT, SYN_RECV as ESTABLISHED. */
export function userPlainState(ct: UserTcp): UserTcpStateName {
  const s = R(ct.peer[0].state) >= R(ct.peer[1].state) ? ct.peer[0].state : ct.peer[1].state;
  if (s === 'FIN_WAIT_2') return 'TIME_WAIT';
  if (s === 'SYN_RECV') return 'ESTABLISHED';
  return s;
}
