// VLAN actions: mod_vlan_vid / mod_vlan_pcp (whole-field writes of vlan_vid / vlan_pcp
// that push a tag when the packet has none), strip_vlan / pop_vlan, push_vlan.
// OpenFlow 1.0 has no push_vlan: OVS drops it on the way to an OF1.0 switch (the set that
// follows pushes the tag), so OF1.0 dumps leave it out while OF1.1+ dumps keep it.
import { fail } from '../errors.js';
import { parseNumber } from '../values.js';
import { argText, legacyWrite, uint } from './mod_fields.js';
import type { SetFieldArgs } from './set_field.js';
import type { ActionSpec } from './types.js';
import { hasVlan, popVlan, setVlanTci } from './vlan-state.js';
import { ACTION_SET_RANK } from './facets.js';

const vid = uint(0xffff, (t) => `invalid VLAN VID "${t}"`);
const pcp = uint(0xff, (t) => `invalid VLAN PCP "${t}"`);

const withAlias = (s: ActionSpec<SetFieldArgs>, alias: string) => ({ ...s, aliases: [alias] });

export const mod_vlan_vid = withAlias(legacyWrite('mod_vlan_vid', 'vlan_vid', (t) => {
  const n = vid(t);
  // Stored as vlan_vid is: with the "tag present" bit (OFPVID_PRESENT), as a write sets it.
  return typeof n === 'bigint' ? (n > 0xfffn ? `${t}: not a valid VLAN VID` : n | 0x1000n) : n;
}), 'set_vlan_vid');

export const mod_vlan_pcp = withAlias(legacyWrite('mod_vlan_pcp', 'vlan_pcp', (t) => {
  const n = pcp(t);
  return typeof n === 'bigint' && n > 7n ? `${t}: not a valid VLAN PCP` : n;
}), 'set_vlan_pcp');

export const strip_vlan: ActionSpec<null> = {
  name: 'strip_vlan',
  heldBytes: () => 8,
  inert: true,
  aliases: ['pop_vlan'],
  actionSetRank: ACTION_SET_RANK.popVlan,
  parse(item) {
    if (item.eq || item.colon || item.args) fail(`${item.key.text} takes no argument`, item.span);
    return null;
  },
  check(_a, ctx) {
    if (!hasVlan(ctx.match)) ctx.inconsistent('pop_vlan on a flow that does not match a VLAN tag');
    popVlan(ctx.match);
  },
  format: (_a, ctx) => (ctx.ofVersion >= 11 ? 'pop_vlan' : 'strip_vlan'),
  execute: (_a, x) => x.popVlan(),
};

export interface PushVlanArgs { ethertype: number }

export const push_vlan: ActionSpec<PushVlanArgs> = {
  name: 'push_vlan',
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.pushVlan,
  parse(item) {
    const { text, span } = argText(item);
    const n = parseNumber(text);
    if (n === null || n > 0xffffn) fail(`invalid ethertype "${text}"`, span);
    if (n !== 0x8100n && n !== 0x88a8n) fail(`${text}: not a valid VLAN ethertype`, span);
    return { ethertype: Number(n) };
  },
  check(_a, ctx) {
    ctx.needsOf11('push_vlan');
    setVlanTci(ctx.match, 'tagged');
  },
  format: (a, ctx) => (ctx.ofVersion >= 11 ? `push_vlan:0x${a.ethertype.toString(16)}` : ''),
  execute: (a, x) => x.pushVlan(a.ethertype),
};
