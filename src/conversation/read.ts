// Reads a conversation file: one packet per line.
//
//   # comment
//   @0.000 tcp,in_port=1,nw_src=10.0.0.11,…,tcp_flags=syn  seq=1000 ack=0 win=64240 len=0
//   +0.1   tcp,in_port=2,…,tcp_flags=syn|ack  seq=5000 ack=1001 win=65160 len=0
//
// `@S` is the time since the start, `+S` the delay after the previous packet; a line
// without either comes at the previous packet's time. `@S flows PATH` changes the flow
// tables at that time (PATH relative to the file; the caller reads it): the packets after
// it meet the new tables, while conntrack and MAC learning carry on. The line's structure is read by
// grammar/conversation.ne (shared with scenario files). The headers are OVS flow syntax,
// parsed by the packet model (flow grammar + FIELDS); the packet-only fields after them
// are parsed by extra.ts. Every bad line gives a file:line:col diagnostic and reading
// goes on, like a flow file.
import { FlowError } from '../model/errors.js';
import type { Diagnostic } from '../parse/diagnostic.js';
import { diagnosticAt, sourceLines, type SourceLine } from '../parse/flows.js';
import { defaultFrameLen, ETH_IP, ETH_IPV6, parsePacket, type Packet } from '../packet/packet.js';
import { fieldByName } from '../model/fields.js';
import { PROTOCOLS } from '../model/match.js';
import { suggest } from '../util/suggest.js';
import { EXTRA_KEYS, parseExtra, type L4 } from './extra.js';
import { DIRECTIVES, LineError, parseLine, type LineSyntax, type Tok } from './line.js';

/** A path written in a file, and where (for errors about the file it names). */
export interface Arg { text: string; line: number; start: number; end: number; src: SourceLine }

/** `@S flows PATH`: from timeMs on, the flow tables are PATH's. */
export interface TableChange extends Arg { timeMs: number }

export interface ConvPacket {
  /** 1-based line in the conversation file. */
  line: number;
  /** Milliseconds since the start of the conversation. */
  timeMs: number;
  /** The packet text as written (without the time prefix). */
  text: string;
  packet: Packet;
  /** Table changes written since the previous packet, applied in order before this one. */
  flowsBefore?: TableChange[];
}

export interface Conversation {
  packets: ConvPacket[];
  diagnostics: Diagnostic[];
}

/**
 * Collects `@S flows PATH` lines until the next packet takes them. Times only move on, as
 * for packets; a change after the last packet changed nothing and is refused.
 */
export class TableChanges {
  private pending: TableChange[] = [];

  /** Reads a `flows` line; returns its time (the next line's previous time). */
  add(syn: Extract<LineSyntax, { kind: 'flows' }>, src: SourceLine, prevMs: number): number {
    const timeMs = readTime(syn.time, prevMs, 'line');
    if (!syn.path) throw new LineError(syn.keyword.end, syn.keyword.end + 1, "'flows' needs a flow file (a path relative to this file)");
    this.pending.push({ text: syn.path.text, line: src.line, start: syn.path.start, end: syn.path.end, src, timeMs });
    return timeMs;
  }

  /** The changes the next packet meets first (undefined: none). */
  take(): TableChange[] | undefined {
    if (!this.pending.length) return undefined;
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Refuses changes no packet follows (at the end of a file or of a named scenario). */
  unused(file: string, diagnostics: Diagnostic[]): void {
    for (const c of this.take() ?? []) {
      diagnostics.push(diagnosticAt(file, c.src, c, 'no packet after this table change: it would change nothing'));
    }
  }
}

export interface ReadConversationOpts {
  /** Port names usable in `in_port=`. */
  ports?: Map<string, number>;
}

const EXTRA_START = new RegExp(`(^|[\\s,])(${EXTRA_KEYS.join('|')})(?=[=\\s,]|$)`);

/** Where the packet-only fields begin: the first known key, or a run of two spaces. */
function extraStart(text: string): number {
  const m = EXTRA_START.exec(text);
  const byKey = m ? m.index + m[1].length : text.length;
  const gap = /[^\s,]( {2,}|\t)[^\s,]/.exec(text);
  const byGap = gap ? gap.index + 1 + gap[1].length : text.length;
  return Math.min(byKey, byGap);
}

function l4Of(p: Packet): L4 {
  const t = p.slots.get('dl_type');
  if (t !== ETH_IP && t !== ETH_IPV6) return 'other';
  const proto = Number(p.slots.get('nw_proto') ?? 0n);
  if (proto === 132) return 'sctp';
  if (proto === 47) return 'gre';
  return proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 || proto === 58 ? 'icmp' : 'other';
}

/** A line's time: `@S` since the start, `+S` after the previous line, none = the previous line's. */
function readTime(time: Tok | null, prevMs: number, what = 'packet'): number {
  if (!time) return prevMs;
  const sign = time.text[0], num = time.text.slice(1);
  if (!/^\d+(\.\d+)?$/.test(num)) {
    throw new LineError(time.start, time.end, `expected a time in seconds after '${sign}' (like ${sign}0.5), got '${num}'`);
  }
  const ms = Math.round(Number(num) * 1000);
  const timeMs = sign === '@' ? ms : prevMs + ms;
  if (timeMs < prevMs) {
    throw new LineError(time.start, time.end, `time ${time.text} is before the previous ${what} (${(prevMs / 1000).toFixed(3)} s)`);
  }
  return timeMs;
}

/** A first word that is no packet field but close to a directive or keyword was meant as one. */
function misspeltDirective(body: Tok): LineError | null {
  const w = /^[A-Za-z_]+(?=[ \t])/.exec(body.text)?.[0];
  if (!w || PROTOCOLS.has(w) || fieldByName(w)) return null;
  const s = suggest(w, [...DIRECTIVES, 'expect', 'scenario']);
  const what = DIRECTIVES.includes(s ?? '') ? 'directive' : 'keyword';
  return s ? new LineError(body.start, body.start + w.length, `unknown ${what} '${w}' (did you mean '${s}'?)`) : null;
}

/** Reads a packet line's parts (from grammar/conversation.ne): its time, headers and packet-only fields. */
export function readPacketLine(
  line: Extract<LineSyntax, { kind: 'packet' }>, prevMs: number, opts: ReadConversationOpts,
): { timeMs: number; text: string; packet: Packet } {
  const timeMs = readTime(line.time, prevMs);
  const body = line.text;
  if (!body) throw new LineError(line.time!.end, line.time!.end + 1, 'a time without a packet');
  const base = body.start;
  const split = extraStart(body.text);
  const flowText = body.text.slice(0, split).trimEnd();
  if (flowText === '') throw new LineError(base, base + body.text.length, 'expected the packet headers in flow syntax (tcp,in_port=1,…) first');
  let packet: Packet;
  try {
    packet = parsePacket(flowText, opts.ports);
  } catch (e) {
    if (!(e instanceof FlowError)) throw e;
    const misspelt = misspeltDirective(body);
    if (misspelt) throw misspelt;
    if (e.span) throw new LineError(base + e.span.start, base + e.span.end, e.message);
    throw new LineError(base, base + flowText.length, e.message);
  }
  try {
    packet.extra = parseExtra(body.text.slice(split), base + split, l4Of(packet));
  } catch (e) {
    if (e instanceof FlowError) {
      const s = e.span ?? { start: base + split, end: base + body.text.length };
      throw new LineError(s.start, s.end, e.message);
    }
    throw e;
  }
  // The UDP len= is the UDP length field (header included), TCP len= the payload.
  const payload = l4Of(packet) === 'udp' ? (packet.extra.len ?? 8) - 8 : packet.extra.len ?? 0;
  packet.frameLen = defaultFrameLen({ ...packet, extra: { ...packet.extra, len: payload } });
  return { timeMs, text: body.text, packet };
}

export function readConversation(text: string, file: string, opts: ReadConversationOpts = {}): Conversation {
  const conv: Conversation = { packets: [], diagnostics: [] };
  const changes = new TableChanges();
  let prevMs = 0;
  for (const src of sourceLines(text)) {
    try {
      const syn = parseLine(src.text);
      if (syn.kind === 'flows') { prevMs = changes.add(syn, src, prevMs); continue; }
      if (syn.kind !== 'packet') {
        const at = syn.kind === 'expect' ? syn.keyword : syn.name;
        const why = at.text === 'flows'
          ? `'flows' without a time: the first tables are the FLOWS argument; to change them later write @SECONDS flows PATH`
          : `'${at.text}' lines belong in a scenario file (ctflow test), not a conversation`;
        throw new LineError(at.start, at.end, why);
      }
      const flowsBefore = changes.take(); // a bad packet line drops them: it is reported already
      const r = readPacketLine(syn, prevMs, opts);
      conv.packets.push({ line: src.line, ...r, ...(flowsBefore ? { flowsBefore } : {}) });
      prevMs = r.timeMs;
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      conv.diagnostics.push(diagnosticAt(file, src, { start: e.start, end: e.end }, e.message));
    }
  }
  changes.unused(file, conv.diagnostics);
  return conv;
}
