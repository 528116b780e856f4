// Findings as text (file:line:col, the line, a caret: parse/diagnostic.ts's layout) and
// as JSON. Columns are found in the line text here, so rules never handle text.
import type { Flow } from '../model/flow.js';
import { formatDiagnostic, type Diagnostic } from '../parse/diagnostic.js';
import type { Finding, Severity, Where } from './types.js';

export interface Place { line: number; col: number; len: number; lineText: string }

/** Where `at` is in `flow`'s line (`lines`: line number → logical line text). */
export function place(flow: Flow, at: Where, lines: ReadonlyMap<number, string>): Place {
  const text = lines.get(flow.line) ?? '';
  const whole = wholeFlow(flow, text);
  if (at.kind === 'action') {
    const base = flow.actionsBase ?? 0;
    const start = base + at.action.span.start;
    if (at.action.span.start >= 0 && start < text.length) {
      return { line: flow.line, col: start + 1, len: Math.max(1, at.action.span.end - at.action.span.start), lineText: text };
    }
    return whole;
  }
  if (at.kind === 'field') {
    const end = actionsAt(text);
    for (const name of at.names) {
      const re = new RegExp(`(^|[\\s,])(${name.replace(/[^\w]/g, '\\$&')})(\\[[^\\]]*\\])?=`, 'g');
      const m = re.exec(text.slice(0, end));
      if (!m) continue;
      const start = m.index + m[1].length;
      let stop = start;
      while (stop < end && text[stop] !== ',' && !/\s/.test(text[stop])) stop++;
      return { line: flow.line, col: start + 1, len: stop - start, lineText: text };
    }
  }
  return whole;
}

/** Where `actions=` starts (the end of the match part). */
function actionsAt(text: string): number {
  const m = /(^|[\s,])actions?=/.exec(text);
  return m ? m.index + m[1].length : text.length;
}

/** The match part of the flow: from its first character (in a dump, from `priority=`:
 *  the counters before it say nothing about the flow) to `actions=`. */
function wholeFlow(flow: Flow, text: string): Place {
  let start = Math.max(0, (flow.col ?? 1) - 1);
  const pri = text.indexOf(' priority=');
  if (start > 0 && pri > start && pri < actionsAt(text)) start = pri + 1;
  const end = text.slice(0, actionsAt(text)).replace(/[\s,]+$/, '').length;
  return { line: flow.line, col: start + 1, len: Math.max(1, end - start), lineText: text };
}

function diag(file: string, p: Place, message: string): Diagnostic {
  return { file, line: p.line, col: p.col, len: p.len, message, lineText: p.lineText };
}

/** One finding: the diagnostic, its hint, then each related place as a note. */
export function formatFinding(f: Finding, file: string, lines: ReadonlyMap<number, string>): string {
  let s = formatDiagnostic(diag(file, place(f.flow, f.at, lines), `${f.severity}: ${f.message} [${f.rule}]`));
  if (f.hint) s += `\n  hint: ${f.hint}`;
  for (const r of f.related) s += '\n' + formatDiagnostic(diag(file, place(r.flow, r.at, lines), `note: ${r.message}`));
  return s;
}

export function countBySeverity(fs: readonly Finding[]): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of fs) n[f.severity]++;
  return n;
}

/** `2 warnings, 1 note` (or `no findings`). */
export function summary(fs: readonly Finding[]): string {
  const n = countBySeverity(fs);
  const parts = (['error', 'warning', 'note'] as const).filter((s) => n[s]).map((s) => `${n[s]} ${s}${n[s] > 1 ? 's' : ''}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

export function findingToJson(f: Finding, file: string, lines: ReadonlyMap<number, string>) {
  const p = place(f.flow, f.at, lines);
  return {
    rule: f.rule, severity: f.severity, file, line: p.line, col: p.col, message: f.message, hint: f.hint,
    related: f.related.map((r) => { const q = place(r.flow, r.at, lines); return { line: q.line, col: q.col, message: r.message }; }),
  };
}
