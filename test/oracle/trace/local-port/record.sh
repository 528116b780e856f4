#!/bin/sh
# Records which datapath port LOCAL gets on a fresh dummy-datapath bridge with named ports,
# and what ofproto/trace prints for output to LOCAL (see README.md beside this script).
#   sh record.sh SANDBOX_DIR > cases.txt
#   TWO=two-bridges.txt sh record.sh SANDBOX_DIR > cases.txt   (also records two-bridges.txt)
# Needs Debian openvswitch-switch 3.1 and an ovs-sandbox.sh (OVS_SANDBOX, default below).
set -e
T=${OVS_SANDBOX:-/work/shared/tools/ovs-sandbox.sh}
DIR=$1
FLOWS=$(mktemp)
echo 'in_port=1 actions=LOCAL' > "$FLOWS"
record() {
  "$T" stop "$DIR" >/dev/null 2>&1 || true
  rm -rf "$DIR"
  "$T" start "$DIR" >/dev/null 2>&1
  eval "$("$T" env "$DIR")"
  br=$1; shift
  set -- "$@"
  cmd="ovs-vsctl add-br $br -- set bridge $br datapath_type=dummy fail-mode=secure"
  n=1
  for p in "$@"; do
    cmd="$cmd -- add-port $br $p -- set interface $p type=dummy ofport_request=$n"
    n=$((n + 1))
  done
  $cmd
  ovs-ofctl add-flows "$br" "$FLOWS"
  echo "### bridge $br ports $*"
  echo "\$ ovs-appctl dpif/show"
  ovs-appctl dpif/show
  echo "\$ ovs-appctl ofproto/trace $br in_port=$1,tcp"
  ovs-appctl ofproto/trace "$br" "in_port=$1,tcp"
}
record br0 vm1 vm2 vm3
record br-int vm1 vm2
record br-int vm1 web
record br-int a b c
record sw7 vm1 vm2
# Two bridges on one datapath (two-bridges.txt): ports are numbered across both.
if [ -n "$TWO" ]; then
  "$T" stop "$DIR" >/dev/null 2>&1 || true
  rm -rf "$DIR"
  "$T" start "$DIR" >/dev/null 2>&1
  eval "$("$T" env "$DIR")"
  ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure \
    -- add-port br0 vm1 -- set interface vm1 type=dummy ofport_request=1 \
    -- add-port br0 vm2 -- set interface vm2 type=dummy ofport_request=2
  ovs-vsctl add-br br-int -- set bridge br-int datapath_type=dummy fail-mode=secure \
    -- add-port br-int vm4 -- set interface vm4 type=dummy ofport_request=1 \
    -- add-port br-int web -- set interface web type=dummy ofport_request=2
  printf 'in_port=1 actions=LOCAL\nin_port=2 actions=output:1\n' > "$FLOWS"
  ovs-ofctl add-flows br-int "$FLOWS"
  {
    echo "\$ ovs-appctl dpif/show"
    ovs-appctl dpif/show
    for p in vm4 web; do
      echo "\$ ovs-appctl ofproto/trace br-int in_port=$p,tcp"
      ovs-appctl ofproto/trace br-int "in_port=$p,tcp"
    done
  } > "$TWO"
fi
"$T" stop "$DIR" >/dev/null 2>&1
rm -f "$FLOWS"
