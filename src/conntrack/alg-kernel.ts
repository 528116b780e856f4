// Kernel profile helpers: Linux nf_conntrack_ftp / nf_conntrack_tftp as OVS's kernel module
// drives them (net/openvswitch/conntrack.c): the helper of ct(commit,alg=…) is attached
// when a connection is first committed; it runs on the commit that confirms the
// connection and on each later packet's first pass through ct() in the zone. Recorded in
// test/oracle/alg-kernel (nft `ct helper set`, the same helpers).

import { ALG_PROTO, ExpectTable, type Liveness, parentOf, refuseNat, type AlgName, type Expectation } from './alg.js';
import { kernelFtpLine, rememberNewline, type KernelFtp } from './alg-ftp.js';
import { bindExpected, splice, type ExpectNat, type TcpRewrite } from './alg-nat.js';
import { followMaster, kernelFtpNat, kernelSeqAdjSet, kernelSeqAdjust, newKernelSeqAdj } from './alg-nat-kernel.js';
import { CS, type CtEntry, type CtPacket, type CtTuple } from './types.js';

/** Both helpers: an expectation lives 5 minutes; a master keeps one (a newer one replaces it). */
const EXPECT_MS = 300_000;

export type HelperVerdict = 'accept' | 'drop';

export class KernelAlg {
  readonly exp = new ExpectTable();
  /** Set by run(): the segment as it leaves, when the connection's lines were rewritten (alg-nat-kernel.ts). */
  tcpOut: TcpRewrite | undefined;

  constructor(private readonly live: Liveness) {}

  /**
   * A packet with no entry that an expectation is waiting for. A lookup without commit
   * does not pass it through conntrack (OVS's kernel module looks the expectation up
   * itself): the caller answers +trk+new+rel with the master's mark, label and tuple.
   */
  expected(zone: number, pkt: CtPacket, t: CtTuple, nowMs: number): Expectation | undefined {
    return this.exp.size ? this.exp.find(zone, pkt.l3, pkt.proto, t, nowMs, this.live) : undefined;
  }

  /** A new (not yet committed) entry that an expectation matches becomes RELATED to its master. */
  relate(e: CtEntry, x: Expectation): void {
    if (e.nat.kind !== 'none') refuseNat('a connection an FTP/TFTP expectation made');
    const m = x.master;
    e.alg = { parent: parentOf(m), master: m, pending: x };
    e.mark = m.mark;
    // OVS's kernel module gives a related connection its master's labels.
    e.label = m.label;
    // A NATed master's expectation DNATs the connection back to the announced address.
    if (x.nat) {
      bindExpected(e, x.nat);
      e.alg.natExpected = true;
    }
  }

  /** At the commit that confirms `e`: attaches ct(alg=…)'s helper, runs it, uses up the expectation. */
  commit(e: CtEntry, helper: AlgName | undefined, pkt: CtPacket, st: number, nowMs: number): HelperVerdict {
    if (helper && !e.alg?.helper && ALG_PROTO.get(helper) === e.proto) e.alg = { ...e.alg, helper };
    return e.alg?.helper ? this.run(e, 0, pkt, st, nowMs) : 'accept';
  }

  /** Called once the entry is in the table: its expectation is used up. */
  confirmed(e: CtEntry): void {
    const x = e.alg?.pending;
    if (!x) return;
    this.exp.remove(x);
    e.alg!.pending = undefined;
  }

  /** Runs the entry's helper on a packet (direction `dir`, ct_state `st` as OVS maps ctinfo). */
  run(e: CtEntry, dir: 0 | 1, pkt: CtPacket, st: number, nowMs: number): HelperVerdict {
    const h = e.alg!.helper!;
    this.tcpOut = undefined;
    if (h !== 'ftp') return this.tftp(e, pkt, nowMs);
    const v = this.ftp(e, dir, pkt, st, nowMs);
    // Every later segment of a connection whose lines were rewritten is shifted.
    const adj = e.alg!.kadj;
    if (adj && v === 'accept') this.tcpOut = kernelSeqAdjust(adj, dir, pkt.tcp!, (this.tcpOut as TcpRewrite | undefined)?.payload);
    return v;
  }

  private ftp(e: CtEntry, dir: 0 | 1, pkt: CtPacket, st: number, nowMs: number): HelperVerdict {
    // Only once there has been traffic both ways, and only segments with data.
    const b = pkt.tcp?.payload;
    if (!(st & CS.est) || !b || b.length === 0) return 'accept';
    const seq = pkt.tcp!.seq >>> 0;
    const nl = (e.alg!.nl ??= [[], []]);
    let verdict: HelperVerdict = 'accept';
    // A command is read only where a line starts: right after a newline this side sent
    // (or anywhere, once, on an entry restored from a listing).
    const pickup = e.alg!.pickup?.[dir] === true;
    if (pickup) e.alg!.pickup![dir] = false;
    if (pickup || nl[dir].includes(seq)) {
      const r = kernelFtpLine(b, dir, e.l3);
      if (r.found === -1) return 'drop';
      const own = dir === 0 ? e.orig : e.reply;
      const other = dir === 0 ? e.reply : e.orig;
      // A line naming another address than the sender's files nothing (no `loose`); so
      // does a PORT / 227 on IPv6 (its IPv4 address is never the sender's).
      if (r.found === 1 && (r.addr === undefined || r.addr === own.src)) {
        verdict = e.nat.kind === 'none'
          ? this.expect(e, 'ftp', other.src, other.dst, r.port!, nowMs)
          : this.natLine(e, dir, b, seq, r, nowMs);
      }
    }
    if (b[b.length - 1] === 10) rememberNewline(nl[dir], (seq + b.length) >>> 0);
    return verdict;
  }

  /**
   * A read or write request expects the server's answer, from any port, to the client's
   * port; through NAT (nf_nat_tftp) that answer is NATed back the way the request came.
   */
  private tftp(e: CtEntry, pkt: CtPacket, nowMs: number): HelperVerdict {
    const b = pkt.udp?.payload;
    if (!b || b.length < 2) return 'accept';
    const op = (b[0]! << 8) | b[1]!;
    if (op !== 1 && op !== 2) return 'accept';
    const nat = e.nat.kind === 'none' ? undefined : followMaster(e, 0, e.reply.dport, e.orig.sport);
    return this.expect(e, 'tftp', e.reply.src, e.reply.dst, e.reply.dport, nowMs, nat);
  }

  /** nf_nat_ftp: the line announces the translated address (and a free port); the rest of the direction is shifted. */
  private natLine(e: CtEntry, dir: 0 | 1, b: Uint8Array, seq: number, r: KernelFtp, nowMs: number): HelperVerdict {
    const other = dir === 0 ? e.reply : e.orig;
    const free = (p: number): boolean => {
      const x = this.exp.find(e.zone, e.l3, e.proto, { src: other.src, dst: other.dst, sport: 0, dport: p }, nowMs, this.live);
      return !x || x.master === e;
    };
    const n = kernelFtpNat(e, dir, r.type!, r.port!, free);
    if (!n) return 'drop';
    const payload = splice(b, r.off!, r.len!, n.text);
    kernelSeqAdjSet((e.alg!.kadj ??= newKernelSeqAdj()), dir, seq, payload.length - b.length);
    this.tcpOut = { seq, ack: 0, payload };
    return this.expect(e, 'ftp', other.src, other.dst, n.port, nowMs, n.nat);
  }

  private expect(m: CtEntry, helper: AlgName, src: bigint, dst: bigint, dport: number, nowMs: number, nat?: ExpectNat): HelperVerdict {
    const x: Expectation = {
      zone: m.zone, l3: m.l3, proto: helper === 'ftp' ? 6 : 17, src, dst, dport, master: m, helper,
      mark: m.mark, label: m.label, createdMs: nowMs, expiresMs: nowMs + EXPECT_MS,
    };
    if (nat) x.nat = nat;
    const old = this.exp.get(this.exp.keyOf(x));
    // The same expectation from another live master: the kernel refuses it and drops the packet.
    if (old && old.master !== m && nowMs < old.expiresMs && this.live(old.master, nowMs)) return 'drop';
    for (const o of this.exp.ofMaster(m)) this.exp.remove(o);
    this.exp.set(x);
    return 'accept';
  }

  /** `use=` of a master in `conntrack -L`: one, plus one per live connection related to it. */
  useCount(m: CtEntry, entries: Iterable<CtEntry>): number {
    let n = 1;
    for (const e of entries) if (e.alg?.master === m) n++;
    return n;
  }
}
