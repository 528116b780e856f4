// What conntrack sees of a packet (src/conntrack's CtPacket), read from its slots.
import type { CtPacket } from '../conntrack/index.js';
import { ETH_IPV6, type Packet } from './packet.js';

export function toCtPacket(p: Packet): CtPacket {
  const s = p.slots, x = p.extra;
  const v6 = s.get('dl_type') === ETH_IPV6;
  const proto = Number(s.get('nw_proto') ?? 0n);
  const pkt: CtPacket = {
    l3: v6 ? 'ipv6' : 'ipv4',
    src: s.get(v6 ? 'ipv6_src' : 'nw_src') ?? 0n,
    dst: s.get(v6 ? 'ipv6_dst' : 'nw_dst') ?? 0n,
    proto,
  };
  const sport = Number(s.get('tp_src') ?? 0n), dport = Number(s.get('tp_dst') ?? 0n);
  if (proto === 6 || proto === 17 || proto === 132 || proto === 136) { pkt.sport = sport; pkt.dport = dport; }
  if (proto === 6) {
    pkt.tcp = { flags: Number(s.get('tcp_flags') ?? 0n), seq: x.seq ?? 0, ack: x.ack ?? 0, win: x.win ?? 0, len: x.len ?? 0 };
    if (x.wscale !== undefined) pkt.tcp.wscale = x.wscale;
    if (x.mss !== undefined) pkt.tcp.mss = x.mss;
    if (x.sackPerm) pkt.tcp.sackPerm = true;
    if (x.payload) pkt.tcp.payload = x.payload;
  } else if (proto === 17) {
    pkt.udp = { len: x.len ?? 0 };
    if (x.payload) pkt.udp.payload = x.payload;
  } else if (proto === 1 || proto === 58) {
    pkt.icmp = { type: sport, code: dport, id: x.icmpId ?? 0, seq: x.icmpSeq ?? 0 };
    if (x.inner) pkt.icmp.inner = { ...x.inner };
  } else if (proto === 132) {
    if (x.sctp) pkt.sctp = x.sctp;
  } else if (proto === 47) {
    if (x.gre) pkt.gre = x.gre;
  }
  return pkt;
}
