// The packet-only part of a conversation line: what a frame carries and a flow key has
// not, spelled as the kernel oracle's packets.txt writes it:
//
//   TCP   seq=1000 ack=0 win=64240 len=0 [wscale=7] [mss=1460] [sackperm]
//   UDP   len=8                     (the UDP length field: header + payload)
//   TCP/UDP data="PORT 10,0,0,1,15,160\r\n"   (payload bytes: what an ALG helper reads;
//         escapes \r \n \t \\ \" \xHH; len= follows from it, or must agree with it)
//   ICMP  id=4660 seq=1             (echo request / reply)
//         inner=[proto=17,nw_src=…,nw_dst=…,tp_src=…,tp_dst=…,seq=…]   (errors)
//   SCTP  vtag=0 chunks=[init] init_tag=268484830 [tflag]   (extra-sctp.ts)
//   GRE   gre_version=1 gre_key=4369                        (PPTP's call id)
//
// Keys are checked against the packet's protocol so a typo or a TCP key on a UDP packet
// is an error pointing at it, not a silently ignored number.
import type { Span } from '../../grammar/syntax.js';
import { fail } from '../model/errors.js';
import { parseIpv4, parseIpv6 } from '../model/values.js';
import type { PacketExtra } from '../packet/packet.js';
import { didYouMean } from '../util/suggest.js';
import { finishSctp, greVersion, newSctpDraft, parseChunks, tag } from './extra-sctp.js';

export type L4 = 'tcp' | 'udp' | 'icmp' | 'sctp' | 'gre' | 'other';

/** Which protocols each key applies to. */
const KEYS = new Map<string, readonly L4[]>([
  ['seq', ['tcp', 'icmp']],
  ['ack', ['tcp']],
  ['win', ['tcp']],
  ['len', ['tcp', 'udp']],
  ['wscale', ['tcp']],
  ['mss', ['tcp']],
  ['sackperm', ['tcp']],
  ['id', ['icmp']],
  ['inner', ['icmp']],
  ['data', ['tcp', 'udp']],
  ['vtag', ['sctp']],
  ['chunks', ['sctp']],
  ['init_tag', ['sctp']],
  ['tflag', ['sctp']],
  ['gre_version', ['gre']],
  ['gre_key', ['gre']],
]);
export const EXTRA_KEYS: readonly string[] = [...KEYS.keys()];

const INNER_KEYS = ['proto', 'nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'tp_src', 'tp_dst', 'seq'];

interface Tok { text: string; start: number }

/** Splits on spaces and commas, keeping `[...]` groups and `"..."` strings whole. Offsets are relative to `base`. */
function tokens(text: string, base: number, what: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    if (/[\s,]/.test(text[i])) { i++; continue; }
    const start = i;
    let depth = 0;
    let quote = -1;
    while (i < text.length && (depth > 0 || quote >= 0 || !/[\s,]/.test(text[i]))) {
      if (quote >= 0) {
        if (text[i] === '\\') i++;
        else if (text[i] === '"') quote = -1;
      } else if (text[i] === '"') quote = i;
      else if (text[i] === '[') depth++;
      else if (text[i] === ']') depth--;
      i++;
    }
    if (quote >= 0) fail(`${what}: '"' without a closing '"'`, { start: base + quote, end: base + text.length });
    if (depth > 0) fail(`${what}: '[' without a closing ']'`, { start: base + start, end: base + text.length });
    out.push({ text: text.slice(start, i), start: base + start });
  }
  return out;
}

function number(v: string, at: number, key: string, max: number): number {
  const span: Span = { start: at, end: at + Math.max(1, v.length) };
  if (!/^\d+$/.test(v)) fail(`${key}=: expected a decimal number, got '${v}'`, span);
  const n = Number(v);
  if (n > max) fail(`${key}=: ${n} is out of range (0-${max})`, span);
  return n;
}

function address(v: string, at: number, key: string): bigint {
  try {
    return key.startsWith('ipv6') ? parseIpv6(v) : parseIpv4(v);
  } catch {
    return fail(`${key}=: '${v}' is not an ${key.startsWith('ipv6') ? 'IPv6' : 'IPv4'} address`, { start: at, end: at + v.length });
  }
}

/**
 * Parses `text` (which starts at offset `base` of the line) for a packet of protocol `l4`.
 * Errors are FlowErrors with spans in line offsets.
 */
export function parseExtra(text: string, base: number, l4: L4): PacketExtra {
  const x: PacketExtra = {};
  const seen = new Set<string>();
  const sctp = newSctpDraft();
  for (const t of tokens(text, base, 'packet fields')) {
    const eq = t.text.indexOf('=');
    const key = eq < 0 ? t.text : t.text.slice(0, eq);
    const keySpan: Span = { start: t.start, end: t.start + key.length };
    const protos = KEYS.get(key);
    if (!protos) fail(`unknown packet field '${key}'${didYouMean(key, EXTRA_KEYS)}`, keySpan);
    if (!protos.includes(l4)) fail(`${key}= applies to ${protos.join('/')} packets, this one is ${l4}`, keySpan);
    if (seen.has(key)) fail(`${key}= given twice`, keySpan);
    seen.add(key);
    if (key === 'sackperm' || key === 'tflag') {
      if (eq >= 0) fail(`${key} takes no value`, { start: t.start, end: t.start + t.text.length });
      if (key === 'sackperm') x.sackPerm = true;
      else sctp.tflag = keySpan;
      continue;
    }
    if (eq < 0) fail(`${key} needs a value (${key}=N)`, keySpan);
    const v = t.text.slice(eq + 1);
    const at = t.start + eq + 1;
    switch (key) {
      case 'seq':
        if (l4 === 'tcp') x.seq = number(v, at, key, 0xffffffff);
        else { x.icmpSeq = number(v, at, key, 0xffff); x.seq = x.icmpSeq; }
        break;
      case 'ack': x.ack = number(v, at, key, 0xffffffff); break;
      case 'win': x.win = number(v, at, key, 0xffff); break;
      case 'len':
        x.len = number(v, at, key, 0xffff);
        if (l4 === 'udp' && x.len < 8) fail(`len=${x.len}: a UDP length counts its 8-byte header`, { start: at, end: at + v.length });
        break;
      case 'wscale': x.wscale = number(v, at, key, 14); break;
      case 'mss': x.mss = number(v, at, key, 0xffff); break;
      case 'id': x.icmpId = number(v, at, key, 0xffff); break;
      case 'inner': x.inner = parseInner(v, at); break;
      case 'data': x.payload = parsePayload(v, at); break;
      case 'vtag': sctp.vtag = tag(v, at, key); break;
      case 'init_tag': sctp.initTag = { n: tag(v, at, key), span: keySpan }; break;
      case 'chunks': sctp.chunks = parseChunks(v, at); break;
      case 'gre_version': x.gre = { version: greVersion(v, at), key: x.gre?.key ?? 0 }; break;
      case 'gre_key': x.gre = { version: x.gre?.version ?? 0, key: tag(v, at, key, 0xffff) }; break;
    }
  }
  if (l4 === 'sctp') x.sctp = finishSctp(sctp, { start: base, end: base + Math.max(1, text.length) });
  if (x.gre && x.gre.version !== 1 && seen.has('gre_key')) {
    fail("gre_key= is the call id of PPTP's enhanced GRE: it needs gre_version=1", { start: base, end: base + text.length });
  }
  if (x.payload) payloadLength(x, l4, text, base);
  return x;
}

const ESCAPES = new Map<string, number>([['r', 13], ['n', 10], ['t', 9], ['\\', 92], ['"', 34], ['0', 0]]);

/** `"text"` with C-style escapes → bytes. */
function parsePayload(v: string, at: number): Uint8Array {
  const whole: Span = { start: at, end: at + Math.max(1, v.length) };
  if (v.length < 2 || v[0] !== '"' || v[v.length - 1] !== '"') fail('data=: expected a quoted string, like data="PORT 10,0,0,1,15,160\\r\\n"', whole);
  const out: number[] = [];
  for (let i = 1; i < v.length - 1; i++) {
    const c = v.charCodeAt(i);
    if (c > 126 || c < 32) fail(`data=: character ${JSON.stringify(v[i])} must be written as an escape (\\xHH)`, { start: at + i, end: at + i + 1 });
    if (v[i] !== '\\') { out.push(c); continue; }
    const e = v[i + 1];
    const esc = ESCAPES.get(e);
    if (esc !== undefined) { out.push(esc); i++; continue; }
    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 2, i + 4))) { out.push(parseInt(v.slice(i + 2, i + 4), 16)); i += 3; continue; }
    fail(`data=: unknown escape '\\${e}' (use \\r \\n \\t \\\\ \\" \\0 or \\xHH)`, { start: at + i, end: at + i + 2 });
  }
  return Uint8Array.from(out);
}

/** len= follows from data= (TCP: the payload; UDP: 8 + the payload), or must agree with it. */
function payloadLength(x: PacketExtra, l4: L4, text: string, base: number): void {
  const want = x.payload!.length + (l4 === 'udp' ? 8 : 0);
  if (x.len === undefined) { x.len = want; return; }
  if (x.len !== want) {
    const at = /(^|[\s,])len=/.exec(text);
    const start = at ? at.index + at[1].length : 0;
    fail(`len=${x.len} disagrees with data= (${x.payload!.length} bytes${l4 === 'udp' ? ', UDP length ' + want : ''})`, { start: base + start, end: base + start + 4 + String(x.len).length });
  }
}

/** `[proto=17,nw_src=…,nw_dst=…,tp_src=…,tp_dst=…,seq=…]`: the packet an ICMP error quotes. */
function parseInner(v: string, at: number): NonNullable<PacketExtra['inner']> {
  if (!v.startsWith('[') || !v.endsWith(']')) {
    fail('inner=: expected [proto=N,nw_src=A,nw_dst=A,tp_src=N,tp_dst=N]', { start: at, end: at + v.length });
  }
  const vals = new Map<string, { v: string; at: number }>();
  for (const t of tokens(v.slice(1, -1), at + 1, 'inner=')) {
    const eq = t.text.indexOf('=');
    const key = eq < 0 ? t.text : t.text.slice(0, eq);
    const span: Span = { start: t.start, end: t.start + key.length };
    if (!INNER_KEYS.includes(key)) fail(`unknown inner field '${key}'${didYouMean(key, INNER_KEYS)}`, span);
    if (eq < 0) fail(`inner ${key} needs a value`, span);
    vals.set(key, { v: t.text.slice(eq + 1), at: t.start + eq + 1 });
  }
  const whole: Span = { start: at, end: at + v.length };
  const need = (k: string) => vals.get(k) ?? fail(`inner=: ${k}= is missing`, whole);
  const v6 = vals.has('ipv6_src') || vals.has('ipv6_dst');
  const src = need(v6 ? 'ipv6_src' : 'nw_src');
  const dst = need(v6 ? 'ipv6_dst' : 'nw_dst');
  const num = (k: string, max: number) => {
    const e = vals.get(k);
    return e ? number(e.v, e.at, k, max) : 0;
  };
  const proto = need('proto');
  const inner: NonNullable<PacketExtra['inner']> = {
    proto: number(proto.v, proto.at, 'proto', 255),
    src: address(src.v, src.at, v6 ? 'ipv6_src' : 'nw_src'),
    dst: address(dst.v, dst.at, v6 ? 'ipv6_dst' : 'nw_dst'),
    sport: num('tp_src', 0xffff),
    dport: num('tp_dst', 0xffff),
  };
  if (vals.has('seq')) inner.seq = num('seq', 0xffffffff);
  return inner;
}
