// encap(HEADER) and decap([packet_type(ns=N,type=T)]): OpenFlow 1.3+ only (NXAST_ENCAP /
// NXAST_DECAP are unknown to OpenFlow 1.0 switches). HEADER is ethernet, mpls, mpls_mc,
// or nsh with optional md_type and, for md_type=2, tlv(class,type,value) options.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { parseNumber } from '../values.js';
import { args, itemText } from './args.js';
import { hexish } from './mf-format.js';
import type { ActionSpec } from './types.js';

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
        if (p.key.text === 'md_type' && p.eq) out.mdType = Number(num({ ...p, eq: null, key: { ...p.key, text: valueText(p.eq) } }, 255n, 'md_type', p.span));
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
  execute: (a, x) => x.unsupported(`encap(${a.header})`),
  format(a) {
    if (a.header !== 'nsh' || (a.mdType === null && !a.tlvs.length)) return `encap(${a.header})`;
    const props = [...(a.mdType !== null ? [`md_type=${a.mdType}`] : []), ...a.tlvs.map((t) => `tlv(0x${t.cls.toString(16)},${t.type},${t.value})`)];
    return `encap(nsh(${props.join(',')}))`;
  },
};

export interface DecapArgs { ns: number; type: number }

export const decap: ActionSpec<DecapArgs> = {
  name: 'decap',
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
  execute(a, x) {
    if (a.ns === 1 && a.type === 0xfffe) x.decapEthernet();
    else x.unsupported(`decap(packet_type(ns=${a.ns},type=0x${a.type.toString(16)}))`);
  },
  format: (a) => (a.ns === 1 && a.type === 0xfffe ? 'decap()' : `decap(packet_type(ns=${a.ns},type=${hexish(BigInt(a.type))}))`),
};
