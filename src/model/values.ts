// Field values: text ⇄ bigint for each field kind, as ovs-ofctl reads and prints them.
import { ones } from './bits.js';
import type { FieldSpec } from './fields.js';
import { didYouMean } from '../util/suggest.js';

/** A bad value; `at`/`len` locate the offending part inside the value text when known. */
export class ValueError extends Error {
  constructor(message: string, readonly at = 0, readonly len = 0) { super(message); }
}
const bad = (msg: string, at = 0, len = 0): never => { throw new ValueError(msg, at, len); };

export interface Masked { value: bigint; mask: bigint }

// ---- integers --------------------------------------------------------------------------
/** OVS accepts decimal and 0x-hex (strtoull base 0; a leading 0 is octal there too). */
export function parseInt_(text: string, bits: number, what: string): bigint {
  const v = parseNumber(text);
  if (v === null) return bad(`${text}: bad syntax for ${what} value`);
  if (v > ones(bits)) bad(`${what}: value ${text} does not fit into ${bits} bits`);
  return v;
}

export function parseNumber(text: string): bigint | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt('0o' + text.slice(1));
  if (/^\d+$/.test(text)) return BigInt(text);
  return null;
}

/** A field value as OVS reads it: refused when larger than the field's container. */
function parseFieldInt(text: string, f: FieldSpec): bigint {
  const v = parseNumber(text);
  if (v === null) return bad(`${text}: bad syntax for ${f.name} value`);
  if (v > ones(f.bytes * 8)) bad(`${text}: value too large for ${f.bytes}-byte field ${f.name}`);
  return v;
}

// ---- IPv4 / IPv6 / Ethernet ---------------------------------------------------------------
export function parseIpv4(text: string): bigint {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return bad(`${text}: invalid IP address`);
  // OVS reads each octet with %hhu: 256 wraps to 0, and ovs-ofctl accepts it.
  return m.slice(1).reduce((a, x) => (a << 8n) | BigInt(Number(x) & 255), 0n);
}
export function formatIpv4(v: bigint): string {
  // One conversion to a Number (32 bits are exact) instead of a bigint per octet.
  const n = Number(v & 0xffffffffn);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseIpv6(text: string): bigint {
  let t = text;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const x = parseIpv4(v4[2]);
    t = `${v4[1]}${(x >> 16n).toString(16)}:${(x & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) bad(`${text}: invalid IPv6 address`);
  const groups = (s: string): bigint[] => (s === '' ? [] : s.split(':').map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad(`${text}: invalid IPv6 address`);
    return BigInt('0x' + g);
  }));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) bad(`${text}: invalid IPv6 address`);
  const all = [...head, ...Array<bigint>(8 - total).fill(0n), ...rest];
  return all.reduce((a, g) => (a << 16n) | g, 0n);
}

const ONES_128 = ones(128);
const IPV6_GROUPS: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/** inet_ntop's spelling: longest run (≥2) of zero groups compressed, IPv4 tail for ::a.b.c.d. */
export function formatIpv6(v: bigint): string {
  // The 16-bit groups from one hex rendering of the address (not a bigint per group).
  const hex = (v & ONES_128).toString(16).padStart(32, '0');
  const w = IPV6_GROUPS;
  for (let i = 0; i < 8; i++) w[i] = Number.parseInt(hex.slice(4 * i, 4 * i + 4), 16);
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += formatIpv4(v & 0xffffffffn);
      break;
    }
    out += w[i].toString(16);
  }
  if (best >= 0 && best + bestLen === 8) out += ':';
  return out;
}

export function parseMac(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(text)) bad(`${text}: invalid Ethernet address`);
  return text.split(':').reduce((a, g) => (a << 8n) | BigInt('0x' + g), 0n);
}
export function formatMac(v: bigint): string {
  // 48 bits are exact as a Number: octets by division, two hex digits each from a table.
  const n = Number(v & 0xffffffffffffn);
  const hi = Math.floor(n / 0x100000000), lo = n >>> 0;
  return `${HEX2[hi >>> 8]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
}
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `/N` prefix or a full mask in the same notation as the address. */
function parsePrefixed(text: string, bits: number, parse: (t: string) => bigint, maskable: boolean, what: string): Masked {
  const slash = text.indexOf('/');
  if (slash < 0) return { value: parse(text), mask: ones(bits) };
  if (!maskable) bad(`${text}: invalid mask for field ${what}`);
  const value = parse(text.slice(0, slash));
  const m = text.slice(slash + 1);
  let mask: bigint;
  if (/^\d+$/.test(m)) {
    const n = Number(m);
    if (n > bits) bad(`${text}: ${bits === 32 ? 'IPv4' : 'IPv6'} network prefix bits not between 0 and ${bits}, inclusive`);
    mask = n === 0 ? 0n : ones(n) << BigInt(bits - n);
  } else mask = parse(m);
  return { value, mask };
}

/** Length of the CIDR prefix `mask` is, or -1 when it is not a prefix. */
export function prefixLen(mask: bigint, bits: number): number {
  if (bits <= 32) {
    // Numbers for the common IPv4 case: ~mask is 2^k - 1 when mask is a prefix.
    const inv = ~Number(mask & 0xffffffffn) & (bits === 32 ? 0xffffffff : 2 ** bits - 1);
    if ((inv & (inv + 1)) !== 0) return -1;
    return bits - (32 - Math.clz32(inv));
  }
  const inv = ~mask & ones(bits);
  if ((inv & (inv + 1n)) !== 0n) return -1;
  return bits - (inv === 0n ? 0 : inv.toString(2).length);
}

// ---- flags -----------------------------------------------------------------------------
export const CT_STATE_FLAGS = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
export const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'];

/** `+a-b` (masked) or `a|b` / numbers (exact), as OVS's parse_flags reads them. */
export function parseFlags(text: string, names: string[], bits: number, what: string): Masked {
  const all = ones(bits);
  const num = /^(0x[0-9a-fA-F]+|\d+)\/(0x[0-9a-fA-F]+|\d+)$/.exec(text);
  if (num) {
    const r = { value: BigInt(num[1]), mask: BigInt(num[2]) };
    if ((r.value | r.mask) & ~ones(bits)) bad(`${text}: unknown ${what} flag(s)`);
    return r;
  }
  const bitOf = (n: string, at: number): bigint => {
    const i = names.indexOf(n);
    if (i < 0) bad(`unknown ${what} flag '${n}'${didYouMean(n, names)}`, at, n.length);
    return 1n << BigInt(i);
  };
  if (text.startsWith('+') || text.startsWith('-')) {
    let value = 0n, mask = 0n;
    const re = /([+-])([^+-]*)/g;
    let m: RegExpExecArray | null;
    let seen = 0;
    while ((m = re.exec(text))) {
      const b = bitOf(m[2], seen + 1);
      if (mask & b) bad(`${m[2]}: each ${what} flag can be specified only once`, seen + 1, m[2].length);
      seen += m[0].length;
      mask |= b;
      if (m[1] === '+') value |= b;
    }
    if (seen !== text.length) bad(`${what}: flags must be preceded by '+' or '-'`);
    return { value, mask };
  }
  let value = 0n, at = 0;
  for (const part of text.split('|')) {
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(part)) {
      if (BigInt(part) & ~ones(bits)) bad(`${text}: unknown ${what} flag(s)`);
      value |= BigInt(part);
    } else value |= bitOf(part, at);
    at += part.length + 1;
  }
  return { value, mask: all };
}

export function formatFlags(value: bigint, names: string[]): string {
  if (value === 0n) return '0';
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if (value & (1n << BigInt(i))) out.push(names[i]);
  return out.join('|');
}

export function formatFlagsMasked(value: bigint, mask: bigint, names: string[], bits: number): string {
  if (mask === ones(bits)) return formatFlags(value, names);
  if (mask === 0n) return '0/0';
  let out = '';
  for (let i = 0; i < bits; i++) {
    const b = 1n << BigInt(i);
    if (mask & b) out += (value & b ? '+' : '-') + (names[i] ?? '[Unknown]');
  }
  return out;
}

// ---- nw_frag ---------------------------------------------------------------------------
// Bit 0: is a fragment; bit 1: is a later fragment.
const FRAG: Array<[string, bigint, bigint]> = [
  ['no', 0n, 3n], ['yes', 1n, 1n], ['first', 1n, 3n], ['later', 3n, 3n], ['not_later', 0n, 2n],
];
export function parseFrag(text: string): Masked {
  const f = FRAG.find(([n]) => n === text);
  if (!f) return bad(`unknown frag type '${text}'${didYouMean(text, FRAG.map(([n]) => n))}`);
  return { value: f[1], mask: f[2] };
}

// ---- one field value -------------------------------------------------------------------
export interface ValueCtx { ports?: Map<string, number> }

/** Parses `text` as a value of field `f` (with an optional mask where OVS allows one). */
export function parseFieldValue(f: FieldSpec, text: string, ctx: ValueCtx = {}): Masked {
  const all = ones(f.bits);
  switch (f.kind) {
    case 'ipv4': return parsePrefixed(text, 32, parseIpv4, f.maskable, f.name);
    case 'ipv6': return parsePrefixed(text, 128, parseIpv6, f.maskable, f.name);
    case 'mac': return parsePrefixed(text, 48, parseMac, f.maskable, f.name);
    case 'ct_state': return parseFlags(text, CT_STATE_FLAGS, 8, 'ct_state');
    case 'tcp_flags': return parseFlags(text, TCP_FLAG_NAMES, 12, 'tcp_flags');
    case 'frag': return parseFrag(text);
    case 'tun_flags': return parseFlags(text, ['oam'], 1, 'tun_flags');
    case 'port': return { value: parsePort(text, ctx), mask: all };
    case 'packet_type': return bad(`${text}: bad syntax for packet type missing '('`);
    default: {
      const slash = text.indexOf('/');
      if (slash < 0) return { value: parseFieldInt(text, f), mask: all };
      if (!f.maskable) bad(`${text}: invalid mask for field ${f.name}`);
      return { value: parseFieldInt(text.slice(0, slash), f), mask: parseFieldInt(text.slice(slash + 1), f) };
    }
  }
}

// ---- OpenFlow ports --------------------------------------------------------------------
export const RESERVED_PORTS = new Map<string, number>([
  ['IN_PORT', 0xfff8], ['TABLE', 0xfff9], ['NORMAL', 0xfffa], ['FLOOD', 0xfffb], ['ALL', 0xfffc],
  ['CONTROLLER', 0xfffd], ['LOCAL', 0xfffe], ['ANY', 0xffff], ['NONE', 0xffff],
]);
const PORT_NAMES = new Map<number, string>([...RESERVED_PORTS].filter(([n]) => n !== 'NONE').map(([n, v]) => [v, n]));

export function parsePort(text: string, ctx: ValueCtx = {}): bigint {
  // OVS reads port numbers in decimal only (0x4 is "invalid or unknown port").
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 0xffff) {
      // OpenFlow 1.1+ 32-bit reserved ports map onto the 16-bit range.
      if (n >= 0xffffff00 && n <= 0xffffffff) return BigInt(n - 0xffff0000);
      bad(`${text}: invalid or unknown port`);
    }
    return BigInt(n);
  }
  const user = ctx.ports?.get(text);
  if (user !== undefined) return BigInt(user);
  const r = RESERVED_PORTS.get(text.toUpperCase());
  if (r !== undefined) return BigInt(r);
  return bad(`${text}: invalid or unknown port${didYouMean(text, [...(ctx.ports?.keys() ?? []), ...RESERVED_PORTS.keys()])}`);
}

/** Ports above OFPP_MAX that are not reserved names are not ports at all. */
export function isValidPort(n: number): boolean {
  return n < 0xff00 || PORT_NAMES.has(n) || n === 0xffff;
}

export function formatPort(v: bigint, names?: Map<number, string>): string {
  const n = Number(v);
  // Reserved ports keep their names even when the switch has a name for them (br0 = LOCAL).
  const reserved = PORT_NAMES.get(n);
  if (reserved !== undefined) return reserved;
  const user = names?.get(n);
  if (user !== undefined) return nameNeedsQuotes(user) ? JSON.stringify(user) : user;
  return String(n);
}

/** OVS quotes a port name unless it is a letter followed by letters and digits. */
const nameNeedsQuotes = (name: string): boolean => !/^[A-Za-z][A-Za-z0-9]*$/.test(name);
