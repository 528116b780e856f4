// Expectations of a scenario file, read from the `expect …` lines the conversation
// grammar splits out. Each one keeps its place (line and span) so a failure can point at it.
//
//   expect output vm2 [vm3 …]        the packet left by exactly these ports (any order)
//   expect output vm2 FIELD=VALUE…   … and every frame it sent there has these headers
//   expect drop                      it left by no port
//   expect controller                a pass sent it to the controller (a packet-in: the
//                                    header needs `controller`, else OVS does not send it)
//   expect FIELD=VALUE[,…]           match items (flow syntax, masks and +flag/-flag allowed)
//                                    on the packet at the end of its last pass
//   expect pass N|last FIELD=VALUE…  … on the packet as pass N started (1 = as received;
//                                    N > 1 = after a recirculation, ct_* from the tracker)
//   expect table T flow at line N    a lookup in table T found the flow of line N
//   expect table T cookie C | miss   … found a flow with cookie C / found no flow
//   expect conntrack FILTER…         entries after the packet: zone=N mark=N src= dst=
//                                    sport= dport= PROTO STATE, count=N (default: at least 1)
//   expect conntrack LINE            this entry, as `conntrack -L` / `dpctl/dump-conntrack`
//                                    prints it (timeouts compared only when written)
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import { CtParseError, loadEntries, type Profile } from '../conntrack/index.js';
import { USER_TCP_STATES } from '../conntrack/tcp-userspace.js';
import { FlowError } from '../model/errors.js';
import { fieldByName, fieldNames } from '../model/fields.js';
import { applyMatchItem, newMatch, setProtocol, type Match } from '../model/match.js';
import { parsePort, ValueError } from '../model/values.js';
import { didYouMean, suggest } from '../util/suggest.js';
import { EXPECT_KINDS, LineError, type ExpectSyntax, type Tok } from './line.js';

export type ExpectKind =
  | { kind: 'output'; ports: number[]; frames: Match | null }
  | { kind: 'drop' }
  | { kind: 'controller' }
  | { kind: 'fields'; pass: number | 'last' | null; match: Match }
  | { kind: 'table'; table: number; by: 'line' | 'cookie' | 'miss'; value: bigint }
  | { kind: 'conntrack'; filter: CtFilter; count: number | null }
  | { kind: 'conntrack-entry'; entry: string; more: boolean };

export type Expectation = ExpectKind & {
  /** 1-based line of the `expect` in its file. */
  line: number;
  /** 0-based offsets of the expectation in that line (for file:line:col). */
  start: number; end: number;
  /** The expectation as written, from `expect`. */
  text: string;
};

/** What a conntrack entry filter asks; absent keys match anything. */
export interface CtFilter {
  zone?: number; mark?: number; src?: string; dst?: string; sport?: number; dport?: number;
  proto?: string; state?: string;
}

export interface ExpectCtx {
  ports: Map<string, number>;
  profile: Profile;
}

const CT_PROTOS = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'udplite', 'gre', 'dccp'];
const KERNEL_TCP_STATES = ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2', 'NONE'];
const CT_STATES = [...new Set<string>([...KERNEL_TCP_STATES, ...USER_TCP_STATES, 'MULTIPLE', 'FIRST', 'SINGLE'])];
const CT_NUM_KEYS = new Map<string, number>([['zone', 0xffff], ['mark', 0xffffffff], ['sport', 0xffff], ['dport', 0xffff], ['count', 1 << 30]]);
const CT_KEYS = [...CT_NUM_KEYS.keys(), 'src', 'dst'];

const err = (t: { start: number; end: number }, msg: string): never => { throw new LineError(t.start, t.end, msg); };

function number(t: Tok, what: string): bigint {
  if (!/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t.text)) err(t, `${what}: expected a number, got '${t.text}'`);
  return BigInt(t.text);
}

function outputPorts(ports: Tok[], ctx: ExpectCtx): number[] {
  return ports.map((t) => {
    try { return Number(parsePort(t.text, { ports: ctx.ports })); } catch (e) {
      if (e instanceof ValueError) err(t, e.message);
      throw e;
    }
  });
}

/** Match items in flow syntax: protocol shorthands, fields with masks, `+trk-est` flags. */
function fieldsMatch(text: Tok, ctx: ExpectCtx): Match {
  const at = (s: { start: number; end: number }) => ({ start: text.start + s.start, end: text.start + s.end });
  let syn;
  try { syn = parseFlowSyntax(text.text); } catch (e) {
    if (e instanceof SyntaxError_) err(at(e.span), e.message);
    throw e;
  }
  if (syn.actions !== null) err(at(syn.actionsSpan!), 'an expectation has no actions');
  const m = newMatch();
  syn.match.forEach((it, i) => {
    const k = it.key.text;
    const bare = !it.eq && !it.colon && !it.args && it.key.subscript === null;
    if (bare && setProtocol(m, k)) return;
    const f = fieldByName(k);
    if (!f) {
      // `expect outptu vm2` reads as a match item: name the expectation it was meant to be.
      if (i === 0 && bare) {
        const s = suggest(k, EXPECT_KINDS) ?? suggest(k, fieldNames());
        err(at(it.key.span), `unknown expectation '${k}'${s ? ` (did you mean '${s}'?)` : ` (expected ${EXPECT_KINDS.join(', ')} or FIELD=VALUE)`}`);
      }
      err(at(it.key.span), `unknown field ${k}${didYouMean(k, fieldNames())}`);
    }
    try { applyMatchItem(m, f!, it, { ports: ctx.ports }); } catch (e) {
      if (e instanceof FlowError) err(e.span ? at(e.span) : text, e.message);
      throw e;
    }
  });
  if (!m.masks.size) err(text, `'${text.text}' matches every packet: write FIELD=VALUE`);
  return m;
}

/** `zone=1 tcp ESTABLISHED count=1` */
function ctFilter(text: Tok): { filter: CtFilter; count: number | null } {
  const filter: CtFilter = {};
  let count: number | null = null;
  const re = /\S+/g;
  for (let m = re.exec(text.text); m; m = re.exec(text.text)) {
    const word = m[0];
    const span = { start: text.start + m.index, end: text.start + m.index + word.length };
    const eq = word.indexOf('=');
    if (eq < 0) {
      if (CT_PROTOS.includes(word)) { filter.proto = word; continue; }
      if (CT_STATES.includes(word)) { filter.state = word; continue; }
      err(span, `unknown conntrack filter '${word}'${didYouMean(word, [...CT_PROTOS, ...CT_STATES, ...CT_KEYS])}`
        + ' (filters: zone=N mark=N src=IP dst=IP sport=N dport=N count=N, a protocol, a state)');
    }
    const key = word.slice(0, eq), v = word.slice(eq + 1);
    const max = CT_NUM_KEYS.get(key);
    if (key === 'src' || key === 'dst') { filter[key] = v; continue; }
    if (max === undefined) err({ start: span.start, end: span.start + key.length }, `unknown conntrack filter '${key}='${didYouMean(key, CT_KEYS)}`);
    if (!/^\d+$/.test(v) || Number(v) > max!) err({ start: span.start + eq + 1, end: span.end }, `${key}=: expected a number up to ${max}, got '${v}'`);
    if (key === 'count') count = Number(v);
    else (filter as Record<string, number>)[key] = Number(v);
  }
  return { filter, count };
}

/** An entry line: `tcp,orig=(…)…` (dpctl/dump-conntrack) or `tcp  6 30 SYN_SENT src=…` (conntrack -L). */
export function entryForm(text: string): Profile | null {
  if (/^\w+,orig=\(/.test(text)) return 'userspace';
  if (/^\w+\s+\d+\s+\d+\s/.test(text)) return 'kernel';
  return null;
}

function ctEntry(text: Tok, ctx: ExpectCtx, file: string): ExpectKind {
  const form = entryForm(text.text)!;
  if (form !== ctx.profile) {
    err(text, form === 'kernel'
      ? 'a `conntrack -L` line, but this scenario runs the userspace profile (dpctl/dump-conntrack lines)'
      : 'a `dpctl/dump-conntrack` line, but this scenario runs the kernel profile (conntrack -L lines)');
  }
  try { loadEntries(text.text, 0, { file }); } catch (e) {
    if (e instanceof CtParseError) err({ start: text.start + e.col - 1, end: text.start + e.col }, e.detail);
    throw e;
  }
  return { kind: 'conntrack-entry', entry: text.text, more: /state_orig=/.test(text.text) };
}

/** Builds an expectation from its syntax; a bad one raises a LineError pointing at it. */
export function readExpectation(syn: ExpectSyntax, ctx: ExpectCtx, file: string): ExpectKind {
  switch (syn.kind) {
    case 'output': return { kind: 'output', ports: outputPorts(syn.ports, ctx), frames: syn.fields && fieldsMatch(syn.fields, ctx) };
    case 'drop': return { kind: 'drop' };
    case 'controller': return { kind: 'controller' };
    case 'fields': {
      let pass: number | 'last' | null = null;
      if (syn.pass) {
        pass = syn.pass.text === 'last' ? 'last' : Number(syn.pass.text);
        if (pass === 0) err(syn.pass, 'passes count from 1 (the packet as received)');
      }
      return { kind: 'fields', pass, match: fieldsMatch(syn.text, ctx) };
    }
    case 'table': {
      const table = number(syn.table, 'table');
      if (table > 254n) err(syn.table, `table ${table} is out of range (0-254)`);
      const value = syn.value ? number(syn.value, syn.by) : 0n;
      return { kind: 'table', table: Number(table), by: syn.by, value };
    }
    case 'conntrack':
      if (entryForm(syn.text.text)) return ctEntry(syn.text, ctx, file);
      return { kind: 'conntrack', ...ctFilter(syn.text) };
  }
}
