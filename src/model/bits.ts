// Bit-level helpers over slots: every field value is a bigint, most significant bit first.
import type { Segment } from './fields.js';

const ONES: bigint[] = Array.from({ length: 129 }, (_, i) => (1n << BigInt(i)) - 1n);
/** 2^bits - 1 (precomputed up to 128 bits: it is on every hot path). */
export const ones = (bits: number): bigint => ONES[bits] ?? (1n << BigInt(bits)) - 1n;

/** A slot store: value per slot (packet) or value+mask per slot (match). */
export type SlotValues = Map<string, bigint>;

/** Reads the bits of `segs` from `slots` (absent slots read as 0). */
export function readSegs(slots: ReadonlyMap<string, bigint>, segs: readonly Segment[]): bigint {
  let v = 0n;
  for (const s of segs) {
    const w = slots.get(s.slot) ?? 0n;
    v = (v << BigInt(s.bits)) | ((w >> BigInt(s.shift)) & ones(s.bits));
  }
  return v;
}

/** Writes `value` into the bits of `segs` (only the bits set in `mask`). */
export function writeSegs(slots: SlotValues, segs: readonly Segment[], value: bigint, mask: bigint): void {
  let rest = segs.reduce((n, s) => n + s.bits, 0);
  for (const s of segs) {
    rest -= s.bits;
    const part = (value >> BigInt(rest)) & ones(s.bits);
    const pmask = (mask >> BigInt(rest)) & ones(s.bits);
    if (pmask === 0n) continue;
    const sh = BigInt(s.shift);
    const old = slots.get(s.slot) ?? 0n;
    slots.set(s.slot, (old & ~(pmask << sh)) | ((part & pmask) << sh));
  }
}

export const toHex = (v: bigint): string => '0x' + v.toString(16);
