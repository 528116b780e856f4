// Runs the selected rules over a flow table; findings in source order.
import { didYouMean } from '../util/suggest.js';
import { keptFlows } from './match-index.js';
import { computeReach } from './reach.js';
import { RULES } from './rules/index.js';
import type { Finding, LintInput, LintRule } from './types.js';

export class RuleSelectionError extends Error {}

/**
 * The rules `--rule` keeps (all when empty) minus those `--disable` drops. An unknown id
 * is an error naming it, with the nearest known id.
 */
export function selectRules(only: readonly string[], disable: readonly string[]): LintRule[] {
  const ids = new Map(RULES.map((r) => [r.id, r]));
  for (const [opt, list] of [['--rule', only], ['--disable', disable]] as const) {
    for (const id of list) {
      if (!ids.has(id)) throw new RuleSelectionError(`${opt}: unknown rule '${id}'${nearest(id, [...ids.keys()])}`);
    }
  }
  return RULES.filter((r) => (only.length === 0 || only.includes(r.id)) && !disable.includes(r.id));
}

export function lint(input: LintInput, rules: readonly LintRule[] = RULES): Finding[] {
  const effective = keptFlows(input.flows).kept;
  const ctx = { effective, reach: computeReach(effective, input.groups) };
  const out = rules.flatMap((r) => r.check(input, ctx));
  // Stable: same line, the rule order of the registry.
  return out.sort((a, b) => a.flow.line - b.flow.line);
}

/** " (did you mean 'x'?)", or the rules whose id starts with `id` (`ct-state`). */
function nearest(id: string, ids: string[]): string {
  const close = didYouMean(id, ids);
  if (close) return close;
  const prefixed = ids.filter((x) => x.startsWith(id));
  return prefixed.length ? ` (rules starting with it: ${prefixed.join(', ')})` : '';
}
