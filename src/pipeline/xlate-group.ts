// Groups (all, indirect, fast-failover, select) and the other "pick one of several"
// actions (multipath, bundle, bundle_load), translated as OVS 3.1's xlate does.
//
// Select groups: a group without selection_method (or with dp_hash) uses the datapath's
// dp_hash: a packet without one freezes the translation at the group (freeze.ts), the
// datapath hashes it and recirculates, and the next pass resumes at the group, which
// picks a bucket through a Webster-weighted table. ofproto/trace does not follow that
// recirculation (trace mode here does not either); with a tracker (ctflow run) the
// next pass runs with the dp_hash the userspace datapath computes.
import type { BundleArgs } from '../model/actions/bundle.js';
import type { MultipathArgs } from '../model/actions/multipath.js';
import { FIELDS, type FieldSpec } from '../model/fields.js';
import { bucketAsActionSet } from './action-set.js';
import { finishFreezing, startFreezing } from './freeze.js';
import { hashSymmetricL4 } from './hash.js';
import { portExists, type Bucket, type GroupDesc } from './pipeline.js';
import { bestBucket, bundleMember, dpHashBucket, hashFieldsBasis, multipathLink, selectHow } from './select.js';
import type { Xlate } from './xlate.js';
import { subfieldIsNow } from '../trace/subfield.js';
import { bucketNotLive } from '../trace/bucket.js';

function bucketLive(x: Xlate, b: { watchPort: number | null; watchGroup: number | null }, depth = 0): boolean {
  const pp = x.run.pipeline;
  if (b.watchPort !== null && b.watchPort !== 0xffff && !portExists(pp.ports, b.watchPort)) return false;
  if (b.watchGroup !== null && b.watchGroup !== 0xffffffff) {
    const g = pp.groups.get(b.watchGroup);
    if (!g || depth > 32) return false;
    return g.buckets.some((c) => bucketLive(x, c, depth + 1));
  }
  return true;
}

const FIELD_ORDER = new Map<FieldSpec, number>(FIELDS.map((f, i) => [f, i]));

/**
 * A bucket's actions run on a copy of the packet; the group action then continues. OVS's
 * trace says which bucket a select or fast-failover group picked (`picked`) before it.
 */
function runBucket(x: Xlate, g: GroupDesc, b: Bucket, picked = false): void {
  const saved = x.slots.clone();
  const depth = x.depth, id = b.id ?? g.buckets.indexOf(b), wasMpls = x.wasMpls;
  if (x.run.trace) {
    if (picked) x.detail(`using bucket ${id}`);
    x.ev({ kind: 'bucket', depth, bucket: id });
  }
  const list = bucketAsActionSet(b.actions); // OVS runs a bucket as an action set
  if (!list.length) x.ev({ kind: 'action', depth: depth + 1, text: 'drop' }); // as OVS traces an empty list
  x.recurse(() => x.executeList(list, depth + 1));
  finishFreezing(x); // a freeze inside a bucket resumes that bucket only
  x.exited = false;
  x.slots.copyFrom(saved);
  x.depth = depth;
  x.wasMpls = wasMpls; // a pop_mpls in a bucket pops the bucket's copy only
}

/** Reports a bucket a fast-failover group passes over (false: go on looking). */
function notLive(x: Xlate, g: GroupDesc, b: Bucket): false {
  x.detail(bucketNotLive(b.id ?? g.buckets.indexOf(b), b.watchPort, b.watchGroup));
  return false;
}

function pickSelect(x: Xlate, g: GroupDesc): Bucket | null | 'frozen' {
  const live = (b: Bucket) => bucketLive(x, b);
  const report = (t: string) => x.detail(t);
  // After pop_mpls the hash would read headers the datapath has not parsed yet: OVS freezes first.
  if (x.wasMpls) { startFreezing(x, null, 0, g.id); return 'frozen'; }
  const h = selectHow(g);
  if (h.kind === 'default') return bestBucket(g, hashSymmetricL4(x.slots, 0), live, report);
  if (h.kind === 'hash') return bestBucket(g, hashFieldsBasis(g, x.slots, (f) => FIELD_ORDER.get(f) ?? 0), live, report);
  // dp_hash 0 means "not computed yet" (a computed one is never 0).
  const dpHash = Number(x.slots.get('dp_hash') ?? 0n);
  if (!dpHash) { startFreezing(x, h.alg, h.basis, g.id); return 'frozen'; }
  return dpHashBucket(h, dpHash, live);
}

export function group(x: Xlate, id: number): void {
  const g = x.run.pipeline.groups.get(id);
  if (!g) { x.warn(`group ${id} does not exist`); return; }
  switch (g.type) {
    case 'all': for (const b of g.buckets) runBucket(x, g, b); return;
    case 'indirect': if (g.buckets[0]) runBucket(x, g, g.buckets[0]); return;
    case 'ff': {
      const b = g.buckets.find((c) => bucketLive(x, c) || (x.run.trace && notLive(x, g, c)));
      if (b) runBucket(x, g, b, true); else x.detail('no live bucket');
      return;
    }
    case 'select': {
      const b = pickSelect(x, g);
      if (!b || b === 'frozen') { x.detail('no live bucket'); return; } // OVS says so when it freezes too
      runBucket(x, g, b, true);
      return;
    }
  }
}

// ---- multipath, bundle -------------------------------------------------------------------------
export function multipath(x: Xlate, a: MultipathArgs): void {
  const link = multipathLink(x.slots, a.fields, a.basis, a.algorithm, a.nLinks, a.arg);
  x.writeSub(a.dst, BigInt(link));
  if (x.run.trace) x.detail(subfieldIsNow(a.dst, x.readField(a.dst.field)));
}

function member(x: Xlate, a: BundleArgs): number | null {
  return bundleMember(x.slots, a.fields, a.basis, a.algorithm, a.members, (p) => portExists(x.run.pipeline.ports, p));
}

export function bundle(x: Xlate, a: BundleArgs): void {
  const p = member(x, a);
  if (p === null) { x.detail('no bundle member is enabled'); return; }
  x.output(p);
}

export function bundleLoad(x: Xlate, a: BundleArgs): void {
  const p = member(x, a) ?? 0xffff;
  x.writeSub(a.dst!, BigInt(p));
  if (x.run.trace) x.detail(subfieldIsNow(a.dst!, x.readField(a.dst!.field)));
}

