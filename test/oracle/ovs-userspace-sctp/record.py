#!/usr/bin/env python3
"""Replays some of the SCTP/GRE/DCCP kernel cases through real OVS 3.1 userspace conntrack
(dummy datapath, OVS clock stopped and warped) and records, per packet, the ct_state
(which table-1 flow, by cookie, counted it) and dpctl/dump-conntrack zone=1 [-m] [-s]."""
import json, os, subprocess, sys
sys.argv = [sys.argv[0]]
sys.path.insert(0, "/tmp/sctp-lab")
import packets as K
from scapy.layers.l2 import Ether

T = "/work/shared/tools/ovs-sandbox.sh"
D = "/tmp/sctp-ovs"
env = dict(os.environ)
for line in subprocess.run([T, "env", D], capture_output=True, text=True, check=True).stdout.splitlines():
    line = line.replace("export ", "")
    if "=" in line:
        k, v = line.split("=", 1)
        env[k] = v.strip("'\"")

def sh(*a):
    return subprocess.run(list(a), capture_output=True, text=True, env=env, check=True).stdout

STATES = [(1, "+trk+new-est-rel-inv", "+trk+new"), (2, "+trk+est-rpl-rel-inv", "+trk+est"),
          (3, "+trk+est+rpl-rel-inv", "+trk+est+rpl"), (4, "+trk+rel-rpl-inv", "+trk+rel"),
          (5, "+trk+rel+rpl-inv", "+trk+rel+rpl")]
FLOWS = ["table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,table=1)"]
for c, m, _ in STATES:
    FLOWS.append(f"table=1,cookie={c},priority=100,ip,ct_state={m},actions=ct(commit,zone=1),resubmit(,2)")
FLOWS += ["table=1,cookie=6,priority=100,ip,ct_state=+trk+inv,actions=drop",
          "table=1,cookie=7,priority=0,actions=drop",
          "table=2,in_port=1,actions=output:2", "table=2,in_port=2,actions=output:1"]

def counts():
    out = {}
    for line in sh("ovs-ofctl", "dump-flows", "br0", "table=1").splitlines():
        if "cookie=" in line and "n_packets=" in line:
            c = int(line.split("cookie=")[1].split(",")[0], 16)
            out[c] = int(line.split("n_packets=")[1].split(",")[0])
    return out

def dump(*opts):
    return [l.strip() for l in sh("ovs-appctl", "dpctl/dump-conntrack", *opts, "zone=1").splitlines() if l.strip()]

def main(names):
    results = []
    sh("ovs-vsctl", "--may-exist", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy", "fail-mode=secure",
       "--", "--may-exist", "add-port", "br0", "p1", "--", "set", "interface", "p1", "type=dummy", "ofport_request=1",
       "--", "--may-exist", "add-port", "br0", "p2", "--", "set", "interface", "p2", "type=dummy", "ofport_request=2")
    sh("ovs-ofctl", "del-flows", "br0")
    with open(f"{D}/flows.txt", "w") as f:
        f.write("\n".join(FLOWS) + "\n")
    sh("ovs-ofctl", "add-flows", "br0", f"{D}/flows.txt")
    sh("ovs-appctl", "time/stop")
    for idx, case in enumerate(K.CASES):
        name, desc, steps, sysctls = case
        if name not in names:
            continue
        sh("ovs-appctl", "dpctl/flush-conntrack")
        sh("ovs-appctl", "time/warp", "100000")  # far from any old entry
        kern = json.load(open(f"/work/main/test/oracle/{name.split('-')[0].replace('sctp','kernel-sctp').replace('gre','kernel-gre').replace('dccp','kernel-dccp')}/cases/{name}/result.json"))
        now = 0.0
        sent, recs = [], []
        for i, st in enumerate(steps):
            t = kern["steps"][i]["t"]
            if t > now:
                sh("ovs-appctl", "time/warp", str(int(round((t - now) * 1000))))
                now = t
            pkt = K.build_packet(st, i, idx + 1, sent)
            sent.append(pkt)
            c2s = st["who"] == "c"
            frame = Ether(src=K.MAC_A if c2s else K.MAC_B, dst=K.MAC_B if c2s else K.MAC_A) / pkt
            sh("ovs-appctl", "revalidator/purge")  # no cached datapath flow: every packet is an upcall
            before = counts()
            sh("ovs-appctl", "netdev-dummy/receive", "p1" if c2s else "p2", bytes(frame).hex())
            after = counts()
            hit = [c for c in after if after[c] != before.get(c, 0)]
            cs = {c: s for c, _, s in STATES}
            state = "+trk+inv" if hit == [6] else cs.get(hit[0], f"cookie {hit}") if len(hit) == 1 else f"cookies {hit}"
            sh("ovs-appctl", "time/warp", "81")
            now += 0.081
            recs.append({"step": i + 1, "t": t, "who": st["who"], "flow": K.ovs_line(frame), "ct_state": state,
                         "dump_after_s": 0.081, "dump_conntrack": dump(), "dump_conntrack_m": dump("-m"),
                         "dump_conntrack_s": dump("-s"), "dump_conntrack_ms": dump("-m", "-s")})
        results.append({"case": name, "description": desc, "ovs": sh("ovs-vswitchd", "--version").splitlines()[0],
                        "flows": FLOWS, "steps": recs})
        d = f"/tmp/sctp-lab/ovs-out/{name}"
        os.makedirs(d, exist_ok=True)
        json.dump(results[-1], open(f"{d}/result.json", "w"), indent=1)
        print(name, file=sys.stderr)

main(set(os.environ["CASES"].split(",")))
