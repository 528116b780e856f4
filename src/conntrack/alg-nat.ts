// FTP on a NATed connection (ct(commit,alg=ftp,nat(...))): what both profiles share.
// The address a PORT command or 227 reply announces is the sender's real one, which the
// other side cannot reach; the tracker writes the translated address into the payload.
// The text usually changes length, so every later segment of that direction is shifted
// by the difference (its seq on the way out, the other side's ack on the way back), and
// the data connection the line announces is NATed back to the real address.
// Recorded in test/oracle/alg-nat-{kernel,userspace}. Each profile keeps its own
// bookkeeping of the shift (alg-nat-kernel.ts, alg-nat-user.ts).

import type { CtEntry, CtPacket, CtResult, CtTcpFields, CtTuple } from './types.js';

/** What a helper did to a TCP segment: its seq/ack on the way out and, when rewritten, its payload. */
export interface TcpRewrite {
  seq: number;
  ack: number;
  payload?: Uint8Array;
}

/**
 * The NAT an expectation gives the connection it makes: `dst` rewrites the reply tuple's
 * source (the data connection is DNATed to the real address), `src` its destination.
 * `port`: the real port, when the helper announced another one.
 */
export interface ExpectNat {
  kind: 'src' | 'dst';
  addr: bigint;
  port?: number;
}

/** Binds a new connection an expectation made to the expectation's NAT (before it is committed). */
export function bindExpected(e: CtEntry, n: ExpectNat): void {
  const r: CtTuple = { ...e.reply };
  if (n.kind === 'dst') {
    r.src = n.addr;
    if (n.port !== undefined) r.sport = n.port;
  } else {
    r.dst = n.addr;
    if (n.port !== undefined) r.dport = n.port;
  }
  e.reply = r;
  e.nat = { kind: n.kind };
}

/** `a,b,c,d` — an IPv4 address as FTP writes it. */
export const ftpAddr = (a: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((a >> s) & 255n)).join(',');

/** The payload with bytes [at, at+size) replaced by `text`. */
export function splice(b: Uint8Array, at: number, size: number, text: string): Uint8Array {
  const out = new Uint8Array(b.length - size + text.length);
  out.set(b.subarray(0, at), 0);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  out.set(b.subarray(at + size), at + text.length);
  return out;
}

/** Sequence-number comparisons modulo 2^32 (RFC 793 `after`, `before`). */
export const seqAfter = (a: number, b: number): boolean => ((b - a) | 0) < 0;
export const seqBefore = (a: number, b: number): boolean => ((a - b) | 0) < 0;

/** The packet's NAT result with the helper's TCP rewrite added (kept for a later ct() in the zone). */
export function withTcpRewrite(r: CtResult, cache: { natPkt?: CtResult['natted'] }, pkt: CtPacket, t: TcpRewrite): CtResult {
  const n = { ...(cache.natPkt ?? { src: pkt.src, dst: pkt.dst, sport: pkt.sport, dport: pkt.dport }), tcp: t };
  cache.natPkt = n;
  r.natted = n;
  return r;
}

/** The packet as TCP tracking sees it, with `tcp` in place of its own TCP fields. */
export const withTcp = (pkt: CtPacket, tcp: CtTcpFields): CtPacket => (tcp === pkt.tcp ? pkt : { ...pkt, tcp });
