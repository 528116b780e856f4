// FTP on a NATed connection, userspace profile (OVS 3.1 lib/conntrack.c, recorded in
// test/oracle/alg-nat-userspace and alg-ext-userspace). Only when the ct() action itself has `nat`:
// - a PORT / 227 line's address (not its port) is replaced by the address the other side
//   sees: PORT by the reply tuple's destination, 227 by the original destination; an IPv6
//   EPRT's by the reply tuple's destination in short form (an EXTENDED PASSIVE reply names
//   no address and stays as it is);
// - the connection keeps ONE shift and the direction it applies to: a later rewrite adds
//   its difference to it and takes its direction (OVS keeps no correction point, so a
//   retransmitted line is shifted too). Segments of that direction go out with seq +
//   shift; the others with ack − shift, taken off before TCP tracking sees the packet
//   (an address line is shifted only after tracking, by the shift before its own);
// - the expectation carries the NAT for the data connection, which a ct(commit,nat)
//   applies (the expectation's address, its port unchanged).

import { userFtpLine } from './alg-ftp.js';
import { formatIp } from './addr.js';
import { ftpAddr, splice, type ExpectNat, type TcpRewrite } from './alg-nat.js';
import type { CtEntry, CtTcpFields, L3 } from './types.js';

/** The connection's shift and the direction it applies to (OVS conn->seq_skew / seq_skew_dir). */
export interface UserSkew {
  skew: number;
  dir: 0 | 1;
}

/** Is the payload an address line (OVS detect_ftp_ctl_type: PORT / 227 on IPv4, EPRT / EXTENDED PASSIVE on IPv6)? */
export function isAddressLine(payload: Uint8Array | undefined, l3: L3): boolean {
  return userFtpLine(payload ?? new Uint8Array(), l3).kind !== 'other';
}

/** The TCP fields tracking sees: a segment against the shift's direction has its ack taken back first. */
export function userTrackedTcp(s: UserSkew | undefined, dir: 0 | 1, tcp: CtTcpFields, l3: L3): CtTcpFields {
  if (!s || s.skew === 0 || dir === s.dir || isAddressLine(tcp.payload, l3)) return tcp;
  return { ...tcp, ack: (tcp.ack - s.skew) >>> 0 };
}

/** A segment's seq/ack on the way out, shifted by the connection's current shift. */
export function userSeqAdjust(s: UserSkew | undefined, dir: 0 | 1, tcp: CtTcpFields, payload?: Uint8Array): TcpRewrite {
  const out: TcpRewrite = { seq: tcp.seq >>> 0, ack: tcp.ack >>> 0 };
  if (s && s.skew !== 0) {
    if (dir !== s.dir) out.ack = (tcp.ack - s.skew) >>> 0;
    else out.seq = (tcp.seq + s.skew) >>> 0;
  }
  if (payload) out.payload = payload;
  return out;
}

/** The address written into a PORT (`port`) or 227 (`pasv`) line of connection `e`. */
export const userReplacement = (e: CtEntry, kind: 'port' | 'pasv'): bigint => (kind === 'port' ? e.reply.dst : e.orig.dst);

/** The payload with the line's address (`at`, `size` bytes) replaced; returns it and the length change. */
export function userRewrite(b: Uint8Array, at: number, size: number, addr: bigint, l3: L3): { payload: Uint8Array; delta: number } {
  const text = l3 === 'ipv4' ? ftpAddr(addr) : formatIp('ipv6', addr);
  return { payload: splice(b, at, size, text), delta: text.length - size };
}

/**
 * The NAT an expectation of a NATed master gives the data connection (OVS
 * expectation_create): from the side that did not send the line, towards the real
 * address of the side that did.
 */
export function userExpectNat(m: CtEntry, reply: boolean): ExpectNat {
  const dnat = m.nat.kind === 'dst';
  if (reply) return dnat ? { kind: 'dst', addr: m.reply.src } : { kind: 'src', addr: m.reply.dst };
  return dnat ? { kind: 'src', addr: m.orig.dst } : { kind: 'dst', addr: m.orig.src };
}
