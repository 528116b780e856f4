// The hash functions OVS 3.1 uses to pick among links, bundle members and select-group
// buckets, reproduced so ctflow picks what a real switch picks. Written from the
// behaviour described in OVS's lib/hash.h (murmur-style hash_add/hash_finish of the
// portable, non-SSE4.2 build that distributions ship), lib/jhash.c (Bob Jenkins' lookup3)
// and lib/flow.c (which header bytes each flow hash reads, laid out as the C structs
// are in memory on a little-endian host). Checked against recorded traces (bucket scores,
// multipath links, bundle members).
import type { Slots } from './odp.js';

const u32 = (x: number) => x >>> 0;
const rot = (x: number, k: number) => u32((x << k) | (x >>> (32 - k)));

export function hashAdd(hash: number, data: number): number {
  if (data) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = rot(d, 15);
    d = Math.imul(d, 0x1b873593);
    hash = u32(hash ^ d);
  }
  hash = rot(hash, 13);
  return u32(Math.imul(hash, 5) + 0xe6546b64);
}

export function hashFinish(hash: number, final: number): number {
  let h = u32(hash ^ final);
  h = u32(h ^ (h >>> 16));
  h = u32(Math.imul(h, 0x85ebca6b));
  h = u32(h ^ (h >>> 13));
  h = u32(Math.imul(h, 0xc2b2ae35));
  return u32(h ^ (h >>> 16));
}

export const hash2words = (x: number, y: number) => hashFinish(hashAdd(hashAdd(x, 0), y), 8);
export const hashInt = (x: number, basis: number) => hash2words(x, basis);

/** hash_add64: the low then the high 32 bits of a 64-bit word. */
export function hashAdd64(hash: number, lo: number, hi: number): number { return hashAdd(hashAdd(hash, lo), hi); }

export function hashUint64(x: bigint): number {
  return hashFinish(hashAdd64(0, Number(x & 0xffffffffn), Number((x >> 32n) & 0xffffffffn)), 8);
}

/** A little-endian 32-bit word of `b` at `i` (zero beyond the end). */
const le32 = (b: Uint8Array, i: number) => u32((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24));

export function hashBytes(b: Uint8Array, basis: number): number {
  let h = basis;
  for (let i = 0; i < b.length; i += 4) h = hashAdd(h, le32(b, i));
  return hashFinish(h, b.length);
}

function jmix(s: Uint32Array): void {
  let [a, b, c] = s;
  a = u32(a - c); a = u32(a ^ rot(c, 4)); c = u32(c + b);
  b = u32(b - a); b = u32(b ^ rot(a, 6)); a = u32(a + c);
  c = u32(c - b); c = u32(c ^ rot(b, 8)); b = u32(b + a);
  a = u32(a - c); a = u32(a ^ rot(c, 16)); c = u32(c + b);
  b = u32(b - a); b = u32(b ^ rot(a, 19)); a = u32(a + c);
  c = u32(c - b); c = u32(c ^ rot(b, 4)); b = u32(b + a);
  s[0] = a; s[1] = b; s[2] = c;
}

function jfinal(s: Uint32Array): void {
  let [a, b, c] = s;
  c = u32(c ^ b); c = u32(c - rot(b, 14));
  a = u32(a ^ c); a = u32(a - rot(c, 11));
  b = u32(b ^ a); b = u32(b - rot(a, 25));
  c = u32(c ^ b); c = u32(c - rot(b, 16));
  a = u32(a ^ c); a = u32(a - rot(c, 4));
  b = u32(b ^ a); b = u32(b - rot(a, 14));
  c = u32(c ^ b); c = u32(c - rot(b, 24));
  s[0] = a; s[1] = b; s[2] = c;
}

export function jhashBytes(b: Uint8Array, basis: number): number {
  const init = u32(0xdeadbeef + b.length + basis);
  const s = new Uint32Array([init, init, init]);
  let i = 0, n = b.length;
  for (; n >= 12; n -= 12, i += 12) {
    s[0] = u32(s[0] + le32(b, i)); s[1] = u32(s[1] + le32(b, i + 4)); s[2] = u32(s[2] + le32(b, i + 8));
    jmix(s);
  }
  if (n) {
    const tail = (k: number) => (k < n ? le32(b.subarray(0, i + n), i + k) : 0);
    s[0] = u32(s[0] + tail(0)); s[1] = u32(s[1] + tail(4)); s[2] = u32(s[2] + tail(8));
    jfinal(s);
  }
  return s[2];
}

// ---- header bytes in network order ----------------------------------------------------------
const get = (s: Slots, k: string) => s.get(k) ?? 0n;

/** Writes `v` big-endian into `n` bytes of `out` at `at`. */
function put(out: Uint8Array, at: number, v: bigint, n: number): void {
  for (let i = n - 1; i >= 0; i--) { out[at + i] = Number(v & 0xffn); v >>= 8n; }
}

export function beBytes(v: bigint, n: number): Uint8Array { const b = new Uint8Array(n); put(b, 0, v, n); return b; }

const ETH_IP = 0x0800n, ETH_IPV6 = 0x86ddn;
const bswap16 = (v: number) => ((v & 0xff) << 8) | ((v >> 8) & 0xff);

/** The addresses XORed (both directions hash alike): 4 or 16 bytes, network order. */
function xorAddrs(s: Slots, v6: boolean): Uint8Array {
  return v6 ? beBytes(get(s, 'ipv6_src') ^ get(s, 'ipv6_dst'), 16) : beBytes(get(s, 'nw_src') ^ get(s, 'nw_dst'), 4);
}

export function hashSymmetricL4(s: Slots, basis: number): number {
  const f = new Uint8Array(32); // union{be32,in6_addr}, eth_type, vlan_tci, tp_port, eth_addr, ip_proto, pad
  put(f, 22, get(s, 'dl_src') ^ get(s, 'dl_dst'), 6);
  put(f, 18, (get(s, 'vlan_tci') ^ get(s, 'vlan_tci1')) & 0xfffn, 2);
  const type = get(s, 'dl_type');
  put(f, 16, type, 2);
  if (type === ETH_IP || type === ETH_IPV6) {
    f.set(xorAddrs(s, type === ETH_IPV6), 0);
    const proto = get(s, 'nw_proto');
    f[28] = Number(proto);
    if (proto === 6n || proto === 132n) put(f, 20, get(s, 'tp_src') ^ get(s, 'tp_dst'), 2);
  }
  return jhashBytes(f, basis);
}

function hashSymmetricL2(s: Slots, basis: number): number {
  const f = new Uint8Array(12); // eth_type, vlan_tci, eth_addr, pad
  put(f, 0, get(s, 'dl_type'), 2);
  put(f, 2, (get(s, 'vlan_tci') ^ get(s, 'vlan_tci1')) & 0xfffn, 2);
  put(f, 4, get(s, 'dl_src') ^ get(s, 'dl_dst'), 6);
  let h = basis;
  for (let i = 0; i < 12; i += 4) h = hashAdd(h, le32(f, i));
  return hashFinish(h, basis);
}

export function hashSymmetricL3L4(s: Slots, basis: number, udp: boolean): number {
  const type = get(s, 'dl_type');
  if (type !== ETH_IP && type !== ETH_IPV6) return hashSymmetricL2(s, basis);
  const a = xorAddrs(s, type === ETH_IPV6);
  let h = basis;
  if (a.length === 4) h = hashAdd(h, le32(a, 0));
  else for (let i = 0; i < 16; i += 8) h = hashAdd64(h, le32(a, i), le32(a, i + 4));
  const proto = Number(get(s, 'nw_proto'));
  h = hashAdd(h, proto);
  if (!(get(s, 'nw_frag') & 3n) && (proto === 6 || proto === 132 || (udp && proto === 17))) {
    h = hashAdd(h, bswap16(Number(get(s, 'tp_src') ^ get(s, 'tp_dst'))));
  }
  return hashFinish(h, basis);
}

function hashSymmetricL3(s: Slots, basis: number): number {
  const f = new Uint8Array(20); // union{be32,in6_addr}, eth_type, pad
  const type = get(s, 'dl_type');
  put(f, 16, type, 2);
  if (type === ETH_IP || type === ETH_IPV6) f.set(xorAddrs(s, type === ETH_IPV6), 0);
  return jhashBytes(f, basis);
}

/** flow_hash_5tuple: what the userspace datapath's RSS hash is for a received packet. */
export function hash5Tuple(s: Slots, basis: number): number {
  const type = get(s, 'dl_type');
  let h = basis;
  if (type === ETH_IPV6) {
    const b = new Uint8Array(32);
    put(b, 0, get(s, 'ipv6_src'), 16); put(b, 16, get(s, 'ipv6_dst'), 16);
    for (let i = 0; i < 32; i += 8) h = hashAdd64(h, le32(b, i), le32(b, i + 4));
  } else if (type === ETH_IP || type === 0x0806n) {
    h = hashAdd(h, le32(beBytes(get(s, 'nw_src'), 4), 0));
    h = hashAdd(h, le32(beBytes(get(s, 'nw_dst'), 4), 0));
  } else return hashFinish(h, 42);
  const proto = Number(get(s, 'nw_proto'));
  h = hashAdd(h, proto);
  if ([6, 17, 132, 1, 58].includes(proto)) {
    h = hashAdd(h, u32(bswap16(Number(get(s, 'tp_src'))) | (bswap16(Number(get(s, 'tp_dst'))) << 16)));
  }
  return hashFinish(h, 42);
}

/** flow_hash_fields: the field sets of multipath() and bundle(). */
export function hashFields(s: Slots, fields: string, basis: number): number {
  const type = get(s, 'dl_type');
  switch (fields) {
    case 'eth_src': return jhashBytes(beBytes(get(s, 'dl_src'), 6), basis);
    case 'symmetric_l4': return hashSymmetricL4(s, basis);
    case 'symmetric_l3l4': return hashSymmetricL3L4(s, basis, false);
    case 'symmetric_l3l4+udp': return hashSymmetricL3L4(s, basis, true);
    case 'nw_src': case 'nw_dst': {
      const v6 = type === ETH_IPV6;
      if (type !== ETH_IP && !v6) return basis;
      const k = v6 ? (fields === 'nw_src' ? 'ipv6_src' : 'ipv6_dst') : fields;
      return jhashBytes(beBytes(get(s, k), v6 ? 16 : 4), basis);
    }
    case 'symmetric_l3': return hashSymmetricL3(s, basis);
    default: throw new Error(`internal: hash fields '${fields}'`);
  }
}
