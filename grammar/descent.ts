// A fast path beside nearley for grammar/flow.ne. The grammar is unambiguous and one token
// of lookahead decides every choice in it, so its rules can be followed top-down, one
// function per rule, calling the same tree builders (syntax.ts) with the same tokens as
// the grammar's postprocessors. Anything that does not fit (a syntax error, a `bad`
// token, a builder that throws) returns null and nearley parses the text: nearley stays
// the definition and words every error. test/model/descent.test.ts checks that both build
// the same tree for every corpus line, OVN dump line and action list, and for generated
// token sequences.
import type { Token } from 'moo';
import { lexer } from './lexer.js';
import * as S from './syntax.js';
import type { Atom, FlowSyntax, Item, Ref, Slot, Value } from './syntax.js';

const MISFIT = new Error('misfit'); // thrown where the tokens fit no rule: nearley decides

let toks: Token[] = [];
let at = 0;

const peek = (): string | undefined => toks[at]?.type;
function take(type: string): Token {
  const t = toks[at];
  if (t?.type !== type) throw MISFIT;
  at++;
  return t;
}
const isKeyStart = (type: string | undefined): boolean => type === 'word' || type === 'string';
const isAtomStart = (type: string | undefined): boolean =>
  type === 'word' || type === 'string' || type === 'mac' || type === 'ipv6' || type === 'lbracket' || type === 'lparen';
const isSep = (type: string | undefined): boolean => type === 'ws' || type === 'comma';

/** The tree nearley builds for `text`, or null when the fast path does not apply. */
export function parseFlowFast(text: string): FlowSyntax | null {
  lexer.reset(text);
  toks = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    if (t.type === 'bad') return null;
    toks.push(t);
  }
  at = 0;
  try {
    return flow();
  } catch {
    return null; // a misfit, or a builder refusing: nearley decides
  } finally {
    toks = [];
  }
}

// flow -> seps0 (items seps0):? (%actions seps0 (items seps0):?):?
function flow(): FlowSyntax {
  seps();
  const match = isKeyStart(peek()) ? items() : [];
  seps();
  let actionsTok: Token | null = null;
  let actions: Item[] | null = null;
  if (peek() === 'actions') {
    actionsTok = take('actions');
    seps();
    actions = isKeyStart(peek()) ? items() : [];
    seps();
  }
  if (at !== toks.length) throw MISFIT;
  return S.flow(match, actionsTok, actions);
}

function seps(): void { while (isSep(peek())) at++; }

// items -> item (seps1 item):*   (a separator run not followed by an item is the flow's)
function items(): Item[] {
  const out = [item()];
  for (;;) {
    const save = at;
    if (!isSep(peek())) break;
    seps();
    if (!isKeyStart(peek())) { at = save; break; }
    out.push(item());
  }
  return out;
}

// item -> key | key %eq value | key %colon value | key %colon | key %arrow value
//       | key %lparen args %rparen | key %lparen args %rparen %arrow value
function item(): Item {
  const k = key();
  switch (peek()) {
    case 'eq': at++; return S.item(k, value(), null, null, null);
    case 'colon': {
      const colon = take('colon');
      if (isAtomStart(peek())) return S.item(k, null, value(), null, null);
      return S.item(k, null, S.emptyValue(colon), null, null);
    }
    case 'arrow': at++; return S.item(k, null, null, null, value());
    case 'lparen': {
      at++;
      const a = args();
      const close = take('rparen');
      if (peek() === 'arrow') { at++; return S.item(k, null, null, a, value(), close); }
      return S.item(k, null, null, a, null, close);
    }
    default: return S.item(k, null, null, null, null);
  }
}

// key -> %word subscript:? | %string ;  subscript -> %lbracket %word:? %rbracket
function key(): Ref {
  if (peek() === 'string') return S.ref(take('string'), null);
  const w = take('word');
  if (peek() !== 'lbracket') return S.ref(w, null);
  const open = take('lbracket');
  const word = peek() === 'word' ? take('word') : null;
  return S.ref(w, S.subscript(open, word, take('rbracket')));
}

// args -> slot (%comma slot):* ;  slot -> _ | _ item _ ;  _ -> %ws:?
function args(): Slot[] {
  const out = [slot()];
  while (peek() === 'comma') { at++; out.push(slot()); }
  return out;
}

function slot(): Slot {
  const ws = peek() === 'ws' ? take('ws') : null;
  if (!isKeyStart(peek())) return ws ? S.empty(ws) : S.emptyAt();
  const it = item();
  if (peek() === 'ws') at++;
  return it;
}

// value -> chain | chain %arrow chain ;  chain -> atom (%colon atom):*
function value(): Value {
  const c = chain();
  if (peek() !== 'arrow') return S.value(c, null);
  at++;
  return S.value(c, chain());
}

function chain(): Atom[] {
  const out = [atom()];
  while (peek() === 'colon') { at++; out.push(atom()); }
  return out;
}

// atom -> key | %mac | %ipv6 | %lbracket %ipv6 %rbracket
//       | %lbracket %ipv6 %rbracket %word %lbracket %ipv6 %rbracket
//       | %lparen args %rparen | %lbracket args %rbracket
function atom(): Atom {
  switch (peek()) {
    case 'word': case 'string': return key();
    case 'mac': return S.ref(take('mac'), null);
    case 'ipv6': return S.ref(take('ipv6'), null);
    case 'lparen': {
      const open = take('lparen');
      const a = args();
      return S.group(open, a, take('rparen'));
    }
    case 'lbracket': {
      if (toks[at + 1]?.type !== 'ipv6') {
        const open = take('lbracket');
        const a = args();
        return S.group(open, a, take('rbracket'), true);
      }
      const open = take('lbracket'), addr = take('ipv6'), close = take('rbracket');
      if (peek() !== 'word') return S.ref(addr, null, open, close);
      return S.range([open, addr, close, take('word'), take('lbracket'), take('ipv6'), take('rbracket')]);
    }
    default: throw MISFIT;
  }
}
