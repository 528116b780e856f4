// ALG helpers (ct(commit,alg=ftp|tftp)): the expectation table and what both profiles
// share. A helper reads the control connection's payload (an FTP PORT command or 227
// reply, a TFTP read/write request) and files an expectation: "a connection from A to B
// port P (any source port) belongs to this one". The first matching new connection is
// RELATED (+rel) and takes the master's mark (and label).
//
// The two profiles differ, each as recorded in test/oracle/alg-{kernel,userspace}:
//   kernel     (Linux nf_conntrack_ftp / nf_conntrack_tftp, driven the way OVS's kernel
//              module drives them): an expectation lives 300 s, one per master (a newer one
//              replaces it), is used up by the connection that commits from it; FTP lines
//              are read only at a position just after a previous line's newline in that
//              direction, only once the connection is established; a PORT naming another
//              address files nothing; a half-matching command drops the packet (+inv here).
//   userspace  (OVS 3.1 lib/conntrack.c): an expectation lives as long as its master and
//              may be used by any number of connections; every PORT / 227 is read; a
//              PORT naming another address makes the packet +inv.
// FTP together with NAT (payload rewriting, TCP sequence adjustment, the data connection
// NATed back) is emulated for PORT / 227 and, as each profile reads them, EPRT / 229 lines
// on IPv4 and IPv6; TFTP together with NAT (the answer NATed back) too (alg-nat*.ts,
// recorded in test/oracle/alg-nat-* and alg-ext-*). Not emulated (a loud
// CtUnsupportedError): in the kernel profile, NAT on a connection a non-NATed master's
// expectation made (OVS userspace gives it the expectation's own NAT: alg-user.ts), and a
// kernel FTP / TFTP master NATed at both ends.

import { formatIp } from './addr.js';
import type { ExpectNat } from './alg-nat.js';
import type { KernelSeqAdj } from './alg-nat-kernel.js';
import type { UserSkew } from './alg-nat-user.js';
import type { CtEntry, CtTuple, L3 } from './types.js';

export type AlgName = 'ftp' | 'tftp';

/** The protocol each helper serves (OVS refuses alg=ftp on a non-TCP match). */
export const ALG_PROTO = new Map<AlgName, number>([['ftp', 6], ['tftp', 17]]);

/** The connection a RELATED entry belongs to: its original tuple, as ct_nw_* / parent= show it. */
export interface ParentRef {
  l3: L3;
  proto: number;
  orig: CtTuple;
}

/** ALG state of an entry (CtEntry.alg); absent on the usual entry. */
export interface AlgState {
  /** The entry's own helper, listed as helper=NAME. */
  helper?: AlgName;
  /** Set on an entry an expectation created. */
  parent?: ParentRef;
  /** Kernel: the master entry itself (its mark at creation, its `use=` count). */
  master?: CtEntry;
  /** Kernel: the expectation this not-yet-committed entry matched (used up at commit). */
  pending?: Expectation;
  /** Kernel FTP: sequence numbers just after a newline, per direction (at most two each). */
  nl?: [number[], number[]];
  /** Kernel FTP, a restored entry: read the next line each way wherever it starts. */
  pickup?: [boolean, boolean];
  /** A NATed FTP connection whose lines were rewritten: the kernel's sequence correction. */
  kadj?: KernelSeqAdj;
  /** The same in OVS userspace: one shift and its direction. */
  skew?: UserSkew;
  /** The entry's NAT came from its expectation (the master was NATed). */
  natExpected?: boolean;
}

export interface Expectation {
  zone: number;
  l3: L3;
  proto: number;
  /** The expected connection's source and destination address and destination port (any source port). */
  src: bigint;
  dst: bigint;
  dport: number;
  master: CtEntry;
  helper: AlgName;
  /** Userspace: the master's mark and label when the expectation was made. */
  mark: number;
  label: bigint;
  createdMs: number;
  /** Kernel: creation + 300 s; userspace: Infinity (it goes with its master). */
  expiresMs: number;
  /** A NATed master's expectation: the NAT the connection it makes gets. */
  nat?: ExpectNat;
}

/** Is a master still there at `nowMs`? (Its expectations go with it.) */
export type Liveness = (e: CtEntry, nowMs: number) => boolean;

/** Thrown for helper uses ctflow does not emulate; the pipeline reports it as unsupported. */
export class CtUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CtUnsupportedError';
  }
}

/** Expectations of one tracker, keyed by (zone, l3, proto, src, dst, dport). */
export class ExpectTable {
  private readonly byKey = new Map<string, Expectation>();

  get size(): number {
    return this.byKey.size;
  }

  private static key(zone: number, l3: L3, proto: number, src: bigint, dst: bigint, dport: number): string {
    return `${zone}|${l3}|${proto}|${src}|${dst}|${dport}`;
  }

  keyOf(x: Expectation): string {
    return ExpectTable.key(x.zone, x.l3, x.proto, x.src, x.dst, x.dport);
  }

  /** The live expectation a new connection's tuple matches; stale ones (expired, master gone) are dropped. */
  find(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number, live: Liveness): Expectation | undefined {
    const k = ExpectTable.key(zone, l3, proto, t.src, t.dst, t.dport);
    const x = this.byKey.get(k);
    if (!x) return undefined;
    if (nowMs >= x.expiresMs || !live(x.master, nowMs)) {
      this.byKey.delete(k);
      return undefined;
    }
    return x;
  }

  get(k: string): Expectation | undefined {
    return this.byKey.get(k);
  }

  set(x: Expectation): void {
    this.byKey.set(this.keyOf(x), x);
  }

  remove(x: Expectation): void {
    const k = this.keyOf(x);
    if (this.byKey.get(k) === x) this.byKey.delete(k);
  }

  /** Live expectations, oldest first (stale ones are dropped). */
  live(nowMs: number, live: Liveness): Expectation[] {
    const out: Expectation[] = [];
    for (const [k, x] of this.byKey) {
      if (nowMs >= x.expiresMs || !live(x.master, nowMs)) this.byKey.delete(k);
      else out.push(x);
    }
    return out.sort((a, b) => a.createdMs - b.createdMs);
  }

  /** The expectations one master has filed. */
  ofMaster(m: CtEntry): Expectation[] {
    return [...this.byKey.values()].filter((x) => x.master === m);
  }
}

/** The parent reference a RELATED entry keeps (a copy: the master may go first). */
export const parentOf = (m: CtEntry): ParentRef => ({ l3: m.l3, proto: m.proto, orig: m.orig });

/**
 * A stand-in entry for a packet that matched an expectation but made no entry (a lookup
 * without commit): what the packet gets is the master's mark, label and original tuple.
 */
export function expectedView(x: Expectation, mark: number, label: bigint): CtEntry {
  const m = x.master;
  return { ...m, mark, label, alg: { parent: parentOf(m) }, pendingEvents: 0, expiryFiled: -1 };
}

/** Fails loudly for NAT on a connection a helper reads or an expectation made. */
export function refuseNat(what: string): never {
  throw new CtUnsupportedError(
    `${what} together with NAT (the FTP/TFTP payload rewriting and TCP sequence adjustment of a NATed ALG connection) is not emulated`,
  );
}

/** One `conntrack -L expect` line (kernel profile). */
export function formatKernelExpect(x: Expectation, nowMs: number): string {
  const ip = (a: bigint): string => formatIp(x.l3, a);
  const full = x.l3 === 'ipv4' ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
  const m = x.master.orig;
  const left = Math.max(0, Math.floor((x.expiresMs - nowMs) / 1000));
  return (
    `${left} proto=${x.proto} src=${ip(x.src)} dst=${ip(x.dst)} sport=0 dport=${x.dport} ` +
    `mask-src=${full} mask-dst=${full} sport=0 dport=65535 ` +
    `master-src=${ip(m.src)} master-dst=${ip(m.dst)} sport=${m.sport} dport=${m.dport} class=0 helper=${x.helper}`
  );
}
