// Where a packet keeps its slots: every slot of FIELDS (model/fields.ts SLOTS) gets a
// fixed place in one array of 32-bit words (signed int32 numbers, least significant word
// first). A table lookup or a register write is then integer arithmetic on that array; a
// bigint is only made when something asks for a slot by name (printing, conntrack, the
// rarer actions).
//
// A plain array of small integers rather than an Int32Array: V8 keeps it on the heap and
// copies it with one memcpy, while a typed array this size has an off-heap buffer that is
// slow to make and to collect, and packets are copied per pass (the pass's base, ct()
// snapshots). For the same reason the array is short: the *rare* slots (tunnel metadata
// alone is 64 × 64 bits, then NSH and ND) sit after the others and the array only grows
// to hold them when one is written. A word past the end reads as 0 (`undefined` is 0 in
// every bit operation), so readers need no check.
//
// A slot that is absent reads as 0, as it did when packets were maps (ofproto/trace
// fills every field the packet text does not give with 0).
import { SLOTS } from '../model/fields.js';

/** A slot's place: first word and number of words. */
export interface SlotInfo { name: string; bits: number; word: number; words: number }

/**
 * Slots a packet has beyond FIELDS: the second VLAN header and the TPIDs of both, and the
 * MPLS label stack entries under the outer one (mpls_lse0): OVS keeps three, which only
 * push_mpls on an MPLS packet fills (no field names them; ofproto/trace prints them whole).
 */
const EXTRA: Array<[string, number]> = [['vlan_tci1', 16], ['vlan_tpid', 16], ['vlan_tpid1', 16], ['mpls_lse1', 32], ['mpls_lse2', 32]];
const isRare = (name: string): boolean => /^(tun_|nsh_|nd_)/.test(name);

const INFO = new Map<string, SlotInfo>();
const ORDER: SlotInfo[] = [];
let nWords = 0;
const all = [...SLOTS, ...EXTRA];
for (const [name, bits] of [...all.filter(([n]) => !isRare(n)), ...all.filter(([n]) => isRare(n))]) {
  const info = { name, bits, word: nWords, words: Math.ceil(bits / 32) };
  INFO.set(name, info);
  ORDER.push(info);
  nWords += info.words;
}
/** Words a packet takes with every slot. */
export const N_WORDS = nWords;
/** Words of the common slots: the length of a packet's array until a rare slot is written. */
export const N_CORE = ORDER.find((i) => isRare(i.name))?.word ?? nWords;

/** Words of an array of numbers; all int32, so V8 stores them unboxed. */
export type Words = number[];
/**
 * `n` zero words. Filled by push so V8 marks the array packed small integers: every word
 * array the hot paths see must have that one elements kind, or their code turns
 * polymorphic (`new Array(n).fill(0)` would be "holey").
 */
export function zeros(n: number): Words {
  const w: Words = [];
  for (let i = 0; i < n; i++) w.push(0);
  return w;
}
const ZERO = zeros(N_CORE);

/** The place of a slot; an unknown slot name is a program error, not a silent zero. */
export function slotInfo(name: string): SlotInfo {
  const i = INFO.get(name);
  if (!i) throw new Error(`internal: no packet slot '${name}'`);
  return i;
}

/** The word of a common slot that fits one word (registers, addresses, ports…). */
export function wordOf(name: string): number {
  const i = slotInfo(name);
  if (i.words !== 1 || i.word >= N_CORE) throw new Error(`internal: slot '${name}' is not one common word`);
  return i.word;
}

const M32 = 0xffffffffn;

/** The value of `words` words from `at`, as a bigint. */
export function wordsToBig(w: Words, at: number, words: number): bigint {
  if (words === 1) return BigInt(w[at] >>> 0);
  let v = 0n;
  for (let i = words - 1; i >= 0; i--) v = (v << 32n) | BigInt(w[at + i] >>> 0);
  return v;
}

/** Stores `v` (the low `words`×32 bits of it) at `at`; the array must reach that far. */
export function bigToWords(w: Words, at: number, words: number, v: bigint): void {
  if (words === 1) { w[at] = Number(v & M32) | 0; return; }
  for (let i = 0; i < words; i++) { w[at + i] = Number(v & M32) | 0; v >>= 32n; }
}

/**
 * A packet's slots (or a mask over them) with the reading side of a Map<string, bigint>:
 * code that names slots keeps working, hot paths use `w` directly.
 */
export class SlotStore {
  readonly w: Words;

  constructor(w?: Words) { this.w = w ?? ZERO.slice(); }

  clone(): SlotStore { return new SlotStore(this.w.slice()); }

  copyFrom(o: SlotStore): void {
    const a = this.w, b = o.w;
    if (a.length > b.length) a.length = b.length;
    for (let i = 0; i < a.length; i++) a[i] = b[i];
    for (let i = a.length; i < b.length; i++) a.push(b[i]);
  }

  equals(o: SlotStore): boolean {
    const a = this.w, b = o.w, n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) if ((a[i] | 0) !== (b[i] | 0)) return false;
    return true;
  }

  /** Makes the array hold `info` (a rare slot about to be written). */
  reach(info: SlotInfo): void {
    const w = this.w;
    while (w.length < info.word + info.words) w.push(0);
  }

  get(name: string): bigint {
    const i = slotInfo(name);
    return wordsToBig(this.w, i.word, i.words);
  }

  set(name: string, v: bigint): this {
    const i = slotInfo(name);
    if (i.word >= this.w.length) {
      if (v === 0n) return this;
      this.reach(i);
    }
    bigToWords(this.w, i.word, i.words, v);
    return this;
  }

  /** Whether the slot is not zero (an absent slot and a zero one are the same). */
  has(name: string): boolean {
    const i = slotInfo(name);
    for (let k = 0; k < i.words; k++) if ((this.w[i.word + k] | 0) !== 0) return true;
    return false;
  }

  delete(name: string): boolean {
    const had = this.has(name);
    const i = slotInfo(name);
    if (had) for (let k = 0; k < i.words; k++) this.w[i.word + k] = 0;
    return had;
  }

  clear(): void {
    const w = this.w;
    w.length = N_CORE;
    for (let k = 0; k < N_CORE; k++) w[k] = 0;
  }

  /** The slots that are not zero, in FIELDS order (rare ones last). */
  *entries(): IterableIterator<[string, bigint]> {
    for (const i of ORDER) if (this.has(i.name)) yield [i.name, wordsToBig(this.w, i.word, i.words)];
  }
  [Symbol.iterator](): IterableIterator<[string, bigint]> { return this.entries(); }
  *keys(): IterableIterator<string> { for (const [k] of this.entries()) yield k; }
}
