// Small builders for hand-written conntrack scenarios (the recorded lab's addresses).
import {
  formatCtState,
  newConntrack,
  newCtPacketCache,
  type Conntrack,
  type CtPacket,
  type CtResult,
} from '../../src/conntrack/index.js';
import { parsePacketLine } from './packet-line.js';

export const C = '172.16.255.130';
export const S = '172.16.255.131';

/** A TCP packet in recorded-line form: who is 'c' (client→server) or 's'. */
export function tcp(
  who: 'c' | 's',
  flags: string,
  seq: number,
  ack: number,
  extra: { len?: number; win?: number; wscale?: number; sport?: number } = {},
): CtPacket {
  const [a, b] = who === 'c' ? [C, S] : [S, C];
  const cport = extra.sport ?? 40000;
  const [sp, dp] = who === 'c' ? [cport, 22] : [22, cport];
  const win = extra.win ?? (who === 'c' ? 64240 : 65160);
  const ws = extra.wscale === undefined ? '' : ` wscale=${extra.wscale}`;
  return parsePacketLine(
    `tcp,nw_src=${a},nw_dst=${b},tp_src=${sp},tp_dst=${dp},tcp_flags=${flags}  seq=${seq} ack=${ack} win=${win} len=${extra.len ?? 0}${ws}`,
  );
}

export function udp(who: 'c' | 's', sport = 50000): CtPacket {
  const [a, b] = who === 'c' ? [C, S] : [S, C];
  const [sp, dp] = who === 'c' ? [sport, 5001] : [5001, sport];
  return parsePacketLine(`udp,nw_src=${a},nw_dst=${b},tp_src=${sp},tp_dst=${dp}  len=8`);
}

export function icmp(who: 'c' | 's', type: number, id = 7): CtPacket {
  const [a, b] = who === 'c' ? [C, S] : [S, C];
  return parsePacketLine(`icmp,nw_src=${a},nw_dst=${b},icmp_type=${type},icmp_code=0  id=${id} seq=1`);
}

/** Lookup then commit in one zone, as the recorded flow tables do. */
export function both(ct: Conntrack, pkt: CtPacket, nowMs: number, zone = 1): CtResult & { st: string } {
  const cache = newCtPacketCache();
  const r1 = ct.execute(pkt, { zone, commit: false, force: false }, nowMs, cache);
  const r2 = ct.execute(pkt, { zone, commit: true, force: false }, nowMs, cache);
  return { ...r2, events: [...r1.events, ...r2.events], st: formatCtState(r2.ctState) };
}

/** "STATE timeout [flags]" of the only entry, as the oracle summaries write it. */
export function entryOf(ct: Conntrack, nowMs: number): string {
  const lines = ct.dump(nowMs);
  if (lines.length === 0) return '(none)';
  return lines
    .map((l) => {
      const f = l.split(/\s+/);
      const state = /^[A-Z_0-9]+$/.test(f[3]!) ? `${f[3]} ` : '';
      const flags = [...l.matchAll(/\[(UNREPLIED|ASSURED)\]/g)].map((m) => ` [${m[1]}]`).join('');
      return `${f[0]} ${state}${f[2]}${flags}`;
    })
    .join('; ');
}

/** The three-way handshake at t = 0, 100, 200 ms (client ISN 1000, server ISN 5000). */
export function handshake(ct: Conntrack, wscale?: number): void {
  both(ct, tcp('c', 'syn', 1000, 0, { wscale }), 0);
  both(ct, tcp('s', 'syn|ack', 5000, 1001, { wscale }), 100);
  both(ct, tcp('c', 'ack', 1001, 5001), 200);
}

export const kernel = (sysctls: [string, number][] = []): Conntrack =>
  newConntrack({ profile: 'kernel', sysctls: new Map(sysctls) });
export const userspace = (sysctls: [string, number][] = []): Conntrack =>
  newConntrack({ profile: 'userspace', sysctls: new Map(sysctls) });
