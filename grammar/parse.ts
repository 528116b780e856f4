// Runs the nearley grammar on one flow's text. Syntax errors carry the offset of the
// offending token and the token kinds that would have been accepted there.
import nearley from 'nearley';
import grammar from './flow.generated.js';
import type { FlowSyntax, Span } from './syntax.js';

const compiled = nearley.Grammar.fromCompiled(grammar);

export class SyntaxError_ extends Error {
  constructor(message: string, readonly span: Span) { super(message); }
}

const TOKEN_NAMES: Record<string, string> = {
  ws: 'a space', actions: "'actions='", mac: 'an Ethernet address', ipv6: 'an IPv6 address',
  string: 'a quoted name', arrow: "'->'", lparen: "'('", rparen: "')'", lbracket: "'['",
  rbracket: "']'", comma: "','", eq: "'='", colon: "':'", word: 'a name or value',
};

function expectedAt(p: nearley.Parser): string[] {
  const col = (p as any).table[(p as any).current];
  const seen = new Set<string>();
  for (const st of col?.states ?? []) {
    const sym = st.rule.symbols[st.dot];
    if (sym && typeof sym === 'object' && 'type' in sym) seen.add(TOKEN_NAMES[sym.type] ?? sym.type);
  }
  return [...seen];
}

/** Parses one flow (match + `actions=...`). Exactly one parse or a SyntaxError_. */
export function parseFlowSyntax(text: string): FlowSyntax {
  const p = new nearley.Parser(compiled);
  try {
    p.feed(text);
  } catch (e: any) {
    const tok = e.token;
    const start = tok?.offset ?? text.length;
    const shown = tok ? tok.text : '';
    const expected = expectedAt(p);
    const what = tok?.type === 'bad' ? `unexpected character '${shown}'` : `unexpected '${shown}'`;
    throw new SyntaxError_(`${what}${expected.length ? `, expected ${expected.join(' or ')}` : ''}`,
      { start, end: start + Math.max(1, shown.length) });
  }
  if (p.results.length === 0) {
    const expected = expectedAt(p);
    throw new SyntaxError_(`unexpected end of flow${expected.length ? `, expected ${expected.join(' or ')}` : ''}`,
      { start: text.length, end: text.length + 1 });
  }
  if (p.results.length > 1) throw new Error(`internal: ambiguous grammar (${p.results.length} parses) for: ${text}`);
  return p.results[0] as FlowSyntax;
}

/** How many parses nearley finds (the grammar test asserts 1). */
export function countParses(text: string): number {
  const p = new nearley.Parser(compiled);
  p.feed(text);
  return p.results.length;
}
