# One flow (or an action list, or a group): items in ovs-ofctl's key[=value] shape.
# The grammar knows shapes only; names are interpreted by src/model via the FIELDS table
# and the ACTIONS registry. Unambiguous by construction: separators are absorbed by
# exactly one rule (see test/grammar.test.ts, which asserts one parse per corpus line).
@preprocessor typescript
@{%
import { lexer } from './lexer.js';
import * as S from './syntax.js';
%}
@lexer lexer

flow      -> seps0 (items seps0):? (%actions seps0 (items seps0):?):?
                                   {% (d) => S.flow(d[1] ? d[1][0] : [], d[2] ? d[2][0] : null, d[2] ? (d[2][2] ? d[2][2][0] : []) : null) %}

items     -> item (seps1 item):*   {% (d) => [d[0], ...d[1].map((x: any) => x[1])] %}
seps0     -> sep:*                 {% () => null %}
seps1     -> sep:+                 {% () => null %}
sep       -> %ws | %comma          {% () => null %}

# An item: `key`, `key=value`, `key:value`, `src->dst` (inside load(...)), `key(args)`, `key(args)->dst`.
item      -> key                                   {% (d) => S.item(d[0], null, null, null, null) %}
           | key %eq value                         {% (d) => S.item(d[0], d[2], null, null, null) %}
           | key %colon value                      {% (d) => S.item(d[0], null, d[2], null, null) %}
           | key %colon                            {% (d) => S.item(d[0], null, S.emptyValue(d[1]), null, null) %}
           | key %arrow value                      {% (d) => S.item(d[0], null, null, null, d[2]) %}
           | key %lparen args %rparen              {% (d) => S.item(d[0], null, null, d[2], null, d[3]) %}
           | key %lparen args %rparen %arrow value {% (d) => S.item(d[0], null, null, d[2], d[5], d[3]) %}

# `reg0[0..15]` is one token (the lexer's `subscripted`): no rules of its own for nearley.
key       -> %word                 {% (d) => S.ref(d[0]) %}
           | %subscripted          {% (d) => S.subscripted(d[0]) %}
           | %string               {% (d) => S.ref(d[0]) %}

# args: comma-separated slots; a slot may be empty (`resubmit(,8)`), spaces allowed.
args      -> slot (%comma slot):*  {% (d) => [d[0], ...d[1].map((x: any) => x[1])] %}
slot      -> _                     {% (d) => (d[0] ? S.empty(d[0]) : S.emptyAt()) %}
           | _ item _              {% (d) => d[1] %}
_         -> %ws:?                 {% (d) => d[0] %}

# A value: atoms joined by `:` (MAC-less forms like `1:2`, nat `ip:port`), optionally `a->b`.
value     -> chain                 {% (d) => S.value(d[0], null) %}
           | chain %arrow chain    {% (d) => S.value(d[0], d[2]) %}
chain     -> atom (%colon atom):*  {% (d) => [d[0], ...d[1].map((x: any) => x[1])] %}
atom      -> key                   {% (d) => d[0] %}
           | %mac                  {% (d) => S.ref(d[0]) %}
           | %ipv6                 {% (d) => S.ref(d[0]) %}
           | %lbracket %ipv6 %rbracket {% (d) => S.ref(d[1], d[0], d[2]) %}
           | %lbracket %ipv6 %rbracket %word %lbracket %ipv6 %rbracket {% (d) => S.range(d) %}
           | %lparen args %rparen  {% (d) => S.group(d[0], d[1], d[2]) %}
           | %lbracket args %rbracket {% (d) => S.group(d[0], d[1], d[2], true) %}
