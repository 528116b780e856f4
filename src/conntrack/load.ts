// Reads a saved table back into entries: kernel `conntrack -L` lines (and `conntrack -E`
// lines) or OVS `dpctl/dump-conntrack [-m] [-s]` lines. A dump has no sequence numbers,
// so restored TCP entries re-learn each side's window from its next packet, and restored
// SCTP entries (whose verification tags `conntrack -L` does not show) take each side's tag
// from its next packet.
// Bad input raises CtParseError with file:line:col.

import { parseIp } from './addr.js';
import { CtParseError } from './errors.js';
import { kernelProtoName, userProtoName } from './print.js';
import { userspaceDefaults, type KernelTcpStateName } from './timeouts.js';
import { USER_TCP_STATES, type UserTcp, type UserTcpPeer, type UserTcpStateName } from './tcp-userspace.js';
import type { KernelSide, KernelTcp } from './tcp-kernel.js';
import { natOfTuples } from './nat.js';
import { isIcmp } from './tuple.js';
import { IPPROTO_GRE } from './gre-kernel.js';
import { restoredSctp, SCTP_STATE_NAMES, type SctpState } from './sctp-kernel.js';
import { IPPROTO, type CtEntry, type CtTuple, type L3 } from './types.js';
import type { AlgName } from './alg.js';

/** helper=NAME of a listed entry: the helpers ctflow emulates, anything else refused. */
function helperName(cur: Cursor, col: number, v: string): AlgName {
  if (v !== 'ftp' && v !== 'tftp') cur.fail(col, `helper=${v}: ctflow emulates only the ftp and tftp helpers`);
  return v;
}

export interface LoadOptions {
  /** Name used in error messages. */
  file?: string;
}

interface Cursor {
  fail(col: number, msg: string): never;
}

const KERNEL_STATES = new Set<KernelTcpStateName>([
  'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2', 'NONE',
]);

function protoNumber(name: string, names: (p: number) => string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  for (const p of [1, 2, 6, 17, 33, 47, 58, 132, 136]) if (names(p) === name) return p;
  return undefined;
}

function intValue(cur: Cursor, col: number, key: string, v: string, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) > max) cur.fail(col, `${key}= expects a number up to ${max}, got '${v}'`);
  return Number(v);
}

/** Builds a tuple from key=value pairs (src, dst, sport/dport or type/code/id). */
function tupleFrom(cur: Cursor, l3Box: { l3?: L3 }, proto: number, kv: [string, string, number][], col: number): CtTuple {
  const m = new Map(kv.map(([k, v, c]) => [k, { v, c }]));
  const addr = (k: string): bigint => {
    const it = m.get(k);
    if (!it) return cur.fail(col, `tuple has no ${k}=`);
    const a = parseIp(it.v);
    if (!a) return cur.fail(it.c, `'${it.v}' is not an IP address`);
    if (l3Box.l3 && l3Box.l3 !== a.l3) cur.fail(it.c, `mixes IPv4 and IPv6 addresses`);
    l3Box.l3 = a.l3;
    return a.value;
  };
  const num = (k: string, max: number, dflt?: number): number => {
    const it = m.get(k);
    if (!it) return dflt !== undefined ? dflt : cur.fail(col, `tuple has no ${k}=`);
    return intValue(cur, it.c, k, it.v, max);
  };
  const src = addr('src');
  const dst = addr('dst');
  if (isIcmp(l3Box.l3!, proto)) {
    const id = num('id', 65535);
    return { src, dst, sport: id, dport: id, icmpType: num('type', 255), icmpCode: num('code', 255, 0) };
  }
  if (proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.udplite || proto === IPPROTO.sctp) {
    return { src, dst, sport: num('sport', 65535), dport: num('dport', 65535) };
  }
  if (proto === IPPROTO_GRE && m.has('srckey')) {
    const key = (k: string): number => {
      const it = m.get(k) ?? cur.fail(col, `tuple has no ${k}=`);
      if (!/^0x[0-9a-f]{1,4}$/i.test(it.v)) cur.fail(it.c, `${k}= expects a 16-bit hex key like 0x1f, got '${it.v}'`);
      return Number(it.v);
    };
    return { src, dst, sport: key('srckey'), dport: key('dstkey') };
  }
  return { src, dst, sport: 0, dport: 0 };
}

const unknownSide = (): KernelSide => ({
  end: 0, maxend: 0, maxwin: 0, maxack: 0, scale: 0, wscaleOpt: false, sackPerm: true,
  liberal: true, closeInit: false, dataUnack: false, maxackSet: false,
});

function baseEntry(zone: number, l3: L3, proto: number, orig: CtTuple, reply: CtTuple, nowMs: number, timeoutSec: number): CtEntry {
  return {
    zone, l3, proto, orig, reply, createdMs: nowMs, expiresMs: nowMs + timeoutSec * 1000,
    status: { seenReply: true, assured: false }, mark: 0, label: 0n, proto_: { kind: 'plain' },
    nat: natOfTuples(orig, reply), confirmed: false, pendingEvents: 0, expiryFiled: -1, hashOrig: -1, hashReply: -1,
    listOwner: undefined, listPrev: undefined, listNext: undefined,
  };
}

function kernelLine(cur: Cursor, text: string, nowMs: number): CtEntry {
  const toks = [...text.matchAll(/\S+/g)].map((m) => ({ t: m[0], c: m.index + 1 }));
  let i = 0;
  if (/^\[(NEW|UPDATE|DESTROY)\]$/.test(toks[0]?.t ?? '')) i++;
  const name = toks[i];
  if (!name) cur.fail(1, 'empty line');
  const proto = protoNumber(name.t, kernelProtoName);
  if (proto === undefined) cur.fail(name.c, `unknown protocol '${name.t}'`);
  const num = toks[i + 1];
  if (!num || Number(num.t) !== proto) cur.fail(num?.c ?? name.c, `expected protocol number ${proto} after '${name.t}'`);
  const to = toks[i + 2];
  if (!to || !/^\d+$/.test(to.t)) cur.fail(to?.c ?? num.c, 'expected the timeout in seconds');
  i += 3;
  let state: KernelTcpStateName | undefined;
  if (toks[i] && /^[A-Z_0-9]+$/.test(toks[i]!.t)) {
    const sctp = proto === IPPROTO.sctp;
    if (!(sctp ? SCTP_STATE_NAMES : KERNEL_STATES).has(toks[i]!.t as never)) {
      cur.fail(toks[i]!.c, `unknown ${sctp ? 'SCTP' : 'TCP'} state '${toks[i]!.t}'`);
    }
    state = toks[i]!.t as KernelTcpStateName;
    i++;
  }
  const tuples: [string, string, number][][] = [];
  let unreplied = false;
  let assured = false;
  let zone = 0;
  let mark = 0;
  let helper: AlgName | undefined;
  for (; i < toks.length; i++) {
    const { t, c } = toks[i]!;
    if (t === '[UNREPLIED]') unreplied = true;
    else if (t === '[ASSURED]') assured = true;
    else if (/^\[[A-Z]+\]$/.test(t)) continue; // [OFFLOAD], [HW_OFFLOAD]: no meaning here
    else {
      const eq = t.indexOf('=');
      if (eq <= 0) cur.fail(c, `expected key=value, got '${t}'`);
      const k = t.slice(0, eq);
      const v = t.slice(eq + 1);
      if (k === 'src') tuples.push([]);
      if (['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'srckey', 'dstkey'].includes(k)) {
        if (tuples.length === 0) cur.fail(c, `'${k}=' before the first src=`);
        tuples[tuples.length - 1]!.push([k, v, c + eq + 1]);
      } else if (k === 'zone') zone = intValue(cur, c + eq + 1, k, v, 65535);
      else if (k === 'mark') mark = intValue(cur, c + eq + 1, k, v, 0xffffffff);
      else if (k === 'helper') helper = helperName(cur, c + eq + 1, v);
      else if (!['use', 'secctx', 'labels', 'packets', 'bytes', 'delta-time'].includes(k)) {
        cur.fail(c, `unknown field '${k}='`);
      }
    }
  }
  if (tuples.length !== 2) cur.fail(text.length, `expected an original and a reply tuple, found ${tuples.length}`);
  const box: { l3?: L3 } = {};
  const orig = tupleFrom(cur, box, proto, tuples[0]!, 1);
  const reply = tupleFrom(cur, box, proto, tuples[1]!, 1);
  const e = baseEntry(zone, box.l3!, proto, orig, reply, nowMs, Number(to.t));
  e.mark = mark;
  // A restored FTP master reads the next line each way wherever it starts (as the kernel
  // does for entries inserted over ctnetlink).
  if (helper) e.alg = { helper, pickup: [true, true] };
  e.status = { seenReply: !unreplied, assured };
  if (proto === IPPROTO.tcp) {
    const s: KernelTcp = {
      state: state ?? 'ESTABLISHED', seen: [unknownSide(), unknownSide()], lastDir: 0, lastKind: 'none',
      lastSeq: 0, lastAck: 0, lastEnd: 0, lastWin: 1, lastWscale: 0, lastWscaleOpt: false, lastSackPerm: false,
      retrans: 0, simultaneousOpen: false,
    };
    e.proto_ = { kind: 'tcp-kernel', s };
  } else if (proto === IPPROTO.udp || proto === IPPROTO.udplite) {
    // Creation time is unknown: treat the 2-second stream delay as over.
    e.proto_ = { kind: 'udp-kernel', streamTsMs: nowMs - 1 };
  } else if (proto === IPPROTO.sctp) {
    e.proto_ = { kind: 'sctp-kernel', s: restoredSctp((state ?? 'ESTABLISHED') as SctpState) };
  }
  return e;
}

/** Splits "a=(x,y),b=c" at top-level commas, keeping each item's column. */
function splitTop(cur: Cursor, s: string, base: number): { t: string; c: number }[] {
  const out: { t: string; c: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (--depth < 0) cur.fail(base + i, "unbalanced ')'");
    } else if ((ch === ',' || ch === undefined) && depth === 0) {
      out.push({ t: s.slice(start, i), c: base + start });
      start = i + 1;
    }
  }
  if (depth !== 0) cur.fail(base + s.length, "missing ')'");
  return out;
}

const PLAIN_PAIRS = new Map<string, [UserTcpStateName, UserTcpStateName]>([
  ['CLOSED', ['CLOSED', 'CLOSED']],
  ['SYN_SENT', ['SYN_SENT', 'CLOSED']],
  ['ESTABLISHED', ['ESTABLISHED', 'ESTABLISHED']],
  ['CLOSING', ['CLOSING', 'ESTABLISHED']],
  ['TIME_WAIT', ['FIN_WAIT_2', 'FIN_WAIT_2']],
]);

function userLine(cur: Cursor, text: string, nowMs: number): CtEntry {
  const items = splitTop(cur, text, 1);
  const proto = protoNumber(items[0]!.t, userProtoName);
  if (proto === undefined) cur.fail(1, `unknown protocol '${items[0]!.t}'`);
  const box: { l3?: L3 } = {};
  let orig: CtTuple | undefined;
  let reply: CtTuple | undefined;
  let zone = 0;
  let timeout: number | undefined;
  let mark = 0;
  let label = 0n;
  let helper: AlgName | undefined;
  let parent: CtTuple | undefined;
  let info: Map<string, { v: string; c: number }> | undefined;
  for (const { t, c } of items.slice(1)) {
    const eq = t.indexOf('=');
    if (eq <= 0) cur.fail(c, `expected key=value, got '${t}'`);
    const k = t.slice(0, eq);
    const v = t.slice(eq + 1);
    const vc = c + eq + 1;
    const inner = (): { t: string; c: number }[] => {
      if (!v.startsWith('(') || !v.endsWith(')')) cur.fail(vc, `${k}= expects '(...)'`);
      return splitTop(cur, v.slice(1, -1), vc + 1);
    };
    const pairs = (): [string, string, number][] =>
      inner().map(({ t: it, c: ic }) => {
        const e2 = it.indexOf('=');
        if (e2 <= 0) cur.fail(ic, `expected key=value, got '${it}'`);
        return [it.slice(0, e2), it.slice(e2 + 1), ic + e2 + 1];
      });
    if (k === 'orig') orig = tupleFrom(cur, box, proto, pairs(), vc);
    else if (k === 'reply') reply = tupleFrom(cur, box, proto, pairs(), vc);
    else if (k === 'zone') zone = intValue(cur, vc, k, v, 65535);
    else if (k === 'timeout') timeout = intValue(cur, vc, k, v, 0xffffffff);
    else if (k === 'mark') mark = intValue(cur, vc, k, v, 0xffffffff);
    else if (k === 'labels') {
      if (!/^(0x[0-9a-fA-F]{1,32}|0)$/.test(v)) cur.fail(vc, `labels= expects a hex number, got '${v}'`);
      label = BigInt(v);
    } else if (k === 'protoinfo') info = new Map(pairs().map(([a, b, cc]) => [a, { v: b, c: cc }]));
    else if (k === 'helper') helper = helperName(cur, vc, v);
    else if (k === 'parent') parent = tupleFrom(cur, box, proto, pairs(), vc);
    else if (!['id', 'status', 'start', 'stop', 'packets', 'bytes'].includes(k)) cur.fail(c, `unknown field '${k}='`);
  }
  if (!orig || !reply) cur.fail(text.length, 'expected orig=(...) and reply=(...)');
  const e = baseEntry(zone, box.l3!, proto, orig, reply, nowMs, 0);
  e.mark = mark;
  e.label = label;
  // helper= and (-m) parent=: the ALG state a dump shows; an expectation's own state is not listed.
  if (helper || parent) e.alg = { ...(helper ? { helper } : {}), ...(parent ? { parent: { l3: box.l3!, proto, orig: parent } } : {}) };
  const T = userspaceDefaults();
  if (proto === IPPROTO.tcp) {
    const st = (key: string, dflt?: UserTcpStateName): UserTcpStateName => {
      const it = info?.get(key);
      if (!it) return dflt ?? cur.fail(text.length, `protoinfo has no ${key}=`);
      if (!(USER_TCP_STATES as readonly string[]).includes(it.v)) cur.fail(it.c, `unknown TCP state '${it.v}'`);
      return it.v as UserTcpStateName;
    };
    let pair: [UserTcpStateName, UserTcpStateName];
    if (info?.has('state_orig')) pair = [st('state_orig'), st('state_reply')];
    else {
      const plain = info?.get('state');
      if (!plain || !PLAIN_PAIRS.has(plain.v)) cur.fail(plain?.c ?? text.length, `cannot restore TCP state '${plain?.v ?? ''}'`);
      pair = PLAIN_PAIRS.get(plain.v)!;
    }
    const peer = (state: UserTcpStateName, side: 'orig' | 'reply'): UserTcpPeer => {
      const flags = info?.get(`flags_${side}`)?.v ?? '';
      const ws = Number(info?.get(`wscale_${side}`)?.v ?? 0);
      // Keep what the dump says (window scale, BE_LIBERAL = scale unknown), so it prints back the same.
      const wscale = (flags.includes('WINDOW_SCALE') ? 0x80 | ws : 0) | (flags.includes('BE_LIBERAL') ? 0x40 : 0);
      return { seqlo: 0, seqhi: 1, maxWin: 0xffff, wscale, state };
    };
    const s: UserTcp = { peer: [peer(pair[0], 'orig'), peer(pair[1], 'reply')], unsynced: [true, true] };
    e.proto_ = { kind: 'tcp-userspace', s };
    timeout ??= T.get(pair[0] === 'SYN_SENT' && pair[1] === 'CLOSED' ? 'tcp_syn_sent' : 'tcp_established')!;
  } else if (isIcmp(e.l3, proto)) {
    e.proto_ = { kind: 'icmp-userspace', state: 'FIRST' };
    timeout ??= T.get('icmp_first')!;
  } else {
    e.proto_ = { kind: 'other-userspace', state: 'FIRST' };
    timeout ??= T.get('udp_first')!;
  }
  e.expiresMs = nowMs + timeout * 1000;
  return e;
}

/**
 * Parses saved table lines (both formats may be mixed; blank and '#' lines skipped).
 * Returned entries are not in any tracker yet: pass them to `Conntrack.restore`.
 */
export function loadEntries(lines: string[] | string, nowMs: number, opts: LoadOptions = {}): CtEntry[] {
  const file = opts.file ?? '<input>';
  const list = typeof lines === 'string' ? lines.split('\n') : lines;
  const out: CtEntry[] = [];
  list.forEach((raw, idx) => {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '' || text.trimStart().startsWith('#')) return;
    const cur: Cursor = {
      fail: (col, msg) => {
        throw new CtParseError(file, idx + 1, col, msg, text);
      },
    };
    // OVS dumps have no spaces; `conntrack` lines are space-separated.
    out.push(/^\S+,orig=/.test(text.trim()) ? userLine(cur, text.trim(), nowMs) : kernelLine(cur, text, nowMs));
  });
  return out;
}
