// set_tunnel:ID / set_tunnel64:ID: write tun_id. OVS uses the 64-bit form when the id does
// not fit into 32 bits, and OF1.2+ dumps print both as set_field on tun_id. Added over
// OpenFlow 1.2+, they reach the switch as that set_field, so OF1.0 dumps then print a load
// (test/corpus/protocols.json).
import { fail } from '../errors.js';
import { parseNumber } from '../values.js';
import { argText } from './mod_fields.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK, wholeField } from './facets.js';
import { mustField } from '../fields.js';
import { ones } from '../bits.js';
import { formatSetField } from './set_field.js';

export interface SetTunnelArgs {
  id: bigint;
  wide: boolean;
  /** Added over OpenFlow 1.2+: the switch holds a set_field on tun_id. */
  setField?: boolean;
}

function tunnel(name: string): ActionSpec<SetTunnelArgs> {
  return {
    name,
    heldBytes: () => 16,
    runsUnparsed: () => true,
    writes: () => [wholeField(mustField('tun_id'))],
    actionSetRank: ACTION_SET_RANK.write,
    parse(item, ctx) {
      const { text, span } = argText(item);
      const id = parseNumber(text);
      if (id === null || id > 0xffffffffffffffffn) fail(`invalid numeric format ${text}`, span);
      const wide = name === 'set_tunnel64' || id > 0xffffffffn;
      return !ctx.dump && (ctx.ofVersion ?? 10) >= 12 ? { id, wide, setField: true } : { id, wide };
    },
    execute: (a, x) => x.setTunnel(a.id),
    format: (a, ctx) => (ctx.ofVersion >= 12 ? `set_field:0x${a.id.toString(16)}->tun_id`
      : a.setField ? formatSetField({ field: mustField('tun_id'), value: a.id, mask: ones(64), load: false }, ctx)
        : `${a.wide ? 'set_tunnel64' : 'set_tunnel'}:0x${a.id.toString(16)}`),
  };
}

export const set_tunnel = tunnel('set_tunnel');
export const set_tunnel64 = tunnel('set_tunnel64');
