// What a lint rule sees and what it reports. Rules are pure: flows in, findings out; where
// a finding points in the source (a match field, an action, the whole flow) is resolved
// against the line text by format.ts, so rules never look at text.
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { GroupDesc } from '../pipeline/pipeline.js';

export type Severity = 'error' | 'warning' | 'note';

/** The part of a flow a finding is about. `field`: the match item written with one of
 *  `names` (a field's name and aliases); `action`: one action of the flow (nested ones too). */
export type Where =
  | { kind: 'flow' }
  | { kind: 'field'; names: readonly string[] }
  | { kind: 'action'; action: Action };

/** Another place a finding refers to (the flow that shadows, the flow that replaces). */
export interface Related { flow: Flow; at: Where; message: string }

export interface Finding {
  rule: string;
  severity: Severity;
  flow: Flow;
  at: Where;
  message: string;
  hint: string | null;
  related: Related[];
}

/**
 * The tables as the file gives them. `flows` keeps every flow in file order, including
 * one a later flow with the same table, priority and match replaces (the classifier
 * keeps only the later one: duplicate findings need both). `groups` is null when the
 * groups were not given (group actions then lead to unknown places).
 */
export interface LintInput {
  flows: readonly Flow[];
  groups: ReadonlyMap<number, GroupDesc> | null;
}

export interface LintRule {
  id: string;
  summary: string;
  check(input: LintInput, ctx: LintCtx): Finding[];
}

/** Analyses several rules share, computed once per lint run (see analysis.ts). */
export interface LintCtx {
  /** The flows OVS keeps: for each (table, priority, match) the last one written. */
  effective: readonly Flow[];
  reach: import('./reach.js').Reach;
}
