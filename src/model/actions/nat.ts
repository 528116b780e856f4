// nat / nat(src|dst[=ADDR[-ADDR][:PORT[-PORT]]][,persistent][,hash][,random]): only
// meaningful inside ct(...); OVS keeps it as the first nested action of ct.
import type { Atom, Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatIpv4, formatIpv6, parseIpv6, ValueError } from '../values.js';
import { args } from './args.js';
import type { ActionSpec } from './types.js';

export interface NatArgs {
  kind: 'src' | 'dst' | null;
  /** 4, 6, or null when no address was given (or it was 0: OVS does not encode a zero address). */
  af: 4 | 6 | null;
  addrMin: bigint; addrMax: bigint;   // addrMax 0 = single address
  portMin: number; portMax: number;   // 0 = none
  persistent: boolean; hash: boolean; random: boolean;
}

/** The value text as written, brackets included (`[fe80::1]-[fe80::2]:80`). */
function rawText(chain: Atom[]): string {
  return chain.map((a) => {
    if (a.kind !== 'ref') return '(…)';
    if (!a.bracketed) return a.text;
    return a.text.split('-').map((x) => `[${x}]`).join('-');
  }).join(':');
}

// ovs-ofctl reads addresses and ports with scanf: octets as %hhu and ports as %hu, so
// out-of-range numbers wrap (10.0.0.300 is 10.0.0.44, port 70000 is 4464).
const V4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)/;
const V6 = /^(?:\[([0-9a-fA-F:.]{1,46})\]|([0-9a-fA-F:.]{1,46}))/;

function scanV4(s: string): [bigint, number] | null {
  const m = V4.exec(s);
  if (!m) return null;
  const v = m.slice(1, 5).reduce((a, o) => (a << 8n) | (BigInt(o) & 0xffn), 0n);
  return [v, m[0].length];
}

function scanV6(s: string): [bigint, number] | null {
  const m = V6.exec(s);
  if (!m) return null;
  try { return [parseIpv6(m[1] ?? m[2]), m[0].length]; } catch (e) {
    if (e instanceof ValueError) return null;
    throw e;
  }
}

function parseRange(text: string, n: NatArgs, span: Item['span']): void {
  const bad = (): never => fail(`invalid nat range "${text}"`, span);
  let i = 0;
  const v4 = scanV4(text), v6 = v4 ? null : scanV6(text);
  const first = v4 ?? v6;
  if (first) {
    const scan = v4 ? scanV4 : scanV6;
    n.af = v4 ? 4 : 6;
    n.addrMin = first[0]; i = first[1];
    if (text[i] === '-') {
      const second = scan(text.slice(i + 1));
      if (!second || second[0] < n.addrMin) return bad();
      n.addrMax = second[0]; i += 1 + second[1];
    }
    if (text[i] === ':') {
      const p = /^(\d+)(?:-(\d+))?/.exec(text.slice(i + 1));
      if (!p) return bad();
      n.portMin = Number(BigInt(p[1]) & 0xffffn);
      if (p[2] !== undefined) {
        n.portMax = Number(BigInt(p[2]) & 0xffffn);
        if (n.portMax < n.portMin) bad();
      }
      i += 1 + p[0].length;
    }
  }
  if (i !== text.length) fail(`garbage (${text.slice(i)}) after nat range "${text}" (pos: ${i})`, span);
  if (n.addrMin === 0n) n.af = null; // OVS does not encode a zero address: nat(src=0.0.0.0) is nat(src)
}

export function parseNat(item: Item): NatArgs {
  const n: NatArgs = { kind: null, af: null, addrMin: 0n, addrMax: 0n, portMin: 0, portMax: 0,
    persistent: false, hash: false, random: false };
  let src = false, dst = false;
  if (item.eq || item.colon) fail('nat: expected nat or nat(...)', item.span);
  for (const it of args(item)) {
    const k = it.key.text;
    if (k === 'src' || k === 'dst') {
      if (k === 'src') src = true; else dst = true;
      n.kind = k;
      if (it.eq) parseRange(rawText(it.eq.chain), n, it.eq.span);
    } else if (k === 'persistent') n.persistent = true;
    else if (k === 'hash') n.hash = true;
    else if (k === 'random') n.random = true;
    else fail(`invalid key "${k}" in "nat" argument`, it.key.span);
  }
  if (src && dst) fail('May only specify one of "src" or "dst".', item.span);
  if (!n.kind && (n.persistent || n.hash || n.random)) fail('Flags allowed only with "src" or "dst".', item.span);
  if (n.hash && n.random) fail('Both "hash" and "random" are not allowed.', item.span);
  return n;
}

/** A bare `nat`, or one whose arguments OVS drops on encoding, as ct without commit allows. */
export const natIsBare = (n: NatArgs): boolean => !n.kind && !n.persistent && !n.hash && !n.random && n.af === null;

export function formatNat(n: NatArgs): string {
  if (!n.kind) return 'nat';
  let s = `nat(${n.kind}`;
  // Like OVS, the range and its flags are printed only when an address was given.
  if (n.af !== null) {
    const brackets = n.af === 6 && n.portMin !== 0;
    const addr = (v: bigint) => (n.af === 4 ? formatIpv4(v) : brackets ? `[${formatIpv6(v)}]` : formatIpv6(v));
    s += '=' + addr(n.addrMin);
    if (n.addrMax && n.addrMax !== n.addrMin) s += '-' + addr(n.addrMax);
    if (n.portMin) s += `:${n.portMin}${n.portMax && n.portMax !== n.portMin ? `-${n.portMax}` : ''}`;
    for (const f of ['persistent', 'hash', 'random'] as const) if (n[f]) s += `,${f}`;
  }
  return s + ')';
}

export const nat: ActionSpec<NatArgs> = {
  name: 'nat',
  heldBytes: () => 48,
  inert: true,
  ctNat: (a) => a,
  parse: parseNat,
  // ct's check handles the nat nested in it; one reaching here stands alone.
  check: (_a, ctx) => ctx.fail('Cannot have NAT action outside of "ct" action'),
  format: formatNat,
};
