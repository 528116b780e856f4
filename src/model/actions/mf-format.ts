// A field value (and mask) as `set_field:` prints it: OVS's mf_format. The mask is left out
// when it covers every byte of OVS's container for the field, so a 2-bit nw_ecn written
// through a load prints `2/0x3` while a full 32-bit reg0 prints `0x1`.
import { ones } from '../bits.js';
import type { FieldSpec } from '../fields.js';
import {
  CT_STATE_FLAGS, TCP_FLAG_NAMES, formatFlags, formatFlagsMasked, formatIpv4, formatIpv6,
  formatMac, formatPort, prefixLen,
} from '../values.js';

/** C's `%#x`: 0 prints as `0`, anything else with a `0x` prefix. */
export const hexish = (v: bigint): string => (v === 0n ? '0' : '0x' + v.toString(16));

function addr(v: bigint, mask: bigint | null, bits: number, fmt: (v: bigint) => string): string {
  if (mask === null) return fmt(v);
  const p = prefixLen(mask, bits);
  return p >= 0 ? `${fmt(v)}/${p}` : `${fmt(v)}/${fmt(mask)}`;
}

export function mfFormat(f: FieldSpec, value: bigint, mask: bigint, portNames?: Map<number, string>): string {
  const container = ones(f.bytes * 8);
  if ((mask & container) === 0n) return 'ANY';
  const m = (mask & container) === container ? null : mask;
  switch (f.kind) {
    case 'ipv4': return addr(value, m, 32, formatIpv4);
    case 'ipv6': return addr(value, m, 128, formatIpv6);
    case 'mac': return m === null ? formatMac(value) : `${formatMac(value)}/${formatMac(m)}`;
    case 'port': if (m === null) return formatPort(value, portNames); break;
    case 'ct_state': return m === null ? formatFlags(value, CT_STATE_FLAGS) : formatFlagsMasked(value, m, CT_STATE_FLAGS, 32);
    case 'tcp_flags': return m === null ? formatFlags(value, TCP_FLAG_NAMES) : formatFlagsMasked(value, m, TCP_FLAG_NAMES, 12);
    case 'tun_flags': return m === null ? formatFlags(value, ['oam']) : formatFlagsMasked(value, m, ['oam'], 1);
    default: break;
  }
  const v = f.hex ? hexish(value) : String(value);
  return m === null ? v : `${v}/${hexish(m)}`;
}
