// bundle(fields, basis, algorithm, ofport, members:P,...) and bundle_load(..., dst[..],
// members:...): choose one of the member ports (active_backup or hrw); bundle outputs to it,
// bundle_load writes it into dst. `slaves:` is the old spelling of `members:`.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatPort } from '../values.js';
import { formatSubfield, intArg, itemText, slots, subfieldFromRef, type Subfield } from './args.js';
import { HASH_FIELDS } from './multipath.js';
import { tryPort } from './output.js';
import type { ActionSpec, ParseCtx } from './types.js';
import { subfieldAccess } from './facets.js';

export interface BundleArgs { fields: string; basis: number; algorithm: string; members: number[]; dst: Subfield | null }

function parseBundle(item: Item, ctx: ParseCtx, load: boolean): BundleArgs {
  const s = slots(item);
  const t = s.map((x) => (x.kind === 'item' ? itemText(x) : ''));
  const all = t.join(',');
  const nFixed = load ? 5 : 4;
  if (s.length < nFixed + 1) fail(`${all}: not enough arguments to bundle action`, item.span);
  if (!HASH_FIELDS.includes(t[0])) fail(`${all}: unknown fields \`${t[0]}'`, s[0].span);
  if (t[2] !== 'active_backup' && t[2] !== 'hrw') fail(`${all}: unknown algorithm \`${t[2]}'`, s[2].span);
  if (t[3] !== 'ofport') fail(`${all}: unknown member_type \`${t[3]}'`, s[3].span);
  let dst: Subfield | null = null;
  if (load) {
    const d = s[4] as Item;
    dst = subfieldFromRef(d.key.text, d.key.subscript, d.key.span);
    // ovs-ofctl accepts it; the switch refuses it (OFPBAC_BAD_ARGUMENT).
    if (dst.bits < 16) fail('bundle_load action requires at least 16 bit destination (OFPBAC_BAD_ARGUMENT)', d.span);
  }
  const first = s[nFixed] as Item;
  if (first.kind !== 'item' || (first.key.text !== 'members' && first.key.text !== 'slaves') || !first.colon) {
    fail(`${all}: missing members`, first.span);
  }
  // members:1,2,3 arrives as `members:1`, `2`, `3`; members:[2,3] as one bracketed group.
  const words: { text: string; span: Item['span'] }[] = [];
  for (const a of first.colon.chain) {
    if (a.kind === 'group') for (const x of a.args) { if (x.kind === 'item') words.push({ text: itemText(x), span: x.span }); }
    else if (a.text !== '') words.push({ text: a.text, span: a.span });
  }
  for (const x of s.slice(nFixed + 1)) if (x.kind === 'item') words.push({ text: itemText(x), span: x.span });
  const members = words.map((w) => {
    const p = tryPort(w.text, ctx);
    if (p === null) fail(`${w.text}: bad port number`, w.span);
    return p;
  });
  return { fields: t[0], basis: intArg(t[1], 16, 'basis', s[1].span), algorithm: t[2], members, dst };
}

function formatBundle(name: string) {
  return (a: BundleArgs, ctx: { portNames?: Map<number, string> }) => {
    const m = a.members.map((p) => formatPort(BigInt(p), ctx.portNames)).join(',');
    return `${name}(${a.fields},${a.basis},${a.algorithm},ofport,${a.dst ? formatSubfield(a.dst) + ',' : ''}members:${m})`;
  };
}

export const bundle: ActionSpec<BundleArgs> = {
  name: 'bundle', inert: true, parse: (item, ctx) => parseBundle(item, ctx, false), format: formatBundle('bundle'),
  execute: (a, x) => x.bundle(a),
};
export const bundle_load: ActionSpec<BundleArgs> = {
  name: 'bundle_load', parse: (item, ctx) => parseBundle(item, ctx, true), format: formatBundle('bundle_load'),
  execute: (a, x) => x.bundleLoad(a),
  writes: (a) => (a.dst ? [subfieldAccess(a.dst)] : []),
};
