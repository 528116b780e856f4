#!/bin/bash
# record-packet.sh CASEDIR: fresh sandbox, loads flows (+groups) with OpenFlow 1.3, injects one TCP SYN on p1,
# writes CASEDIR/vswitchd.txt: whether ovs-vswitchd survived and its EMER/ERR log lines.
T=/work/shared/tools/ovs-sandbox.sh; d=$1
$T stop /tmp/h2-ovs >/dev/null 2>&1; rm -rf /tmp/h2-ovs; $T start /tmp/h2-ovs >/dev/null 2>&1
eval "$($T env /tmp/h2-ovs)"
ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure protocols=OpenFlow10,OpenFlow13,OpenFlow15 \
 -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 \
 -- add-port br0 p3 -- set interface p3 type=dummy ofport_request=3 -- add-port br0 p4 -- set interface p4 type=dummy ofport_request=4
[ -f $d/groups.txt ] && ovs-ofctl -O OpenFlow13 add-groups br0 $d/groups.txt
grep -v '^#' $d/flows.txt | ovs-ofctl -O OpenFlow13 add-flows br0 -
pkt='in_port(1),eth(src=02:00:00:00:0a:01,dst=02:00:00:00:0b:01),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=40000,dst=80),tcp_flags(syn)'
{ echo "# ovs-appctl netdev-dummy/receive p1 '$pkt'"
  ovs-appctl netdev-dummy/receive p1 "$pkt" 2>&1; sleep 1
  if ovs-appctl version >/dev/null 2>&1; then echo "ovs-vswitchd: alive"; ovs-ofctl -O OpenFlow13 --no-stats dump-ports br0 2>&1 | grep -A1 -E '^\s+port\s+[1-4]:' | grep -v -- '^--' ; else echo "ovs-vswitchd: gone"; fi
  grep -E '\|(EMER|ERR)\|' /tmp/h2-ovs/ovs-vswitchd.log | sed 's/^[^|]*|[0-9]*|//'
} > $d/vswitchd.txt 2>&1
cat $d/vswitchd.txt
