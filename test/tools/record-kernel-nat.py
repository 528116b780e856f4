#!/usr/bin/python3
"""Record which NAT bindings real Linux nf_nat chooses (ports kept, searched, clashes).

    sudo LAB=/path/to/packets.py /usr/bin/python3 test/tools/record-kernel-nat.py OUT [CASE,...]

Drives the kernel conntrack lab (`packets.py`, as record-kernel-expiry.py does): every
entry is in zone 1 in the bridge namespace; each case adds one nftables nat rule there
(kept in result.json as `nat_rule`) and sends UDP packets with chosen ports. The binding
is read from `conntrack -L` (the reply tuple) and the [NEW] events; every step also
keeps the frames the receiving end got (`received`, flow syntax, with the packet an ICMP
error quotes). A destination rewritten in prerouting (DNAT, or a reply un-SNATed) makes
br_netfilter route the packet again, so the bridge gets an address, forwarding and
static neighbour entries for both ends.
"""
import argparse
import json
import importlib.util
import os
import sys

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

spec = importlib.util.spec_from_file_location("packets", os.environ["LAB"])
P = importlib.util.module_from_spec(spec)
spec.loader.exec_module(P)

lab_build = P.build_packet


def build(step, idx, case_idx, sent):
    """UDP with the step's own ports (and VIP); an ICMP port unreachable from the server
    quoting the datagram as the server received it (translated); else the lab's packet."""
    if step["kind"] == "icmp_quote":
        quoted = IP(src=step["qsrc"], dst=P.SERVER_IP, id=0x1234, ttl=63) / UDP(sport=step["qsport"], dport=5001) / Raw(b"u" * 8)
        return IP(bytes(IP(src=P.SERVER_IP, dst=step["qsrc"], id=(case_idx * 64 + idx + 1) & 0xFFFF, ttl=64, tos=0xc0)
                        / ICMP(type=3, code=3) / quoted))
    if step["kind"] != "udp" or "sport" not in step:
        return lab_build(step, idx, case_idx, sent)
    pkt = (IP(src=P.CLIENT_IP, dst=step.get("dst", P.SERVER_IP), id=(case_idx * 64 + idx + 1) & 0xFFFF, ttl=64)
           / UDP(sport=step["sport"], dport=step["dport"]) / Raw(b"u" * 8))
    return IP(bytes(pkt))


P.build_packet = build
lab_desc = P.short_desc
P.short_desc = lambda st: ("s→c ICMP port unreachable quoting the translated datagram"
                           if st["kind"] == "icmp_quote" else lab_desc(st))
RULES = {
    "nat-snat-port-kept": "chain post { type nat hook postrouting priority srcnat; policy accept; "
                          "ip saddr 172.16.255.130 udp dport 5001 snat to 10.99.0.1:50000-50002; }",
    "nat-dnat-range-bottom": "chain pre { type nat hook prerouting priority dstnat; policy accept; "
                             "ip daddr { 172.16.255.200, 172.16.255.201 } udp dport 53 dnat to 172.16.255.131:8000-8009; }",
    "nat-dnat-clash": "chain pre { type nat hook prerouting priority dstnat; policy accept; "
                      "ip daddr { 172.16.255.200, 172.16.255.201 } udp dport 53 dnat to 172.16.255.131; }",
    "nat-snat-same-source": "chain post { type nat hook postrouting priority srcnat; policy accept; "
                            "ip saddr 172.16.255.130 udp dport { 5001, 5002 } snat to 10.99.0.1:50000-50009; }",
    "nat-snat-icmp-error": "chain post { type nat hook postrouting priority srcnat; policy accept; "
                           "ip saddr 172.16.255.130 udp dport 5001 snat to 10.99.0.1; }",
}
lab_run = P.run_case


def run_case(topo, case_idx, case, outdir, **kw):
    rule = RULES[case[0]]
    P.nsx(topo.ct_ns, "ip addr replace 172.16.255.1/24 dev ko-brc", check=False)
    P.nsx(topo.ct_ns, "sysctl -qw net.ipv4.ip_forward=1", check=False)
    for ip, mac in ((P.SERVER_IP, P.MAC_B), (P.CLIENT_IP, P.MAC_A)):
        P.nsx(topo.ct_ns, f"ip neigh replace {ip} lladdr {mac} dev ko-brc nud permanent", check=False)
    P.load_nft(topo.ct_ns, "table ip ko_nat {\n  " + rule + "\n}\n")
    # What each end receives: the lab drains both ends once before the first packet,
    # then the receiving end once per step.
    drained = []
    for end in (topo.client, topo.server):
        def drain(fn=end.drain):
            frames = fn()
            drained.append([P.ovs_line(Ether(bytes(f))) for f in frames])
            return frames
        end.drain = drain
    try:
        result = lab_run(topo, case_idx, case, outdir, **kw)
    finally:
        P.nsx(topo.ct_ns, "nft delete table ip ko_nat", check=False)
        P.nsx(topo.ct_ns, "ip addr flush dev ko-brc", check=False)
    result["nat_rule"] = rule
    for step, got in zip(result["steps"], drained[2:]):
        step["received"] = got
    with open(os.path.join(outdir, result["mode"], case[0], "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


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
    ("nat-snat-same-source", "snat to 10.99.0.1:50000-50009; client port 60000 (outside the range) to server "
     "ports 5001 then 5002, then client port 60001 to 5001", [U(60000), U(60000, 5002), U(60001)], {}),
    ("nat-snat-icmp-error", "UDP from 172.16.255.130:50001 through snat to 10.99.0.1 (port kept); the server "
     "answers ICMP port unreachable quoting the datagram as it received it (from 10.99.0.1)",
     [U(50001), dict(kind="icmp_quote", who="s", wait=0.0, note="", qsrc="10.99.0.1", qsport=50001)], {}),
]
P.cmd_run(argparse.Namespace(modes="fwd", cases=sys.argv[2] if len(sys.argv) > 2 else "", gap=0.15, label_suffix="", out=sys.argv[1]))
