// GRE as the Linux kernel tracks it (nf_conntrack_proto_gre, Linux 6.18). Recorded:
// test/oracle/kernel-gre.
//
// - Tuple: version 0 GRE (and anything but PPTP's enhanced GRE) has keys 0 both ways, so
//   it is one entry per address pair. Version 1 (PPTP) puts the call id of the packet's
//   key in the destination key; the source key comes from the PPTP helper's key map, which
//   ctflow does not emulate (no ALG helpers), so it is 0, as recorded without the helper:
//   the two directions of a PPTP call are then two separate entries.
// - Timeouts: nf_conntrack_gre_timeout (30 s) until a reply was seen; after that every
//   packet sets nf_conntrack_gre_timeout_stream (180 s) and the first one makes the entry
//   ASSURED. The reply itself still gets the short timeout (SEEN_REPLY is set after it).
//
// The OVS userspace tracker has no GRE tracker: "other" protocol, keys 0, udp_* timeouts.

import type { KernelTimeouts } from './timeouts.js';
import type { CtEntry, CtPacket } from './types.js';

export const IPPROTO_GRE = 47;

/** The (source key, destination key) pair of a GRE packet's original-direction tuple. */
export function greKeys(pkt: CtPacket): { sport: number; dport: number } {
  if (pkt.gre?.version === 1) return { sport: 0, dport: pkt.gre.key & 0xffff };
  return { sport: 0, dport: 0 };
}

export function kernelGrePacket(e: CtEntry, T: KernelTimeouts): { timeoutSec: number; setAssured: boolean } {
  if (!e.status.seenReply) return { timeoutSec: T.gre, setAssured: false };
  return { timeoutSec: T.greStream, setAssured: !e.status.assured };
}

/** `srckey=0x0 dstkey=0x1111`, as conntrack prints a GRE tuple's keys. */
export const formatGreKeys = (sport: number, dport: number): string =>
  `srckey=0x${sport.toString(16)} dstkey=0x${dport.toString(16)}`;
