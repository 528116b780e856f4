// The tunnel metadata a match prints after the tunnel addresses, in OVS's order and its
// odd formats (tun_tos is hex without 0x; ERSPAN fields only for the version that has them).
import type { Match } from './match.js';
import { formatFlagsMasked } from './values.js';

export const hexish = (v: bigint): string => (v === 0n ? '0' : '0x' + v.toString(16)); // C's %#x

const slotOf = (m: Match, slot: string): [bigint, bigint] => [m.values.get(slot) ?? 0n, m.masks.get(slot) ?? 0n];

/** The tunnel fields other than the ids and addresses, into out. */
export function formatTunnelExtras(m: Match, out: string[]): void {
  const get = (slot: string) => slotOf(m, slot);
  const [gid, gidMask] = get('tun_gbp_id');
  if (gidMask) out.push(gidMask === 0xffffn ? `tun_gbp_id=${gid}` : `tun_gbp_id=0x${gid.toString(16)}/0x${gidMask.toString(16)}`);
  const simple: Array<[string, string, (v: bigint) => string]> = [
    ['tun_gbp_flags', 'tun_gbp_flags', hexish], ['tun_tos', 'tun_tos', (v) => v.toString(16)],
    ['tun_ttl', 'tun_ttl', String], ['tun_erspan_ver', 'tun_erspan_ver', String],
  ];
  for (const [slot, name, fmt] of simple) { const [v, k] = get(slot); if (k) out.push(`${name}=${fmt(v)}`); }
  const [ver] = get('tun_erspan_ver');
  const [idx, idxMask] = get('tun_erspan_idx');
  if (idxMask && ver === 1n) out.push(`tun_erspan_idx=${hexish(idx)}`);
  const [dir, dirMask] = get('tun_erspan_dir');
  if (dirMask && ver === 2n) out.push(`tun_erspan_dir=${dir}`);
  const [hw, hwMask] = get('tun_erspan_hwid');
  if (hwMask && ver === 2n) out.push(`tun_erspan_hwid=${hexish(hw)}`);
  const [gf, gfMask] = get('tun_gtpu_flags');
  if (gfMask) out.push(`gtpu_flags=${hexish(gf)}`);
  const [gm, gmMask] = get('tun_gtpu_msgtype');
  if (gmMask) out.push(`gtpu_msgtype=${gm}`);
  const [tf, tfMask] = get('tun_flags');
  if (tfMask & 1n) out.push(`tun_flags=${formatFlagsMasked(tf, tfMask & 1n, ['oam'], 16)}`);
}
