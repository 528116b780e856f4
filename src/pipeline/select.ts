// Choosing among equals the way OVS 3.1 does: multipath links, bundle members and
// select-group buckets. Each choice is a hash of packet fields (hash.ts) fed to the same
// algorithm OVS runs, so ctflow picks the port, link or bucket a real switch picks.
import { fieldPrereqOk } from './prereq.js';
import type { FieldSpec } from '../model/fields.js';
import { readSegs } from '../packet/field-io.js';
import { beBytes, hash2words, hashBytes, hashFields, hashInt, hashUint64 } from './hash.js';
import type { Bucket, GroupDesc } from './pipeline.js';
import type { Slots } from './odp.js';
import { bucketNotLive } from '../trace/bucket.js';

// ---- multipath (lib/multipath.c) -----------------------------------------------------------
function roundUpPow2(x: number): number {
  x--;
  x |= x >> 1; x |= x >> 2; x |= x >> 4; x |= x >> 8;
  return x + 1;
}

function iterHash(hash: number, nLinks: number, modulo: number): number {
  if (modulo < nLinks || Math.floor(modulo / 2) > nLinks) modulo = roundUpPow2(nLinks);
  for (let i = 0; ; i++) {
    const link = hash2words(hash, i) % modulo;
    if (link < nLinks) return link;
  }
}

function hrw(hash: number, nLinks: number): number {
  let best = 0, bestWeight = hash2words(hash, 0);
  for (let link = 1; link < nLinks; link++) {
    const w = hash2words(hash, link);
    if (w > bestWeight) { best = link; bestWeight = w; }
  }
  return best;
}

/** The link multipath(fields, basis, algorithm, n_links, arg, dst) writes to dst. */
export function multipathLink(s: Slots, fields: string, basis: number, algorithm: string, nLinks: number, arg: number): number {
  const hash = hashFields(s, fields, basis);
  switch (algorithm) {
    case 'modulo_n': return hash % nLinks;
    case 'hash_threshold': return nLinks === 1 ? 0 : Math.floor(hash / (Math.floor(0xffffffff / nLinks) + 1));
    case 'hrw': return nLinks <= 64 ? hrw(hash, nLinks) : iterHash(hash, nLinks, 0);
    case 'iter_hash': return iterHash(hash, nLinks, arg);
    default: throw new Error(`internal: multipath algorithm '${algorithm}'`);
  }
}

// ---- bundle (lib/bundle.c) -----------------------------------------------------------------
/** The member bundle() sends to, or null (no member enabled). */
export function bundleMember(s: Slots, fields: string, basis: number, algorithm: string, members: number[],
  enabled: (port: number) => boolean): number | null {
  if (algorithm === 'active_backup') return members.find(enabled) ?? null;
  const flowHash = hashFields(s, fields, basis);
  let best = -1, bestHash = 0;
  members.forEach((m, i) => {
    if (!enabled(m)) return;
    const h = hash2words(i, flowHash);
    if (best < 0 || h > bestHash) { best = i; bestHash = h; }
  });
  return best >= 0 ? members[best] : null;
}

// ---- select groups (ofproto-dpif's group selection) ------------------------------------------
/** How OVS 3.1 treats a select group: dp_hash (with its algorithm) or a hash in the slow path. */
export type SelectHow = { kind: 'dp_hash'; alg: 'l4' | 'sym_l4'; basis: number; map: Bucket[] } | { kind: 'hash' } | { kind: 'default' };

const how = new WeakMap<GroupDesc, SelectHow>();

/**
 * Webster's method spreads the weights over 2^k hash values (at least 16): each value goes
 * to the bucket with the highest weight/divisor, ties to the first.
 */
function dpHashMap(g: GroupDesc, maxHash: number): Bucket[] | null {
  const bs = g.buckets;
  if (!bs.length) return null;
  let total = 0, min = 0xffff;
  for (const b of bs) { if (b.weight > 0 && b.weight < min) min = b.weight; total += b.weight; }
  if (!total) return null;
  const nHash = Math.max(16, roundUpPow2(Math.ceil(total / min)));
  if (nHash > 256 * 1024 || (maxHash && nHash > maxHash)) return null;
  const w = bs.map((b) => ({ b, divisor: 1, value: b.weight }));
  const map: Bucket[] = [];
  for (let h = 0; h < nHash; h++) {
    let win = w[0];
    for (let i = 1; i < w.length; i++) if (w[i].value > win.value) win = w[i];
    win.divisor += 2;
    win.value = win.b.weight / win.divisor;
    map.push(win.b);
  }
  return map;
}

export function selectHow(g: GroupDesc): SelectHow {
  let h = how.get(g);
  if (h) return h;
  const param = g.selectionMethodParam ?? 0n;
  if (!g.selectionMethod) {
    const map = dpHashMap(g, 256);
    h = map ? { kind: 'dp_hash', alg: 'sym_l4', basis: 0, map } : { kind: 'default' };
  } else if (g.selectionMethod === 'dp_hash') {
    const map = dpHashMap(g, 0);
    const alg = Number(param >> 32n) === 1 ? 'sym_l4' : 'l4';
    h = map ? { kind: 'dp_hash', alg, basis: Number(param & 0xffffffffn), map } : { kind: 'default' };
  } else {
    h = g.fields?.length ? { kind: 'hash' } : { kind: 'default' };
  }
  how.set(g, h);
  return h;
}

const bucketId = (g: GroupDesc, b: Bucket) => b.id ?? g.buckets.indexOf(b);

/** group_best_live_bucket: the highest (hash(bucket_id, basis) & 0xffff) × weight, last on ties. */
export function bestBucket(g: GroupDesc, basis: number, live: (b: Bucket) => boolean, report: (t: string) => void): Bucket | null {
  let best: Bucket | null = null, bestScore = 0;
  for (const b of g.buckets) {
    if (!live(b)) { report(bucketNotLive(bucketId(g, b), b.watchPort, b.watchGroup)); continue; }
    const score = (hashInt(bucketId(g, b), basis) & 0xffff) * b.weight;
    if (score >= bestScore) { best = b; bestScore = score; }
    report(`bucket ${bucketId(g, b)}: score ${score}`);
  }
  return best;
}

/** The basis selection_method=hash computes from the group's fields (masked), in field order. */
export function hashFieldsBasis(g: GroupDesc, s: Slots, order: (f: FieldSpec) => number): number {
  let basis = hashUint64(g.selectionMethodParam ?? 0n);
  const fields = [...(g.fields ?? [])].sort((a, b) => order(a.field) - order(b.field));
  for (const { field, mask } of fields) {
    if (!fieldPrereqOk(field, s)) continue;
    const n = Math.ceil(field.bits / 8);
    const v = readSegs(s, field.segs) & (mask ?? (1n << BigInt(field.bits)) - 1n);
    basis = hashBytes(beBytes(v, n), basis);
  }
  return basis;
}

/** The bucket a computed dp_hash selects: the first live one from its slot onwards. */
export function dpHashBucket(how: Extract<SelectHow, { kind: 'dp_hash' }>, dpHash: number, live: (b: Bucket) => boolean): Bucket | null {
  const mask = how.map.length - 1;
  for (let i = 0; i <= mask; i++) {
    const b = how.map[(dpHash + i) & mask];
    if (live(b)) return b;
  }
  return null;
}
