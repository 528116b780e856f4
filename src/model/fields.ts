// FIELDS: one entry per OVS 3.1 match field (ovs-fields(7)). Parsing, printing, matching
// and execution all read these entries; nothing else in the program knows a field by name.
//
// Storage: a packet or a match is a set of *slots* (the members of OVS's `struct flow`).
// Several fields can view the same slot (tcp_src, udp_src, icmp_type all live in tp_src;
// xreg0 spans reg0:reg1), so a field says where its bits live with `segs`.

export type Kind =
  | 'int' | 'ipv4' | 'ipv6' | 'mac' | 'ct_state' | 'tcp_flags' | 'frag' | 'port'
  | 'packet_type' | 'tun_flags';

/** What a flow must match before it may match (or set) the field, as OVS checks it. */
export type Prereq =
  | 'none' | 'eth' | 'vlan' | 'mpls' | 'ip' | 'ipv4' | 'ipv6' | 'arp' | 'tcp' | 'udp' | 'sctp'
  | 'icmp4' | 'icmp6' | 'nd' | 'nd_sol' | 'nd_adv' | 'ct' | 'nsh';

export interface Segment { slot: string; shift: number; bits: number }

export interface FieldSpec {
  name: string;               // OVS's name, as ovs-ofctl prints it in set_field / learn
  aliases: readonly string[]; // other names OVS accepts (aka, NXM_*, OXM_*)
  nxm: string | null;         // name used in load/move subfields (NXM_NX_REG0[0..3]); null when
                              // the field has no NXM/OXM class NXAST_REG_LOAD can write
  xoxm: string | null;        // experimenter OXM name (NXOXM_NSH_SPI), used in move subfields
  bits: number;
  maskable: boolean;
  kind: Kind;
  hex: boolean;               // ovs-fields "Formatting: hexadecimal"
  prereq: Prereq;
  writable: boolean;
  segs: readonly Segment[];   // most significant first
  /** Size in bytes of OVS's container for the value: larger values are refused, extra bits
   *  inside it are silently dropped (dl_vlan=4096 matches VLAN 0, as in OVS). */
  bytes: number;
  /** Names a match or set_field accepts (name + aka); NXM/OXM names only work as subfields. */
  names: readonly string[];
  /** Why OVS refuses the field in an OpenFlow table match, or null when it may be matched. */
  unmatchable: string | null;
  /** The bits a subfield of it (load, move, push, learn, output) can name, when fewer than
   *  `bits`: OVS holds vlan_vid's OFPVID_PRESENT apart, so `vlan_vid[]` is the 12-bit VID. */
  subfieldBits: number;
  /** Fields whose setting touches more than their bits (the VLAN CFI bit). */
  set?: (slots: { value: bigint; mask: bigint }, value: bigint) => { value: bigint; mask: bigint };
}

/** Width in bits of every slot of a packet / match. */
export const SLOTS = new Map<string, number>();

function slot(name: string, bits: number): void { SLOTS.set(name, bits); }

interface Opts {
  aka?: string[]; nxm?: string | null; oxm?: string | null; mask?: boolean; hex?: boolean;
  kind?: Kind; prereq?: Prereq; ro?: boolean; segs?: Segment[]; slot?: string; shift?: number;
  bytes?: number; unmatchable?: string; set?: FieldSpec['set']; xoxm?: string; subfieldBits?: number;
}

export const FIELDS: FieldSpec[] = [];

function field(name: string, bits: number, o: Opts = {}): void {
  const slotName = o.slot ?? name;
  if (!o.segs && !SLOTS.has(slotName)) slot(slotName, bits);
  const aliases = [...(o.aka ?? []), ...[o.nxm, o.oxm, o.xoxm].filter((n): n is string => !!n)];
  FIELDS.push({
    name, aliases, nxm: o.nxm ?? o.oxm ?? null, xoxm: o.xoxm ?? null, bits, maskable: o.mask ?? false,
    kind: o.kind ?? 'int', hex: o.hex ?? false, prereq: o.prereq ?? 'none', writable: !o.ro,
    segs: o.segs ?? [{ slot: slotName, shift: o.shift ?? 0, bits }],
    bytes: o.bytes ?? Math.ceil(bits / 8), names: [name, ...(o.aka ?? [])],
    unmatchable: o.unmatchable ?? null, set: o.set, subfieldBits: o.subfieldBits ?? bits,
  });
}

// ---- metadata ------------------------------------------------------------------------
const DP_ONLY = 'is set by the datapath; OpenFlow tables may not match it (the switch answers OFPBRC_EPERM)';
field('dp_hash', 32, { nxm: 'NXM_NX_DP_HASH', mask: true, hex: true, ro: true, unmatchable: DP_ONLY });
field('recirc_id', 32, { nxm: 'NXM_NX_RECIRC_ID', ro: true, unmatchable: DP_ONLY });
field('packet_type', 32, { oxm: 'OXM_OF_PACKET_TYPE', kind: 'packet_type', ro: true });
field('conj_id', 32, { nxm: 'NXM_NX_CONJ_ID', ro: true });
field('tun_id', 64, { aka: ['tunnel_id'], nxm: 'NXM_NX_TUN_ID', oxm: 'OXM_OF_TUNNEL_ID', mask: true, hex: true });
field('tun_src', 32, { nxm: 'NXM_NX_TUN_IPV4_SRC', mask: true, kind: 'ipv4' });
field('tun_dst', 32, { nxm: 'NXM_NX_TUN_IPV4_DST', mask: true, kind: 'ipv4' });
field('tun_ipv6_src', 128, { nxm: 'NXM_NX_TUN_IPV6_SRC', mask: true, kind: 'ipv6' });
field('tun_ipv6_dst', 128, { nxm: 'NXM_NX_TUN_IPV6_DST', mask: true, kind: 'ipv6' });
field('tun_flags', 16, { nxm: 'NXM_NX_TUN_FLAGS', mask: true, kind: 'tun_flags' });
const NO_OF_MATCH = 'may not be matched in an OpenFlow table (OFPBAC_MATCH_INCONSISTENT)';
field('tun_ttl', 8, { ro: true, unmatchable: NO_OF_MATCH });
field('tun_tos', 8, { ro: true, unmatchable: NO_OF_MATCH });
field('tun_gbp_id', 16, { nxm: 'NXM_NX_TUN_GBP_ID', mask: true });
field('tun_gbp_flags', 8, { nxm: 'NXM_NX_TUN_GBP_FLAGS', mask: true, hex: true });
field('tun_erspan_idx', 20, { mask: true, hex: true });
field('tun_erspan_ver', 4, { mask: true });
field('tun_erspan_dir', 1, { mask: true });
field('tun_erspan_hwid', 6, { mask: true, hex: true });
// OVS prints these as gtpu_flags/gtpu_msgtype; ctflow also reads that spelling back.
field('tun_gtpu_flags', 8, { aka: ['gtpu_flags'], mask: true, hex: true, ro: true });
field('tun_gtpu_msgtype', 8, { aka: ['gtpu_msgtype'], mask: true, ro: true });
// Geneve options: OVS sizes them per tunnel-metadata mapping (tlv-map); ctflow gives each
// option 64 bits, enough for what OVN and Antrea carry in them.
for (let i = 0; i < 64; i++) {
  field(`tun_metadata${i}`, 64, { nxm: `NXM_NX_TUN_METADATA${i}`, mask: true, hex: true });
}
field('metadata', 64, { oxm: 'OXM_OF_METADATA', mask: true, hex: true });
field('in_port', 16, { nxm: 'NXM_OF_IN_PORT', kind: 'port', slot: 'in_port' });
field('in_port_oxm', 16, { oxm: 'OXM_OF_IN_PORT', kind: 'port', segs: [{ slot: 'in_port', shift: 0, bits: 16 }] });
field('actset_output', 32, { kind: 'port', ro: true });
field('skb_priority', 32, { hex: true, ro: true, unmatchable: NO_OF_MATCH });
field('pkt_mark', 32, { nxm: 'NXM_NX_PKT_MARK', mask: true, hex: true });

// ---- connection tracking ---------------------------------------------------------------
field('ct_state', 32, { nxm: 'NXM_NX_CT_STATE', mask: true, kind: 'ct_state', ro: true });
field('ct_zone', 16, { nxm: 'NXM_NX_CT_ZONE', hex: true, ro: true });
field('ct_mark', 32, { nxm: 'NXM_NX_CT_MARK', mask: true, hex: true });
field('ct_label', 128, { nxm: 'NXM_NX_CT_LABEL', mask: true, hex: true });
field('ct_nw_proto', 8, { nxm: 'NXM_NX_CT_NW_PROTO', prereq: 'ct', ro: true });
field('ct_nw_src', 32, { nxm: 'NXM_NX_CT_NW_SRC', mask: true, kind: 'ipv4', prereq: 'ct', ro: true });
field('ct_nw_dst', 32, { nxm: 'NXM_NX_CT_NW_DST', mask: true, kind: 'ipv4', prereq: 'ct', ro: true });
field('ct_ipv6_src', 128, { nxm: 'NXM_NX_CT_IPV6_SRC', mask: true, kind: 'ipv6', prereq: 'ct', ro: true });
field('ct_ipv6_dst', 128, { nxm: 'NXM_NX_CT_IPV6_DST', mask: true, kind: 'ipv6', prereq: 'ct', ro: true });
field('ct_tp_src', 16, { nxm: 'NXM_NX_CT_TP_SRC', mask: true, prereq: 'ct', ro: true });
field('ct_tp_dst', 16, { nxm: 'NXM_NX_CT_TP_DST', mask: true, prereq: 'ct', ro: true });

// ---- registers: xreg and xxreg are views over pairs / quads of 32-bit registers ----------
for (let i = 0; i < 16; i++) field(`reg${i}`, 32, { nxm: `NXM_NX_REG${i}`, mask: true, hex: true });
const regs = (first: number, n: number): Segment[] =>
  Array.from({ length: n }, (_, k) => ({ slot: `reg${first + k}`, shift: 0, bits: 32 }));
for (let i = 0; i < 8; i++) field(`xreg${i}`, 64, { oxm: `OXM_OF_PKT_REG${i}`, mask: true, hex: true, segs: regs(2 * i, 2) });
for (let i = 0; i < 4; i++) field(`xxreg${i}`, 128, { nxm: `NXM_NX_XXREG${i}`, mask: true, hex: true, segs: regs(4 * i, 4) });

// ---- L2 --------------------------------------------------------------------------------
field('eth_src', 48, { aka: ['dl_src'], nxm: 'NXM_OF_ETH_SRC', oxm: 'OXM_OF_ETH_SRC', mask: true, kind: 'mac', prereq: 'eth', slot: 'dl_src' });
field('eth_dst', 48, { aka: ['dl_dst'], nxm: 'NXM_OF_ETH_DST', oxm: 'OXM_OF_ETH_DST', mask: true, kind: 'mac', prereq: 'eth', slot: 'dl_dst' });
field('eth_type', 16, { aka: ['dl_type'], nxm: 'NXM_OF_ETH_TYPE', oxm: 'OXM_OF_ETH_TYPE', hex: true, prereq: 'eth', ro: true, slot: 'dl_type' });
field('vlan_tci', 16, { nxm: 'NXM_OF_VLAN_TCI', mask: true, hex: true, prereq: 'eth' });
// dl_vlan / *_pcp also match the CFI ("a tag is present") bit; dl_vlan=0xffff means "no tag".
const VLAN_CFI = 0x1000n;
const whole = (s: string): Segment[] => [{ slot: s, shift: 0, bits: 16 }];
field('dl_vlan', 16, { prereq: 'eth', bytes: 2, segs: whole('vlan_tci'),
  set: (_o, v) => (v === 0xffffn ? { value: 0n, mask: 0xffffn } : { value: (v & 0xfffn) | VLAN_CFI, mask: 0x1fffn }) });
field('vlan_vid', 13, { oxm: 'OXM_OF_VLAN_VID', mask: true, prereq: 'eth', bytes: 2, segs: [{ slot: 'vlan_tci', shift: 0, bits: 13 }], subfieldBits: 12 });
const pcp = (_o: unknown, v: bigint) => ({ value: ((v & 7n) << 13n) | VLAN_CFI, mask: 0xf000n });
field('dl_vlan_pcp', 16, { prereq: 'eth', bytes: 1, segs: whole('vlan_tci'), set: pcp });
field('vlan_pcp', 16, { oxm: 'OXM_OF_VLAN_PCP', prereq: 'vlan', bytes: 1, segs: whole('vlan_tci'), set: pcp });
slot('mpls_lse0', 32);
field('mpls_label', 20, { oxm: 'OXM_OF_MPLS_LABEL', prereq: 'mpls', bytes: 4, segs: [{ slot: 'mpls_lse0', shift: 12, bits: 20 }] });
field('mpls_tc', 3, { oxm: 'OXM_OF_MPLS_TC', prereq: 'mpls', segs: [{ slot: 'mpls_lse0', shift: 9, bits: 3 }] });
field('mpls_bos', 1, { oxm: 'OXM_OF_MPLS_BOS', prereq: 'mpls', ro: true, segs: [{ slot: 'mpls_lse0', shift: 8, bits: 1 }] });
field('mpls_ttl', 8, { nxm: 'NXM_NX_MPLS_TTL', prereq: 'mpls', segs: [{ slot: 'mpls_lse0', shift: 0, bits: 8 }] });

// ---- L3 --------------------------------------------------------------------------------
field('ip_src', 32, { aka: ['nw_src'], nxm: 'NXM_OF_IP_SRC', oxm: 'OXM_OF_IPV4_SRC', mask: true, kind: 'ipv4', prereq: 'ipv4', slot: 'nw_src' });
field('ip_dst', 32, { aka: ['nw_dst'], nxm: 'NXM_OF_IP_DST', oxm: 'OXM_OF_IPV4_DST', mask: true, kind: 'ipv4', prereq: 'ipv4', slot: 'nw_dst' });
field('ipv6_src', 128, { nxm: 'NXM_NX_IPV6_SRC', oxm: 'OXM_OF_IPV6_SRC', mask: true, kind: 'ipv6', prereq: 'ipv6' });
field('ipv6_dst', 128, { nxm: 'NXM_NX_IPV6_DST', oxm: 'OXM_OF_IPV6_DST', mask: true, kind: 'ipv6', prereq: 'ipv6' });
field('ipv6_label', 20, { nxm: 'NXM_NX_IPV6_LABEL', oxm: 'OXM_OF_IPV6_FLABEL', mask: true, hex: true, prereq: 'ipv6' });
field('nw_proto', 8, { aka: ['ip_proto'], nxm: 'NXM_OF_IP_PROTO', oxm: 'OXM_OF_IP_PROTO', prereq: 'ip', ro: true });
slot('nw_tos', 8);
// nw_tos is the DSCP part of the TOS byte, written as the byte (low two bits dropped).
field('nw_tos', 8, { nxm: 'NXM_OF_IP_TOS', prereq: 'ip', segs: [{ slot: 'nw_tos', shift: 0, bits: 8 }],
  set: (_o, v) => ({ value: v & 0xfcn, mask: 0xfcn }) });
field('ip_dscp', 6, { oxm: 'OXM_OF_IP_DSCP', prereq: 'ip', segs: [{ slot: 'nw_tos', shift: 2, bits: 6 }] });
field('nw_ecn', 2, { aka: ['ip_ecn'], nxm: 'NXM_NX_IP_ECN', oxm: 'OXM_OF_IP_ECN', prereq: 'ip', segs: [{ slot: 'nw_tos', shift: 0, bits: 2 }] });
field('nw_ttl', 8, { nxm: 'NXM_NX_IP_TTL', prereq: 'ip' });
field('ip_frag', 2, { aka: ['nw_frag'], nxm: 'NXM_NX_IP_FRAG', mask: true, kind: 'frag', prereq: 'ip', ro: true, slot: 'nw_frag' });
// OVS keeps the ARP opcode in nw_proto's 8 bits.
field('arp_op', 8, { nxm: 'NXM_OF_ARP_OP', oxm: 'OXM_OF_ARP_OP', prereq: 'arp', segs: [{ slot: 'nw_proto', shift: 0, bits: 8 }], bytes: 2 });
field('arp_spa', 32, { nxm: 'NXM_OF_ARP_SPA', oxm: 'OXM_OF_ARP_SPA', mask: true, kind: 'ipv4', prereq: 'arp', segs: [{ slot: 'nw_src', shift: 0, bits: 32 }] });
field('arp_tpa', 32, { nxm: 'NXM_OF_ARP_TPA', oxm: 'OXM_OF_ARP_TPA', mask: true, kind: 'ipv4', prereq: 'arp', segs: [{ slot: 'nw_dst', shift: 0, bits: 32 }] });
field('arp_sha', 48, { nxm: 'NXM_NX_ARP_SHA', oxm: 'OXM_OF_ARP_SHA', mask: true, kind: 'mac', prereq: 'arp' });
field('arp_tha', 48, { nxm: 'NXM_NX_ARP_THA', oxm: 'OXM_OF_ARP_THA', mask: true, kind: 'mac', prereq: 'arp' });

// ---- L4 --------------------------------------------------------------------------------
const tp = (s: 'tp_src' | 'tp_dst', bits = 16): Segment[] => [{ slot: s, shift: 0, bits }];
slot('tp_src', 16); slot('tp_dst', 16);
field('tcp_src', 16, { aka: ['tp_src'], nxm: 'NXM_OF_TCP_SRC', oxm: 'OXM_OF_TCP_SRC', mask: true, prereq: 'tcp', segs: tp('tp_src') });
field('tcp_dst', 16, { aka: ['tp_dst'], nxm: 'NXM_OF_TCP_DST', oxm: 'OXM_OF_TCP_DST', mask: true, prereq: 'tcp', segs: tp('tp_dst') });
field('tcp_flags', 12, { nxm: 'NXM_NX_TCP_FLAGS', oxm: 'ONFOXM_ET_TCP_FLAGS', mask: true, kind: 'tcp_flags', prereq: 'tcp', ro: true, slot: 'tcp_flags' });
field('udp_src', 16, { nxm: 'NXM_OF_UDP_SRC', oxm: 'OXM_OF_UDP_SRC', mask: true, prereq: 'udp', segs: tp('tp_src') });
field('udp_dst', 16, { nxm: 'NXM_OF_UDP_DST', oxm: 'OXM_OF_UDP_DST', mask: true, prereq: 'udp', segs: tp('tp_dst') });
field('sctp_src', 16, { oxm: 'OXM_OF_SCTP_SRC', mask: true, prereq: 'sctp', segs: tp('tp_src') });
field('sctp_dst', 16, { oxm: 'OXM_OF_SCTP_DST', mask: true, prereq: 'sctp', segs: tp('tp_dst') });
// ICMP type/code live in the 16-bit tp_src/tp_dst slots; values are one byte.
field('icmp_type', 16, { nxm: 'NXM_OF_ICMP_TYPE', oxm: 'OXM_OF_ICMPV4_TYPE', prereq: 'icmp4', segs: tp('tp_src'), bytes: 1 });
field('icmp_code', 16, { nxm: 'NXM_OF_ICMP_CODE', oxm: 'OXM_OF_ICMPV4_CODE', prereq: 'icmp4', segs: tp('tp_dst'), bytes: 1 });
field('icmpv6_type', 16, { nxm: 'NXM_NX_ICMPV6_TYPE', oxm: 'OXM_OF_ICMPV6_TYPE', prereq: 'icmp6', segs: tp('tp_src'), bytes: 1 });
field('icmpv6_code', 16, { nxm: 'NXM_NX_ICMPV6_CODE', oxm: 'OXM_OF_ICMPV6_CODE', prereq: 'icmp6', segs: tp('tp_dst'), bytes: 1 });
field('nd_target', 128, { nxm: 'NXM_NX_ND_TARGET', oxm: 'OXM_OF_IPV6_ND_TARGET', mask: true, kind: 'ipv6', prereq: 'nd' });
field('nd_sll', 48, { nxm: 'NXM_NX_ND_SLL', oxm: 'OXM_OF_IPV6_ND_SLL', mask: true, kind: 'mac', prereq: 'nd_sol', segs: [{ slot: 'arp_sha', shift: 0, bits: 48 }] });
field('nd_tll', 48, { nxm: 'NXM_NX_ND_TLL', oxm: 'OXM_OF_IPV6_ND_TLL', mask: true, kind: 'mac', prereq: 'nd_adv', segs: [{ slot: 'arp_tha', shift: 0, bits: 48 }] });
slot('nd_reserved', 32);
field('nd_reserved', 32, { prereq: 'nd', segs: [{ slot: 'nd_reserved', shift: 0, bits: 32 }] });
field('nd_options_type', 8, { prereq: 'nd', segs: [{ slot: 'tcp_flags', shift: 0, bits: 8 }] });

// ---- NSH ---------------------------------------------------------------------------------
field('nsh_flags', 8, { xoxm: 'NXOXM_NSH_FLAGS', mask: true, prereq: 'nsh' });
field('nsh_ttl', 8, { xoxm: 'NXOXM_NSH_TTL', prereq: 'nsh' });
field('nsh_mdtype', 8, { xoxm: 'NXOXM_NSH_MDTYPE', prereq: 'nsh', ro: true });
field('nsh_np', 8, { xoxm: 'NXOXM_NSH_NP', prereq: 'nsh', ro: true });
field('nsh_spi', 24, { aka: ['nsp'], xoxm: 'NXOXM_NSH_SPI', prereq: 'nsh', hex: true, bytes: 4 });
field('nsh_si', 8, { aka: ['nsi'], xoxm: 'NXOXM_NSH_SI', prereq: 'nsh' });
for (let i = 1; i <= 4; i++) field(`nsh_c${i}`, 32, { aka: [`nshc${i}`], xoxm: `NXOXM_NSH_C${i}`, mask: true, hex: true, prereq: 'nsh' });

const BY_NAME = new Map<string, FieldSpec>();      // names a match / set_field accepts
const BY_ANY_NAME = new Map<string, FieldSpec>();  // + NXM/OXM names, for subfields
for (const f of FIELDS) {
  for (const n of f.names) if (!BY_NAME.has(n)) BY_NAME.set(n, f);
  for (const n of [...f.names, ...f.aliases]) if (!BY_ANY_NAME.has(n)) BY_ANY_NAME.set(n, f);
}

/** A field by a name OVS accepts in a match or set_field (case-sensitive, as in OVS). */
export function fieldByName(name: string): FieldSpec | undefined { return BY_NAME.get(name); }

/** A field by any name, NXM_ and OXM_ names included, as load/move/subfields accept. */
export function subfieldByName(name: string): FieldSpec | undefined { return BY_ANY_NAME.get(name); }

/** Every name, for near-miss suggestions. */
export function fieldNames(): string[] { return [...BY_NAME.keys()]; }
export function subfieldNames(): string[] { return [...BY_ANY_NAME.keys()]; }

export function mustField(name: string): FieldSpec {
  const f = BY_ANY_NAME.get(name);
  if (!f) throw new Error(`internal: no field ${name}`);
  return f;
}
