#!/bin/bash
# A one-chassis OVN 23.03 lab on the OVS userspace "dummy" datapath (no kernel module).
#
#   ovn-lab.sh start [DIR]      start OVS + NB/SB ovsdb-servers + ovn-northd + ovn-controller
#   ovn-lab.sh topo  [DIR]      create the logical topology, bind vm1..vm4, wait for flows
#   ovn-lab.sh dump  OUT [DIR]  write the ovn-acl.* files into folder OUT
#   ovn-lab.sh env   [DIR]      print export lines so ovs-* / ovn-* talk to this lab
#   ovn-lab.sh stop  [DIR]      stop every daemon of DIR (by its pidfile)
#   ovn-lab.sh all   OUT [DIR]  start + topo + dump (the daemons keep running)
#
# DIR defaults to /tmp/ovn-lab. Every socket, pidfile, log and database lives in DIR,
# so this lab never talks to another OVS instance on the same machine.
set -euo pipefail

usage() { sed -n '2,10p' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1; shift
out=
case $cmd in dump|all) [ $# -ge 1 ] || usage; out=$(mkdir -p "$1" && cd "$1" && pwd); shift ;; esac
dir=${1:-/tmp/ovn-lab}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir/etc
export OVN_RUNDIR=$dir OVN_LOGDIR=$dir OVN_DBDIR=$dir OVN_SYSCONFDIR=$dir/etc
export OVN_NB_DB=unix:$dir/nb.sock OVN_SB_DB=unix:$dir/sb.sock
export OVS_PKGDATADIR=/usr/share/openvswitch OVN_PKGDATADIR=/usr/share/ovn

daemons="ovn-controller ovn-northd ovs-vswitchd ovsdb-server-sb ovsdb-server-nb ovsdb-server"

running() { local f=$dir/$1.pid; [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

ovsdb() {  # ovsdb NAME SCHEMA: a standalone ovsdb-server for NAME.db on NAME.sock
    local name=$1 schema=$2 pid=$3
    rm -f "$dir/$name.db"
    ovsdb-tool create "$dir/$name.db" "$schema"
    ovsdb-server "$dir/$name.db" --remote="punix:$dir/$name.sock" \
        --unixctl="$dir/$pid.ctl" --pidfile="$dir/$pid.pid" --log-file="$dir/$pid.log" \
        -vconsole:off --detach --no-chdir
}

start() {
    for d in $daemons; do
        if running "$d"; then echo "$d already running in $dir" >&2; exit 1; fi
    done
    mkdir -p "$dir/etc"
    rm -f "$dir"/*.ctl "$dir"/*.sock "$dir"/*.mgmt "$dir"/*.snoop "$dir"/*.pcap "$dir"/*.log
    # Open_vSwitch database + ovs-vswitchd with only dummy datapaths/netdevs.
    ovsdb db "$OVS_PKGDATADIR/vswitch.ovsschema" ovsdb-server
    ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
    ovs-vswitchd "unix:$dir/db.sock" --enable-dummy=override --disable-system \
        --disable-system-route --unixctl="$dir/ovs-vswitchd.ctl" \
        --pidfile="$dir/ovs-vswitchd.pid" --log-file="$dir/ovs-vswitchd.log" \
        -vconsole:off --detach --no-chdir
    # OVN northbound and southbound databases.
    ovsdb nb "$OVN_PKGDATADIR/ovn-nb.ovsschema" ovsdb-server-nb
    ovsdb sb "$OVN_PKGDATADIR/ovn-sb.ovsschema" ovsdb-server-sb
    ovn-northd --ovnnb-db="$OVN_NB_DB" --ovnsb-db="$OVN_SB_DB" \
        --unixctl="$dir/ovn-northd.ctl" --pidfile="$dir/ovn-northd.pid" \
        --log-file="$dir/ovn-northd.log" -vconsole:off --detach --no-chdir
    # br-int is created by us (dummy datapath, secure fail mode) before ovn-controller runs.
    vsctl -- --may-exist add-br br-int \
        -- set bridge br-int datapath_type=dummy fail-mode=secure \
             other-config:disable-in-band=true \
        -- set Open_vSwitch . external_ids:system-id=chassis-1 \
             external_ids:hostname=chassis-1 \
             external_ids:ovn-remote="$OVN_SB_DB" \
             external_ids:ovn-encap-type=geneve \
             external_ids:ovn-encap-ip=127.0.0.1 \
             external_ids:ovn-bridge-datapath-type=dummy
    # (ovn-controller has no --unixctl option: its socket is ovn-controller.PID.ctl.)
    ovn-controller "unix:$dir/db.sock" \
        --pidfile="$dir/ovn-controller.pid" \
        --log-file="$dir/ovn-controller.log" -vconsole:off --detach --no-chdir
    echo "OVN lab running in $dir"
}

vsctl() { ovs-vsctl --db="unix:$dir/db.sock" --timeout=30 "$@"; }
nbctl() { ovn-nbctl --db="$OVN_NB_DB" --timeout=30 "$@"; }
sbctl() { ovn-sbctl --db="$OVN_SB_DB" --timeout=30 "$@"; }
ofctl() { ovs-ofctl "$@"; }   # finds br-int.mgmt through OVS_RUNDIR
vswitchd() { ovs-appctl -t "$dir/ovs-vswitchd.ctl" "$@"; }
controller() { ovs-appctl -t "$dir/ovn-controller.$(cat "$dir/ovn-controller.pid").ctl" "$@"; }

topo() {
    # ls1: vm1 (client), vm2 + vm3 (port group pg_web, web servers); ls2: vm4.
    # Pin what northd would otherwise pick at random, so every run prints the same tables:
    # datapath tunnel keys (= OpenFlow metadata) and the service-monitor MAC (a match in
    # several ACL/LB stages). Port keys follow creation order, pinned as well.
    nbctl set NB_Global . options:svc_monitor_mac=02:00:00:00:ff:fe
    nbctl ls-add ls1 -- ls-add ls2
    nbctl set Logical_Switch ls1 other_config:requested-tnl-key=1
    nbctl set Logical_Switch ls2 other_config:requested-tnl-key=2
    nbctl lsp-add ls1 vm1 -- lsp-set-addresses vm1 "02:00:00:00:00:11 10.0.0.11"
    nbctl lsp-add ls1 vm2 -- lsp-set-addresses vm2 "02:00:00:00:00:12 10.0.0.12"
    nbctl lsp-add ls1 vm3 -- lsp-set-addresses vm3 "02:00:00:00:00:13 10.0.0.13"
    nbctl lsp-add ls2 vm4 -- lsp-set-addresses vm4 "02:00:00:00:00:14 10.0.1.14"
    for p in vm1 vm2 vm3 vm4; do
        nbctl lsp-set-port-security $p "$(nbctl lsp-get-addresses $p)"
    done
    # lr1 routes between ls1 (10.0.0.0/24) and ls2 (10.0.1.0/24).
    nbctl lr-add lr1 -- set Logical_Router lr1 options:requested-tnl-key=3
    nbctl lrp-add lr1 lr1-ls1 02:00:00:00:01:01 10.0.0.1/24
    nbctl lrp-add lr1 lr1-ls2 02:00:00:00:01:02 10.0.1.1/24
    nbctl lsp-add ls1 ls1-lr1 -- lsp-set-type ls1-lr1 router \
        -- lsp-set-addresses ls1-lr1 router -- lsp-set-options ls1-lr1 router-port=lr1-ls1
    nbctl lsp-add ls2 ls2-lr1 -- lsp-set-type ls2-lr1 router \
        -- lsp-set-addresses ls2-lr1 router -- lsp-set-options ls2-lr1 router-port=lr1-ls2
    local key
    for key in vm1=1 vm2=2 vm3=3 ls1-lr1=4 vm4=1 ls2-lr1=2; do
        nbctl set Logical_Switch_Port "${key%=*}" options:requested-tnl-key="${key#*=}"
    done
    # Port group and ACLs.
    nbctl pg-add pg_web vm2 vm3
    nbctl acl-add pg_web to-lport 1002 'outport == @pg_web && ip4 && tcp.dst == 80' allow-related
    nbctl acl-add pg_web to-lport 1001 'outport == @pg_web && ip4 && icmp4' allow-related
    # The default deny logs (controller(userdata=...) to pinctrl) as most deployments do.
    nbctl --log --name=pg_web_deny --severity=info \
        acl-add pg_web to-lport 1000 'outport == @pg_web && ip4' drop
    nbctl acl-add pg_web from-lport 1000 'inport == @pg_web && ip4' allow-related
    # Load balancer on ls1.
    nbctl lb-add lb_web 10.0.0.100:80 10.0.0.12:80,10.0.0.13:80 tcp
    nbctl ls-lb-add ls1 lb_web
    # Bind every VM to a dummy port of br-int; ofport N = vmN.
    local n
    for n in 1 2 3 4; do
        vsctl -- --may-exist add-port br-int vm$n \
            -- set interface vm$n type=dummy ofport_request=$n \
                 external_ids:iface-id=vm$n \
                 options:tx_pcap="$dir/vm$n-tx.pcap" options:rxq_pcap="$dir/vm$n-rx.pcap"
    done
    nbctl --wait=hv sync
    # Wait until the flow count stops moving.
    local prev=-1 cur i
    for i in $(seq 60); do
        cur=$(ofctl dump-flows br-int | grep -c 'table=' || true)
        [ "$cur" = "$prev" ] && [ "$cur" -gt 100 ] && break
        prev=$cur; sleep 1
    done
    echo "br-int has $cur flows"
}

dump() {
    local o=$out
    ofctl dump-flows br-int > "$o/ovn-acl.flows"
    ofctl --names dump-flows br-int > "$o/ovn-acl.names.flows"
    ofctl -O OpenFlow15 dump-flows br-int > "$o/ovn-acl.of15.flows"
    ofctl --no-stats dump-flows br-int > "$o/ovn-acl.nostats.flows"
    ofctl dump-groups br-int > "$o/ovn-acl.groups"
    { echo '$ ovs-ofctl show br-int'; ofctl show br-int
      echo '$ ovs-vsctl --columns=name,ofport,external_ids list Interface'
      vsctl --columns=name,ofport,external_ids list Interface
      echo '$ ovs-appctl dpif/show'; vswitchd dpif/show
    } > "$o/ovn-acl.ports"
    controller ct-zone-list > "$o/ovn-acl.ct-zones"
    sbctl lflow-list > "$o/ovn-acl.lflows"
    sbctl --uuid lflow-list > "$o/ovn-acl.uuid.lflows"
    { echo '$ ovn-sbctl --columns=_uuid,tunnel_key,external_ids list Datapath_Binding'
      sbctl --columns=_uuid,tunnel_key,external_ids list Datapath_Binding
      echo '$ ovn-sbctl --columns=logical_port,type,tunnel_key,mac,datapath list Port_Binding'
      sbctl --columns=logical_port,type,tunnel_key,mac,datapath list Port_Binding
      echo '$ ovn-sbctl show'; sbctl show
    } > "$o/ovn-acl.sb"
    { echo '$ ovn-nbctl show'; nbctl show
      echo '$ ovn-nbctl acl-list pg_web'; nbctl acl-list pg_web
      echo '$ ovn-nbctl lb-list'; nbctl lb-list
    } > "$o/ovn-acl.nbctl"
    { echo "$ ovn-northd --version"; ovn-northd --version
      echo "$ ovn-controller --version"; ovn-controller --version
      echo "$ ovs-vswitchd --version"; ovs-vswitchd --version
      echo "$ dpkg-query -W ovn-central ovn-host openvswitch-switch"
      dpkg-query -W ovn-central ovn-host openvswitch-switch
    } > "$o/versions.txt"
    echo "wrote $(ls "$o" | wc -l) files into $o"
}

env_() {
    for v in OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR OVN_RUNDIR OVN_LOGDIR OVN_DBDIR \
             OVN_SYSCONFDIR OVN_NB_DB OVN_SB_DB OVS_PKGDATADIR OVN_PKGDATADIR; do
        echo "export $v=${!v}"
    done
    echo "export OVS_DB=unix:$dir/db.sock"
}

stop() {
    local d pid
    for d in $daemons; do
        running "$d" || continue
        pid=$(cat "$dir/$d.pid")
        ovs-appctl -t "$dir/$d.ctl" exit >/dev/null 2>&1 ||
            ovs-appctl -t "$dir/$d.$pid.ctl" exit >/dev/null 2>&1 || kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        echo "stopped $d (pid $pid)"
    done
}

case $cmd in
start) start ;;
topo) topo ;;
dump) dump ;;
env) env_ ;;
stop) stop ;;
all) start; topo; dump ;;
*) usage ;;
esac
