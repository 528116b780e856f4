// `ctflow lint FLOWS`: static checks of a flow table (src/lint/). Reads the files, prints
// the findings. Exit 0: nothing or notes only; 1: warnings or errors; 2: bad input (the
// flows that parsed are still checked and reported).
import { Command } from 'commander';
import { sourceLines, readFlows } from '../parse/flows.js';
import { readGroups } from '../parse/groups.js';
import { findingToJson, formatFinding, summary } from '../lint/format.js';
import { lint, RuleSelectionError, selectRules } from '../lint/lint.js';
import { RULES } from '../lint/rules/index.js';
import type { LintRule } from '../lint/types.js';
import { EXIT_BAD_INPUT, exitWith, portNamesOption, readText, reportDiagnostics, toJson, UsageError } from './io.js';

export interface LintOpts { groups?: string; ports?: string; json?: boolean; rule: string[]; disable: string[]; listRules?: boolean }

const EXIT_FINDINGS = 1;

export function runLint(file: string | undefined, o: LintOpts): number {
  if (o.listRules) {
    for (const r of RULES) process.stdout.write(`${r.id.padEnd(28)} ${r.summary}\n`);
    return 0;
  }
  if (!file) throw new UsageError('lint: missing the flows file');
  let rules: LintRule[];
  try { rules = selectRules(splitIds(o.rule), splitIds(o.disable)); } catch (e) {
    if (e instanceof RuleSelectionError) throw new UsageError(e.message);
    throw e;
  }
  const ports = portNamesOption(o.ports);
  const text = readText(file);
  const flows = readFlows(text, file, { ports });
  const groups = o.groups ? readGroups(readText(o.groups), o.groups, { ports }) : null;
  const bad = [...flows.diagnostics, ...(groups?.diagnostics ?? [])];
  if (bad.length) reportDiagnostics(bad);
  const findings = lint({ flows: flows.flows, groups: groups ? new Map(groups.groups.map((g) => [g.id, g])) : null }, rules);
  const lines = new Map(sourceLines(text).map((l) => [l.line, l.text]));
  if (o.json) {
    process.stdout.write(toJson({ file, flows: flows.flows.length, parseErrors: bad.map((d) => ({ file: d.file, line: d.line, col: d.col, message: d.message })), findings: findings.map((f) => findingToJson(f, file, lines)) }) + '\n');
  } else {
    for (const f of findings) process.stdout.write(formatFinding(f, file, lines) + '\n');
    process.stdout.write(`${file}: ${flows.flows.length} flows, ${summary(findings)}\n`);
  }
  if (bad.length) return EXIT_BAD_INPUT;
  return findings.some((f) => f.severity !== 'note') ? EXIT_FINDINGS : 0;
}

/** `--rule a,b --rule c` → [a, b, c]. */
const splitIds = (list: string[]): string[] => list.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

const collect = (v: string, p: string[]) => [...p, v];

/** The `lint` command, for main.ts to add. */
export function lintCommand(): Command {
  return new Command('lint')
    .description('static checks of a flow table: shadowed and duplicate flows, ct_state and ct() mistakes, empty and unreachable tables')
    .argument('[flows]', 'flow file (add-flows syntax or dump-flows output)')
    .option('--groups <file>', 'groups (dump-groups output or add-groups syntax): their buckets are followed')
    .option('--ports <map|file>', 'port names NAME=NUMBER[,...], or a file of `ovs-ofctl show` output')
    .option('--json', 'print one JSON document { "findings": [...] }')
    .option('--rule <ids>', 'run only these rules (comma-separated, repeatable)', collect, [] as string[])
    .option('--disable <ids>', 'skip these rules (comma-separated, repeatable)', collect, [] as string[])
    .option('--list-rules', 'print the rules and what each checks')
    .action((flows: string | undefined, o: LintOpts) => exitWith(() => runLint(flows, o)));
}
