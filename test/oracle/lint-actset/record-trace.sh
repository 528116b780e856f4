#!/bin/bash
# record-trace.sh CASEDIR: loads CASEDIR/flows.txt (+ groups.txt) into br0 with OpenFlow 1.3, traces
# CASEDIR/packet.txt (one line: the flow, then optional trace options) and stores trace.txt.
set -e
eval "$(/work/shared/tools/ovs-sandbox.sh env /tmp/h2-ovs)"
d=$1
ovs-ofctl -O OpenFlow13 del-flows br0
ovs-ofctl -O OpenFlow13 del-groups br0
[ -f $d/groups.txt ] && ovs-ofctl -O OpenFlow13 add-groups br0 $d/groups.txt
grep -v '^#' $d/flows.txt | ovs-ofctl -O OpenFlow13 add-flows br0 -
ovs-appctl ofproto/trace br0 $(cat $d/packet.txt) > $d/trace.txt 2>&1 || true
ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 > $d/dump.txt
