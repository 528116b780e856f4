// Reads a flow file: add-flows syntax or `ovs-ofctl dump-flows` output pasted as is.
// File-level concerns (comments, continuation lines, dump headers, blank lines) are handled
// here; nearley sees one flow at a time. Every error of the file is collected.
import { lexer } from '../../grammar/lexer.js';
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import * as S from '../../grammar/syntax.js';
import type { FlowSyntax, Item, Span } from '../../grammar/syntax.js';
import { FlowError } from '../model/errors.js';
import { buildFlow, type BuildCtx, type Flow, type LeadingKeys } from '../model/flow.js';
import { newFileMemo } from '../model/flow-memo.js';
import { isSpace, newLeadingKeys, readLeadingKeys, skipSpace } from './leading-keys.js';
import { hashStep, hasAt, TextTable } from './text-table.js';
import { IdsTable, idsHashStep } from '../util/ids-table.js';
import type { Diagnostic } from './diagnostic.js';

export interface FlowFile {
  flows: Flow[];
  diagnostics: Diagnostic[];
  /** The dump header line, when the text is `dump-flows` output (printed back by fmt). */
  header: string | null;
  /** OpenFlow version of the dump (10, 13, 15, ...): decides load vs set_field on output. */
  ofVersion: number;
}

export interface ReadOpts {
  ports?: Map<string, number>; tables?: Map<string, number>;
  /** The OpenFlow version the flows are added with (ovs-ofctl -O): 10 (its default) … 15. */
  ofVersion?: number;
}

const HEADER = /^\s*(NXST|OFPST)_FLOW reply(?: \(OF1\.(\d)\))? \(xid=0x[0-9a-f]+\):(?: flags=\[[a-z, ]*\])?\s*$/;

/** One logical line: text, the 1-based line it starts on, and the offset of each char. */
export interface SourceLine { text: string; line: number; raw: string }

/** Strips `#` comments, joins `\\` continuations, drops blank lines. */
export function sourceLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  eachSourceLine(text, (src) => { out.push({ ...src }); });
  return out;
}

/** sourceLines without a list: `fn` gets one object, reused for every line. */
function eachSourceLine(text: string, fn: (src: SourceLine) => void): void {
  const src: SourceLine = { text: '', line: 0, raw: '' };
  let pos = 0, line = 0;
  while (pos >= 0) {
    const raw = physicalLine(text, pos);
    pos = nextLine;
    const start = ++line;
    let t = stripComment(raw);
    // A continued line keeps its own columns for errors on the first physical line only.
    while (t.endsWith('\\') && pos >= 0) {
      t = t.slice(0, -1) + stripComment(physicalLine(text, pos));
      pos = nextLine;
      line++;
    }
    // A dump line starts with a space then a letter: its second character says it is not blank.
    const c1 = t.charCodeAt(1);
    if ((c1 > 32 && c1 < 127) || NON_BLANK.test(t)) { src.text = t; src.line = start; src.raw = raw; fn(src); }
  }
}

// The physical line at `pos` without its \n and a \r before it (what text.split('\n')
// gives, one line at a time, without a list of them all); nextLine is where the next one
// starts, -1 after the last.
let nextLine = 0;
function physicalLine(text: string, pos: number): string {
  const nl = text.indexOf('\n', pos);
  const end = nl < 0 ? text.length : nl;
  nextLine = nl < 0 ? -1 : nl + 1;
  return text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
}

const NON_BLANK = /\S/;

function stripComment(s: string): string {
  if (!s.includes('#')) return s;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') quoted = !quoted;
    else if (s[i] === '#' && !quoted) return s.slice(0, i);
  }
  return s;
}

export function diagnosticAt(file: string, src: SourceLine, span: Span | null, message: string): Diagnostic {
  const start = span && span.start >= 0 ? span.start : 0;
  const len = span && span.start >= 0 ? Math.max(1, span.end - span.start) : Math.max(1, src.text.trimEnd().length);
  return { file, line: src.line, col: start + 1, len, message, lineText: src.text };
}

// A dump repeats the same action lists and match items thousands of times: each distinct
// action list and each distinct item is parsed once. nearley only sees the action lists
// and items it has not seen before.

/** Where `actions=` (or `action=`) starts at or after `from`, at `from` or after a space or comma; -1 if nowhere. */
function findActions(text: string, from: number): number {
  for (let i = from; ;) {
    const a = text.indexOf('action', i);
    if (a < 0) return -1;
    const c = text.charCodeAt(a + 6);
    const key = c === 61 || (c === 115 && text.charCodeAt(a + 7) === 61); // = or s=
    if (key && (a === from || text.charCodeAt(a - 1) === 44 || isSpace(text.charCodeAt(a - 1)))) return a;
    i = a + 1;
  }
}
/** Syntax already parsed in this file, by text (freed with the file). Each distinct item
 *  text gets a number (never reused in a file): equal numbers, equal items. */
interface SyntaxCache {
  actions: Map<string, FlowSyntax>; items: TextTable<CachedItem>; nextId: number;
  /** Each distinct sequence of item numbers a line's match has, numbered. */
  matches: IdsTable;
  /** The previous line's action text and its syntax. */
  lastActText: string; lastActSyntax: FlowSyntax | null;
}
interface CachedItem { item: Item; id: number }
const CACHE_MAX = 200_000;

/** The syntax of one line. `syn` and its arrays are reused from line to line (buildFlow
 *  keeps none of them); a line without actions gets a fresh object. */
interface LineSyntax extends FlowSyntax { actionsBase: number; match: Item[]; matchBases: number[] }

function parseLine(text: string, cache: SyntaxCache, lead: LeadingKeys, syn: LineSyntax): FlowSyntax & { actionsBase: number } {
  const end = readLeadingKeys(text, lead);
  const actionsAt = findActions(text, end);
  if (actionsAt < 0) return { ...parseFlowSyntax(' '.repeat(end) + text.slice(end)), actionsBase: 0 };
  syn.matchKey = matchItems(text, end, actionsAt, syn, cache);
  // Keyed by the text as written: closing its parentheses is done once, on a miss. A dump
  // often gives consecutive flows the same actions: that is checked first, without
  // cutting the text out and hashing it.
  const prev = cache.lastActText;
  let actSyn = text.length - actionsAt === prev.length && hasAt(text, actionsAt, prev) ? cache.lastActSyntax ?? undefined : undefined;
  const actText = actSyn ? prev : text.slice(actionsAt);
  actSyn ??= cache.actions.get(actText);
  if (!actSyn) {
    try {
      actSyn = parseFlowSyntax(closeParens(actText));
    } catch (e) {
      if (e instanceof SyntaxError_) throw new SyntaxError_(e.message, { start: e.span.start + actionsAt, end: e.span.end + actionsAt });
      throw e;
    }
    if (cache.actions.size >= CACHE_MAX) cache.actions.clear();
    cache.actions.set(actText, actSyn);
  }
  cache.lastActText = actText;
  cache.lastActSyntax = actSyn;
  syn.actions = actSyn.actions;
  syn.actionsSpan = actSyn.actionsSpan;
  syn.actionsBase = actionsAt;
  return syn;
}

/**
 * The match items of text[from, to) into syn.match: split at top-level separators, each
 * distinct item text parsed by nearley once (`metadata=0x1` recurs thousands of times in
 * an OVN dump). syn.matchBases receives where each item starts: its spans are relative to that.
 * Returns the number of the line's sequence of items (IdsTable): lines with the same
 * number have the same items.
 */
function matchItems(text: string, from: number, to: number, syn: LineSyntax, cache: SyntaxCache): number {
  let n = 0, idsHash = 0;
  for (let i = from; i < to;) {
    const c0 = text.charCodeAt(i);
    if (c0 === 44 || c0 === 32 || c0 === 9) { i++; continue; } // , space tab between items
    // One item: up to the next separator outside quotes and brackets. Most characters are
    // plain: one table read says so, and only the hash moves on.
    const start = i;
    let hash = 0, depth = 0, quoted = false;
    for (; i < to; i++) {
      const c = text.charCodeAt(i);
      const cls = c < 128 ? CHAR_CLASS[c] : PLAIN;
      if (cls !== PLAIN) {
        if (cls === SEPARATOR) { if (!quoted && depth === 0) break; }
        else if (cls === QUOTE) quoted = !quoted;
        else if (!quoted) depth += cls === OPEN ? 1 : -1;
      }
      hash = hashStep(hash, c);
    }
    if (quoted || depth !== 0) {
      // An unclosed ( [ or " leaves the item open: it is refused by the parser, not dropped.
      matchItem(text, start, to, hash, cache);
      throw new SyntaxError_(`unexpected '${text.slice(start, to).trimEnd()}' in the match part`, { start, end: to });
    }
    const cached = matchItem(text, start, i, hash, cache);
    ITEMS[n] = cached.item;
    syn.matchBases[n] = start;
    IDS[n++] = cached.id;
    idsHash = idsHashStep(idsHash, cached.id);
  }
  // An array of exactly n items, one per count, reused (buildFlow keeps none).
  const out = (BY_COUNT[n] ??= new Array<Item>(n));
  for (let i = 0; i < n; i++) out[i] = ITEMS[i];
  syn.match = out;
  syn.matchIds = IDS;
  return cache.matches.intern(IDS, n, idsHash);
}
// What a character is to the match-item scanner: separators , space tab; " ( [ ) ].
const PLAIN = 0, SEPARATOR = 1, QUOTE = 2, OPEN = 3, CLOSE = 4;
const CHAR_CLASS = new Uint8Array(128);
for (const c of ', \t') CHAR_CLASS[c.charCodeAt(0)] = SEPARATOR;
CHAR_CLASS[34] = QUOTE;
for (const c of '([') CHAR_CLASS[c.charCodeAt(0)] = OPEN;
for (const c of ')]') CHAR_CLASS[c.charCodeAt(0)] = CLOSE;
// Scratch space, never shrunk: setting an array's length to 0 gives its storage away.
const ITEMS: Item[] = [], IDS: number[] = [], BY_COUNT: Item[][] = [];

/** The syntax of one match item text[start, end) (its hash: `hash`), with spans relative
 *  to the item's own text. */
function matchItem(text: string, start: number, end: number, hash: number, cache: SyntaxCache): CachedItem {
  let cached = cache.items.get(text, start, end, hash);
  if (cached) return cached;
  const itemText = text.slice(start, end);
  let item = simpleItem(itemText);
  if (!item) {
    let syn: FlowSyntax;
    try {
      syn = parseFlowSyntax(itemText);
    } catch (e) {
      if (e instanceof SyntaxError_) throw new SyntaxError_(e.message, { start: e.span.start + start, end: e.span.end + start });
      throw e;
    }
    if (syn.match.length !== 1 || syn.actions !== null) {
      throw new SyntaxError_(`unexpected '${itemText}' in the match part`, { start, end });
    }
    item = syn.match[0];
  }
  cached = { item, id: cache.nextId++ };
  if (cache.items.size >= CACHE_MAX) cache.items.clear();
  cache.items.set(itemText, hash, cached);
  return cached;
}

/**
 * The commonest match item shape, `key=value` with the value one word, MAC or IPv6 token
 * (`metadata=0x5`, `nw_dst=10.0.0.1`): the grammar has exactly one parse for these three
 * tokens (item -> key %eq value, value -> one atom), so the tree is built here from the
 * same lexer's tokens with the grammar's own builders, without starting nearley. Any
 * other token sequence goes to nearley. null when the text is not of that shape.
 */
export function simpleItem(text: string): Item | null {
  lexer.reset(text);
  const k = lexer.next();
  if (k?.type !== 'word') return null;
  if (lexer.next()?.type !== 'eq') return null;
  const v = lexer.next();
  if (!v || !(v.type === 'word' || v.type === 'mac' || v.type === 'ipv6')) return null;
  if (lexer.next() !== undefined) return null;
  return S.item(S.ref(k), S.value([S.ref(v)], null), null, null, null);
}

/** ovs-ofctl takes a line whose last action lacks its closing parentheses (`ct(commit`):
 *  its argument scanner stops at the end of the text. ctflow closes them the same way. */
export function closeParens(text: string): string {
  let depth = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
  }
  return depth > 0 ? text + ')'.repeat(depth) : text;
}

export function readFlows(text: string, file: string, opts: ReadOpts = {}): FlowFile {
  const res: FlowFile = { flows: [], diagnostics: [], header: null, ofVersion: 10 };
  const ctx: BuildCtx = {
    ports: opts.ports ?? new Map<string, number>(), tables: opts.tables, ofVersion: opts.ofVersion,
    memo: newFileMemo(),
  };
  const cache: SyntaxCache = { actions: new Map(), items: new TextTable(), nextId: 0, matches: new IdsTable(), lastActText: '', lastActSyntax: null };
  const dumpCtx = { ...ctx, dump: true };
  const lead = newLeadingKeys();
  const syn: LineSyntax = { match: [], actions: null, actionsSpan: null, matchBases: [], matchKey: 0, actionsBase: 0 };
  eachSourceLine(text, (src) => {
    // Only a line starting NXST_/OFPST_ can be the header: no regex for the others.
    const first = src.text.charCodeAt(skipSpace(src.text, 0));
    const h = first === 78 || first === 79 ? HEADER.exec(src.text) : null; // N, O
    if (h) {
      res.header = src.text.trim();
      res.ofVersion = h[2] ? 10 + Number(h[2]) : 10;
      return;
    }
    try {
      const line = parseLine(src.text, cache, lead, syn);
      // ovs-ofctl indents every line it dumps: such a line is a switch's dump, not hand-written.
      const dump = src.text.charCodeAt(0) === 32;
      res.flows.push(buildFlow(line, dump ? dumpCtx : ctx, src.line, line.actionsBase, lead, skipSpace(src.text, 0) + 1));
    } catch (e) {
      if (e instanceof SyntaxError_ || e instanceof FlowError) {
        res.diagnostics.push(diagnosticAt(file, src, e.span, e.message));
      } else throw e;
    }
  });
  return res;
}
