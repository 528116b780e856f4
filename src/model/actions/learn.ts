// learn(table=T, timeouts, priority, cookie, flags, limit, result_dst, specs...): adds or
// refreshes a flow built from the current packet. A spec is one of
//   FIELD[..]=VALUE        the learned flow matches an immediate value
//   FIELD[..]=SRC[..]      ...matches the packet's SRC bits (FIELD[..] alone: SRC is FIELD)
//   load:VALUE->DST[..]    the learned flow loads an immediate
//   load:SRC[..]->DST[..]  ...loads the packet's SRC bits
//   output:SRC[..]         the learned flow outputs to the port in SRC
import type { Item, Span } from '../../../grammar/syntax.js';
import { ones } from '../bits.js';
import { fail } from '../errors.js';
import { subfieldByName, type FieldSpec } from '../fields.js';
import { newMatch, setSubfield, valueText } from '../match.js';
import { formatIpv4, formatIpv6, formatMac, formatPort, parseFieldValue, parseNumber, ValueError } from '../values.js';
import { didYouMean } from '../../util/suggest.js';
import { args, formatSubfield, intArg, bigArg, subfieldFromAtoms, subfieldFromRef, type Subfield } from './args.js';
import { fieldUsable } from './field-prereq.js';
import type { ActionSpec, ParseCtx } from './types.js';
import { learnedFlow } from '../../pipeline/learn.js';
import { subfieldAccess } from './facets.js';

export type LearnSpec =
  | { kind: 'match'; dst: Subfield; value: bigint; span: Span }
  | { kind: 'match_field'; dst: Subfield; src: Subfield; span: Span }
  | { kind: 'load'; dst: Subfield; value: bigint; span: Span }
  | { kind: 'load_field'; dst: Subfield; src: Subfield; span: Span }
  | { kind: 'output'; src: Subfield; span: Span };

export interface LearnArgs {
  table: number;
  idleTimeout: number; hardTimeout: number; finIdleTimeout: number; finHardTimeout: number;
  priority: number;
  cookie: bigint;
  sendFlowRem: boolean; deleteLearned: boolean;
  limit: number;
  resultDst: Subfield | null;
  specs: LearnSpec[];
}

const KEYWORDS = ['table', 'priority', 'idle_timeout', 'hard_timeout', 'fin_idle_timeout', 'fin_hard_timeout',
  'cookie', 'send_flow_rem', 'delete_learned', 'limit', 'result_dst', 'load', 'output'];

const valueOf = (it: Item): string => {
  if (!it.eq) fail(`learn: ${it.key.text} needs a value (${it.key.text}=...)`, it.span);
  return valueText(it.eq);
};

/** Learned fields travel in NXM/OXM encodings; fields without one cannot be learned. */
function encodable(sf: Subfield, written: string, span: Span): Subfield {
  if (!sf.field.nxm) fail(`experimenter OXM field '${written}' not supported`, span);
  return sf;
}

function matchSpec(it: Item, ctx: ParseCtx): LearnSpec {
  const dst = encodable(subfieldFromRef(it.key.text, it.key.subscript, it.key.span), it.key.text, it.key.span);
  if (!it.eq) return { kind: 'match_field', dst, src: dst, span: it.span };
  const chain = it.eq.chain, a = chain[0];
  if (chain.length === 1 && a.kind === 'ref' && !it.eq.dst && subfieldByName(a.text)) {
    const src = subfieldFromAtoms(chain, it.eq.span);
    if (src.bits !== dst.bits) {
      fail(`bit widths of ${valueText(it.eq)} (${src.bits}) and ${it.key.text} (${dst.bits}) differ`, it.span);
    }
    return { kind: 'match_field', dst, src, span: it.span };
  }
  const text = valueText(it.eq);
  const full = dst.ofs === 0 && dst.bits === dst.field.bits;
  try {
    if (full) {
      const v = parseFieldValue(dst.field, text, { ports: ctx.ports });
      if (v.mask !== ones(dst.field.bits)) fail(`${it.key.text}=${text}: a learned match takes a value, not a mask`, it.eq.span);
      return { kind: 'match', dst, value: v.value, span: it.span };
    }
    const v = parseNumber(text);
    if (v === null) fail(`${it.key.text}=${text}: value ${text} cannot be parsed as a subfield or an immediate value`, it.eq.span);
    if (v > ones(dst.bits)) fail(`${it.key.text}=${text}: value ${text} does not fit into ${dst.bits} bits`, it.eq.span);
    return { kind: 'match', dst, value: v, span: it.span };
  } catch (e) {
    if (e instanceof ValueError) fail(e.message, it.eq.span);
    throw e;
  }
}

function loadSpec(it: Item): LearnSpec {
  const v = it.colon;
  if (!v || !v.dst) fail("load: missing `->' (load:SRC->DST)", it.span);
  const dstRef = v.dst[0];
  const dst = subfieldFromAtoms(v.dst, v.span);
  const srcText = valueText({ ...v, dst: null });
  if (parseNumber(srcText) !== null) {
    encodable(dst, dstRef.kind === 'ref' ? dstRef.text : '', v.span);
    const value = bigArg(srcText, 128, 'load', v.chain[0].span);
    if (value > ones(dst.bits)) fail(`${valueText(v)}: value does not fit into ${dst.bits} bits`, v.span);
    return { kind: 'load', dst, value, span: it.span };
  }
  const src = subfieldFromAtoms(v.chain, v.span);
  if (src.bits !== dst.bits) {
    fail(`${valueText(v)}: source field is ${src.bits} bits wide but destination is ${dst.bits} bits wide`, v.span);
  }
  return { kind: 'load_field', dst, src, span: it.span };
}

function parse(item: Item, ctx: ParseCtx): LearnArgs {
  if (item.eq || item.colon) fail('learn: expected learn(...)', item.span);
  const l: LearnArgs = {
    table: 1, idleTimeout: 0, hardTimeout: 0, finIdleTimeout: 0, finHardTimeout: 0, priority: 32768,
    cookie: 0n, sendFlowRem: false, deleteLearned: false, limit: 0, resultDst: null, specs: [],
  };
  const u16 = (it: Item) => intArg(valueOf(it), 16, it.key.text, it.eq!.span);
  for (const it of args(item)) {
    const k = it.key.subscript === null ? it.key.text : '';
    switch (k) {
      case 'table': {
        const t = valueOf(it);
        if (!/^\d+$/.test(t) || Number(t) > 255) fail(`unknown table "${t}"`, it.eq!.span);
        if (Number(t) === 255) fail("table id 255 not valid for `learn' action", it.eq!.span);
        l.table = Number(t);
        break;
      }
      case 'priority': l.priority = u16(it); break;
      case 'idle_timeout': l.idleTimeout = u16(it); break;
      case 'hard_timeout': l.hardTimeout = u16(it); break;
      case 'fin_idle_timeout': l.finIdleTimeout = u16(it); break;
      case 'fin_hard_timeout': l.finHardTimeout = u16(it); break;
      case 'cookie': l.cookie = bigArg(valueOf(it), 64, 'cookie', it.eq!.span); break;
      case 'send_flow_rem': l.sendFlowRem = true; break;
      case 'delete_learned': l.deleteLearned = true; break;
      case 'limit': l.limit = intArg(valueOf(it), 32, 'limit', it.eq!.span); break;
      case 'result_dst': {
        const sf = subfieldFromAtoms(it.eq?.chain ?? [], it.eq?.span ?? it.span);
        if (!sf.field.writable) fail(`${valueOf(it)} is read-only`, it.eq!.span);
        if (sf.bits !== 1) fail("result_dst in 'learn' action must be a single bit", it.eq!.span);
        l.resultDst = sf;
        break;
      }
      case 'load': l.specs.push(loadSpec(it)); break;
      case 'output': {
        if (!it.colon) fail('output: expected output:FIELD[..]', it.span);
        l.specs.push({ kind: 'output', src: subfieldFromAtoms(it.colon.chain, it.colon.span), span: it.span });
        break;
      }
      default:
        if (!subfieldByName(it.key.text) || it.colon || it.args) {
          fail(`unknown keyword ${it.key.text}${didYouMean(it.key.text, KEYWORDS)}`, it.key.span);
        }
        l.specs.push(matchSpec(it, ctx));
    }
  }
  return l;
}

/** An immediate as mf_format prints a whole field's value. */
function formatValue(f: FieldSpec, v: bigint, portNames?: Map<number, string>): string {
  switch (f.kind) {
    case 'ipv4': return formatIpv4(v);
    case 'ipv6': return formatIpv6(v);
    case 'mac': return formatMac(v);
    case 'port': return formatPort(v, portNames);
    default: return f.hex ? hex(v) : String(v);
  }
}
const hex = (v: bigint): string => (v === 0n ? '0' : '0x' + v.toString(16));
const isFull = (s: Subfield) => s.ofs === 0 && s.bits === s.field.bits;

export const learn: ActionSpec<LearnArgs> = {
  name: 'learn',
  parse,
  learnsInto: (l) => l.table,
  // The learned flows' loads count as writes: those flows run in this pipeline too.
  writes: (l) => [...(l.resultDst ? [l.resultDst] : []), ...l.specs.flatMap((s) => (s.kind === 'load' || s.kind === 'load_field' ? [s.dst] : []))]
    .map(subfieldAccess),
  reads: (l) => l.specs.flatMap((s) => (s.kind !== 'match' && s.kind !== 'load' ? [subfieldAccess(s.src)] : [])),
  check(l, ctx) {
    // Fields read from the packet need their protocol in this flow's match; fields of the
    // learned flow need it among the learned flow's own immediate matches (learn_check).
    const learned = newMatch();
    const src = (s: Subfield, span: Span) => {
      if (!fieldUsable(ctx.match, s.field)) ctx.fail(`source field ${s.field.name} lacks correct prerequisites (actions are invalid with specified match: OFPBAC_MATCH_INCONSISTENT)`, span);
    };
    for (const s of l.specs) {
      if (s.kind !== 'load' && s.kind !== 'match') src(s.src, s.span);
      if (s.kind === 'match' || s.kind === 'match_field') {
        if (!fieldUsable(learned, s.dst.field)) ctx.fail(`learned match on ${s.dst.field.name} lacks its prerequisites: match them first inside learn(), e.g. eth_type=0x800 (actions are invalid with specified match: OFPBAC_MATCH_INCONSISTENT)`, s.span);
        if (s.kind === 'match') setSubfield(learned, s.dst.field, s.dst.ofs, s.dst.bits, s.value);
      } else if (s.kind === 'load' || s.kind === 'load_field') {
        if (!fieldUsable(learned, s.dst.field)) ctx.fail(`learned load into ${s.dst.field.name} lacks its prerequisites: match them first inside learn() (actions are invalid with specified match: OFPBAC_MATCH_INCONSISTENT)`, s.span);
        if (!s.dst.field.writable) ctx.fail(`destination field ${s.dst.field.name} is not writable`, s.span);
      }
    }
  },
  execute: (l, x) => x.learn(learnedFlow(l, x), { action: l, limit: l.limit, resultDst: l.resultDst }),
  format(l, ctx) {
    const p = [`table=${l.table}`];
    if (l.idleTimeout) p.push(`idle_timeout=${l.idleTimeout}`);
    if (l.hardTimeout) p.push(`hard_timeout=${l.hardTimeout}`);
    if (l.finIdleTimeout) p.push(`fin_idle_timeout=${l.finIdleTimeout}`);
    if (l.finHardTimeout) p.push(`fin_hard_timeout=${l.finHardTimeout}`);
    if (l.priority !== 32768) p.push(`priority=${l.priority}`);
    if (l.sendFlowRem) p.push('send_flow_rem');
    if (l.deleteLearned) p.push('delete_learned');
    if (l.cookie) p.push(`cookie=0x${l.cookie.toString(16)}`);
    if (l.limit) p.push(`limit=${l.limit}`);
    if (l.resultDst) p.push(`result_dst=${formatSubfield(l.resultDst)}`);
    for (const s of l.specs) {
      switch (s.kind) {
        case 'match':
          p.push(isFull(s.dst) ? `${s.dst.field.name}=${formatValue(s.dst.field, s.value, ctx.portNames)}` : `${formatSubfield(s.dst)}=${hex(s.value)}`);
          break;
        case 'match_field': {
          const same = s.src.field === s.dst.field && s.src.ofs === s.dst.ofs;
          p.push(same ? formatSubfield(s.dst) : `${formatSubfield(s.dst)}=${formatSubfield(s.src)}`);
          break;
        }
        case 'load': p.push(`load:${hex(s.value)}->${formatSubfield(s.dst)}`); break;
        case 'load_field': p.push(`load:${formatSubfield(s.src)}->${formatSubfield(s.dst)}`); break;
        case 'output': p.push(`output:${formatSubfield(s.src)}`); break;
      }
    }
    return `learn(${p.join(',')})`;
  },
};
