// IPv4 / IPv6 addresses as bigint, to and from text.

import type { L3 } from './types.js';

// Event and dump lines print the same few addresses over and over: a small direct-mapped
// cache of address text (keyed by the low address bits) saves rebuilding it each time.
const V4_SLOTS = 4096;
const v4Addr = new Float64Array(V4_SLOTS).fill(-1);
const v4Text: string[] = new Array<string>(V4_SLOTS).fill('');
// The same for IPv6, keyed by the low 12 bits.
const v6Addr: (bigint | undefined)[] = new Array<bigint | undefined>(4096).fill(undefined);
const v6Text: string[] = new Array<string>(4096).fill('');

// Number(bigint) is a slow builtin call (~2.5x a typed-array store and read, measured):
// a BigUint64Array store keeps the low 64 bits, read back as two 32-bit halves.
const B64 = new BigUint64Array(1);
const U32 = new Uint32Array(B64.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The low 32 bits of `a` (two's complement for a negative one), as `a & 0xffffffffn` gives them. */
export function low32(a: bigint): number {
  B64[0] = a;
  return U32[LOW]!;
}

export function formatIp(l3: L3, a: bigint): string {
  if (l3 === 'ipv4') {
    const n = low32(a);
    const slot = (n ^ (n >>> 12) ^ (n >>> 24)) & (V4_SLOTS - 1);
    if (v4Addr[slot] === n) return v4Text[slot]!;
    const text = `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
    v4Addr[slot] = n;
    v4Text[slot] = text;
    return text;
  }
  const slot = Number(BigInt.asUintN(12, a));
  if (v6Addr[slot] === a) return v6Text[slot]!;
  const text = formatIpv6(a);
  v6Addr[slot] = a;
  v6Text[slot] = text;
  return text;
}

const V6_LIMIT = 1n << 128n;

/** The eight 16-bit groups, most significant first. */
function groupsOf(a: bigint): number[] {
  const groups: number[] = [];
  if (a >= 0n && a < V6_LIMIT) {
    // One hex conversion instead of sixteen BigInt shifts and masks.
    const hex = a.toString(16).padStart(32, '0');
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16));
  } else for (let i = 7; i >= 0; i--) groups.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  return groups;
}

function formatIpv6(a: bigint): string {
  const groups = groupsOf(a);
  // RFC 5952: compress the longest run (≥ 2) of zero groups, leftmost on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses an address; undefined when the text is not one. */
export function parseIp(text: string): { l3: L3; value: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { l3: 'ipv4', value: BigInt(((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) };
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const side = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = side(halves[0]!);
  const tail = halves.length === 2 ? side(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return { l3: 'ipv6', value: v };
}
