// Userspace profile helpers: OVS 3.1 lib/conntrack.c. Which handler reads a packet
// depends on its ports (TCP to or from 21: FTP; UDP to 69: TFTP), and it runs when the
// packet's connection has any helper; ct(commit,alg=…) gives a new connection its helper
// unless the packet's ports name the other one. Such "control" packets skip the shortcut
// a second ct() in the same zone otherwise takes (they are processed again). Recorded in
// test/oracle/alg-userspace.

import { ExpectTable, type Liveness, parentOf, type AlgName, type Expectation } from './alg.js';
import { userFtpLine } from './alg-ftp.js';
import { bindExpected, type ExpectNat, type TcpRewrite } from './alg-nat.js';
import { userExpectNat, userReplacement, userRewrite, userSeqAdjust } from './alg-nat-user.js';
import { IPPROTO, type CtEntry, type CtPacket, type NatSpec } from './types.js';

/** The helper a packet's ports call for (OVS get_alg_ctl_type with no ports given in the action). */
export function userCtlType(pkt: CtPacket): AlgName | undefined {
  if (pkt.proto === IPPROTO.udp && pkt.dport === 69) return 'tftp';
  if (pkt.proto === IPPROTO.tcp && (pkt.sport === 21 || pkt.dport === 21)) return 'ftp';
  return undefined;
}

export class UserAlg {
  readonly exp = new ExpectTable();
  /** Set by run(): the segment as it leaves, when the connection's lines were rewritten (alg-nat-user.ts). */
  tcpOut: TcpRewrite | undefined;

  constructor(private readonly live: Liveness) {}

  /** The expectation a packet starting a new connection matches (they stay until their master goes). */
  expected(zone: number, pkt: CtPacket, t: CtEntry['orig'], nowMs: number): Expectation | undefined {
    return this.exp.size ? this.exp.find(zone, pkt.l3, pkt.proto, t, nowMs, this.live) : undefined;
  }

  /** A connection committed now: its helper (ct_verify_helper) and, if expected, its parent. */
  created(e: CtEntry, helper: AlgName | undefined, pkt: CtPacket, x: Expectation | undefined, nat: NatSpec | undefined): void {
    const ctl = userCtlType(pkt);
    const own = helper && (ctl === undefined || ctl === helper) ? helper : undefined;
    if (!own && !x) return;
    e.alg = {};
    if (own) e.alg.helper = own;
    if (x) {
      e.alg.parent = parentOf(x.master);
      e.mark = x.mark;
      e.label = x.label;
      // A connection committed with any `nat` (a bare one too) gets the expectation's NAT.
      // A non-NATed master's expectation has one as well, to the address the tuple already
      // has: DNAT when the line came in the original direction, SNAT when in the reply one
      // (OVS expectation_create). Nothing moves, but the packets get the bit (recorded:
      // test/oracle/nat-null/userspace/bare-nat-expected, +new+rel+dnat then +rpl+snat).
      if (nat) {
        const fromClient = x.src === x.master.orig.src;
        bindExpected(e, x.nat ?? { kind: fromClient ? 'src' : 'dst', addr: fromClient ? e.reply.dst : e.reply.src });
        e.alg.natExpected = true;
      }
    }
  }

  /**
   * Runs the handler the packet's ports call for, on a connection that has a helper;
   * returns true when the packet is to be marked +inv (an FTP address line OVS refuses).
   */
  run(e: CtEntry, pkt: CtPacket, reply: boolean, nowMs: number, nat: boolean): boolean {
    this.tcpOut = undefined;
    const ctl = userCtlType(pkt);
    if (!ctl || !e.alg?.helper) return false;
    const expectNat = e.nat.kind !== 'none' ? userExpectNat(e, reply) : undefined;
    if (ctl === 'tftp') {
      this.expect(e, 'tftp', e.orig.sport, reply, nowMs, expectNat);
      return false;
    }
    const b = pkt.tcp?.payload ?? new Uint8Array();
    const line = userFtpLine(b, e.l3);
    const dir = reply ? 1 : 0;
    if (line.kind === 'other') {
      // Any other segment of a connection with a shift goes out shifted (with `nat` only).
      if (nat && e.alg.skew) this.tcpOut = userSeqAdjust(e.alg.skew, dir, pkt.tcp!);
      return false;
    }
    if (line.kind === 'invalid') return true;
    // The address must be the client's (PORT / EPRT) or the server's (227), as the
    // connection knows them; an EXTENDED PASSIVE reply names none.
    const ok = line.kind === 'port' ? [e.orig.src, e.reply.dst] : [e.orig.dst, e.reply.src];
    if (line.addr !== undefined && !ok.includes(line.addr)) return true;
    this.expect(e, 'ftp', line.port, reply, nowMs, expectNat);
    if (nat) {
      const w = line.size === 0 ? { payload: undefined, delta: 0 } : userRewrite(b, line.at, line.size, userReplacement(e, line.kind), e.l3);
      this.tcpOut = userSeqAdjust(e.alg.skew, dir, pkt.tcp!, w.payload);
      if (w.delta !== 0) e.alg.skew = { skew: (e.alg.skew?.skew ?? 0) + w.delta, dir };
    }
    return false;
  }

  /** OVS expectation_create without NAT: from the side that did not send the line, to the one that did. */
  private expect(m: CtEntry, helper: AlgName, dport: number, reply: boolean, nowMs: number, nat?: ExpectNat): void {
    const [src, dst] = reply ? [m.orig.src, m.orig.dst] : [m.reply.src, m.reply.dst];
    const x: Expectation = {
      zone: m.zone, l3: m.l3, proto: m.proto, src, dst, dport, master: m, helper,
      mark: m.mark, label: m.label, createdMs: nowMs, expiresMs: Infinity,
    };
    if (nat) x.nat = nat;
    // An expectation already filed for the same tuple stays as it is.
    const old = this.exp.get(this.exp.keyOf(x));
    if (!old || !this.live(old.master, nowMs)) this.exp.set(x);
  }
}
