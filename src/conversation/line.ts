// Runs grammar/conversation.ne on one line of a conversation or scenario file. A syntax
// error carries the offending token's span and what the grammar would have accepted.
import nearley from 'nearley';
import grammar, { type LineSyntax } from '../../grammar/conversation.generated.js';
import { EarleyFailure, feed } from '../../grammar/earley.js';

export type { ExpectSyntax, LineSyntax, Tok } from '../../grammar/conversation.generated.js';
export { DIRECTIVES, EXPECT_KINDS } from '../../grammar/conversation.generated.js';

const compiled = nearley.Grammar.fromCompiled(grammar);

/** A bad line: the message and its span in the line. */
export class LineError extends Error {
  constructor(readonly start: number, readonly end: number, message: string) { super(message); }
}

const TOKEN_NAMES = new Map<string, string>([
  ['ws', 'a space'], ['text', 'text'], ['port', 'a port name or number'], ['comma', "','"], ['fields', 'FIELD=VALUE'],
  ['passno', 'a pass number or `last`'], ['number', 'a number'], ['flow', "'flow'"], ['at', "'at'"],
  ['line', "'line'"], ['cookie', "'cookie'"], ['miss', "'miss'"],
]);

/** What a line ending right after a keyword is missing. */
const END_HINTS = new Map<string, string>([
  ['expect', 'what to expect: output PORT..., drop, controller, FIELD=VALUE..., pass N FIELD=VALUE..., table N ..., conntrack ...'],
  ['scenario', 'a name'],
  ['output', 'one or more port names or numbers'],
  ['pass', 'a pass number (1 = the packet as received) or `last`, then FIELD=VALUE...'],
  ['table', 'a table number, then `flow at line N`, `cookie C` or `miss`'],
  ['conntrack', 'entry filters (zone=N PROTO STATE count=N ...) or an entry line as dump-conntrack prints it'],
]);

const tokenName = (type: string) => TOKEN_NAMES.get(type) ?? `'${type}'`;

/** Parses one line (comments already stripped). Exactly one parse or a LineError. */
export function parseLine(text: string): LineSyntax {
  let fed;
  try {
    fed = feed(compiled, text, tokenName);
  } catch (e) {
    if (!(e instanceof EarleyFailure)) throw e;
    throw new LineError(e.start, e.start + Math.max(1, e.shown.length),
      `unexpected '${e.shown}', expected ${e.expected.length ? e.expected.join(' or ') : 'the end of the line'}`);
  }
  if (fed.results.length === 0) {
    const last = /(\S+)\s*$/.exec(text)?.[1] ?? '';
    const hint = END_HINTS.get(last);
    const expected = fed.expected();
    throw new LineError(text.length, text.length + 1, hint
      ? `'${last}' needs ${hint}`
      : `unexpected end of line${expected.length ? `, expected ${expected.join(' or ')}` : ''}`);
  }
  if (fed.results.length > 1) throw new Error(`internal: ambiguous conversation grammar (${fed.results.length} parses) for: ${text}`);
  return fed.results[0] as LineSyntax;
}

/** How many parses nearley finds (the grammar test asserts 1). */
export function countLineParses(text: string): number {
  return feed(compiled, text, tokenName).results.length;
}
