// write_metadata:VALUE[/MASK]: the instruction that writes the 64-bit metadata field.
import { fail } from '../errors.js';
import { bigArg, colonText } from './args.js';
import type { SetFieldArgs } from './set_field.js';
import type { Action, ActionSpec } from './types.js';
import { mustField } from '../fields.js';

export interface WriteMetadataArgs { value: bigint; mask: bigint }

const ALL = (1n << 64n) - 1n;
const hex = (v: bigint) => (v === 0n ? '0' : '0x' + v.toString(16));

export const write_metadata: ActionSpec<WriteMetadataArgs> = {
  name: 'write_metadata',
  writes: (a) => [{ field: mustField('metadata'), mask: a.mask }],
  frozenAs: (a): Omit<Action, 'span'> => ({ name: 'set_field', args: { field: mustField('metadata'), value: a.value, mask: a.mask, load: false, internal: true } satisfies SetFieldArgs }),
  instruction: true,
  parse(item) {
    const text = colonText(item);
    const span = (item.colon ?? item.eq)!.span;
    if (item.args) fail('write_metadata: expected write_metadata:VALUE[/MASK]', item.span);
    const slash = text.indexOf('/');
    const v = slash < 0 ? text : text.slice(0, slash), m = slash < 0 ? undefined : text.slice(slash + 1);
    if (m !== undefined && !/^(0x[0-9a-fA-F]+|\d+)$/.test(m)) fail(`invalid numeric format ${m}`, span);
    const mask = m === undefined ? ALL : bigArg(m, 64, 'write_metadata mask', span);
    return { value: bigArg(v, 64, 'write_metadata', span), mask };
  },
  execute: (a, x) => x.writeMetadata(a.value, a.mask),
  format: (a) => `write_metadata:${hex(a.value)}${a.mask === ALL ? '' : '/' + hex(a.mask)}`,
};
