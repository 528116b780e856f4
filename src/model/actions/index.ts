// The action registry: one line per action. Names and aliases map to their spec.
import type { ActionSpec } from './types.js';
import { drop } from './drop.js';
import { ct, ct_clear } from './ct.js';
import { nat } from './nat.js';
import { learn } from './learn.js';
import { controller } from './controller.js';
import { clone } from './clone.js';
import { write_actions } from './write_actions.js';
import { clear_actions } from './clear_actions.js';
import { write_metadata } from './write_metadata.js';
import { goto_table } from './goto_table.js';
import { meter } from './meter.js';
import { group } from './group.js';
import { exit } from './exit.js';
import { check_pkt_larger } from './check_pkt_larger.js';
import { sample } from './sample.js';
import { conjunction } from './conjunction.js';
import { move } from './move.js';
import { output } from './output.js';
import { resubmit } from './resubmit.js';
import { load, set_field } from './set_field.js';
import { mod_dl_dst, mod_dl_src, mod_nw_dst, mod_nw_ecn, mod_nw_src, mod_nw_tos, mod_nw_ttl, mod_tp_dst, mod_tp_src } from './mod_fields.js';
import { mod_vlan_pcp, mod_vlan_vid, push_vlan, strip_vlan } from './vlan.js';
import { pop, push } from './stack.js';
import { dec_ttl } from './dec_ttl.js';
import { note } from './note.js';
import { enqueue, pop_queue, set_queue } from './queue.js';
import { set_tunnel, set_tunnel64 } from './set_tunnel.js';
import { fin_timeout } from './fin_timeout.js';
import { dec_nsh_ttl, delete_field } from './nsh.js';
import { dec_mpls_ttl, pop_mpls, push_mpls, set_mpls_label, set_mpls_tc, set_mpls_ttl } from './mpls.js';
import { multipath } from './multipath.js';
import { bundle, bundle_load } from './bundle.js';
import { decap, encap } from './encap.js';
import { debug_recirc, debug_slow } from './debug.js';

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
  push,
  pop,
  dec_ttl,
  note,
  enqueue,
  set_queue,
  pop_queue,
  set_tunnel,
  set_tunnel64,
  fin_timeout,
  dec_nsh_ttl,
  delete_field,
  push_mpls,
  pop_mpls,
  set_mpls_label,
  set_mpls_tc,
  set_mpls_ttl,
  dec_mpls_ttl,
  multipath,
  bundle,
  bundle_load,
  encap,
  decap,
  debug_recirc,
  debug_slow,
  move,
  drop,
  ct,
  ct_clear,
  nat,
  learn,
  controller,
  clone,
  write_actions,
  clear_actions,
  write_metadata,
  goto_table,
  meter,
  group,
  exit,
  check_pkt_larger,
  sample,
  conjunction,
];

const BY_NAME = new Map<string, ActionSpec>();
for (const a of ACTIONS) for (const n of [a.name, ...(a.aliases ?? [])]) BY_NAME.set(n, a);

export function actionByName(name: string): ActionSpec | undefined { return BY_NAME.get(name); }
export function actionNames(): string[] { return [...BY_NAME.keys()]; }
export type { Action, ActionSpec } from './types.js';
