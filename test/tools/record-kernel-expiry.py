#!/usr/bin/python3
"""Record what real Linux nf_conntrack reports (conntrack -E) for entries that time out.

    sudo LAB=/path/to/packets.py /usr/bin/python3 test/tools/record-kernel-expiry.py OUT

Drives the kernel conntrack lab (`packets.py`: three network namespaces, a bridge in the
middle doing `ct zone set 1`, crafted packets from raw endpoints; set LAB to where it is)
with cases whose timeouts are shortened by sysctl, so entries expire within the case;
a later unrelated packet (or the same flow again) shows when the [DESTROY] is reported.
The lab writes, per case, result.json (packets, ct_state, conntrack -L, events per step)
and conntrack-E.<ns>.txt (every event with its timestamp). test/oracle/kernel-expiry
keeps result.json and the timestamped events as conntrack-E.txt.
"""
import argparse
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location("packets", os.environ["LAB"])
P = importlib.util.module_from_spec(spec)
spec.loader.exec_module(P)

U, I, TCP = P.U, P.I, P.P
P.CASES[:] = [
    ("udp-expire", "one UDP packet, udp timeout 3 s, then an unrelated ping 12 s later",
     [U("c"), I("c", 8, wait=12.0)], {"nf_conntrack_udp_timeout": 3}),
    ("tcp-syn-expire", "one SYN, syn_sent timeout 3 s, then an unrelated ping 12 s later",
     [TCP("c", "S", 1000), I("c", 8, wait=12.0)], {"nf_conntrack_tcp_timeout_syn_sent": 3}),
    ("udp-expire-reused", "UDP c->s, udp timeout 3 s, the same UDP packet again 3.5 s later",
     [U("c"), U("c", wait=3.5)], {"nf_conntrack_udp_timeout": 3}),
    ("udp-expire-two", "UDP c->s and its reply, udp timeouts 3 s (stream 5 s), ping 12 s later",
     [U("c"), U("s"), I("c", 8, wait=12.0)],
     {"nf_conntrack_udp_timeout": 3, "nf_conntrack_udp_timeout_stream": 5}),
]
P.cmd_run(argparse.Namespace(modes="fwd", cases="", gap=0.15, label_suffix="", out=sys.argv[1]))
