// The action registry: one line per action. Names and aliases map to their spec.
import type { ActionSpec } from './types.js';
import { drop } from './drop.js';
import { ct, ct_clear } from './ct.js';
import { nat } from './nat.js';
import { learn } from './learn.js';
import { move } from './move.js';
import { output } from './output.js';
import { resubmit } from './resubmit.js';
import { load, set_field } from './set_field.js';

export const ACTIONS: readonly ActionSpec[] = [
  output,
  resubmit,
  set_field,
  load,
  move,
  drop,
  ct,
  ct_clear,
  nat,
  learn,
];

const BY_NAME = new Map<string, ActionSpec>();
for (const a of ACTIONS) for (const n of [a.name, ...(a.aliases ?? [])]) BY_NAME.set(n, a);

export function actionByName(name: string): ActionSpec | undefined { return BY_NAME.get(name); }
export function actionNames(): string[] { return [...BY_NAME.keys()]; }
export type { Action, ActionSpec } from './types.js';
