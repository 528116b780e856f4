#!/bin/sh
# Records what real ovs-ofctl prints for flows added over one OpenFlow version and dumped
# in three dialects: one JSON object a line on stdout.
#
#   test/tools/record-dialects.sh SANDBOX_DIR < INPUTS > OUT.jsonl
#
# INPUTS: one `PROTOCOL<TAB>FLOW` a line (PROTOCOL as `ovs-ofctl -O` takes it). SANDBOX_DIR
# is a running sandbox (/work/shared/tools/ovs-sandbox.sh start DIR) with bridge br0 on the
# dummy datapath, fail-mode=secure, ports p1..p3 as ofports 1..3. For each line the bridge is
# emptied, the flow added, and dumped with `-O OpenFlow10|13|15 dump-flows br0 --no-stats`.
# An add the switch or ovs-ofctl refuses gives `error` (its first line naming the reason);
# a dump ovs-ofctl cannot decode gives `null` and its reason in `<dialect>_error`.
# Needs jq. A recording tool, not a test: tests read only the recorded file.
set -eu
eval "$(/work/shared/tools/ovs-sandbox.sh env "$1")"
dump() { ovs-ofctl -O "$1" dump-flows br0 --no-stats 2>/tmp/rd.$$ | sed -n 's/^ //p'; }
why() { grep -o 'OFPB[A-Z_]*\|Invalid value for set field [a-z_]*: [0-9]*\|[^:]*bits wide\|source field is .*\|output to unknown port' /tmp/rd.$$ | head -1; }
tab=$(printf '\t')
while IFS="$tab" read -r proto flow; do
  ovs-ofctl del-flows br0
  if ! ovs-ofctl -O "$proto" add-flow br0 "$flow" 2>/tmp/rd.$$; then
    jq -cn --arg p "$proto" --arg f "$flow" --arg e "$(why)" '{protocol:$p,input:$f,error:$e}'; continue
  fi
  o10=$(dump OpenFlow10); e10=$(why)
  o13=$(dump OpenFlow13); e13=$(why)
  o15=$(dump OpenFlow15); e15=$(why)
  jq -cn --arg p "$proto" --arg f "$flow" --arg a "$o10" --arg b "$o13" --arg c "$o15" --arg ea "$e10" --arg eb "$e13" --arg ec "$e15" \
    '{protocol:$p,input:$f,of10:(if $a=="" then null else $a end),of13:(if $b=="" then null else $b end),of15:(if $c=="" then null else $c end)}
     + (if $a=="" then {of10_error:$ea} else {} end) + (if $b=="" then {of13_error:$eb} else {} end) + (if $c=="" then {of15_error:$ec} else {} end)'
done
rm -f /tmp/rd.$$
