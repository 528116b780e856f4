// conjunction(ID,K/N): this flow is clause K of N of conjunctive match ID. A flow with
// conjunction actions may have no other actions (besides note).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { itemText, slots } from './args.js';
import type { ActionSpec } from './types.js';

export interface ConjunctionArgs { id: number; clause: number; nClauses: number }

const SYNTAX = '"conjunction" syntax is "conjunction(id,i/n)"';

export const conjunction: ActionSpec<ConjunctionArgs> = {
  name: 'conjunction',
  clause: (a) => a,
  notRestored: true,
  parse(item: Item) {
    const s = slots(item);
    if (s.length !== 2 || s[0].kind !== 'item' || s[1].kind !== 'item') fail(SYNTAX, item.span);
    const id = itemText(s[0]), kn = /^(\d+)\/(\d+)$/.exec(itemText(s[1]));
    if (!/^\d+$/.test(id) || Number(id) > 0xffffffff || !kn) fail(SYNTAX, item.span);
    const clause = Number(kn[1]), nClauses = Number(kn[2]);
    if (clause > 255 || nClauses > 255) fail(SYNTAX, item.span);
    if (nClauses < 2) fail('conjunction must have at least 2 clauses', s[1].span);
    if (nClauses > 64) fail('conjunction must have at most 64 clauses', s[1].span);
    if (clause < 1) fail('clause index must be positive', s[1].span);
    if (clause > nClauses) fail('clause index must be less than or equal to number of clauses', s[1].span);
    return { id: Number(id), clause, nClauses };
  },
  // A conjunctive flow never runs its actions: the classifier reads them (classifier.ts).
  execute: () => {},
  format: (a) => `conjunction(${a.id},${a.clause}/${a.nClauses})`,
};
