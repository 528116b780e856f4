// Runs the nearley grammar on one flow's text. Syntax errors carry the offset of the
// offending token and the token kinds that would have been accepted there.
import nearley from 'nearley';
import grammar from './flow.generated.js';
import { EarleyFailure, feed } from './earley.js';
import type { FlowSyntax, Span } from './syntax.js';

const compiled = nearley.Grammar.fromCompiled(grammar);

export class SyntaxError_ extends Error {
  constructor(message: string, readonly span: Span) { super(message); }
}

const TOKEN_NAMES: Record<string, string> = {
  ws: 'a space', actions: "'actions='", mac: 'an Ethernet address', ipv6: 'an IPv6 address',
  string: 'a quoted name', arrow: "'->'", lparen: "'('", rparen: "')'", lbracket: "'['",
  rbracket: "']'", comma: "','", eq: "'='", colon: "':'", word: 'a name or value',
  subscripted: 'a name or value',
};

const tokenName = (type: string) => TOKEN_NAMES[type] ?? type;

/** Parses one flow (match + `actions=...`). Exactly one parse or a SyntaxError_. */
export function parseFlowSyntax(text: string): FlowSyntax {
  let fed;
  try {
    fed = feed(compiled, text, tokenName);
  } catch (e) {
    if (!(e instanceof EarleyFailure)) throw e;
    const what = e.tokenType === 'bad' ? `unexpected character '${e.shown}'` : `unexpected '${e.shown}'`;
    throw new SyntaxError_(`${what}${e.expected.length ? `, expected ${e.expected.join(' or ')}` : ''}`,
      { start: e.start, end: e.start + Math.max(1, e.shown.length) });
  }
  if (fed.results.length === 0) {
    const expected = fed.expected();
    throw new SyntaxError_(`unexpected end of flow${expected.length ? `, expected ${expected.join(' or ')}` : ''}`,
      { start: text.length, end: text.length + 1 });
  }
  if (fed.results.length > 1) throw new Error(`internal: ambiguous grammar (${fed.results.length} parses) for: ${text}`);
  return fed.results[0] as FlowSyntax;
}

/** How many parses nearley finds (the grammar test asserts 1). */
export function countParses(text: string): number {
  return feed(compiled, text, tokenName).results.length;
}
