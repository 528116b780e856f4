// ICMP / ICMPv6 echo-style "connections" (identified by the echo id). Errors are handled
// as RELATED in tuple.ts and the profiles.

import type { KernelTimeouts, UserTpAttr } from './timeouts.js';
import { icmpRequests } from './tuple.js';
import type { CtEntry, CtPacket } from './types.js';

/** Only a request may open an entry (an echo reply alone is +inv). */
export const kernelIcmpNew = (pkt: CtPacket): boolean =>
  pkt.icmp !== undefined && icmpRequests(pkt.l3).has(pkt.icmp.type);

/** Every echo packet refreshes the entry to the ICMP timeout; ICMP is never ASSURED. */
export const kernelIcmpPacket = (e: CtEntry, T: KernelTimeouts): number => (e.l3 === 'ipv4' ? T.icmp : T.icmpv6);

/** The userspace tracker accepts echo requests only (and, for v4, timestamp and info requests). */
export function userIcmpValidNew(pkt: CtPacket): boolean {
  if (!pkt.icmp || pkt.icmp.code !== 0) return false;
  return pkt.l3 === 'ipv4' ? [8, 13, 15].includes(pkt.icmp.type) : pkt.icmp.type === 128;
}

export type IcmpState = 'FIRST' | 'REPLY';

/** Userspace ICMP: icmp_first until a reply, then icmp_reply; +new until the reply. */
export function userIcmpUpdate(state: IcmpState, reply: boolean): { state: IcmpState; attr: UserTpAttr; valid: boolean } {
  if (reply && state === 'FIRST') return { state: 'REPLY', attr: 'icmp_reply', valid: true };
  if (state === 'FIRST') return { state, attr: 'icmp_first', valid: false };
  return { state, attr: 'icmp_reply', valid: true };
}
