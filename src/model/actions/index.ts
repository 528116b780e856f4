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
import { mod_dl_dst, mod_dl_src, mod_nw_dst, mod_nw_ecn, mod_nw_src, mod_nw_tos, mod_nw_ttl, mod_tp_dst, mod_tp_src } from './mod_fields.js';
import { mod_vlan_pcp, mod_vlan_vid, push_vlan, strip_vlan } from './vlan.js';

export const ACTIONS: readonly ActionSpec[] = [
  output,
  resubmit,
  set_field,
  load,
  mod_dl_src,
  mod_dl_dst,
  mod_nw_src,
  mod_nw_dst,
  mod_nw_tos,
  mod_nw_ecn,
  mod_nw_ttl,
  mod_tp_src,
  mod_tp_dst,
  mod_vlan_vid,
  mod_vlan_pcp,
  strip_vlan,
  push_vlan,
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
