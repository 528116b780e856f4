// The classifier's lookup plans (per datapath and protocol): how a lookup is ordered, apart from what tables hold.
import { slotInfo, wordOf, type Words } from '../packet/slots.js';
import type { Entry, Group, Subtable } from './classifier.js';

/**
 * The subtables as seen by packets of one `metadata` value and one protocol (dl_type,
 * nw_proto), made on the first lookup with them. OVN splits every logical table by
 * datapath (metadata), so most subtables hold flows of one or two datapaths only; within
 * a datapath most flows name a protocol. Like OVS's metadata partitions, a plan holds only
 * the flows that can match its packets (their metadata and protocol, or not matching
 * those), ordered by priority, so the early stop comes sooner. A subtable with at most
 * FLAT such groups becomes one *candidate* per group, compared word by word (stopping at
 * the first word that differs, where a hash reads them all) without the metadata and
 * protocol words, which always match in the plan; a bigger one stays one hashed item.
 *
 * The items are parallel arrays so that a lookup is one loop over integers (following a
 * pointer per item to a group and its best flow was most of a lookup's time: cache
 * misses): item k is a candidate when `at[k]` ≥ 0 (its words are code[at+1 …], code[at]
 * of them, each as word index, mask, value) and a hashed subtable (`sts[k]`) when -1.
 * `prio[k]` and `seq[k]` are the candidate's best flow's, `ents[k]` that flow (a plan is
 * remade after any insert, so it cannot go stale); a hashed item's `prio` is its
 * subtable's best. Without hashed items (`flat`) the first candidate matching wins.
 */
export interface Plan {
  n: number; flat: boolean; prio: Words; seq: Words; at: Words; code: Words;
  ents: Array<Entry | null>; groups: Array<Group | null>; sts: Array<Subtable | null>;
}

const FLAT = 8;
export const MD = slotInfo('metadata').word, DL_TYPE = wordOf('dl_type'), NW_PROTO = wordOf('nw_proto');

/**
 * The numbers as a plain array of small integers: a plan's arrays live on the JS heap
 * next to the plan (an Int32Array past 64 bytes keeps its numbers in a buffer of its own,
 * elsewhere in memory: one more cache miss per lookup, the first read of a plan being
 * most of a lookup's time).
 */
function smis(a: number[]): Words {
  const out: Words = [];
  for (const v of a) out.push(v);
  return out;
}

interface PlanItem { prio: number; seq: number; st: Subtable | null; g: Group | null; words: number[] }

/**
 * The plan for packets whose metadata is `lo` (high word 0) and whose dl_type and
 * nw_proto words are `type` and `proto`; `lo` null: any metadata and protocol.
 */
export function makePlan(subtables: Subtable[], lo: number | null, type: number, proto: number): Plan {
  const items: PlanItem[] = [];
  // The words every packet of the plan has: metadata (both words), dl_type, nw_proto.
  const known = (i: number): number | null =>
    lo === null ? null : i === MD ? lo : i === MD + 1 ? 0 : i === DL_TYPE ? type : i === NW_PROTO ? proto : null;
  for (const st of subtables) {
    const groups: Group[] = [];
    let maxPriority = -1;
    for (let g of st.buckets.values()) {
      for (; g; g = g.next!) {
        if (!g.list.length || !st.idx.every((i, k) => { const v = known(i); return v === null || (v & st.mask[k]) === g!.vals[k]; })) continue;
        groups.push(g);
        if (g.list[0].flow.priority > maxPriority) maxPriority = g.list[0].flow.priority;
      }
    }
    if (!groups.length) continue;
    if (st.rare || groups.length > FLAT) { items.push({ prio: maxPriority, seq: -1, st, g: null, words: [] }); continue; }
    for (const g of groups) {
      const words: number[] = [];
      st.idx.forEach((i, k) => { if (known(i) === null) words.push(i, st.mask[k], g.vals[k]); });
      items.push({ prio: g.list[0].flow.priority, seq: g.list[0].seq, st: null, g, words });
    }
  }
  // Best first; among equal priorities candidates in flow order (a hashed item's place
  // among them does not matter: its match is compared with the best so far).
  items.sort((a, b) => b.prio - a.prio || a.seq - b.seq);
  const code: number[] = [];
  const at = items.map((it) => {
    if (it.st) return -1;
    code.push(it.words.length / 3, ...it.words);
    return code.length - it.words.length - 1;
  });
  return {
    n: items.length, flat: items.every((it) => !it.st), prio: smis(items.map((it) => it.prio)), seq: smis(items.map((it) => it.seq)),
    at: smis(at), code: smis(code),
    ents: items.map((it) => it.g?.list[0] ?? null), groups: items.map((it) => it.g), sts: items.map((it) => it.st),
  };
}

/** Whether candidate words at `o` of `code` match the packet words `w`. */
export function matchAt(w: Words, code: Words, o: number): boolean {
  const end = o + 1 + 3 * code[o];
  let p = o + 1;
  while (p < end && (w[code[p]] & code[p + 1]) === code[p + 2]) p += 3;
  return p === end;
}
