// low32() reads a BigInt's low 32 bits through a typed array (faster than Number(bigint)):
// it must agree with BigInt arithmetic for every value, negative and wider than 64 bits too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, low32 } from '../../src/conntrack/addr.js';

describe('low32', () => {
  it('is a & 0xffffffff for any bigint', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 140n), max: 1n << 140n }), (a) => {
      expect(low32(a)).toBe(Number(a & 0xffffffffn));
    }), { numRuns: 2000 });
  });
  it('gives formatIp the dotted quad of the low 32 bits', () => {
    expect([0n, 0xac10ff82n, 0xffffffffn, (1n << 64n) + 0x0a000001n, -1n].map((a) => formatIp('ipv4', a))).toEqual([
      '0.0.0.0', '172.16.255.130', '255.255.255.255', '10.0.0.1', '255.255.255.255',
    ]);
  });
});
