// encap(HEADER) during translation, as OVS 3.1 does it: the packet's flow is rewritten
// at once (later actions and the trace's Final flow see the new header), but the
// datapath action that adds the header (push_nsh, push_eth, add_mpls) is only written
// at the next commit, with the header's fields as they are then. So
// `encap(nsh),set_field:0x1234->nsh_spi,encap(ethernet)` pushes an NSH header that
// already has spi=0x1234.
import type { EncapArgs } from '../model/actions/encap.js';
import { formatMac } from '../model/values.js';
import { ETH_IP, ETH_IPV6 } from '../packet/packet.js';
import { VswitchdAbort } from './action-set.js';
import { XlateFailure, type Xlate } from './xlate.js';

/** The header an encap() added that the datapath has not been told about yet. */
export type PendingEncap = 'ethernet' | 'nsh' | 'mpls';
/** Kept on the translation from its first encap() on: every later commit checks it. */
export interface EncapState {
  pending: PendingEncap | null;
}

const ETH_NSH = 0x894fn;
const isMpls = (t: bigint) => t === 0x8847n || t === 0x8848n;
/** packet_type = (namespace, type): namespace 1 is "an ethertype", 0 is Ethernet. */
const ethertypePt = (t: bigint) => (1n << 16n) | t;

/**
 * The headers OVS clears when it pushes NSH (everything from the Ethernet header on:
 * L2, VLANs, MPLS, L3, L4, the conntrack tuple and the old NSH header).
 */
const HEADER_SLOTS = [
  'dl_src', 'dl_dst', 'dl_type', 'vlan_tci', 'vlan_tci1', 'vlan_tpid', 'vlan_tpid1', 'mpls_lse0', 'mpls_lse1', 'mpls_lse2',
  'nw_src', 'nw_dst', 'ct_nw_src', 'ct_nw_dst', 'ipv6_src', 'ipv6_dst', 'ct_ipv6_src', 'ct_ipv6_dst',
  'ipv6_label', 'nw_frag', 'nw_tos', 'nw_ttl', 'nw_proto', 'nd_target', 'nd_reserved', 'arp_sha', 'arp_tha',
  'tcp_flags', 'tp_src', 'tp_dst', 'ct_tp_src', 'ct_tp_dst',
  'nsh_flags', 'nsh_ttl', 'nsh_mdtype', 'nsh_np', 'nsh_spi', 'nsh_si', 'nsh_c1', 'nsh_c2', 'nsh_c3', 'nsh_c4',
];
const NSH_SLOTS = HEADER_SLOTS.filter((s) => s.startsWith('nsh_'));

/** NSH's next-protocol number for what the packet is now (RFC 8300). */
function nshNextProto(pt: bigint): bigint | null {
  if (pt === 0n) return 3n; // Ethernet
  if (pt === ethertypePt(ETH_IP)) return 1n;
  if (pt === ethertypePt(ETH_IPV6)) return 2n;
  if (pt === ethertypePt(ETH_NSH)) return 4n;
  return null;
}

export function encap(x: Xlate, a: EncapArgs): void {
  const st = (x.encapState ??= { pending: null });
  x.commit(); // what is pending on the inner packet goes out first
  const s = x.slots;
  const pt = s.get('packet_type');
  x.wc.set('packet_type', 0xffffffffn);
  if (a.header === 'ethernet') {
    // Only an L3 packet (packet_type (1,ethertype)) gets an Ethernet header, with zero addresses.
    if (pt >> 16n !== 1n) {
      x.ev({ kind: 'action', depth: x.depth, text: 'Dropping packet as encap(ethernet) is not supported for packet type ethernet.' }); // OVS reports it as an action line
      throw new XlateFailure('Unsupported packet type');
    }
    s.set('packet_type', 0n);
    s.set('dl_src', 0n);
    s.set('dl_dst', 0n);
    s.set('dl_type', pt & 0xffffn);
  } else if (a.header === 'nsh') {
    const np = nshNextProto(pt);
    if (np === null) {
      x.ev({ kind: 'action', depth: x.depth, text: `Dropping packet as encap(nsh) is not supported for packet type (${pt >> 16n},0x${(pt & 0xffffn).toString(16)})` });
      throw new XlateFailure('Unsupported packet type');
    }
    if (a.mdType === 2) x.unsupported('encap(nsh(md_type=2)) (MD type 2 context headers)');
    for (const k of HEADER_SLOTS) s.delete(k);
    s.set('packet_type', ethertypePt(ETH_NSH));
    s.set('dl_type', ETH_NSH);
    s.set('nsh_ttl', 63n);
    s.set('nsh_mdtype', 1n);
    s.set('nsh_np', np);
    s.set('nsh_si', 255n);
  } else {
    // mpls / mpls_mc: a label stack entry as push_mpls makes it, on a packet that loses its L2 header.
    const ethertype = a.header === 'mpls' ? 0x8847 : 0x8848;
    x.pushMpls(ethertype);
    s.set('packet_type', ethertypePt(BigInt(ethertype)));
    s.set('dl_src', 0n);
    s.set('dl_dst', 0n);
  }
  st.pending = a.header === 'ethernet' ? 'ethernet' : a.header === 'nsh' ? 'nsh' : 'mpls';
}

/**
 * Called by every commit while the packet has been through encap(): writes the pending
 * header's datapath action and brings the committed packet (`base`) up to date with it.
 */
export function commitEncap(x: Xlate, st: EncapState, odp: string[]): void {
  const s = x.slots, base = x.base;
  const pending = st.pending;
  st.pending = null;
  // push_mpls on an L3 NSH packet keeps its packet_type; committing that packet makes OVS
  // 3.1's ovs-vswitchd abort (an assertion in its NSH commit, seen while recording).
  if (s.get('packet_type') === ethertypePt(ETH_NSH) && s.get('dl_type') !== ETH_NSH) {
    x.unsupported('push_mpls on an NSH packet (L3) reaching the datapath: OVS 3.1 aborts there');
  }
  // OVS keeps only that an encap() is pending: the commit pushes the header the packet has
  // now. A clone() does not take that back: after clone(encap(nsh)) with no output inside,
  // the next commit gives the restored Ethernet packet a push_eth of its own addresses
  // (recorded: prereq-clone-encap-nothing-out-of13). A decap() commits first.
  const pt = s.get('packet_type');
  const header = pending === null ? null : pt === 0n ? 'ethernet' : pt === ethertypePt(ETH_NSH) ? 'nsh'
    : pt >> 16n === 1n && isMpls(pt & 0xffffn) ? 'mpls' : undefined;
  if (header === undefined) {
    // Recorded (test/oracle/trace-mpls-prereq/aborts): ofproto/trace lost the daemon.
    throw new VswitchdAbort(`ovs-vswitchd 3.1 aborts here: encap(${pending}) is still pending (a clone() took back its header, not the pending push) `
      + `when the L3 packet (packet type (${pt >> 16n},0x${(pt & 0xffffn).toString(16)})) is committed, which its encap commit does not expect`);
  }
  if (header === null) {
    // decap() since the last commit: Ethernet → L3 is a pop_eth; other decaps make OVS
    // recirculate, which ctflow does not model.
    const pt = s.get('packet_type'), bpt = base.get('packet_type');
    if (pt !== bpt) {
      if (bpt !== 0n || pt >> 16n !== 1n) x.unsupported('decap() of a non-Ethernet header after encap()');
      odp.push('pop_eth');
      for (const k of ['packet_type', 'dl_src', 'dl_dst']) base.set(k, s.get(k));
    }
  } else if (header === 'nsh') {
    const g = (k: string) => s.get(k);
    const hex = (k: string) => '0x' + g(k).toString(16);
    odp.push(`push_nsh(flags=${g('nsh_flags')},ttl=${g('nsh_ttl')},mdtype=${g('nsh_mdtype')},np=${g('nsh_np')},spi=${hex('nsh_spi')},si=${g('nsh_si')},`
      + `c1=${hex('nsh_c1')},c2=${hex('nsh_c2')},c3=${hex('nsh_c3')},c4=${hex('nsh_c4')})`);
    for (const k of ['packet_type', ...HEADER_SLOTS]) base.set(k, s.get(k));
  } else if (header === 'ethernet') {
    odp.push(`push_eth(src=${formatMac(s.get('dl_src'))},dst=${formatMac(s.get('dl_dst'))})`);
    for (const k of ['packet_type', 'dl_src', 'dl_dst']) base.set(k, s.get(k));
  } else if (header === 'mpls') {
    const lse = s.get('mpls_lse0'), t = s.get('dl_type');
    odp.push(`add_mpls(label=${lse >> 12n},tc=${(lse >> 9n) & 7n},ttl=${lse & 0xffn},bos=${(lse >> 8n) & 1n},eth_type=0x${t.toString(16)})`);
    for (const k of ['packet_type', 'dl_type', 'mpls_lse0', 'mpls_lse1', 'mpls_lse2', 'dl_src', 'dl_dst']) base.set(k, s.get(k));
  }
  // A later change to the NSH header would be a set(nsh(...)) action, which ctflow does not write.
  if (s.get('dl_type') === ETH_NSH && NSH_SLOTS.some((k) => s.get(k) !== base.get(k))) {
    x.unsupported('changing an NSH header after it was pushed (set(nsh(...)))');
  }
  if (isMpls(s.get('dl_type')) && s.get('packet_type') !== 0n && s.get('mpls_lse0') !== base.get('mpls_lse0')) {
    x.unsupported('changing the MPLS label of an L3 MPLS packet after encap(mpls)');
  }
}
