// Reads a flow file: add-flows syntax or `ovs-ofctl dump-flows` output pasted as is.
// File-level concerns (comments, continuation lines, dump headers, blank lines) are handled
// here; nearley sees one flow at a time. Every error of the file is collected.
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import type { Span } from '../../grammar/syntax.js';
import { FlowError } from '../model/errors.js';
import { buildFlow, type Flow } from '../model/flow.js';
import type { Diagnostic } from './diagnostic.js';

export interface FlowFile {
  flows: Flow[];
  diagnostics: Diagnostic[];
  /** The dump header line, when the text is `dump-flows` output (printed back by fmt). */
  header: string | null;
  /** OpenFlow version of the dump (10, 13, 15, ...): decides load vs set_field on output. */
  ofVersion: number;
}

export interface ReadOpts { ports?: Map<string, number>; tables?: Map<string, number> }

const HEADER = /^\s*(NXST|OFPST)_FLOW reply(?: \(OF1\.(\d)\))? \(xid=0x[0-9a-f]+\):\s*$/;

/** One logical line: text, the 1-based line it starts on, and the offset of each char. */
export interface SourceLine { text: string; line: number; raw: string }

/** Strips `#` comments, joins `\` continuations, drops blank lines. */
export function sourceLines(text: string): SourceLine[] {
  const out: SourceLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    let t = stripComment(raw);
    const start = i;
    // A continued line keeps its own columns for errors on the first physical line only.
    while (t.endsWith('\\') && i + 1 < lines.length) { t = t.slice(0, -1) + stripComment(lines[++i]); }
    if (t.trim() !== '') out.push({ text: t, line: start + 1, raw });
  }
  return out;
}

function stripComment(s: string): string {
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

export function readFlows(text: string, file: string, opts: ReadOpts = {}): FlowFile {
  const res: FlowFile = { flows: [], diagnostics: [], header: null, ofVersion: 10 };
  const ctx = { ports: opts.ports ?? new Map<string, number>(), tables: opts.tables };
  for (const src of sourceLines(text)) {
    const h = HEADER.exec(src.text);
    if (h) {
      res.header = src.text.trim();
      res.ofVersion = h[2] ? 10 + Number(h[2]) : 10;
      continue;
    }
    try {
      res.flows.push(buildFlow(parseFlowSyntax(src.text), ctx, src.line));
    } catch (e) {
      if (e instanceof SyntaxError_ || e instanceof FlowError) {
        res.diagnostics.push(diagnosticAt(file, src, e.span, e.message));
      } else throw e;
    }
  }
  return res;
}
