// Syntax tree built by grammar/flow.ne: shapes only, every node with its source span
// (offsets into the text nearley was given; the file reader adds line and column).
import type { Token } from 'moo';

export interface Span { start: number; end: number }

/** A name or a value word, with an optional `[lo..hi]` subscript. */
export interface Ref {
  kind: 'ref';
  text: string;          // raw text (quotes removed for strings)
  quoted: boolean;
  tokenType: string;     // 'word' | 'string' | 'mac' | 'ipv6'
  subscript: string | null; // text between [ and ] ('' for `[]`), null when absent
  bracketed: boolean;    // `[fe80::1]` as in nat(src=[fe80::1]:80)
  span: Span;
}
/** `( args )` used as a value, e.g. packet_type=(0,0x800). */
export interface Group { kind: 'group'; args: Slot[]; span: Span; bracket: boolean }
export type Atom = Ref | Group;
/** `a:b:c` or `a:b->c:d`. */
export interface Value { kind: 'value'; chain: Atom[]; dst: Atom[] | null; span: Span }
export interface Empty { kind: 'empty'; span: Span }
export interface Item {
  kind: 'item';
  key: Ref;
  eq: Value | null;      // key=value
  colon: Value | null;   // key:value
  args: Slot[] | null;   // key(args)
  arrow: Value | null;   // key(args)->value
  span: Span;
}
export type Slot = Item | Empty;
export interface FlowSyntax {
  match: Item[];
  actions: Item[] | null;
  actionsSpan: Span | null;
  /** Where each match item's text starts, when its spans are relative to it (cached items). */
  matchBases?: number[];
  /** Set by the file reader: which items `match` holds, as a number the reader gives each
   *  distinct sequence of items (0, 1, 2, ...); lines with the same key have the same items. */
  matchKey?: number;
  /** Set by the file reader: the number it gave each item of `match` (equal numbers, equal
   *  items); only the first match.length count. */
  matchIds?: number[];
}

const tokSpan = (t: Token): Span => ({ start: t.offset, end: t.offset + t.text.length });
const join = (a: Span, b: Span): Span => ({ start: a.start, end: b.end });

export function ref(t: Token, open?: Token, close?: Token): Ref {
  const quoted = t.type === 'string';
  const text = quoted ? JSON.parse(t.text) as string : t.text;
  const span = open && close ? join(tokSpan(open), tokSpan(close)) : tokSpan(t);
  return { kind: 'ref', text, quoted, tokenType: t.type ?? 'word', subscript: null, bracketed: !!open, span };
}

/** For the piecewise subscript rules of flow.ne, which the lexer never lets complete. */
export function notSubscript(): never {
  throw new Error('internal: the lexer split a subscript it should have read as one token');
}

/** `[a]-[b]`: an IPv6 range as nat() writes it; the middle word must be `-`. */
export function range(d: Token[]): Ref {
  if (d[3].text !== '-') throw new Error(`expected '-' between bracketed addresses, got '${d[3].text}'`);
  const r = ref(d[1], d[0], d[6]);
  r.text = `${d[1].text}-${d[5].text}`;
  return r;
}

/** A `subscripted` token, `name[lo..hi]`: the name with its subscript ('' for `[]`). */
export function subscripted(t: Token): Ref {
  const open = t.text.indexOf('[');
  return { kind: 'ref', text: t.text.slice(0, open), quoted: false, tokenType: 'word',
    subscript: t.text.slice(open + 1, -1), bracketed: false, span: tokSpan(t) };
}

export function group(open: Token, args: Slot[], close: Token, bracket = false): Group {
  return { kind: 'group', args, span: join(tokSpan(open), tokSpan(close)), bracket };
}

/** `key:` with nothing after the colon (bundle(...,members:)). */
export function emptyValue(colon: Token): Value {
  const span = { start: colon.offset + 1, end: colon.offset + 1 };
  return { kind: 'value', chain: [{ kind: 'ref', text: '', quoted: false, tokenType: 'word', subscript: null, bracketed: false, span }], dst: null, span };
}

const atomsSpan = (atoms: Atom[]): Span => join(atoms[0].span, atoms[atoms.length - 1].span);

export function value(chain: Atom[], dst: Atom[] | null): Value {
  return { kind: 'value', chain, dst, span: dst ? join(atomsSpan(chain), atomsSpan(dst)) : atomsSpan(chain) };
}

export function item(key: Ref, eq: Value | null, colon: Value | null, args: Slot[] | null,
  arrow: Value | null, close?: Token): Item {
  const last = arrow ?? eq ?? colon;
  const end = last ? last.span : close ? tokSpan(close) : key.span;
  return { kind: 'item', key, eq, colon, args, arrow, span: join(key.span, end) };
}

export function empty(ws: Token): Empty { return { kind: 'empty', span: tokSpan(ws) }; }
export function emptyAt(): Empty { return { kind: 'empty', span: { start: -1, end: -1 } }; }

export function flow(match: Item[], actionsTok: Token | null, actions: Item[] | null): FlowSyntax {
  return { match, actions: actionsTok ? actions ?? [] : null, actionsSpan: actionsTok ? tokSpan(actionsTok) : null };
}
