// FTP on a NATed connection, kernel profile (Linux nf_nat_ftp and the conntrack sequence
// adjustment it sets up, as recorded in test/oracle/alg-nat-kernel):
// - the numbers of a PORT / 227 line (address and port) are written again with the
//   address the other side sees (the opposite direction's destination); the port stays
//   unless another master already expects it, then the next free one is announced;
// - each direction keeps one correction point: segments starting after it are shifted by
//   the new total, a segment at or before it (the rewritten one, a retransmission) by the
//   total before it; the other side's acks are shifted back the same way;
// - the data connection is DNATed back to the announced real address and port.

import { ftpAddr, seqAfter, seqBefore, type ExpectNat, type TcpRewrite } from './alg-nat.js';
import type { CtEntry, CtTcpFields } from './types.js';

/** One direction's sequence correction (nf_ct_seqadj's correction_pos / offset_before / offset_after). */
export interface SeqAdj {
  pos: number;
  before: number;
  after: number;
}

export type KernelSeqAdj = [SeqAdj, SeqAdj];

/** The new text of a PORT / 227 line's numbers and the expectation's NAT, or undefined when the port search fails. */
export interface KernelFtpNat {
  text: string;
  port: number;
  nat: ExpectNat;
}

/**
 * The rewrite for a line from direction `dir` announcing `port`: the address the other side
 * reaches us by, and the first port from `port` up that `free` accepts.
 */
export function kernelFtpNat(e: CtEntry, dir: 0 | 1, port: number, free: (port: number) => boolean): KernelFtpNat | undefined {
  const own = dir === 0 ? e.orig : e.reply;
  const seen = dir === 0 ? e.reply.dst : e.orig.dst;
  let p = port;
  while (p !== 0 && p <= 65535 && !free(p)) p++;
  if (p === 0 || p > 65535) return undefined;
  return { text: `${ftpAddr(seen)},${p >> 8},${p & 255}`, port: p, nat: { kind: 'dst', addr: own.src, port } };
}

/** Records that the segment at `seq` of direction `dir` grew by `off` bytes (nf_ct_seqadj_set). */
export function kernelSeqAdjSet(adj: KernelSeqAdj, dir: 0 | 1, seq: number, off: number): void {
  if (off === 0) return;
  const t = adj[dir];
  if (t.before === t.after || seqBefore(t.pos, seq)) {
    t.pos = seq;
    t.before = t.after;
    t.after += off;
  }
}

/** A segment's seq/ack on the way out (nf_ct_seq_adjust). */
export function kernelSeqAdjust(adj: KernelSeqAdj, dir: 0 | 1, tcp: CtTcpFields, payload?: Uint8Array): TcpRewrite {
  const t = adj[dir];
  const o = adj[1 - dir]!;
  const seqoff = seqAfter(tcp.seq >>> 0, t.pos) ? t.after : t.before;
  const ackoff = seqAfter((tcp.ack - o.before) >>> 0, o.pos) ? o.after : o.before;
  const out: TcpRewrite = { seq: (tcp.seq + seqoff) >>> 0, ack: (tcp.ack - ackoff) >>> 0 };
  if (payload) out.payload = payload;
  return out;
}

/**
 * What the TCP tracker compares: the ack taken back into the receiver's own numbering
 * (tcp_in_window subtracts the receiver's offset), so windows stay those of the real ends.
 */
export function kernelTrackedTcp(adj: KernelSeqAdj, dir: 0 | 1, tcp: CtTcpFields): CtTcpFields {
  const o = adj[1 - dir]!;
  const off = seqAfter((tcp.ack - 1) >>> 0, o.pos) ? o.after : o.before;
  return off === 0 ? tcp : { ...tcp, ack: (tcp.ack - off) >>> 0 };
}

export const newKernelSeqAdj = (): KernelSeqAdj => [{ pos: 0, before: 0, after: 0 }, { pos: 0, before: 0, after: 0 }];
