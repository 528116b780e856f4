// dec_nsh_ttl and delete_field:FIELD (removes a tunnel metadata option from the packet).
// Both exist only in OpenFlow 1.3+ encodings (NXAST extensions unknown to OF1.0 switches).
import { fail } from '../errors.js';
import { fieldByName, fieldNames, type FieldSpec } from '../fields.js';
import { didYouMean } from '../../util/suggest.js';
import { argText } from './mod_fields.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK } from './facets.js';

export const dec_nsh_ttl: ActionSpec<null> = {
  name: 'dec_nsh_ttl',
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.decNshTtl,
  reportsTable: () => true,
  parse(item) {
    if (item.eq || item.colon || item.args) fail('dec_nsh_ttl takes no argument', item.span);
    return null;
  },
  // ovs-ofctl sends it over OpenFlow 1.0 too; the switch cannot decode it there (NXAST type 48).
  check: (_a, ctx) => ctx.needsOf13('dec_nsh_ttl', 48, 'switch'),
  execute: (_a, x) => x.unsupported('dec_nsh_ttl (NSH packets are not modelled)'),
  format: () => 'dec_nsh_ttl',
};

export const delete_field: ActionSpec<FieldSpec> = {
  name: 'delete_field',
  heldBytes: () => 16,
  inert: true,
  parse(item) {
    const { text, span } = argText(item);
    const f = fieldByName(text);
    if (!f) fail(`${text} is not a valid OXM field name${didYouMean(text, fieldNames())}`, span);
    if (!f.name.startsWith('tun_metadata')) fail(`${text}: delete_field only removes tun_metadata fields`, span);
    return f;
  },
  execute: (f, x) => x.unsupported(`delete_field:${f.name} (tunnel metadata presence is not modelled)`),
  format: (f) => `delete_field:${f.name}`,
};
