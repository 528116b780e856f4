// encap(HEADER) and decap([packet_type(ns=N,type=T)]): OpenFlow 1.3+ only (NXAST_ENCAP /
// NXAST_DECAP are unknown to OpenFlow 1.0-1.2 switches). HEADER is ethernet, mpls, mpls_mc,
// or nsh with optional md_type and, for md_type=2, tlv(class,type,value) options.
//
// The two are refused differently over OpenFlow < 1.3 (recorded, trace-mpls-prereq
// version-*): ovs-ofctl knows encap needs 1.3+ and refuses the whole file before sending
// anything; it sends decap as it is, and the switch refuses that one flow mod (the flows
// before it stay).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { parseNumber } from '../values.js';
import { args, itemText } from './args.js';
import { hexish } from './mf-format.js';
import type { ActionSpec, CheckCtx } from './types.js';
import { ACTION_SET_RANK } from './facets.js';

/** packet_type after encap(HEADER): (namespace << 16) | type; namespace 1 = an ethertype. */
const NEW_PACKET_TYPE = new Map<string, bigint>([
  ['ethernet', 0n], ['nsh', 0x1894fn], ['mpls', 0x18847n], ['mpls_mc', 0x18848n],
]);

const exactly = (ctx: CheckCtx, slot: string, v: bigint, mask: bigint) => {
  ctx.match.values.set(slot, v);
  ctx.match.masks.set(slot, mask);
};

/**
 * What later actions may assume after encap (OVS's check of the action list): the new
 * packet type, and its ethertype when it names one, so `encap(mpls)` satisfies the
 * prerequisite of a following `set_field:…->mpls_label` and `encap(nsh)` that of nsh_*.
 * A non-IP packet has no IP protocol any more.
 */
function checkEncap(a: EncapArgs, ctx: CheckCtx): void {
  const pt = NEW_PACKET_TYPE.get(a.header)!;
  exactly(ctx, 'packet_type', pt, 0xffffffffn);
  if (pt >> 16n === 1n) exactly(ctx, 'dl_type', pt & 0xffffn, 0xffffn);
  const dl = ctx.match.values.get('dl_type') ?? 0n;
  if (dl !== 0x0800n && dl !== 0x86ddn) ctx.match.values.set('nw_proto', 0n);
}

/**
 * After decap() of Ethernet the packet type is (1, its ethertype) and the L3 headers stay
 * known; after decap() of anything else the next header is known only at run time.
 */
function checkDecap(ctx: CheckCtx): void {
  const m = ctx.match;
  const pt = (m.values.get('packet_type') ?? 0n) & (m.masks.get('packet_type') ?? 0n);
  if (pt === 0n) exactly(ctx, 'packet_type', 0x10000n | (m.values.get('dl_type') ?? 0n), 0xffffffffn);
  else {
    exactly(ctx, 'packet_type', 0xfffffffen, 0xffffffffn);
    exactly(ctx, 'dl_type', 0xffffn, 0xffffn);
  }
}

export interface NshTlv { cls: number; type: number; value: string }
export interface EncapArgs { header: string; mdType: number | null; tlvs: NshTlv[] }

const HEADERS = ['ethernet', 'mpls', 'mpls_mc', 'nsh'];

function num(it: Item | undefined, max: bigint, what: string, span: Item['span']): bigint {
  const t = it ? itemText(it) : '';
  const n = parseNumber(t);
  if (n === null || n > max) fail(`encap: invalid ${what} "${t}"`, it?.span ?? span);
  return n;
}

export const encap: ActionSpec<EncapArgs> = {
  name: 'encap',
  inert: true,
  irreversible: true,
  actionSetRank: ACTION_SET_RANK.encap,
  parse(item) {
    const a = args(item);
    const h = a[0];
    if (a.length !== 1 || !HEADERS.includes(h.key.text) || h.eq || h.colon) {
      fail(`Encap hdr not supported: ${a.map(itemText).join(',')}`, h?.span ?? item.span);
    }
    const out: EncapArgs = { header: h.key.text, mdType: null, tlvs: [] };
    if (h.args) {
      if (h.key.text !== 'nsh') fail(`encap(${h.key.text}) takes no properties`, h.span);
      for (const p of args(h)) {
        if (p.key.text === 'md_type' && p.eq) {
          out.mdType = Number(num({ ...p, eq: null, key: { ...p.key, text: valueText(p.eq) } }, 255n, 'md_type', p.span));
          // NSH defines MD types 1 and 2 only; ovs-ofctl refuses any other.
          if (out.mdType < 1 || out.mdType > 2) fail('invalid md_type', p.eq.span);
        }
        else if (p.key.text === 'tlv' && p.args) {
          const t = args(p);
          if (t.length !== 3) fail('encap: tlv expects tlv(class,type,value)', p.span);
          const value = num(t[2], (1n << 1024n) - 1n, 'tlv value', p.span);
          out.tlvs.push({ cls: Number(num(t[0], 0xffffn, 'tlv class', p.span)), type: Number(num(t[1], 0xffn, 'tlv type', p.span)), value: hexish(value) });
        } else fail(`encap: unknown nsh property ${p.key.text}`, p.span);
      }
    }
    return out;
  },
  check(a, ctx) {
    ctx.needsOf13('encap', 46, 'ofctl');
    checkEncap(a, ctx);
  },
  execute: (a, x) => x.encap(a),
  format(a) {
    if (a.header !== 'nsh' || (a.mdType === null && !a.tlvs.length)) return `encap(${a.header})`;
    const props = [...(a.mdType !== null ? [`md_type=${a.mdType}`] : []), ...a.tlvs.map((t) => `tlv(0x${t.cls.toString(16)},${t.type},${t.value})`)];
    return `encap(nsh(${props.join(',')}))`;
  },
};

export interface DecapArgs { ns: number; type: number }

export const decap: ActionSpec<DecapArgs> = {
  name: 'decap',
  heldBytes: () => 8,
  inert: true,
  irreversible: true,
  actionSetRank: ACTION_SET_RANK.decap,
  parse(item) {
    const a = args(item);
    // No argument: decap to whatever the next header is (OVS's "use next protocol", ns=1 type=0xfffe).
    if (!a.length) return { ns: 1, type: 0xfffe };
    const pt = a[0];
    if (a.length !== 1 || pt.key.text !== 'packet_type' || !pt.args) fail('decap: expected decap() or decap(packet_type(ns=N,type=T))', item.span);
    const kv = new Map(args(pt).map((x) => [x.key.text, x.eq ? valueText(x.eq) : '']));
    const ns = parseNumber(kv.get('ns') ?? ''), type = parseNumber(kv.get('type') ?? '');
    if (ns === null || ns > 0xffffn || type === null || type > 0xffffn || kv.size !== 2) fail('decap: expected packet_type(ns=N,type=T)', pt.span);
    return { ns: Number(ns), type: Number(type) };
  },
  check(_a, ctx) {
    ctx.needsOf13('decap', 47, 'switch');
    checkDecap(ctx);
  },
  execute(a, x) {
    if (a.ns === 1 && a.type === 0xfffe) x.decapEthernet();
    else x.unsupported(`decap(packet_type(ns=${a.ns},type=0x${a.type.toString(16)}))`);
  },
  format: (a) => (a.ns === 1 && a.type === 0xfffe ? 'decap()' : `decap(packet_type(ns=${a.ns},type=${hexish(BigInt(a.type))}))`),
};
