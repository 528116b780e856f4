#!/usr/bin/python3
"""Record the null SNAT binding Linux nf_nat gives a connection no NAT rule names.

    sudo LAB=/path/to/packets.py /usr/bin/python3 test/oracle/nat-null/record-kernel.py OUT

OVS's kernel datapath turns ct(commit,nat(src)) without an address into nf_nat's null
binding for the source (nf_nat_alloc_null_binding): the tuple is kept when free, else
the client's source port moves. nftables gives every connection the same null binding at
postrouting once any nat chain exists, so a connection that no rule matches shows it.
Runs test/tools/record-kernel-nat.py's recorder (the kernel lab, zone 1 in the bridge
namespace) with this folder's cases; a step of kind `udp_s` is a datagram the server sends
from its port 53 to a chosen client port; a step's `insert` is given to `conntrack -I`
in the bridge namespace just before its packet. A bare ct(commit,nat) gives no binding at
all in OVS's kernel datapath; `bare-nat-clash` has no nat chain (a filter chain only, so
nf_nat binds nothing) and an entry inserted with the first case's tuples.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REC = os.path.join(HERE, "..", "..", "tools", "record-kernel-nat.py")
src = open(REC).read()
src = src[:src.rindex("P.cmd_run(")]  # everything but its own run
ns = {"__name__": "record_kernel_nat", "__file__": REC}
exec(compile(src, REC, "exec"), ns)
P, U, VIP1 = ns["P"], ns["U"], ns["VIP1"]
IP, UDP, Raw = ns["IP"], ns["UDP"], ns["Raw"]

recorder_build = P.build_packet


def build(step, idx, case_idx, sent):
    if step.get("insert"):
        # An entry made by conntrack -I just before the packet (the lab flushed the table).
        P.nsx("ko-fc", "conntrack -I " + step["insert"])
    if step["kind"] != "udp_s":
        return recorder_build(step, idx, case_idx, sent)
    return IP(bytes(IP(src=P.SERVER_IP, dst=P.CLIENT_IP, id=(case_idx * 64 + idx + 1) & 0xFFFF, ttl=64)
                    / UDP(sport=53, dport=step["dport"]) / Raw(b"s" * 8)))


P.build_packet = build
ns["RULES"]["null-snat-clash"] = ("chain pre { type nat hook prerouting priority dstnat; policy accept; "
                                  "ip daddr 172.16.255.200 udp dport 53 dnat to 172.16.255.131; }")
ns["RULES"]["bare-nat-clash"] = "chain noop { type filter hook prerouting priority 0; policy accept; }"
INSERT = ("-p udp -s 172.16.255.130 -d 172.16.255.200 --sport 40000 --dport 53 -r 172.16.255.131 "
          "-q 172.16.255.130 --reply-port-src 53 --reply-port-dst 40000 -t 30 -w 1")
P.CASES[:] = [
    ("null-snat-clash", "172.16.255.130:40000 -> VIP 172.16.255.200:53, DNATed to 172.16.255.131:53; then "
     "172.16.255.130:40000 -> 172.16.255.131:53, which no rule names (null bindings only): its reply tuple "
     "would be the first's; then the server answers port 40000",
     [U(40000, 53, VIP1), U(40000, 53), dict(kind="udp_s", who="s", wait=0.0, note="", dport=40000)], {}),
    ("bare-nat-clash", "no nat chain; conntrack -I of 172.16.255.130:40000 -> 172.16.255.200:53 with reply "
     "172.16.255.131:53 -> 172.16.255.130:40000; then 172.16.255.130:40000 -> 172.16.255.131:53 twice, "
     "whose reply tuple is the inserted one's; then the server answers port 40000",
     [dict(U(40000, 53), insert=INSERT), U(40000, 53), dict(kind="udp_s", who="s", wait=0.0, note="", dport=40000)], {}),
]
P.cmd_run(ns["argparse"].Namespace(modes="fwd", cases="", gap=0.15, label_suffix="", out=sys.argv[1]))
