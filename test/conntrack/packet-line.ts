// A small parser for the recorded packet lines ("flow syntax  seq= ack= win= len= ...").
// Local to the conntrack tests on purpose: the project's real flow parser is built
// elsewhere, and these tests must not depend on it.

import { parseIp } from '../../src/conntrack/addr.js';
import { IPPROTO, TCP, type CtPacket } from '../../src/conntrack/types.js';

const PROTOS = new Map<string, { l3: 'ipv4' | 'ipv6'; proto: number }>([
  ['tcp', { l3: 'ipv4', proto: IPPROTO.tcp }],
  ['udp', { l3: 'ipv4', proto: IPPROTO.udp }],
  ['icmp', { l3: 'ipv4', proto: IPPROTO.icmp }],
  ['tcp6', { l3: 'ipv6', proto: IPPROTO.tcp }],
  ['udp6', { l3: 'ipv6', proto: IPPROTO.udp }],
  ['icmp6', { l3: 'ipv6', proto: IPPROTO.icmpv6 }],
  ['sctp', { l3: 'ipv4', proto: IPPROTO.sctp }],
  // `ip,...,nw_proto=N`: the protocol number follows.
  ['ip', { l3: 'ipv4', proto: -1 }],
]);
const SCTP_CHUNKS = new Map<string, number>([
  ['data', 0], ['init', 1], ['init_ack', 2], ['sack', 3], ['heartbeat', 4], ['heartbeat_ack', 5], ['abort', 6],
  ['shutdown', 7], ['shutdown_ack', 8], ['error', 9], ['cookie_echo', 10], ['cookie_ack', 11], ['shutdown_complete', 14],
]);
const FLAG_BITS = new Map<string, number>(Object.entries(TCP));

function addr(text: string): bigint {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address '${text}'`);
  return a.value;
}

function keyValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const item of text.split(/[ ,]+/).filter(Boolean)) {
    const i = item.indexOf('=');
    m.set(i < 0 ? item : item.slice(0, i), i < 0 ? '' : item.slice(i + 1));
  }
  return m;
}

export function parsePacketLine(line: string): CtPacket {
  const sep = line.indexOf('  ');
  const flow = keyValues(sep < 0 ? line : line.slice(0, sep));
  let extra = sep < 0 ? '' : line.slice(sep + 2);
  let inner: Map<string, string> | undefined;
  const im = /inner=\[([^\]]*)\]/.exec(extra);
  if (im) {
    inner = keyValues(im[1]!);
    extra = extra.replace(im[0], '');
  }
  let chunks: string[] = [];
  const cm = /chunks=\[([^\]]*)\]/.exec(extra);
  if (cm) {
    chunks = cm[1]!.split(',').filter(Boolean);
    extra = extra.replace(cm[0], '');
  }
  const ex = keyValues(extra);
  const kind = [...flow.keys()].find((k) => PROTOS.has(k));
  if (!kind) throw new Error(`no protocol keyword in '${line}'`);
  const { l3 } = PROTOS.get(kind)!;
  const proto = kind === 'ip' ? Number(flow.get('nw_proto')) : PROTOS.get(kind)!.proto;
  const src = addr(flow.get(l3 === 'ipv4' ? 'nw_src' : 'ipv6_src')!);
  const dst = addr(flow.get(l3 === 'ipv4' ? 'nw_dst' : 'ipv6_dst')!);
  const num = (m: Map<string, string>, k: string, d = 0): number => (m.has(k) ? Number(m.get(k)) : d);
  const pkt: CtPacket = { l3, src, dst, proto };
  if (proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp) {
    pkt.sport = num(flow, 'tp_src');
    pkt.dport = num(flow, 'tp_dst');
  }
  if (proto === IPPROTO.tcp) {
    let flags = 0;
    for (const f of (flow.get('tcp_flags') ?? '').split('|').filter(Boolean)) {
      const bit = FLAG_BITS.get(f);
      if (bit === undefined) throw new Error(`unknown tcp flag '${f}'`);
      flags |= bit;
    }
    pkt.tcp = { flags, seq: num(ex, 'seq'), ack: num(ex, 'ack'), win: num(ex, 'win'), len: num(ex, 'len') };
    if (ex.has('wscale')) pkt.tcp.wscale = num(ex, 'wscale');
    if (ex.has('mss')) pkt.tcp.mss = num(ex, 'mss');
    if (ex.has('sackperm')) pkt.tcp.sackPerm = true;
  } else if (proto === IPPROTO.udp) {
    pkt.udp = { len: num(ex, 'len') };
  } else if (proto === IPPROTO.sctp) {
    pkt.sctp = {
      vtag: num(ex, 'vtag'),
      chunks: chunks.map((c) => {
        const type = SCTP_CHUNKS.get(c);
        if (type === undefined) throw new Error(`unknown SCTP chunk '${c}'`);
        const ch: { type: number; t?: boolean; initTag?: number } = { type };
        if ((type === 1 || type === 2) && ex.has('init_tag')) ch.initTag = num(ex, 'init_tag');
        if ((type === 6 || type === 14) && ex.has('tflag')) ch.t = true;
        return ch;
      }),
    };
  } else if (proto === 47) {
    if (ex.has('gre_version')) pkt.gre = { version: num(ex, 'gre_version'), key: num(ex, 'gre_key') };
  } else if (proto === IPPROTO.icmp || proto === IPPROTO.icmpv6) {
    const type = num(flow, 'icmp_type', num(flow, 'icmpv6_type'));
    const code = num(flow, 'icmp_code', num(flow, 'icmpv6_code'));
    pkt.icmp = { type, code, id: num(ex, 'id'), seq: num(ex, 'seq') };
    if (inner) {
      pkt.icmp.inner = {
        proto: num(inner, 'proto'),
        src: addr(inner.get('nw_src') ?? inner.get('ipv6_src')!),
        dst: addr(inner.get('nw_dst') ?? inner.get('ipv6_dst')!),
        sport: num(inner, 'tp_src'),
        dport: num(inner, 'tp_dst'),
        seq: inner.has('seq') ? num(inner, 'seq') : undefined,
      };
    }
  }
  return pkt;
}
