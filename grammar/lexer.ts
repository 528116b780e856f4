// The flow lexer knows shapes, never names: a field or action name is just a `word`.
// Values are lexed as whole tokens (a MAC, an IPv6 address, `0x1/0xff`, `10.0.0.0/8`,
// `+trk-est`, `syn|ack`) so nearley sees few tokens per flow.
import moo from 'moo';

const HEX2 = '[0-9a-fA-F]{2}';
const MAC = `${HEX2}(?::${HEX2}){5}`;
// IPv6 needs at least two colons; a trailing dotted quad is allowed (::ffff:1.2.3.4).
const IPV6 = '(?=[0-9a-fA-F]{1,4}:|::)(?:[0-9a-fA-F]{0,4}:){2,7}(?:\\d+\\.\\d+\\.\\d+\\.\\d+|[0-9a-fA-F]{1,4})?';
// One character of a word. A `-` belongs to a word unless it starts `->`.
const WORD = '(?:[A-Za-z0-9_.+|/*@~^$!]|-(?!>))';
const MASK_TAIL = (body: string) => `(?:/(?:${body}|\\d+))?`;

export const lexer = moo.compile({
  ws: { match: /[ \t]+/, lineBreaks: false },
  // `actions=` / `action=` ends the match part; lexed as one token so a field can't be named so.
  actions: /actions?=(?![=])/,
  mac: new RegExp(`${MAC}${MASK_TAIL(MAC)}(?![\\w:])`),
  // An IPv6 address, a range of two (nat(src=fd00::1-fd00::7)), or one with a mask.
  ipv6: new RegExp(`${IPV6}(?:-${IPV6}|${MASK_TAIL(IPV6)})(?![\\w:])`),
  string: /"(?:[^"\\]|\\.)*"/,
  arrow: '->',
  lparen: '(',
  rparen: ')',
  lbracket: '[',
  rbracket: ']',
  comma: ',',
  eq: '=',
  colon: ':',
  // A word with its subscript, `NXM_NX_REG13[]`, `reg0[0..15]`: one token, not four (a
  // dump's load/move/learn actions are full of them). Exactly what `word [ word? ]`
  // written without spaces would be; anything else (`reg0[`, `a[ 1]`) lexes piecewise.
  subscripted: new RegExp(`${WORD}+\\[${WORD}*\\]`),
  // Words: names, numbers, hex, dotted quads, ranges `0..15`, masks, flag sets `+trk-est`,
  // `syn|ack`.
  word: new RegExp(`${WORD}+`),
  bad: { match: /[^]/, lineBreaks: true },
});

export type TokenType =
  | 'ws' | 'actions' | 'mac' | 'ipv6' | 'string' | 'arrow' | 'lparen' | 'rparen'
  | 'lbracket' | 'rbracket' | 'comma' | 'eq' | 'colon' | 'subscripted' | 'word' | 'bad';
