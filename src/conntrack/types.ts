// Data shapes shared by every part of the connection tracker.
// Everything here is plain data: the tracker is pure (explicit clock, no I/O).

/** ct_state bits, with the values OVS gives them (ovs-fields(7)). */
export const CS = {
  new: 0x01,
  est: 0x02,
  rel: 0x04,
  rpl: 0x08,
  inv: 0x10,
  trk: 0x20,
  snat: 0x40,
  dnat: 0x80,
} as const;

/** OVS tcp_flags bits (ovs-fields(7) "tcp_flags"). */
export const TCP = {
  fin: 0x001,
  syn: 0x002,
  rst: 0x004,
  psh: 0x008,
  ack: 0x010,
  urg: 0x020,
  ece: 0x040,
  cwr: 0x080,
  ns: 0x100,
} as const;

export const IPPROTO = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132, udplite: 136 } as const;

export type L3 = 'ipv4' | 'ipv6';
export type Profile = 'kernel' | 'userspace';

export interface CtTcpFields {
  /** OVS tcp_flags bitmask (see TCP). */
  flags: number;
  seq: number;
  ack: number;
  win: number;
  /** TCP payload bytes. */
  len: number;
  /** Window scale option value, when the segment carries one (SYN / SYN-ACK). */
  wscale?: number;
  mss?: number;
  sackPerm?: boolean;
  /** The payload bytes, when known (FTP helpers read commands from it). */
  payload?: Uint8Array;
}

/** The packet embedded in an ICMP error (only the part conntrack reads). */
export interface CtIcmpInner {
  proto: number;
  src: bigint;
  dst: bigint;
  sport: number;
  dport: number;
  seq?: number;
  /** For an embedded ICMP echo: its type and id. */
  icmpType?: number;
  icmpId?: number;
}

export interface CtIcmpFields {
  type: number;
  code: number;
  id?: number;
  seq?: number;
  inner?: CtIcmpInner;
}

/** What conntrack looks at in a packet. Addresses are bigint (IPv4 in the low 32 bits). */
export interface CtPacket {
  l3: L3;
  src: bigint;
  dst: bigint;
  proto: number;
  sport?: number;
  dport?: number;
  tcp?: CtTcpFields;
  udp?: { len: number; payload?: Uint8Array };
  icmp?: CtIcmpFields;
  /** SCTP common header and chunks (kernel profile; undefined = no chunks given). */
  sctp?: import('./sctp-kernel.js').CtSctpFields;
  /** GRE version and, for PPTP's enhanced GRE (version 1), the key's call id (kernel profile). */
  gre?: { version: number; key: number };
}

/** A NAT request as ct(nat(...)) gives it. No `kind` = bare `nat`. */
export interface NatSpec {
  kind?: 'src' | 'dst';
  addrMin?: bigint;
  addrMax?: bigint;
  portMin?: number;
  portMax?: number;
  persistent?: boolean;
  hash?: boolean;
  random?: boolean;
}

export interface CtOptions {
  zone: number;
  commit: boolean;
  force: boolean;
  nat?: NatSpec;
  setMark?: { value: number; mask: number };
  setLabel?: { value: bigint; mask: bigint };
  /** ct(commit,alg=ftp|tftp): the helper a connection committed here gets (alg.ts). */
  helper?: import('./alg.js').AlgName;
}

/** One direction of a connection. For ICMP, sport = echo id, dport = id too; type/code kept apart. */
export interface CtTuple {
  src: bigint;
  dst: bigint;
  sport: number;
  dport: number;
  icmpType?: number;
  icmpCode?: number;
}

export interface CtResult {
  ctState: number;
  ctZone: number;
  ctMark: number;
  ctLabel: bigint;
  /** Original-direction tuple, as OVS fills ct_nw_* / ct_ipv6_* / ct_tp_* (0 when untracked). */
  ct_nw_src?: bigint;
  ct_nw_dst?: bigint;
  ct_ipv6_src?: bigint;
  ct_ipv6_dst?: bigint;
  ct_nw_proto: number;
  ct_tp_src: number;
  ct_tp_dst: number;
  /** The packet after NAT (only when NAT rewrote something). */
  natted?: { src: bigint; dst: bigint; sport?: number; dport?: number; inner?: CtIcmpInner; tcp?: import('./alg-nat.js').TcpRewrite };
  /** `conntrack -E` lines this call caused (kernel profile). */
  events: string[];
  /** OVS userspace: the commit's NAT found no free reply tuple, so nothing was committed. */
  natExhausted?: true;
  /**
   * Kernel profile: why this ct() fails in OVS's kernel datapath. ovs_ct_execute then
   * frees the packet and do_execute_actions stops: nothing after the ct() runs, its
   * recirculation included. ctState is +trk+inv, as for a packet with no entry.
   */
  dpDrop?: CtDropCause;
}

/**
 * What makes the kernel datapath's ct() fail (an error from ovs_ct_execute), as opposed to
 * conntrack calling a packet invalid (+inv, the actions go on):
 *  - `nat-no-tuple`: a commit's NAT found no free reply tuple in its range (nf_nat keeps a
 *    taken one and the confirm fails);
 *  - `reply-clash`: another connection of the zone already holds the reply tuple, so
 *    nf_conntrack_confirm refuses the new one (e.g. a bare nat, which binds nothing);
 *  - `helper`: the connection's FTP/TFTP helper answered NF_DROP.
 */
export type CtDropCause = 'nat-no-tuple' | 'reply-clash' | 'helper';

/** Status bits the kernel shows with [UNREPLIED] / [ASSURED]. */
export interface CtStatus {
  seenReply: boolean;
  assured: boolean;
}

/** Per-protocol tracking state; each protocol module owns its own shape. */
export type ProtoState =
  | { kind: 'tcp-kernel'; s: import('./tcp-kernel.js').KernelTcp }
  | { kind: 'tcp-userspace'; s: import('./tcp-userspace.js').UserTcp }
  | { kind: 'udp-kernel'; streamTsMs: number }
  | { kind: 'sctp-kernel'; s: import('./sctp-kernel.js').KernelSctp }
  | { kind: 'other-userspace'; state: 'FIRST' | 'MULTIPLE' | 'BIDIR' }
  | { kind: 'icmp-userspace'; state: 'FIRST' | 'REPLY' }
  | { kind: 'plain' };

export interface NatBinding {
  /** SNAT rewrites the original source; DNAT the original destination. */
  kind: 'src' | 'dst' | 'none';
}

/** One connection as the table keeps it. */
export interface CtEntry {
  zone: number;
  l3: L3;
  proto: number;
  orig: CtTuple;
  reply: CtTuple;
  createdMs: number;
  expiresMs: number;
  status: CtStatus;
  mark: number;
  label: bigint;
  proto_: ProtoState;
  nat: NatBinding;
  /** Set when the kernel entry is in the table (committed). */
  confirmed: boolean;
  /** Kernel profile: `conntrack -E` event bits queued but not yet delivered (internal; 0 when none). */
  pendingEvents?: number;
  /** Kernel profile: the time the expiry index filed it under (internal; -1 when not filed). */
  expiryFiled?: number;
  /** The table's key hashes of orig / reply, kept at insert for the removal (internal; -1 before). */
  hashOrig?: number;
  hashReply?: number;
  /** FTP/TFTP helper state: its helper, or the master it is RELATED to (alg.ts; absent on most entries). */
  alg?: import('./alg.js').AlgState;
}

/** A view of one entry for printers and users. */
export interface CtEntryView {
  entry: CtEntry;
  /** Whole seconds remaining, truncated. */
  timeoutSec: number;
}
