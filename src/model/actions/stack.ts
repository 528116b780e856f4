// push:FIELD[..] and pop:FIELD[..]: OVS's register stack (NXAST_STACK_PUSH/POP).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatSubfield, subfieldFromAtoms, type Subfield } from './args.js';
import type { ActionSpec } from './types.js';
import { subfieldAccess } from './facets.js';

function stack(name: 'push' | 'pop'): ActionSpec<Subfield> {
  return {
    name,
    heldBytes: () => 24,
    parse(item: Item) {
      const v = item.colon;
      if (!v || v.dst) fail(`${name}: expected ${name}:FIELD[start..end]`, item.span);
      const sf = subfieldFromAtoms(v.chain, v.span);
      if (name === 'pop' && !sf.field.writable) fail(`${sf.field.name} is read-only`, v.span);
      return sf;
    },
    format: (a) => `${name}:${formatSubfield(a)}`,
    execute: (a, x) => (name === 'push' ? x.stackPush(a) : x.stackPop(a)),
    ...(name === 'push' ? { reads: (a: Subfield) => [subfieldAccess(a)] } : { writes: (a: Subfield) => [subfieldAccess(a)] }),
  };
}

export const push = stack('push');
export const pop = stack('pop');
