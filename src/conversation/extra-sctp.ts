// The SCTP and GRE packet-only fields of a conversation line (see extra.ts):
//
//   SCTP  vtag=0 chunks=[init] init_tag=268484830 [tflag]
//         vtag = the common header's verification tag; chunks = chunk types in order (names
//         or type numbers); init_tag = the initiate tag of the INIT / INIT_ACK chunk; tflag =
//         the T bit of ABORT / SHUTDOWN_COMPLETE. chunks= is required: the kernel tracks
//         SCTP by its chunks, and a packet without chunks is one it calls invalid.
//   GRE   gre_version=1 gre_key=4369      (PPTP's enhanced GRE; the key's call id)
//
// Tags are decimal (as the recordings write them) or 0x hex.
import type { Span } from '../../grammar/syntax.js';
import { SCTP_CHUNK_TYPES, type CtSctpFields } from '../conntrack/sctp-kernel.js';
import { fail } from '../model/errors.js';
import { didYouMean } from '../util/suggest.js';

const CHUNK_NAMES = [...SCTP_CHUNK_TYPES.keys()];
const INIT_TYPES = [SCTP_CHUNK_TYPES.get('init')!, SCTP_CHUNK_TYPES.get('init_ack')!];
const T_TYPES = [SCTP_CHUNK_TYPES.get('abort')!, SCTP_CHUNK_TYPES.get('shutdown_complete')!];

/** What the SCTP keys of one line said, before they are checked against each other. */
export interface SctpDraft {
  vtag: number;
  chunks: { type: number; span: Span }[] | null;
  initTag: { n: number; span: Span } | null;
  tflag: Span | null;
}

export const newSctpDraft = (): SctpDraft => ({ vtag: 0, chunks: null, initTag: null, tflag: null });

/** A 32-bit tag (or any number up to `max`), decimal or 0x hex. */
export function tag(v: string, at: number, key: string, max = 0xffffffff): number {
  const span: Span = { start: at, end: at + Math.max(1, v.length) };
  if (!/^(\d+|0[xX][0-9a-fA-F]+)$/.test(v)) fail(`${key}=: expected a number (decimal or 0x hex), got '${v}'`, span);
  const n = Number(v);
  if (n > max) fail(`${key}=: ${v} is out of range (0-${max})`, span);
  return n;
}

/** `[init]`, `[cookie_echo,data]`, `init`, or chunk type numbers. */
export function parseChunks(v: string, at: number): { type: number; span: Span }[] {
  const bracketed = v.startsWith('[');
  if (bracketed && !v.endsWith(']')) fail("chunks=: '[' without a closing ']'", { start: at, end: at + v.length });
  const inside = bracketed ? v.slice(1, -1) : v;
  const out: { type: number; span: Span }[] = [];
  let start = at + (bracketed ? 1 : 0);
  for (const word of inside.split(',')) {
    const span: Span = { start, end: start + Math.max(1, word.length) };
    start += word.length + 1;
    if (word === '') {
      if (inside === '') break;
      fail('chunks=: empty chunk name', span);
    }
    if (/^\d+$/.test(word)) {
      out.push({ type: tag(word, span.start, 'chunk type', 255), span });
      continue;
    }
    const type = SCTP_CHUNK_TYPES.get(word.toLowerCase());
    if (type === undefined) {
      fail(`unknown SCTP chunk '${word}'${didYouMean(word.toLowerCase(), CHUNK_NAMES)} (known: ${CHUNK_NAMES.join(', ')}, or a type number)`, span);
    }
    out.push({ type, span });
  }
  return out;
}

/** The SCTP fields, checked against each other. `whole` = the packet-only text's span. */
export function finishSctp(d: SctpDraft, whole: Span): CtSctpFields {
  const chunks = d.chunks ?? fail('an SCTP packet needs chunks=[...] (like chunks=[init] vtag=0 init_tag=1): conntrack tracks SCTP by its chunks', whole);
  const init = chunks.find((c) => INIT_TYPES.includes(c.type));
  if (init && !d.initTag) fail('an INIT or INIT_ACK chunk needs its initiate tag: init_tag=N', init.span);
  if (!init && d.initTag) fail('init_tag= belongs to an INIT or INIT_ACK chunk, and chunks= has none', d.initTag.span);
  if (d.tflag && !chunks.some((c) => T_TYPES.includes(c.type))) {
    fail('tflag is the T bit of an ABORT or SHUTDOWN_COMPLETE chunk, and chunks= has none', d.tflag);
  }
  return {
    vtag: d.vtag,
    chunks: chunks.map(({ type }) => ({
      type,
      ...(INIT_TYPES.includes(type) ? { initTag: d.initTag!.n } : {}),
      ...(d.tflag && T_TYPES.includes(type) ? { t: true } : {}),
    })),
  };
}

export function greVersion(v: string, at: number): number {
  const n = tag(v, at, 'gre_version', 255);
  if (n > 1) fail(`gre_version=${n}: conntrack knows GRE versions 0 and 1 (PPTP)`, { start: at, end: at + v.length });
  return n;
}
