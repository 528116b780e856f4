// UDP (kernel) and the userspace tracker's "other" protocols (UDP and everything that
// is not TCP or ICMP).

import type { KernelTimeouts, UserTpAttr } from './timeouts.js';
import type { CtEntry } from './types.js';

/**
 * Kernel UDP: 30 s until a reply was seen; once traffic went both ways, the first packet
 * (either direction) more than 2 s after creation makes the entry ASSURED and 120 s.
 * The reply itself never qualifies: SEEN_REPLY is set only after it was handled.
 */
export function kernelUdpPacket(
  e: CtEntry,
  streamTsMs: number,
  nowMs: number,
  T: KernelTimeouts,
): { timeoutSec: number; setAssured: boolean } {
  if (!e.status.seenReply) return { timeoutSec: T.udp, setAssured: false };
  if (nowMs > streamTsMs) return { timeoutSec: T.udpStream, setAssured: !e.status.assured };
  return { timeoutSec: T.udp, setAssured: false };
}

export type OtherState = 'FIRST' | 'MULTIPLE' | 'BIDIR';

/**
 * Userspace "other": FIRST on creation, MULTIPLE after more packets one way, BIDIR once
 * the reply side spoke. Until BIDIR every packet is still +new.
 */
export function userOtherUpdate(
  state: OtherState,
  reply: boolean,
): { state: OtherState; attr: UserTpAttr; valid: boolean } {
  let s = state;
  if (reply && s !== 'BIDIR') s = 'BIDIR';
  else if (s === 'FIRST') s = 'MULTIPLE';
  const attr: UserTpAttr = s === 'MULTIPLE' ? 'udp_single' : 'udp_multiple';
  return { state: s, attr, valid: s === 'BIDIR' };
}
