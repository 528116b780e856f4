// Reads group tables: `ovs-ofctl add-groups` lines or `dump-groups` output pasted as is.
//   group_id=N,type=all|select|indirect|ff[,selection_method=hash|dp_hash]
//   [,selection_method_param=P][,fields(FIELD[=MASK],...)],bucket=...,bucket=...
// A bucket is `[bucket_id:N,][weight:W,][watch_port:P,][watch_group:G,][actions=]ACTIONS`;
// its actions go through the same grammar and action registry as a flow's.
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import type { Item } from '../../grammar/syntax.js';
import type { Action } from '../model/actions/types.js';
import { fail, FlowError } from '../model/errors.js';
import { fieldByName, fieldNames, type FieldSpec } from '../model/fields.js';
import { buildActions } from '../model/flow.js';
import { valueText } from '../model/match.js';
import { parseFieldValue, parsePort, ValueError } from '../model/values.js';
import { didYouMean } from '../util/suggest.js';
import type { Diagnostic } from './diagnostic.js';
import { diagnosticAt, sourceLines, type ReadOpts } from './flows.js';

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

export interface Bucket {
  id: number | null;          // null: numbered by position when printed
  weight: number;             // 1 unless given (meaningful for select groups only)
  watchPort: number | null;
  watchGroup: number | null;
  actions: Action[];
}

export interface Group {
  id: number;
  type: GroupType;
  selectionMethod: string | null;
  selectionMethodParam: bigint;
  fields: { field: FieldSpec; mask: bigint | null }[];
  buckets: Bucket[];
  line: number;
}

export interface GroupFile {
  groups: Group[]; diagnostics: Diagnostic[]; header: string | null;
  /** From the dump header (`(OF1.3)`), else the option, else 10: how bucket actions arrived and print. */
  ofVersion: number;
}

const TYPES = new Map<string, GroupType>([['all', 'all'], ['select', 'select'], ['indirect', 'indirect'], ['ff', 'ff'], ['fast_failover', 'ff']]);
const METHODS = ['hash', 'dp_hash'];
const HEADER = /^\s*(NXST|OFPST)_GROUP_DESC reply(?: \(OF1\.(\d)\))? \(xid=0x[0-9a-f]+\):\s*$/;
const OFPG_MAX = 0xffffff00;

/** Offsets of each top-level `bucket=` (outside parentheses and quotes). */
function bucketStarts(text: string): number[] {
  const out: number[] = [];
  let depth = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith('bucket=', i) && (i === 0 || /[\s,]/.test(text[i - 1]))) out.push(i);
  }
  return out;
}

/** Parses `text` with everything before `from` blanked, so spans stay line offsets. */
const syntaxAt = (line: string, from: number, to: number) =>
  parseFlowSyntax(' '.repeat(from) + line.slice(from, to).replace(/[\s,]+$/, ''));

function num(it: Item, bits: number, what: string): number {
  const t = it.eq ? valueText(it.eq) : it.colon ? valueText(it.colon) : '';
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(t) || BigInt(t) >= 1n << BigInt(bits)) fail(`${what}: '${t}' is not a ${bits}-bit number`, it.span);
  return Number(t);
}

function port(it: Item, opts: ReadOpts): number {
  const v = it.colon ?? it.eq;
  const t = v ? valueText(v) : '';
  try { return Number(parsePort(t, { ports: opts.ports })); } catch (e) {
    if (e instanceof ValueError) fail(`${t}: unknown port`, v?.span ?? it.span);
    throw e;
  }
}

function parseFields(it: Item): Group['fields'] {
  return (it.args ?? []).filter((s): s is Item => s.kind === 'item').map((a) => {
    const f = fieldByName(a.key.text);
    if (!f) fail(`${a.key.text}: unknown field${didYouMean(a.key.text, fieldNames())}`, a.key.span);
    if (!a.eq) return { field: f, mask: null };
    try { return { field: f, mask: parseFieldValue(f, valueText(a.eq)).value }; } catch (e) {
      if (e instanceof ValueError) fail(e.message, a.eq.span);
      throw e;
    }
  });
}

/** How a group line is read: a line ovs-ofctl indented is a switch's dump. */
interface GroupReadOpts extends ReadOpts { dump?: boolean }

function parseBucket(line: string, from: number, to: number, opts: GroupReadOpts): Bucket {
  const syn = syntaxAt(line, from + 'bucket='.length, to);
  const b: Bucket = { id: null, weight: 1, watchPort: null, watchGroup: null, actions: [] };
  const actionItems: Item[] = [];
  for (const it of syn.match) {
    switch ((it.colon || it.eq) && !it.args ? it.key.text : '') {
      case 'bucket_id': b.id = num(it, 32, 'bucket_id'); break;
      case 'weight': b.weight = num(it, 16, 'weight'); break;
      case 'watch_port': b.watchPort = port(it, opts); break;
      case 'watch_group': b.watchGroup = num(it, 32, 'watch_group'); break;
      default: actionItems.push(it);
    }
  }
  const ctx = { ports: opts.ports ?? new Map<string, number>(), ofVersion: opts.ofVersion, dump: opts.dump };
  b.actions = buildActions([...actionItems, ...(syn.actions ?? [])], ctx).filter((a) => a.name !== 'drop');
  return b;
}

export function parseGroup(line: string, opts: GroupReadOpts = {}, lineNo = 0): Group {
  const starts = bucketStarts(line);
  const head = syntaxAt(line, 0, starts[0] ?? line.length);
  if (head.actions) fail('actions= belongs inside a bucket (bucket=actions=...)', head.actionsSpan);
  let id: number | null = null, type: GroupType | null = null;
  const g: Group = { id: 0, type: 'all', selectionMethod: null, selectionMethodParam: 0n, fields: [], buckets: [], line: lineNo };
  for (const it of head.match) {
    const v = it.eq ? valueText(it.eq) : '';
    switch (it.key.text) {
      case 'group_id': {
        if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(v) || Number(v) > OFPG_MAX) fail(`invalid group id ${v}`, it.eq?.span ?? it.span);
        id = Number(v);
        break;
      }
      case 'type': {
        const t = TYPES.get(v);
        if (!t) fail(`invalid group type ${v}${didYouMean(v, [...TYPES.keys()])}`, it.eq?.span ?? it.span);
        type = t;
        break;
      }
      case 'selection_method':
        if (!METHODS.includes(v)) fail(`selection method '${v}' is not supported (hash or dp_hash)`, it.eq?.span ?? it.span);
        g.selectionMethod = v;
        break;
      case 'selection_method_param': g.selectionMethodParam = BigInt(num(it, 64, 'selection_method_param')); break;
      case 'fields': g.fields = parseFields(it); break;
      default: fail(`unknown keyword ${it.key.text}`, it.key.span);
    }
  }
  if (id === null) fail('must specify a group_id', null);
  if (type === null) fail('must specify a type', null);
  g.id = id; g.type = type;
  starts.forEach((s, i) => g.buckets.push(parseBucket(line, s, starts[i + 1] ?? line.length, opts)));
  if (type === 'indirect' && g.buckets.length > 1) fail('Indirect groups can have at most one bucket.', null);
  g.buckets.forEach((b, i) => {
    const span = { start: starts[i], end: starts[i] + 'bucket='.length };
    if (type !== 'select' && b.weight !== 1) fail('Only select groups can have bucket weights.', span);
    if (type === 'ff' && b.watchPort === null && b.watchGroup === null) fail('fast failover bucket requires watch_port or watch_group', span);
  });
  return g;
}

export function readGroups(text: string, file: string, opts: ReadOpts = {}): GroupFile {
  const res: GroupFile = { groups: [], diagnostics: [], header: null, ofVersion: opts.ofVersion ?? 10 };
  for (const src of sourceLines(text)) {
    const h = HEADER.exec(src.text);
    if (h) { res.header = src.text.trim(); res.ofVersion = h[2] ? 10 + Number(h[2]) : 10; continue; }
    try {
      res.groups.push(parseGroup(src.text, { ...opts, ofVersion: res.ofVersion, dump: src.text.startsWith(' ') }, src.line));
    } catch (e) {
      if (e instanceof SyntaxError_ || e instanceof FlowError) res.diagnostics.push(diagnosticAt(file, src, e.span, e.message));
      else throw e;
    }
  }
  return res;
}
