#!/bin/bash
# record-packet.sh CASEDIR...: for each case a fresh ovs-vswitchd (sandbox /tmp/h5-ovs), bridge br0
# with p1..p4 = OpenFlow ports 1..4; groups.txt (if any) added with OpenFlow 1.5 as record-trace.mjs
# does, flows.txt with OpenFlow 1.3; one TCP SYN received on p1 (len.txt: padded to that many bytes
# with --len; packet.dp: another packet, in the datapath flow form). Writes CASEDIR/vswitchd.txt: whether ovs-vswitchd is still running, the ports' tx
# counters if it is, and its EMER/ERR log lines. When it lives and the case has groups:
# datapath-flows.txt (dpctl/dump-flows) and, for each megaflow keyed on dp_hash, the resumed pass
# traced as `ofproto/trace br0 recirc_id=ID,dp_hash=VALUE,<packet.txt>` (resumed-traces.txt).
T=/work/shared/tools/ovs-sandbox.sh; S=/tmp/h5-ovs
tcp='in_port(1),eth(src=02:00:00:00:0a:01,dst=02:00:00:00:0b:01),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=40000,dst=80),tcp_flags(syn)'
for d in "$@"; do
  $T stop $S >/dev/null 2>&1; rm -rf $S; $T start $S >/dev/null 2>&1
  eval "$($T env $S)"
  ports=(); for p in 1 2 3 4; do ports+=(-- add-port br0 p$p -- set interface p$p type=dummy ofport_request=$p); done
  ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure protocols=OpenFlow10,OpenFlow13,OpenFlow15 "${ports[@]}"
  if [ -f $d/groups.txt ]; then ovs-ofctl -O OpenFlow15 add-groups br0 $d/groups.txt; fi
  ovs-ofctl -O OpenFlow13 add-flows br0 $d/flows.txt
  len=(); [ -f $d/len.txt ] && len=(--len "$(cat $d/len.txt)")
  pkt=$tcp; [ -f $d/packet.dp ] && pkt=$(cat $d/packet.dp)
  { echo "# ovs-appctl netdev-dummy/receive p1 '$pkt' ${len[*]}"
    ovs-appctl netdev-dummy/receive p1 "$pkt" "${len[@]}" 2>&1; sleep 1
    if ovs-appctl version >/dev/null 2>&1; then
      echo "ovs-vswitchd: alive"
      for p in 1 2 3 4; do ovs-ofctl -O OpenFlow13 dump-ports br0 $p 2>&1 | grep -A1 -E '^\s+port\s+[1-4]:' | sed -n 2p | sed "s/^ */port $p /"; done
    else echo "ovs-vswitchd: gone"; fi
    grep -E '\|(EMER|ERR)\|' $S/ovs-vswitchd.log | sed 's/^[^|]*|[0-9]*|//'
  } > $d/vswitchd.txt 2>&1
  if ovs-appctl version >/dev/null 2>&1 && [ -f $d/groups.txt ]; then
    ovs-appctl dpctl/dump-flows > $d/datapath-flows.txt
    rm -f $d/resumed-traces.txt
    grep -o 'recirc_id(0x[0-9a-f]*),dp_hash(0x[0-9a-f]*' $d/datapath-flows.txt | sed 's/recirc_id(\(.*\)),dp_hash(\(.*\)/\1 \2/' |
    while read id h; do
      f="recirc_id=$id,dp_hash=$h,$(cat $d/packet.txt)"
      { echo "\$ ovs-appctl ofproto/trace br0 '$f'"; ovs-appctl ofproto/trace br0 "$f"; } >> $d/resumed-traces.txt 2>&1
    done
  fi
  echo "== $d"; cat $d/vswitchd.txt
done
$T stop $S >/dev/null 2>&1
