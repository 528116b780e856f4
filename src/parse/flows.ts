// Reads a flow file: add-flows syntax or `ovs-ofctl dump-flows` output pasted as is.
// File-level concerns (comments, continuation lines, dump headers, blank lines) are handled
// here; nearley sees one flow at a time. Every error of the file is collected.
import { lexer } from '../../grammar/lexer.js';
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import * as S from '../../grammar/syntax.js';
import type { FlowSyntax, Item, Span } from '../../grammar/syntax.js';
import { FlowError } from '../model/errors.js';
import { buildFlow, newFileMemo, type BuildCtx, type Flow, type LeadingKeys } from '../model/flow.js';
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
  const lines = text.split('\n');
  const src: SourceLine = { text: '', line: 0, raw: '' };
  for (let i = 0; i < lines.length; i++) {
    const raw = chompCr(lines[i]);
    let t = stripComment(raw);
    const start = i;
    // A continued line keeps its own columns for errors on the first physical line only.
    while (t.endsWith('\\') && i + 1 < lines.length) { t = t.slice(0, -1) + stripComment(chompCr(lines[++i])); }
    if (NON_BLANK.test(t)) { src.text = t; src.line = start + 1; src.raw = raw; fn(src); }
  }
}

const NON_BLANK = /\S/;
const chompCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

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

// A dump repeats the leading `cookie=…, duration=…, table=…, n_packets=…,` keys on every
// line and the same action lists thousands of times. The keys are read here with a regex
// (blanked out for nearley, so columns stay true), and each distinct action list is parsed
// once: nearley only sees the match part and the action lists it has not seen before.
// Read by hand rather than by a regex: a regex match per key allocated more per line than
// the rest of the reader. What is read is what
//   /\s*(?:(cookie|duration|…|importance)=([^\s,=()]+),\s|(send_flow_rem|…|no_byte_counts)\s)/y
// reads, repeated from the start of the line.
const VALUED_KEYS = ['cookie', 'duration', 'table', 'n_packets', 'n_bytes', 'idle_timeout', 'hard_timeout', 'idle_age', 'hard_age', 'importance'];
const FLAG_KEYS = ['send_flow_rem', 'check_overlap', 'reset_counts', 'no_packet_counts', 'no_byte_counts'];
// Each key has its own first letter and length: that pair finds the only candidate.
const keyId = (first: number, len: number): number => first * 64 + len;
const LEAD_KEY = new Map([...VALUED_KEYS, ...FLAG_KEYS].map((k) => [keyId(k.charCodeAt(0), k.length), k]));
const SPACE = /\s/;
// By UTF-16 code (NaN past the end: not a space); what \s matches, the regex deciding
// outside ASCII. No one-character strings per character read.
const isSpace = (c: number): boolean => c === 32 || (c > 32 && c < 128 ? false : (c >= 9 && c <= 13) || (c >= 128 && SPACE.test(String.fromCharCode(c))));
// , = ( ) or a space
const endsValue = (c: number): boolean => c === 44 || c === 61 || c === 40 || c === 41 || isSpace(c);
const isKeyChar = (c: number): boolean => (c >= 97 && c <= 122) || c === 95; // [a-z_]

/** Where the first non-space character at or after `i` is (\s as a regex reads it). */
function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Reads the leading keys into `lead`; returns where the rest of the line starts. */
function readLeadingKeys(text: string, lead: LeadingKeys): number {
  let end = 0;
  lead.n = 0;
  for (;;) {
    const at = skipSpace(text, end);
    let w = at;
    while (w < text.length && isKeyChar(text.charCodeAt(w))) w++;
    const key = w > at ? LEAD_KEY.get(keyId(text.charCodeAt(at), w - at)) : undefined;
    if (key === undefined || !text.startsWith(key, at)) return end;
    if (text.charCodeAt(w) === 61 && VALUED_KEYS.includes(key)) {
      const v0 = w + 1;
      let v1 = v0;
      while (v1 < text.length && !endsValue(text.charCodeAt(v1))) v1++;
      if (v1 === v0 || text.charCodeAt(v1) !== 44 || !isSpace(text.charCodeAt(v1 + 1))) return end;
      lead.key[lead.n] = key; lead.value[lead.n] = text.slice(v0, v1); lead.at[lead.n++] = at;
      end = v1 + 2;
    } else if (isSpace(text.charCodeAt(w)) && FLAG_KEYS.includes(key)) {
      lead.key[lead.n] = key; lead.value[lead.n] = null; lead.at[lead.n++] = at;
      end = w + 1;
    } else return end;
  }
}
const ACTIONS_AT = /[\s,]actions?=/g;
const ACTIONS_KEY = /actions?=/y;

/** Where `actions=` (or `action=`) starts at or after `from`, at `from` or after a space or comma; -1 if nowhere. */
function findActions(text: string, from: number): number {
  ACTIONS_KEY.lastIndex = from;
  if (ACTIONS_KEY.test(text)) return from;
  ACTIONS_AT.lastIndex = from;
  const m = ACTIONS_AT.exec(text);
  return m ? m.index + 1 : -1;
}
/** Syntax already parsed in this file, by text (freed with the file). */
interface SyntaxCache { actions: Map<string, FlowSyntax>; items: Map<string, Item> }
const CACHE_MAX = 200_000;

function parseLine(text: string, cache: SyntaxCache, lead: LeadingKeys): { syntax: FlowSyntax; actionsBase: number } {
  const end = readLeadingKeys(text, lead);
  const actionsAt = findActions(text, end);
  if (actionsAt < 0) return { syntax: parseFlowSyntax(' '.repeat(end) + text.slice(end)), actionsBase: 0 };
  const bases: number[] = [];
  const match = matchItems(text, end, actionsAt, bases, cache);
  // Keyed by the text as written: closing its parentheses is done once, on a miss.
  const actText = text.slice(actionsAt);
  let actSyn = cache.actions.get(actText);
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
  return {
    syntax: { match, matchBases: bases, actions: actSyn.actions, actionsSpan: actSyn.actionsSpan },
    actionsBase: actionsAt,
  };
}

/**
 * The match items of text[from, to): split at top-level separators, each distinct item
 * text parsed by nearley once (`metadata=0x1` recurs thousands of times in an OVN dump).
 * `bases` receives where each item starts: its spans are relative to that.
 */
function matchItems(text: string, from: number, to: number, bases: number[], cache: SyntaxCache): Item[] {
  const out: Item[] = [];
  let depth = 0, quoted = false, start = -1;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 44; // ','
    const sep = !quoted && depth === 0 && (c === 44 || c === 32 || c === 9); // , space tab
    if (sep) {
      if (start >= 0) { out.push(matchItem(text, start, i, cache)); bases.push(start); }
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === 34) quoted = !quoted; // "
    else if (!quoted && (c === 40 || c === 91)) depth++; // ( [
    else if (!quoted && (c === 41 || c === 93)) depth--; // ) ]
  }
  return out;
}

/** The syntax of one match item, with spans relative to the item's own text. */
function matchItem(text: string, start: number, end: number, cache: SyntaxCache): Item {
  const itemText = text.slice(start, end);
  let cached = cache.items.get(itemText);
  if (!cached) {
    const simple = simpleItem(itemText);
    if (simple) {
      if (cache.items.size >= CACHE_MAX) cache.items.clear();
      cache.items.set(itemText, simple);
      return simple;
    }
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
    cached = syn.match[0];
    if (cache.items.size >= CACHE_MAX) cache.items.clear();
    cache.items.set(itemText, cached);
  }
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
  return S.item(S.ref(k, null), S.value([S.ref(v, null)], null), null, null, null);
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
  const cache: SyntaxCache = { actions: new Map(), items: new Map() };
  const dumpCtx = { ...ctx, dump: true };
  const lead: LeadingKeys = { n: 0, key: [], value: [], at: [] };
  eachSourceLine(text, (src) => {
    const h = HEADER.exec(src.text);
    if (h) {
      res.header = src.text.trim();
      res.ofVersion = h[2] ? 10 + Number(h[2]) : 10;
      return;
    }
    try {
      const { syntax, actionsBase } = parseLine(src.text, cache, lead);
      // ovs-ofctl indents every line it dumps: such a line is a switch's dump, not hand-written.
      const dump = src.text.startsWith(' ');
      const flow = buildFlow(syntax, dump ? dumpCtx : ctx, src.line, actionsBase, lead);
      flow.col = skipSpace(src.text, 0) + 1;
      res.flows.push(flow);
    } catch (e) {
      if (e instanceof SyntaxError_ || e instanceof FlowError) {
        res.diagnostics.push(diagnosticAt(file, src, e.span, e.message));
      } else throw e;
    }
  });
  return res;
}
