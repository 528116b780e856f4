// 32-bit TCP sequence arithmetic. Sequence numbers wrap, so "a is after b"
// means the signed 32-bit difference b - a is negative (RFC 1982 style).

export const u32 = (n: number): number => n >>> 0;
export const s32 = (n: number): number => n | 0;

/** a comes strictly after b in sequence space. */
export const after = (a: number, b: number): boolean => s32(b - a) < 0;
/** a comes strictly before b in sequence space. */
export const before = (a: number, b: number): boolean => s32(a - b) < 0;
/** a >= b in sequence space. */
export const seqGeq = (a: number, b: number): boolean => s32(a - b) >= 0;
/** a > b in sequence space. */
export const seqGt = (a: number, b: number): boolean => s32(a - b) > 0;
