// Printers: the kernel's `conntrack -L` and `conntrack -E` lines, and OVS userspace
// `ovs-appctl dpctl/dump-conntrack [-m] [-s]` lines, exactly as the real tools print them
// (event lines with single spaces, as the recordings keep them).

import { formatIp } from './addr.js';
import { formatGreKeys, IPPROTO_GRE } from './gre-kernel.js';
import { isIcmp } from './tuple.js';
import { userPeerFlags, userPlainState, type UserTcp } from './tcp-userspace.js';
import { IPPROTO, type CtEntry, type CtTuple } from './types.js';

const KERNEL_PROTO_NAMES = new Map<number, string>([
  [IPPROTO.tcp, 'tcp'],
  [IPPROTO.udp, 'udp'],
  [IPPROTO.icmp, 'icmp'],
  [IPPROTO.icmpv6, 'icmpv6'],
  [IPPROTO.sctp, 'sctp'],
  [IPPROTO.udplite, 'udplite'],
  [33, 'dccp'],
  [47, 'gre'],
]);
const USER_PROTO_NAMES = new Map<number, string>([
  [IPPROTO.icmp, 'icmp'],
  [IPPROTO.icmpv6, 'icmpv6'],
  [IPPROTO.tcp, 'tcp'],
  [IPPROTO.udp, 'udp'],
  [IPPROTO.sctp, 'sctp'],
  [IPPROTO.udplite, 'udplite'],
  [33, 'dccp'],
  [2, 'igmp'],
]);

export const kernelProtoName = (p: number): string => KERNEL_PROTO_NAMES.get(p) ?? 'unknown';
export const userProtoName = (p: number): string => USER_PROTO_NAMES.get(p) ?? String(p);

/** Whole seconds left, truncated (what both tools print). */
export const remainingSec = (e: CtEntry, nowMs: number): number => Math.max(0, Math.floor((e.expiresMs - nowMs) / 1000));

/** Kernel TCP state name, or undefined for protocols without one. */
export function kernelStateName(e: CtEntry): string | undefined {
  const p = e.proto_;
  return p.kind === 'tcp-kernel' || p.kind === 'sctp-kernel' ? p.s.state : undefined;
}

function kernelTuple(e: CtEntry, t: CtTuple): string {
  const p = e.proto;
  // Each line is built as one template (one string made, not one per piece).
  // DCCP too: Linux 6.18 tracks it as a generic protocol (tuple ports 0), and conntrack
  // still prints its ports.
  if (p === IPPROTO.tcp || p === IPPROTO.udp || p === IPPROTO.udplite || p === IPPROTO.sctp || p === 33) {
    return `src=${formatIp(e.l3, t.src)} dst=${formatIp(e.l3, t.dst)} sport=${t.sport} dport=${t.dport}`;
  }
  const a = `src=${formatIp(e.l3, t.src)} dst=${formatIp(e.l3, t.dst)}`;
  if (isIcmp(e.l3, p)) return `${a} type=${t.icmpType ?? 0} code=${t.icmpCode ?? 0} id=${t.sport}`;
  if (p === IPPROTO_GRE) return `${a} ${formatGreKeys(t.sport, t.dport)}`;
  return a;
}

/** Everything after the timeout: [state] orig [UNREPLIED] reply [ASSURED]. */
function kernelTail(e: CtEntry, withState: boolean): string {
  const st = withState ? kernelStateName(e) : undefined;
  const unreplied = e.status.seenReply ? '' : ' [UNREPLIED]';
  const assured = e.status.assured ? ' [ASSURED]' : '';
  return `${st ? `${st} ` : ''}${kernelTuple(e, e.orig)}${unreplied} ${kernelTuple(e, e.reply)}${assured}`;
}

/** One `conntrack -L` line. */
export function formatKernelList(e: CtEntry, nowMs: number, use = 1): string {
  // conntrack pads the protocol name to 8 columns. `use`: a helper's master counts its related entries.
  const head = `${kernelProtoName(e.proto).padEnd(8)} ${e.proto} ${remainingSec(e, nowMs)} ${kernelTail(e, true)}`;
  return `${head} mark=${e.mark}${e.zone ? ` zone=${e.zone}` : ''}${e.alg?.helper ? ` helper=${e.alg.helper}` : ''} use=${use}`;
}

/** One `conntrack -E` line. `withState`: the event carries protocol info (state name). */
export function formatKernelEvent(
  kind: 'NEW' | 'UPDATE' | 'DESTROY',
  e: CtEntry,
  nowMs: number,
  withState: boolean,
  markEvent: boolean,
): string {
  // A [DESTROY] leaves the timeout out once less than a second of it is left (an entry
  // that timed out: recorded in test/oracle/kernel-expiry).
  const left = remainingSec(e, nowMs);
  const timeout = kind === 'DESTROY' && left === 0 ? '' : ` ${left}`;
  const mark = e.mark || markEvent ? ` mark=${e.mark}` : '';
  const zone = e.zone ? ` zone=${e.zone}` : '';
  const helper = e.alg?.helper ? ` helper=${e.alg.helper}` : '';
  return `[${kind}] ${kernelProtoName(e.proto)} ${e.proto}${timeout} ${kernelTail(e, withState)}${mark}${zone}${helper}`;
}

function userTuple(e: CtEntry, t: CtTuple): string {
  const a = `src=${formatIp(e.l3, t.src)},dst=${formatIp(e.l3, t.dst)}`;
  if (isIcmp(e.l3, e.proto)) return `${a},id=${t.sport},type=${t.icmpType ?? 0},code=${t.icmpCode ?? 0}`;
  return `${a},sport=${t.sport},dport=${t.dport}`;
}

/** Labels as OVS prints them: 0x and the big-endian bytes without leading zero bytes. */
export function formatLabelHex(label: bigint): string {
  // Leading byte unpadded, the rest two digits each: the plain hex of the number.
  return label === 0n ? '0' : `0x${label.toString(16)}`;
}

function userProtoinfo(s: UserTcp, verbose: boolean): string {
  if (!verbose) return `protoinfo=(state=${userPlainState(s)})`;
  const [o, r] = s.peer;
  const parts = [`state_orig=${o.state}`, `state_reply=${r.state}`];
  const wo = o.wscale & 0x0f;
  const wr = r.wscale & 0x0f;
  if (wo || wr) parts.push(`wscale_orig=${wo}`, `wscale_reply=${wr}`);
  const flags = (f: string[]): string => (f.length ? f.join('|') : '0');
  parts.push(`flags_orig=${flags(userPeerFlags(o))}`, `flags_reply=${flags(userPeerFlags(r))}`);
  return `protoinfo=(${parts.join(',')})`;
}

/** One `ovs-appctl dpctl/dump-conntrack` line; `more` = -m, `stats` = -s. */
export function formatUserDump(e: CtEntry, nowMs: number, more = false, stats = false): string {
  const parts = [userProtoName(e.proto), `orig=(${userTuple(e, e.orig)})`, `reply=(${userTuple(e, e.reply)})`];
  if (more) parts.push('id=0');
  if (e.zone) parts.push(`zone=${e.zone}`);
  // The userspace tracker fills no kernel-style status bits.
  if (more) parts.push('status=0');
  if (stats) parts.push(`timeout=${remainingSec(e, nowMs)}`);
  if (e.mark) parts.push(`mark=${e.mark}`);
  if (e.label) parts.push(`labels=${formatLabelHex(e.label)}`);
  if (e.proto_.kind === 'tcp-userspace') parts.push(userProtoinfo(e.proto_.s, more));
  // ALGs (recorded): the helper, then (-m) the tuple of the connection an expectation came from.
  if (e.alg?.helper) parts.push(`helper=${e.alg.helper}`);
  if (more && e.alg?.parent) parts.push(`parent=(${userTuple(e, e.alg.parent.orig)})`);
  return parts.join(',');
}
