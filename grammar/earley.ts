// Feeding a compiled nearley grammar one text, for both grammars (flow.ne, conversation.ne):
// a token nearley cannot take becomes an EarleyFailure with its place and the token kinds
// the grammar would have accepted there, so each reader words its own message.
import nearley from 'nearley';

export class EarleyFailure extends Error {
  constructor(readonly start: number, readonly shown: string, readonly tokenType: string | undefined, readonly expected: string[]) {
    super(`unexpected '${shown}'`);
  }
}

export interface Fed { results: unknown[]; expected(): string[] }

/** The token kinds the parser's current column waits for, named by `name`. */
function expectedAt(p: nearley.Parser, name: (type: string) => string): string[] {
  const col = (p as any).table[(p as any).current];
  const seen = new Set<string>();
  for (const st of col?.states ?? []) {
    const sym = st.rule.symbols[st.dot];
    if (sym && typeof sym === 'object' && 'type' in sym) seen.add(name(sym.type));
  }
  return [...seen];
}

export function feed(grammar: nearley.Grammar, text: string, name: (type: string) => string): Fed {
  const p = new nearley.Parser(grammar);
  try {
    p.feed(text);
  } catch (e: any) {
    const t = e.token;
    throw new EarleyFailure(t?.offset ?? text.length, t ? t.text : '', t?.type, expectedAt(p, name));
  }
  return { results: p.results, expected: () => expectedAt(p, name) };
}
