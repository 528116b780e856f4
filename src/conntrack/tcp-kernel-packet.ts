// One TCP packet against an existing (or just created) kernel entry: the state
// transition, the special cases the kernel layers on the table (reopen from TIME_WAIT,
// resync after an ignored SYN, RST sequence rules), then the timeout choice.

import type { KernelConfig } from './profiles.js';
import { before } from './seq.js';
import {
  TABLE,
  inWindow,
  kernelFlagsValid,
  kindOf,
  readOptions,
  segEnd,
  type KernelSide,
  type KernelTcp,
} from './tcp-kernel.js';
import type { KernelTcpStateName } from './timeouts.js';
import { TCP, type CtTcpFields } from './types.js';

export interface KernelTcpCtx {
  seenReply: boolean;
  assured: boolean;
  /** Remaining lifetime in ms (the invalid FIN/RST rule looks at it). */
  remainingMs: number;
}

/** What the table must do after the packet. */
export interface KernelTcpOutcome {
  /** accept: tracked (+est/+new); invalid: +inv, entry untouched; kill: destroy entry;
   *  reopen: destroy and look the packet up again as a new connection. */
  verdict: 'accept' | 'invalid' | 'kill' | 'reopen';
  /** New timeout in seconds; undefined = leave the timer alone. */
  timeoutSec?: number;
  stateChanged: boolean;
  setAssured: boolean;
}

const ORDER: KernelTcpStateName[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
];
const rank = (s: KernelTcpStateName): number => ORDER.indexOf(s);
const EARLY_DROP = new Set<KernelTcpStateName>(['FIN_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT']);

const keep = (): KernelTcpOutcome => ({ verdict: 'accept', stateChanged: false, setAssured: false });
const invalid = (timeoutSec?: number): KernelTcpOutcome => ({
  verdict: 'invalid',
  timeoutSec,
  stateChanged: false,
  setAssured: false,
});

const resetSide = (s: KernelSide): void => {
  s.end = 0;
  s.maxend = 0;
  s.maxwin = 0;
  s.maxack = 0;
  s.scale = 0;
  const liberal = s.liberal;
  Object.assign(s, { wscaleOpt: false, sackPerm: false, closeInit: false, dataUnack: false, maxackSet: false });
  s.liberal = liberal;
};

export function kernelTcpPacket(
  ct: KernelTcp,
  dir: 0 | 1,
  t: CtTcpFields,
  cfg: KernelConfig,
  cx: KernelTcpCtx,
): KernelTcpOutcome {
  if (!kernelFlagsValid(t.flags)) return invalid();
  const T = cfg.timeouts;
  const kind = kindOf(t.flags);
  let old = ct.state;
  let next = TABLE[dir].get(kind)!.get(old)!;
  const other = dir === 0 ? 1 : 0;
  let skipWindow = false;
  const established = old === 'ESTABLISHED' && cx.assured;

  if (next === 'SYN_SENT' && rank(old) >= rank('TIME_WAIT')) {
    // A SYN on a closed/closing entry: start over if the old one was really closed.
    if (ct.seen[dir].closeInit || ct.seen[other].closeInit || (ct.lastDir === dir && ct.lastKind === 'rst')) {
      return { verdict: 'reopen', stateChanged: false, setAssured: false };
    }
    next = 'IG';
  }
  if (next === 'IG') {
    if (kind === 'synack' && ct.lastKind === 'syn' && ct.lastDir !== dir && t.ack >>> 0 === ct.lastEnd) {
      // This SYN-ACK answers a SYN we let through unchecked: both ends are in sync, we were not.
      old = 'SYN_SENT';
      next = 'SYN_RECV';
      const s = ct.seen[ct.lastDir];
      s.end = ct.lastEnd;
      s.maxend = ct.lastEnd;
      s.maxwin = ct.lastWin === 0 ? 1 : ct.lastWin;
      s.scale = ct.lastWscale;
      s.wscaleOpt = ct.lastWscaleOpt;
      s.sackPerm = ct.lastSackPerm;
      resetSide(ct.seen[dir]);
    } else {
      ct.lastKind = kind;
      ct.lastDir = dir;
      ct.lastSeq = t.seq >>> 0;
      ct.lastEnd = segEnd(t);
      ct.lastWin = t.win;
      if (kind === 'syn' && dir === 0) {
        const probe: KernelSide = { ...ct.seen[0], scale: 0, wscaleOpt: false, sackPerm: false };
        readOptions(probe, t);
        ct.lastWscale = probe.wscaleOpt ? probe.scale : 0;
        ct.lastWscaleOpt = probe.wscaleOpt;
        ct.lastSackPerm = probe.sackPerm;
      }
      if (old === 'SYN_SENT' && kind === 'ack' && dir === 1) ct.lastAck = t.ack >>> 0;
      // Let it through untouched: no state change, no refresh.
      return keep();
    }
  } else if (next === 'IV') {
    return invalid();
  } else if (next === 'SYN_SENT2') {
    ct.simultaneousOpen = true;
  } else if (next === 'SYN_RECV') {
    if (dir === 1 && kind === 'ack' && ct.simultaneousOpen) next = 'ESTABLISHED';
  } else if (next === 'CLOSE' && kind === 'rst') {
    if (EARLY_DROP.has(old)) skipWindow = true;
    else {
      const peer = ct.seen[other];
      if (peer.maxackSet && ct.lastKind !== 'syn') {
        const seq = t.seq >>> 0;
        if (!(seq === 0 && !established)) {
          if (before(seq, peer.maxack) && !cfg.ignoreInvalidRst) return invalid();
          if (established && seq !== peer.maxack) {
            const inTrain = ct.lastKind === 'ack' && ct.lastDir === dir && seq === ct.lastEnd;
            // Not the exact expected sequence: keep the state, leave room for a challenge ACK.
            if (!inTrain) next = old;
          }
        }
      }
      if (
        ((cx.seenReply && ct.lastKind === 'syn') || (!cx.assured && ct.lastKind === 'ack')) &&
        t.ack >>> 0 === ct.lastEnd
      ) {
        skipWindow = true; // RST answering a SYN/ACK we let through unchecked
      } else if (old === 'SYN_SENT' && ct.lastKind === 'ack' && ct.lastDir === 1 && t.seq >>> 0 === ct.lastAck) {
        skipWindow = true; // RST answering a challenge ACK
      }
    }
  }

  if (!skipWindow) {
    const w = inWindow(ct, dir, kind, t, cfg);
    if (w === 'ignore') return keep();
    if (w === 'invalid') return invalid(shrinkOnInvalid(ct, dir, kind, cfg, cx));
  }

  ct.lastKind = kind;
  ct.lastDir = dir;
  const newState = next as KernelTcpStateName;
  ct.state = newState;
  if (old !== newState && newState === 'FIN_WAIT') ct.seen[dir].closeInit = true;

  const forState = T.tcp.get(newState)!;
  let timeout: number;
  if (ct.retrans >= cfg.maxRetrans && forState > T.tcpRetrans) timeout = T.tcpRetrans;
  else if (kind === 'rst') timeout = T.tcp.get('CLOSE')!;
  else if ((ct.seen[0].dataUnack || ct.seen[1].dataUnack) && forState > T.tcpUnack) timeout = T.tcpUnack;
  else if (ct.lastWin === 0 && forState > T.tcpRetrans) timeout = T.tcpRetrans;
  else timeout = forState;

  const stateChanged = old !== newState;
  if (!cx.seenReply) {
    // Only a RST came back (or the originator gave up): the entry goes at once.
    if (t.flags & TCP.rst) return { verdict: 'kill', stateChanged, setAssured: false };
    // A retransmitted SYN must not keep the entry alive forever.
    if (kind === 'syn' && old === 'SYN_SENT') return { verdict: 'accept', stateChanged, setAssured: false };
    // Picked up mid-stream and no answer yet: no long ESTABLISHED timeout.
    if (newState === 'ESTABLISHED' && timeout > T.tcpUnack) timeout = T.tcpUnack;
    return { verdict: 'accept', timeoutSec: timeout, stateChanged, setAssured: false };
  }
  const setAssured = !cx.assured && (old === 'SYN_RECV' || old === 'ESTABLISHED') && newState === 'ESTABLISHED';
  return { verdict: 'accept', timeoutSec: timeout, stateChanged, setAssured };
}

/** An out-of-window FIN/RST answering the peer's FIN/RST shortens an assured entry's life. */
function shrinkOnInvalid(
  ct: KernelTcp,
  dir: 0 | 1,
  kind: string,
  cfg: KernelConfig,
  cx: KernelTcpCtx,
): number | undefined {
  if (!cx.assured || (kind !== 'rst' && kind !== 'fin')) return undefined;
  if (ct.lastDir !== dir && (ct.lastKind === 'fin' || ct.lastKind === 'rst')) {
    if (cx.remainingMs < 120_000) return undefined;
    const unack = cfg.timeouts.tcpUnack;
    return cx.remainingMs > unack * 1000 ? unack : undefined;
  }
  ct.lastKind = kind as KernelTcp['lastKind'];
  ct.lastDir = dir;
  return undefined;
}
