// The frames a packet left by: for each output of a pass, the pass's starting packet with
// the header rewrites of the pass's datapath actions applied up to that output — what the
// switch really sends. (The trace's `Final flow:` is not that: OVN hops between logical
// datapaths inside clone(), whose changes the final flow no longer shows.)
//
// Followed: set(eth|ipv4|ipv6|tcp|udp|sctp|icmp|icmpv6|arp(k=v[/mask],…)), push_vlan,
// pop_vlan, clone(…) (changes scoped to it) and output ports, paired in order with the
// pass's OpenFlow outputs. Actions that do not change headers are passed over; a NAT
// applied by a table-less ct(nat) right before an output is not (as in `ctflow run`).
import { fieldByName } from '../model/fields.js';
import { newMatch, setField } from '../model/match.js';
import { parseFieldValue } from '../model/values.js';
import { clonePacket, type Packet } from '../packet/packet.js';
import type { PassResult } from '../pipeline/run-types.js';

export interface Frame { port: number; packet: Packet }

/** Datapath actions the frames cannot be followed through (named in the message). */
export class FrameError extends Error {}

/** ODP key → flow field, per header. */
const KEYS = new Map<string, Map<string, string>>([
  ['eth', new Map([['src', 'dl_src'], ['dst', 'dl_dst']])],
  ['ipv4', new Map([['src', 'nw_src'], ['dst', 'nw_dst'], ['tos', 'nw_tos'], ['ttl', 'nw_ttl']])],
  ['ipv6', new Map([['src', 'ipv6_src'], ['dst', 'ipv6_dst'], ['label', 'ipv6_label'], ['tclass', 'nw_tos'], ['hlimit', 'nw_ttl']])],
  ['tcp', new Map([['src', 'tp_src'], ['dst', 'tp_dst']])],
  ['udp', new Map([['src', 'tp_src'], ['dst', 'tp_dst']])],
  ['sctp', new Map([['src', 'tp_src'], ['dst', 'tp_dst']])],
  ['icmp', new Map([['type', 'icmp_type'], ['code', 'icmp_code']])],
  ['icmpv6', new Map([['type', 'icmpv6_type'], ['code', 'icmpv6_code']])],
  ['arp', new Map([['sip', 'arp_spa'], ['tip', 'arp_tpa'], ['op', 'arp_op'], ['sha', 'arp_sha'], ['tha', 'arp_tha']])],
]);

/** Splits `a,b(c,d),e` at top-level commas. */
function split(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

const inner = (a: string, name: string) => a.slice(name.length + 1, -1);

function applySet(p: Packet, header: string, body: string): void {
  const keys = KEYS.get(header);
  if (!keys) throw new FrameError(`cannot follow datapath action set(${header}(…)) to the output frame`);
  for (const kv of split(body)) {
    const eq = kv.indexOf('=');
    const f = fieldByName(keys.get(kv.slice(0, eq)) ?? '');
    if (!f) throw new FrameError(`cannot follow datapath action set(${header}(${kv})) to the output frame`);
    const [v, m] = kv.slice(eq + 1).split('/');
    const value = parseFieldValue(f, v).value;
    const mask = m === undefined ? (1n << BigInt(f.bits)) - 1n : parseFieldValue(f, m).value;
    const w = newMatch();
    setField(w, f, value, mask);
    for (const [slot, k] of w.masks) p.slots.set(slot, ((p.slots.get(slot) ?? 0n) & ~k) | (w.values.get(slot) ?? 0n));
  }
}

function follow(actions: string[], p: Packet, ports: number[], out: Frame[]): void {
  for (const a of actions) {
    if (/^\d+$/.test(a)) {
      const port = ports[out.length];
      if (port === undefined) throw new FrameError(`datapath output ${a} has no OpenFlow output to pair with`);
      out.push({ port, packet: clonePacket(p) });
    } else if (a.startsWith('set(')) {
      const body = inner(a, 'set');
      const name = body.slice(0, body.indexOf('('));
      applySet(p, name, inner(body, name));
    } else if (a.startsWith('clone(')) {
      follow(split(inner(a, 'clone')), clonePacket(p), ports, out);
    } else if (a.startsWith('push_vlan(')) {
      const vid = BigInt(/vid=(\d+)/.exec(a)?.[1] ?? 0), pcp = BigInt(/pcp=(\d+)/.exec(a)?.[1] ?? 0);
      p.slots.set('vlan_tci', 0x1000n | vid | (pcp << 13n));
    } else if (a === 'pop_vlan') {
      p.slots.set('vlan_tci', 0n);
    } else if (/^(check_pkt_len|sample)\(/.test(a)) {
      throw new FrameError(`cannot follow datapath action ${a.slice(0, a.indexOf('('))}(…) to the output frame`);
    }
  }
}

/** Every frame the packet left by, in output order. */
export function outputFrames(passes: readonly PassResult[]): Frame[] {
  const out: Frame[] = [];
  for (const pass of passes) {
    if (!pass.outputs.length) continue;
    const frames: Frame[] = [];
    follow(split(pass.datapathActions), clonePacket(pass.packet), pass.outputs, frames);
    out.push(...frames);
  }
  return out;
}

/** `data="..."` as a conversation line writes it (\r \n \t \\ \" escaped, other bytes as \xHH). */
function dataText(b: Uint8Array): string {
  const esc = new Map([[13, '\\r'], [10, '\\n'], [9, '\\t'], [92, '\\\\'], [34, '\\"']]);
  let s = '';
  for (const c of b) s += esc.get(c) ?? (c >= 32 && c <= 126 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`);
  return `data="${s}"`;
}

/**
 * What a frame's TCP segment left with when a helper rewrote it (an FTP line on a NATed
 * connection, the seq/ack shift after it): ` seq=… ack=… len=… data="…"`, or '' when unchanged.
 */
export function tcpRewriteText(received: Packet, sent: Packet): string {
  const a = received.extra, b = sent.extra;
  if (a === b || (a.seq === b.seq && a.ack === b.ack && a.payload === b.payload)) return '';
  return ` seq=${b.seq ?? 0} ack=${b.ack ?? 0} len=${b.len ?? 0}` + (b.payload && b.payload !== a.payload ? ' ' + dataText(b.payload) : '');
}
