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

# Lists are written as left-recursive rules, not EBNF `:*`/`:?`: nearley expands those into
# helper rules (a nullable list, a subexpression) and every one of them is an Earley state
# per token. A list's postprocessor copies, never pushes: a partial list is shared by every
# derivation that extends it.
flow      -> seps0 list            {% (d) => S.flow(d[1], null, null) %}
           | seps0 list %actions seps0 list {% (d) => S.flow(d[1], d[2], d[4]) %}
list      -> null                  {% () => [] %}
           | items seps0           {% (d) => d[0] %}

items     -> item                  {% (d) => [d[0]] %}
           | items seps1 item      {% (d) => [...d[0], d[2]] %}
seps0     -> null                  {% () => null %}
           | seps1                 {% () => null %}
seps1     -> sep                   {% () => null %}
           | seps1 sep             {% () => null %}
sep       -> %ws                   {% () => null %}
           | %comma                {% () => null %}

# An item: `key`, `key=value`, `key:value`, `src->dst` (inside load(...)), `key(args)`, `key(args)->dst`.
item      -> key                                   {% (d) => S.item(d[0], null, null, null, null) %}
           | key %eq value                         {% (d) => S.item(d[0], d[2], null, null, null) %}
           | key %colon value                      {% (d) => S.item(d[0], null, d[2], null, null) %}
           | key %colon                            {% (d) => S.item(d[0], null, S.emptyValue(d[1]), null, null) %}
           | key %arrow value                      {% (d) => S.item(d[0], null, null, null, d[2]) %}
           | call                                  {% (d) => S.item(d[0][0], null, null, d[0][2], null, d[0][3]) %}
           | call %arrow value                     {% (d) => S.item(d[0][0], null, null, d[0][2], d[2], d[0][3]) %}
# `key(args)` once, for both items above: each slot of args is then one state, not two.
call      -> key %lparen args %rparen              {% (d) => d %}

# `reg0[0..15]` is one token (the lexer's `subscripted`). The lexer splits `word [ word ]`
# only when the text is no subscript (`reg0[0..3` at the end of a flow, `reg0[ 1]`), so the
# last alternative never completes: they are there so that nearley says what it
# expected inside the brackets (`]`, or a name), as it did when subscripts were four tokens.
key       -> %word                 {% (d) => S.ref(d[0]) %}
           | %subscripted          {% (d) => S.subscripted(d[0]) %}
           | %string               {% (d) => S.ref(d[0]) %}
           | %word %lbracket split {% S.notSubscript %}
split     -> %word %rbracket | %rbracket

# args: comma-separated slots; a slot may be empty (`resubmit(,8)`), spaces allowed.
args      -> slot                  {% (d) => [d[0]] %}
           | args %comma slot      {% (d) => [...d[0], d[2]] %}
slot      -> null                  {% () => S.emptyAt() %}
           | %ws                   {% (d) => S.empty(d[0]) %}
           | item                  {% (d) => d[0] %}
           | %ws item              {% (d) => d[1] %}
           | item %ws              {% (d) => d[0] %}
           | %ws item %ws          {% (d) => d[1] %}

# A value: atoms joined by `:` (MAC-less forms like `1:2`, nat `ip:port`), optionally `a->b`.
value     -> chain                 {% (d) => S.value(d[0], null) %}
           | chain %arrow chain    {% (d) => S.value(d[0], d[2]) %}
chain     -> atom                  {% (d) => [d[0]] %}
           | chain %colon atom     {% (d) => [...d[0], d[2]] %}
atom      -> key                   {% (d) => d[0] %}
           | %mac                  {% (d) => S.ref(d[0]) %}
           | %ipv6                 {% (d) => S.ref(d[0]) %}
           | %lbracket %ipv6 %rbracket {% (d) => S.ref(d[1], d[0], d[2]) %}
           | %lbracket %ipv6 %rbracket %word %lbracket %ipv6 %rbracket {% (d) => S.range(d) %}
           | %lparen args %rparen  {% (d) => S.group(d[0], d[1], d[2]) %}
           | %lbracket args %rbracket {% (d) => S.group(d[0], d[1], d[2], true) %}
