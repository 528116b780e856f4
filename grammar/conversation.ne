# One line of a conversation (.conv) or scenario (.scenario) file, after comments and
# `\` continuations are handled (src/parse/flows.ts sourceLines). nearley sees one line at
# a time, so every bad line of a file gets its own diagnostic.
#
#   [@S|+S] FLOW-SYNTAX  seq=… ack=…        a packet (its text is read by the flow grammar,
#                                           FIELDS and src/conversation/extra.ts)
#   flows PATH | groups PATH | ports X      header directives (scenario files)
#   @S|+S flows PATH                        from time S on, the flow tables of PATH (conntrack
#                                           and MAC learning are kept, as when a controller
#                                           rewrites a live bridge's flows)
#   scenario NAME                           starts a named scenario
#   expect WHAT                             an expectation on the packet above
#
# The lexer decides the line kind from its first word (moo states), so a packet's flow text
# reaches the flow grammar whole; the grammar knows shapes, src/conversation/ the meanings.
@preprocessor typescript
@{%
import moo from 'moo';

/** A token's text and its offsets in the line. */
export interface Tok { text: string; start: number; end: number }

export type ExpectSyntax =
  /** With match items: every frame that left by those ports must match them. */
  | { kind: 'output'; ports: Tok[]; fields: Tok | null }
  | { kind: 'drop' }
  | { kind: 'controller' }
  /** Match items checked against the packet at the end of the last pass, or as pass N started. */
  | { kind: 'fields'; pass: Tok | null; text: Tok }
  | { kind: 'table'; table: Tok; by: 'line' | 'cookie' | 'miss'; value: Tok | null }
  | { kind: 'conntrack'; text: Tok };

export type LineSyntax =
  | { kind: 'packet'; time: Tok | null; text: Tok | null }
  | { kind: 'directive'; name: Tok; arg: Tok | null }
  /** `@S flows PATH`: the tables change at that time (path null: the reader says it is missing). */
  | { kind: 'flows'; time: Tok; keyword: Tok; path: Tok | null }
  | { kind: 'scenario'; name: Tok }
  | { kind: 'expect'; keyword: Tok; what: ExpectSyntax; span: { start: number; end: number } };

const tok = (t: moo.Token): Tok => ({ text: t.text, start: t.offset, end: t.offset + t.text.length });

const WS = /[ \t]+/;
/** The rest of a line without its trailing blanks. */
const REST = /[^ \t](?:[^]*[^ \t])?/;
/** A word the grammar does not expect there (shown whole in the error). */
const BAD = { match: /[^ \t]+/, lineBreaks: true };
const WORD_END = '(?=[ \\t]|$)';
const word = (w: string) => new RegExp(w + WORD_END);

/** Directive names, for the lexer and for near-miss suggestions. */
export const DIRECTIVES = ['flows', 'groups', 'ports', 'profile', 'sysctl', 'conntrack', 'controller'];
/** Expectation kinds (besides match items), for near-miss suggestions. */
export const EXPECT_KINDS = ['output', 'drop', 'controller', 'pass', 'table', 'conntrack'];

export const lexer = moo.states({
  line: {
    ws: WS,
    time: { match: /[@+][^ \t]*/, next: 'timed' },
    expect: { match: word('expect'), next: 'expect' },
    scenario: { match: word('scenario'), next: 'rest' },
    directive: { match: word(`(?:${DIRECTIVES.join('|')})`), next: 'rest' },
    text: { match: REST, lineBreaks: true },
  },
  rest: { ws: WS, text: { match: REST, lineBreaks: true } },
  // After a time: a packet, or `flows PATH` (no packet's flow text starts with that word).
  timed: { ws: WS, flows: { match: word('flows'), next: 'rest' }, text: { match: REST, lineBreaks: true } },
  expect: {
    ws: WS,
    output: { match: word('output'), next: 'ports' },
    drop: { match: word('drop'), next: 'end' },
    controller: { match: word('controller'), next: 'end' },
    pass: { match: word('pass'), next: 'pass' },
    table: { match: word('table'), next: 'table' },
    conntrack: { match: word('conntrack'), next: 'rest' },
    text: { match: REST, lineBreaks: true },
  },
  // After the ports, `FIELD=VALUE,…` to the end of the line: the frames' headers.
  ports: { ws: WS, comma: ',', fields: { match: /[^ \t,=\n]+=(?:[^]*[^ \t])?/, lineBreaks: true }, port: /[^ \t,\n]+/ },
  pass: { ws: WS, passno: { match: /\d+|last/, next: 'rest' }, bad: BAD },
  table: {
    ws: WS,
    number: /0[xX][0-9a-fA-F]+|\d+/,
    word: { match: /[A-Za-z_]\w*/, type: moo.keywords({ flow: 'flow', at: 'at', line: 'line', cookie: 'cookie', miss: 'miss' }) },
    bad: BAD,
  },
  end: { ws: WS, bad: BAD },
});
%}
@lexer lexer

line        -> _ body _                      {% (d) => d[1] %}
_           -> %ws:?                         {% () => null %}

body        -> %time (%ws %text):?           {% (d) => ({ kind: 'packet', time: tok(d[0]), text: d[1] ? tok(d[1][1]) : null }) %}
             | %time %ws %flows (%ws %text):? {% (d) => ({ kind: 'flows', time: tok(d[0]), keyword: tok(d[2]), path: d[3] ? tok(d[3][1]) : null }) %}
             | %text                         {% (d) => ({ kind: 'packet', time: null, text: tok(d[0]) }) %}
             | %directive (%ws %text):?      {% (d) => ({ kind: 'directive', name: tok(d[0]), arg: d[1] ? tok(d[1][1]) : null }) %}
             | %scenario %ws %text           {% (d) => ({ kind: 'scenario', name: tok(d[2]) }) %}
             | %expect %ws expectation       {% (d) => ({ kind: 'expect', keyword: tok(d[0]), what: d[2].what, span: { start: d[0].offset, end: d[2].end } }) %}

# Each alternative returns { what, end } so the expectation's span covers its text.
expectation -> %output %ws ports             {% (d) => ({ what: { kind: 'output', ports: d[2], fields: null }, end: d[2][d[2].length - 1].end }) %}
             | %output %ws ports %ws %fields {% (d) => ({ what: { kind: 'output', ports: d[2], fields: tok(d[4]) }, end: tok(d[4]).end }) %}
             | %drop                         {% (d) => ({ what: { kind: 'drop' }, end: tok(d[0]).end }) %}
             | %controller                   {% (d) => ({ what: { kind: 'controller' }, end: tok(d[0]).end }) %}
             | %pass %ws %passno %ws %text   {% (d) => ({ what: { kind: 'fields', pass: tok(d[2]), text: tok(d[4]) }, end: tok(d[4]).end }) %}
             | %text                         {% (d) => ({ what: { kind: 'fields', pass: null, text: tok(d[0]) }, end: tok(d[0]).end }) %}
             | %table %ws %number %ws which  {% (d) => ({ what: { kind: 'table', table: tok(d[2]), by: d[4].by, value: d[4].value }, end: d[4].end }) %}
             | %conntrack %ws %text          {% (d) => ({ what: { kind: 'conntrack', text: tok(d[2]) }, end: tok(d[2]).end }) %}

ports       -> %port (sep %port):*           {% (d) => [tok(d[0]), ...d[1].map((x: any) => tok(x[1]))] %}
sep         -> %ws | %comma | %ws %comma | %comma %ws | %ws %comma %ws {% () => null %}

# `flow at line N` (as the trace prints `(line N)`), `line N`, `cookie 0x…`, `miss`.
which       -> %flow %ws %at %ws %line %ws %number {% (d) => ({ by: 'line', value: tok(d[6]), end: tok(d[6]).end }) %}
             | %line %ws %number             {% (d) => ({ by: 'line', value: tok(d[2]), end: tok(d[2]).end }) %}
             | %cookie %ws %number           {% (d) => ({ by: 'cookie', value: tok(d[2]), end: tok(d[2]).end }) %}
             | %miss                         {% (d) => ({ by: 'miss', value: null, end: tok(d[0]).end }) %}
