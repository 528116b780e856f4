#!/usr/bin/python3
"""Record which NAT bindings real Linux nf_nat chooses (ports kept, searched, clashes).

    sudo LAB=/path/to/packets.py /usr/bin/python3 test/tools/record-kernel-nat.py OUT

Drives the kernel conntrack lab (`packets.py`, as record-kernel-expiry.py does): every
entry is in zone 1 in the bridge namespace; each case adds one nftables nat rule there
(kept in result.json as `nat_rule`) and sends UDP packets with chosen ports. The binding
is read from `conntrack -L` (the reply tuple) and the [NEW] events. DNAT of bridged
traffic makes br_netfilter route the packet again, so for DNAT cases the bridge gets an
address, forwarding and a static neighbour entry for the server.
"""
import argparse
import importlib.util
import os
import sys

from scapy.layers.inet import IP, UDP
from scapy.packet import Raw

spec = importlib.util.spec_from_file_location("packets", os.environ["LAB"])
P = importlib.util.module_from_spec(spec)
spec.loader.exec_module(P)

lab_build = P.build_packet


def build(step, idx, case_idx, sent):
    """UDP with the step's own ports (and VIP), else the lab's packet."""
    if step["kind"] != "udp" or "sport" not in step:
        return lab_build(step, idx, case_idx, sent)
    pkt = (IP(src=P.CLIENT_IP, dst=step.get("dst", P.SERVER_IP), id=(case_idx * 64 + idx + 1) & 0xFFFF, ttl=64)
           / UDP(sport=step["sport"], dport=step["dport"]) / Raw(b"u" * 8))
    return IP(bytes(pkt))


P.build_packet = build
RULES = {
    "nat-snat-port-kept": "chain post { type nat hook postrouting priority srcnat; policy accept; "
                          "ip saddr 172.16.255.130 udp dport 5001 snat to 10.99.0.1:50000-50002; }",
    "nat-dnat-range-bottom": "chain pre { type nat hook prerouting priority dstnat; policy accept; "
                             "ip daddr { 172.16.255.200, 172.16.255.201 } udp dport 53 dnat to 172.16.255.131:8000-8009; }",
    "nat-dnat-clash": "chain pre { type nat hook prerouting priority dstnat; policy accept; "
                      "ip daddr { 172.16.255.200, 172.16.255.201 } udp dport 53 dnat to 172.16.255.131; }",
}
lab_run = P.run_case


def run_case(topo, case_idx, case, outdir, **kw):
    rule = RULES[case[0]]
    if "dnat" in rule:
        P.nsx(topo.ct_ns, "ip addr replace 172.16.255.1/24 dev ko-brc", check=False)
        P.nsx(topo.ct_ns, "sysctl -qw net.ipv4.ip_forward=1", check=False)
        P.nsx(topo.ct_ns, f"ip neigh replace 172.16.255.131 lladdr {P.MAC_B} dev ko-brc nud permanent", check=False)
    P.load_nft(topo.ct_ns, "table ip ko_nat {\n  " + rule + "\n}\n")
    try:
        return lab_run(topo, case_idx, case, outdir, **kw)
    finally:
        P.nsx(topo.ct_ns, "nft delete table ip ko_nat", check=False)


P.run_case = run_case


def U(sport, dport=5001, dst=None):
    d = dict(kind="udp", who="c", data=8, wait=0.0, note="", sport=sport, dport=dport)
    if dst:
        d["dst"] = dst
    return d


VIP1, VIP2 = "172.16.255.200", "172.16.255.201"
P.CASES[:] = [
    ("nat-snat-port-kept", "snat to 10.99.0.1:50000-50002; UDP from client ports 50001 and 50002 "
     "(inside the range), 60000 (outside), 60001 (range full)", [U(50001), U(50002), U(60000), U(60001)], {}),
    ("nat-dnat-range-bottom", "dnat to 172.16.255.131:8000-8009 for VIPs 172.16.255.200 and .201 port 53; "
     "the same client port to both", [U(40000, 53, VIP1), U(40000, 53, VIP2)], {}),
    ("nat-dnat-clash", "dnat to 172.16.255.131 (no port range) for VIPs 172.16.255.200 and .201 port 53; "
     "the same client port to both", [U(40000, 53, VIP1), U(40000, 53, VIP2)], {}),
]
P.cmd_run(argparse.Namespace(modes="fwd", cases="", gap=0.15, label_suffix="", out=sys.argv[1]))
