// Lint a flow text in memory; findings as (line, col, severity, rule, message).
import { place } from '../../src/lint/format.js';
import { lint, selectRules } from '../../src/lint/lint.js';
import { readFlows, sourceLines } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';

export interface Seen { line: number; col: number; len: number; severity: string; rule: string; message: string; hint: string | null; related: Array<{ line: number; col: number }> }

export function lintText(text: string, o: { rules?: string[]; groups?: string } = {}): Seen[] {
  const flows = readFlows(text, 't.flows');
  if (flows.diagnostics.length) throw new Error(`test table does not parse: ${flows.diagnostics[0].message}`);
  const groups = o.groups === undefined ? null : readGroups(o.groups, 't.groups');
  if (groups?.diagnostics.length) throw new Error(`test groups do not parse: ${groups.diagnostics[0].message}`);
  const lines = new Map(sourceLines(text).map((l) => [l.line, l.text]));
  const rules = selectRules(o.rules ?? [], []);
  return lint({ flows: flows.flows, groups: groups ? new Map(groups.groups.map((g) => [g.id, g])) : null }, rules).map((f) => {
    const p = place(f.flow, f.at, lines);
    return {
      line: p.line, col: p.col, len: p.len, severity: f.severity, rule: f.rule, message: f.message, hint: f.hint,
      related: f.related.map((r) => { const q = place(r.flow, r.at, lines); return { line: q.line, col: q.col }; }),
    };
  });
}

/** `line:col severity rule` per finding: what most assertions compare. */
export const brief = (fs: Seen[]): string[] => fs.map((f) => `${f.line}:${f.col} ${f.severity} ${f.rule}`);

/** 1-based column of `needle` in line `n` (1-based) of `text`: positions computed independently of lint. */
export function colOf(text: string, n: number, needle: string): number {
  const line = text.split('\n')[n - 1];
  const i = line.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in line ${n}: ${line}`);
  return i + 1;
}

export const table = (...lines: string[]): string => lines.join('\n') + '\n';
