// FTP on a NATed connection, kernel profile (Linux nf_nat_ftp and the conntrack sequence
// adjustment it sets up, as recorded in test/oracle/alg-nat-kernel):
// - the argument of a PORT / EPRT / 227 / 229 line is written again with the address the
//   other side sees (the opposite direction's destination): PORT / 227 as six numbers,
//   EPRT as |1|a.b.c.d|port| or |2|all eight IPv6 groups, four digits each|port|, 229 as
//   |||port|; the port stays unless another master already expects it, then the next
//   free one is announced (recorded in test/oracle/alg-ext-kernel too);
// - each direction keeps one correction point: segments starting after it are shifted by
//   the new total, a segment at or before it (the rewritten one, a retransmission) by the
//   total before it; the other side's acks are shifted back the same way;
// - the data connection follows its master (nf_nat_follow_master): it is DNATed to the
//   real address and port the line announced when the line's sender is the NATed side
//   (PORT through SNAT, 227 through DNAT), SNATed to the address the sender's side sees
//   when the other side is (227 / 229 to a client behind SNAT, PORT / EPRT to a VIP);
// - TFTP (nf_nat_tftp): the server's answer likewise, as if the request had announced
//   the client's port: SNATed to the address the client sent to, or DNATed to the client.

import { formatIp } from './addr.js';
import type { FtpCommand } from './alg-ftp.js';
import { CtUnsupportedError } from './alg.js';
import { ftpAddr, seqAfter, seqBefore, type ExpectNat, type TcpRewrite } from './alg-nat.js';
import type { CtEntry, CtTcpFields } from './types.js';

/** One direction's sequence correction (nf_ct_seqadj's correction_pos / offset_before / offset_after). */
export interface SeqAdj {
  pos: number;
  before: number;
  after: number;
}

export type KernelSeqAdj = [SeqAdj, SeqAdj];

/** The new text of a line's argument and the expectation's NAT, or undefined when the port search fails. */
export interface KernelFtpNat {
  text: string;
  port: number;
  nat: ExpectNat | undefined;
}

/** An IPv6 address as the kernel's %pI6 prints it: eight groups of four lowercase digits. */
const fullIpv6 = (a: bigint): string => (a.toString(16).padStart(32, '0').match(/.{4}/g) ?? []).join(':');

/** The text nf_nat_ftp writes in place of a command's argument. */
function commandText(type: FtpCommand, e: CtEntry, addr: bigint, p: number): string {
  if (type === 'epsv') return `|||${p}|`;
  if (type !== 'eprt') return `${ftpAddr(addr)},${p >> 8},${p & 255}`;
  return e.l3 === 'ipv4' ? `|1|${formatIp('ipv4', addr)}|${p}|` : `|2|${fullIpv6(addr)}|${p}|`;
}

/**
 * The rewrite for a line from direction `dir` announcing `port`: the address the other side
 * reaches us by, and the first port from `port` up that `free` accepts.
 */
export function kernelFtpNat(e: CtEntry, dir: 0 | 1, type: FtpCommand, port: number, free: (port: number) => boolean): KernelFtpNat | undefined {
  const seen = dir === 0 ? e.reply.dst : e.orig.dst;
  let p = port;
  while (p !== 0 && p <= 65535 && !free(p)) p++;
  if (p === 0 || p > 65535) return undefined;
  return { text: commandText(type, e, seen, p), port: p, nat: followMaster(e, dir, p, port) };
}

/**
 * nf_nat_follow_master: the NAT of the connection an expectation of master `m` makes. The
 * line (or TFTP request) came in direction `dir`; the expected connection goes from the
 * other side to port `expected` on the sender's side. It gets as source the address the
 * sender sent to (SNAT) and as destination the sender's real address and `saved` port
 * (DNAT), where those differ from its own tuple.
 */
export function followMaster(m: CtEntry, dir: 0 | 1, expected: number, saved: number): ExpectNat | undefined {
  const own = dir === 0 ? m.orig : m.reply;
  const other = dir === 0 ? m.reply : m.orig;
  const snat = own.dst !== other.src;
  const dnat = own.src !== other.dst || saved !== expected;
  if (snat && dnat) {
    throw new CtUnsupportedError('ct(alg=ftp|tftp) on a connection NATed at both ends (its expected connection would need SNAT and DNAT at once) is not emulated');
  }
  if (snat) return { kind: 'src', addr: own.dst };
  return dnat ? { kind: 'dst', addr: own.src, port: saved } : undefined;
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
