// Reads a conversation file: one packet per line.
//
//   # comment
//   @0.000 tcp,in_port=1,nw_src=10.0.0.11,…,tcp_flags=syn  seq=1000 ack=0 win=64240 len=0
//   +0.1   tcp,in_port=2,…,tcp_flags=syn|ack  seq=5000 ack=1001 win=65160 len=0
//
// `@S` is the time since the start, `+S` the delay after the previous packet; a line
// without either comes at the previous packet's time. The headers are OVS flow syntax,
// parsed by the packet model (flow grammar + FIELDS); the packet-only fields after them
// are parsed by extra.ts. Every bad line gives a file:line:col diagnostic and reading
// goes on, like a flow file.
import { FlowError } from '../model/errors.js';
import type { Diagnostic } from '../parse/diagnostic.js';
import { diagnosticAt, sourceLines, type SourceLine } from '../parse/flows.js';
import { defaultFrameLen, ETH_IP, ETH_IPV6, parsePacket, type Packet } from '../packet/packet.js';
import { EXTRA_KEYS, parseExtra, type L4 } from './extra.js';

export interface ConvPacket {
  /** 1-based line in the conversation file. */
  line: number;
  /** Milliseconds since the start of the conversation. */
  timeMs: number;
  /** The packet text as written (without the time prefix). */
  text: string;
  packet: Packet;
}

export interface Conversation {
  packets: ConvPacket[];
  diagnostics: Diagnostic[];
}

export interface ReadConversationOpts {
  /** Port names usable in `in_port=`. */
  ports?: Map<string, number>;
}

const TIME = /^(\s*)([@+])(\S*)/;
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
  return proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 || proto === 58 ? 'icmp' : 'other';
}

class LineError extends Error {
  constructor(readonly start: number, readonly end: number, message: string) { super(message); }
}

function readLine(src: SourceLine, prevMs: number, opts: ReadConversationOpts): { timeMs: number; text: string; packet: Packet } {
  let pos = 0;
  let timeMs = prevMs;
  const tm = TIME.exec(src.text);
  if (tm) {
    const at = tm[1].length;
    const num = tm[3];
    if (!/^\d+(\.\d+)?$/.test(num)) {
      throw new LineError(at, at + 1 + num.length, `expected a time in seconds after '${tm[2]}' (like ${tm[2]}0.5), got '${num}'`);
    }
    const ms = Math.round(Number(num) * 1000);
    timeMs = tm[2] === '@' ? ms : prevMs + ms;
    if (timeMs < prevMs) {
      throw new LineError(at, at + 1 + num.length, `time ${tm[2]}${num} is before the previous packet (${(prevMs / 1000).toFixed(3)} s)`);
    }
    pos = at + 1 + num.length;
  }
  const rest = src.text.slice(pos);
  const lead = rest.length - rest.trimStart().length;
  const body = rest.trim();
  const base = pos + lead;
  if (body === '') throw new LineError(pos, pos + 1, 'a time without a packet');
  const split = extraStart(body);
  const flowText = body.slice(0, split).trimEnd();
  if (flowText === '') throw new LineError(base, base + body.length, 'expected the packet headers in flow syntax (tcp,in_port=1,…) first');
  let packet: Packet;
  try {
    packet = parsePacket(flowText, opts.ports);
  } catch (e) {
    if (e instanceof FlowError && e.span) throw new LineError(base + e.span.start, base + e.span.end, e.message);
    if (e instanceof FlowError) throw new LineError(base, base + flowText.length, e.message);
    throw e;
  }
  try {
    packet.extra = parseExtra(body.slice(split), base + split, l4Of(packet));
  } catch (e) {
    if (e instanceof FlowError) {
      const s = e.span ?? { start: base + split, end: base + body.length };
      throw new LineError(s.start, s.end, e.message);
    }
    throw e;
  }
  // The UDP len= is the UDP length field (header included), TCP len= the payload.
  const payload = l4Of(packet) === 'udp' ? (packet.extra.len ?? 8) - 8 : packet.extra.len ?? 0;
  packet.frameLen = defaultFrameLen({ ...packet, extra: { ...packet.extra, len: payload } });
  return { timeMs, text: body, packet };
}

export function readConversation(text: string, file: string, opts: ReadConversationOpts = {}): Conversation {
  const conv: Conversation = { packets: [], diagnostics: [] };
  let prevMs = 0;
  for (const src of sourceLines(text)) {
    try {
      const r = readLine(src, prevMs, opts);
      conv.packets.push({ line: src.line, ...r });
      prevMs = r.timeMs;
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      conv.diagnostics.push(diagnosticAt(file, src, { start: e.start, end: e.end }, e.message));
    }
  }
  return conv;
}
