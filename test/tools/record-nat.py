#!/usr/bin/python3
"""Record what real OVS (userspace/dummy datapath) does with NAT conversations.

    /work/shared/tools/ovs-sandbox.sh start /tmp/nat-ovs
    /usr/bin/python3 test/tools/record-nat.py test/oracle/nat [/tmp/nat-ovs [CASE...]]

One bridge br0 (dummy datapath) with dummy ports p1..p3 (OpenFlow ports 1..3), each
writing the frames it transmits to a tx_pcap. For every case: the case's flows replace
the bridge's, conntrack is flushed, the OVS clock is stopped and advanced with time/warp
before each packet; each packet is injected with `netdev-dummy/receive PORT HEX`. After
each packet we keep the frames every port sent (read back from its tx_pcap), the datapath
flows the packet installed, and `dpctl/dump-conntrack -m -s`.
Output per case: OUT/CASE/flows.txt, packets.conv, result.json.
"""
import json
import os
import subprocess
import sys
import time

from scapy.all import ICMP, IP, IPv6, TCP, UDP, Ether, IPerror, Raw, UDPerror, rdpcap  # Debian python3-scapy

OUT = os.path.abspath(sys.argv[1])
BOX = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "/tmp/nat-ovs")
ONLY = set(sys.argv[3:])  # record only these cases (all when empty)
os.environ.update(OVS_RUNDIR=BOX, OVS_LOGDIR=BOX, OVS_DBDIR=BOX)
VSWITCHD = "ovs-vswitchd"  # ovs-appctl finds its pidfile in OVS_RUNDIR

# name -> (ofport, MAC, IP). p1/p3 are inside clients, p2 the outside server / backend.
HOST = {
    "p1": (1, "02:00:00:00:00:01", "10.0.0.1"),
    "p2": (2, "02:00:00:00:00:02", "172.16.0.2"),
    "p3": (3, "02:00:00:00:00:03", "10.0.0.3"),
}
OFPORT_NAME = {v[0]: k for k, v in HOST.items()}
HOST6 = {"p1": "fd00::1", "p2": "fd01::2", "p3": "fd00::3"}
GAP_MS = 100
TCP_FLAG_NAMES = [("F", "fin"), ("S", "syn"), ("R", "rst"), ("P", "psh"), ("A", "ack"),
                  ("U", "urg"), ("E", "ece"), ("C", "cwr")]

# Replies from the outside are routed back by the (un-NATed) destination address.
SNAT_FLOWS = """\
table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src={nat})),output:2
table=1,priority=100,ip,in_port=3,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src={nat})),output:2
table=1,priority=100,ip,in_port=1,ct_state=+est+trk,actions=output:2
table=1,priority=100,ip,in_port=3,ct_state=+est+trk,actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+est+trk,nw_dst=10.0.0.1,actions=output:1
table=1,priority=100,ip,in_port=2,ct_state=+est+trk,nw_dst=10.0.0.3,actions=output:3
table=1,priority=0,actions=drop
"""

# Like OVN's load balancer: a new connection to the VIP is DNATed to the backend.
DNAT_FLOWS = """\
table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=100,tcp,in_port=1,ct_state=+new+trk,nw_dst=10.0.0.100,tp_dst=80,actions=ct(commit,zone=1,nat(dst=172.16.0.2:8080)),output:2
table=1,priority=100,ip,in_port=1,ct_state=+est+trk,actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+est+trk,actions=output:1
table=1,priority=0,actions=drop
"""

# ct_state's snat/dnat bits decide the forwarding: a packet is output only when the bits
# are the ones expected for its direction, and +snat+dnat together is dropped.
BITS_FLOWS = """\
table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=300,ip,ct_state=+snat+dnat,actions=drop
table=1,priority=250,tcp,in_port=1,ct_state=+new+trk,nw_dst=10.0.0.100,tp_dst=80,actions=ct(commit,zone=1,nat(dst=172.16.0.2:8080)),output:2
table=1,priority=200,ip,in_port=1,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src=192.168.0.100)),output:2
table=1,priority=100,ip,in_port=1,ct_state=+est-rpl+trk+snat,actions=output:2
table=1,priority=100,ip,in_port=1,ct_state=+est-rpl+trk+dnat,actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+est+rpl+trk+dnat,actions=output:1
table=1,priority=100,ip,in_port=2,ct_state=+est+rpl+trk+snat,actions=output:1
table=1,priority=0,actions=drop
"""

# A table-less ct(commit,nat) followed by more tables: the translation goes on with the
# untranslated packet (table 5 matches the client's own address), while the datapath's
# packet is translated (the zone-2 ct() and table 6 after its recirculation see
# 192.168.0.100, and the frame leaves translated, with the tos set after the NAT).
CONTINUE_FLOWS = """\
table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=100,ip,in_port=1,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src=192.168.0.100)),resubmit(,5)
table=1,priority=100,ip,in_port=1,ct_state=+est+trk,actions=output:2
table=1,priority=100,ip,in_port=2,ct_state=+est+trk,actions=output:1
table=1,priority=0,actions=drop
table=5,priority=100,ip,nw_src=10.0.0.1,actions=mod_nw_tos:8,ct(zone=2,table=6)
table=5,priority=100,ip,nw_src=192.168.0.100,actions=output:3
table=6,priority=100,ip,nw_src=192.168.0.100,actions=ct(commit,zone=2),output:2
table=6,priority=100,ip,nw_src=10.0.0.1,actions=output:3
"""

# Two VIPs DNATed to the same backend port: the same client endpoint to both makes the
# second connection's reply tuple clash with the first's.
CLASH_FLOWS = """\
table=0,priority=100,ip,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=100,udp,in_port=1,ct_state=+new+trk,nw_dst=10.0.0.100,actions=ct(commit,zone=1,nat(dst=172.16.0.2:8080)),output:2
table=1,priority=100,udp,in_port=1,ct_state=+new+trk,nw_dst=10.0.0.101,actions=ct(commit,zone=1,nat(dst=172.16.0.2:8080)),output:2
table=1,priority=100,ip,in_port=2,ct_state=+est+trk,actions=output:1
table=1,priority=0,actions=drop
"""

# SNAT plus forwarding of related packets (ICMP errors) back to the client.
RELATED_FLOWS = SNAT_FLOWS.replace("table=1,priority=0,", """\
table=1,priority=100,ip,in_port=2,ct_state=+rel+trk,nw_dst=10.0.0.1,actions=output:1
table=1,priority=0,""")


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def appctl(*args):
    return sh("ovs-appctl", "-t", VSWITCHD, *args)


def tx_frames():
    out = {}
    for name in HOST:
        path = f"{BOX}/{name}-tx.pcap"
        out[name] = [bytes(p) for p in rdpcap(path)] if os.path.getsize(path) > 24 else []
    return out


def tx_counters():
    """tx_packets per port name, from `ovs-ofctl dump-ports br0`."""
    counts, port = {}, None
    for line in sh("ovs-ofctl", "dump-ports", "br0").splitlines():
        line = line.strip()
        if line.startswith("port"):
            num = line.split()[1].rstrip(":")
            port = OFPORT_NAME.get(int(num)) if num.isdigit() else None
        elif line.startswith("tx pkts=") and port is not None:
            counts[port] = int(line.split("=")[1].split(",")[0])
    return counts


def tx_frames_settled(before, before_cnt):
    """The pcap files can lag the transmit counters: read until each port's new frames
    in its tx_pcap match its tx_packets delta (at most 2 s)."""
    want = tx_counters()
    for _ in range(40):
        after = tx_frames()
        if all(len(after[n]) - len(before[n]) == want.get(n, 0) - before_cnt.get(n, 0) for n in HOST):
            return after
        time.sleep(0.05)
    raise RuntimeError(f"tx_pcap frames never matched the tx counters {want}")


def tcp_flags(flags):
    s = str(flags)
    return "|".join(name for letter, name in TCP_FLAG_NAMES if letter in s)


def conv_line(pkt, ofport):
    """OVS flow syntax of a frame, then the fields flow syntax cannot carry."""
    if IPv6 in pkt:
        e, ip6, u = pkt[Ether], pkt[IPv6], pkt[UDP]
        return (f"udp6,in_port={ofport},dl_src={e.src},dl_dst={e.dst},ipv6_src={ip6.src},ipv6_dst={ip6.dst},"
                f"nw_ttl={ip6.hlim},tp_src={u.sport},tp_dst={u.dport}", f"len={len(u.payload) + 8}")
    e, ip = pkt[Ether], pkt[IP]
    base = (f"in_port={ofport},dl_src={e.src},dl_dst={e.dst},"
            f"nw_src={ip.src},nw_dst={ip.dst},nw_ttl={ip.ttl}")
    if TCP in pkt:
        t = pkt[TCP]
        return (f"tcp,{base},tp_src={t.sport},tp_dst={t.dport},tcp_flags={tcp_flags(t.flags)}",
                f"seq={t.seq} ack={t.ack} win={t.window} len={len(t.payload)}")
    if UDP in pkt:
        u = pkt[UDP]
        return f"udp,{base},tp_src={u.sport},tp_dst={u.dport}", f"len={len(u.payload) + 8}"  # the UDP length field
    if ICMP in pkt:
        i = pkt[ICMP]
        if IPerror in pkt:  # an error quoting the packet that caused it
            q = pkt[IPerror]
            ports = f",tp_src={q[UDPerror].sport},tp_dst={q[UDPerror].dport}" if UDPerror in pkt else ""
            extra = f"inner=[proto={q.proto},nw_src={q.src},nw_dst={q.dst}{ports}]"
        else:
            extra = f"id={i.id} seq={i.seq}"
        return f"icmp,{base},icmp_type={i.type},icmp_code={i.code}", extra
    raise ValueError(f"unsupported packet {pkt.summary()}")


def describe(frame):
    flow, extra = conv_line(Ether(frame), 0)
    return flow.replace("in_port=0,", ""), extra


def l3(src, dst_ip):
    s = HOST[src]
    dmac = "02:00:00:00:00:fe"  # the router MAC every host talks to
    return Ether(src=s[1], dst=dmac) / IP(src=s[2], dst=dst_ip, ttl=64)


def tcp(src, dst_ip, sport, dport, flags, seq, ack=0, length=0):
    p = l3(src, dst_ip) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240)
    return src, (p / Raw(b"A" * length) if length else p)


def udp6(src, dst_ip, sport, dport, length=12):
    s = HOST[src]
    return src, Ether(src=s[1], dst="02:00:00:00:00:fe") / IPv6(src=HOST6[src], dst=dst_ip, hlim=64) / UDP(sport=sport, dport=dport) / Raw(b"U" * length)


def udp(src, dst_ip, sport, dport, length=12):
    return src, l3(src, dst_ip) / UDP(sport=sport, dport=dport) / Raw(b"U" * length)


def icmp(src, dst_ip, type_, ident, seq):
    return src, l3(src, dst_ip) / ICMP(type=type_, id=ident, seq=seq) / Raw(b"abcdefgh" * 4)


def run_packet(step, t, src, pkt):
    ofport = HOST[src][0]
    frame = bytes(pkt)
    pkt = Ether(frame)  # parsed back, so a quoted packet is seen as IPerror/UDPerror
    flow, extra = conv_line(pkt, ofport)
    before, before_cnt = tx_frames(), tx_counters()
    appctl("revalidator/purge")
    appctl("netdev-dummy/receive", src, frame.hex())
    after = tx_frames_settled(before, before_cnt)
    outputs = []
    for name in HOST:
        for f in after[name][len(before[name]):]:
            oflow, oextra = describe(f)
            outputs.append({"port": name, "ofport": HOST[name][0], "flow": oflow,
                            "fields": oextra, "hex": f.hex()})
    return {
        "step": step, "t": round(t, 3), "port": src, "ofport": ofport,
        "flow": flow, "fields": extra, "hex": frame.hex(),
        "outputs": outputs,
        "datapath_flows": appctl("dpctl/dump-flows").splitlines(),
        "conntrack_ms": appctl("dpctl/dump-conntrack", "-m", "-s").splitlines(),
    }


def run(name, description, flows, build):
    """build(steps_so_far) -> next (src, packet[, gap_ms]) or None (replies may use outputs)."""
    if ONLY and name not in ONLY:
        return
    d = f"{OUT}/{name}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/flows.txt", "w") as f:
        f.write(flows)
    sh("ovs-ofctl", "del-flows", "br0")
    sh("ovs-ofctl", "add-flows", "br0", f"{d}/flows.txt")
    appctl("dpctl/flush-conntrack")
    steps, t = [], 0.0
    while (nxt := build(steps)) is not None:
        if steps:
            gap = nxt[2] if len(nxt) > 2 else GAP_MS
            appctl("time/warp", str(gap))
            t += gap / 1000
        steps.append(run_packet(len(steps) + 1, t, nxt[0], nxt[1]))
    doc = {"case": name, "description": description,
           "ovs": sh("ovs-vswitchd", "--version").splitlines()[0] + " (userspace, dummy datapath)",
           "clock": f"time/stop, then time/warp before each packet ({GAP_MS} ms unless noted)",
           "steps": steps}
    with open(f"{d}/result.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(f"{d}/packets.conv", "w") as f:
        f.write(f"# {name}: {description}\n")
        for s in steps:
            f.write(f"@{s['t']:.3f} {s['flow']}  {s['fields']}".rstrip() + "\n")
    print(f"{name}: " + " ".join(
        f"{s['step']}->{','.join(o['port'] for o in s['outputs']) or 'drop'}" for s in steps))


def script(packets):
    return lambda steps: packets[len(steps)] if len(steps) < len(packets) else None


def main():
    os.makedirs(OUT, exist_ok=True)
    appctl("time/stop")
    srv = HOST["p2"][2]
    snat1 = SNAT_FLOWS.format(nat="192.168.0.100")
    run("snat-tcp", "10.0.0.1:40000 -> 172.16.0.2:80 through SNAT to 192.168.0.100: "
        "handshake, data, reply", snat1, script([
            tcp("p1", srv, 40000, 80, "S", 1000),
            tcp("p2", "192.168.0.100", 80, 40000, "SA", 5000, 1001),
            tcp("p1", srv, 40000, 80, "A", 1001, 5001),
            tcp("p1", srv, 40000, 80, "PA", 1001, 5001, length=20),
            tcp("p2", "192.168.0.100", 80, 40000, "A", 5001, 1021),
        ]))
    run("snat-udp", "10.0.0.1:5353 -> 172.16.0.2:53 through SNAT: request, reply, request",
        snat1, script([
            udp("p1", srv, 5353, 53), udp("p2", "192.168.0.100", 53, 5353, 40),
            udp("p1", srv, 5353, 53),
        ]))
    run("snat-icmp", "ping 10.0.0.1 -> 172.16.0.2 through SNAT: two echo request/reply pairs",
        snat1, script([
            icmp("p1", srv, 8, 0x1234, 1), icmp("p2", "192.168.0.100", 0, 0x1234, 1),
            icmp("p1", srv, 8, 0x1234, 2), icmp("p2", "192.168.0.100", 0, 0x1234, 2),
        ]))
    rng = SNAT_FLOWS.format(nat="192.168.0.100-192.168.0.101:5000-5001")
    run("snat-port-range", "two clients (p1, p3), same source port, UDP to the same server "
        "through nat(src=192.168.0.100-192.168.0.101:5000-5001): five flows for four "
        "bindings, then replies to what the server saw", rng, range_conversation)
    one = SNAT_FLOWS.format(nat="192.168.0.100:5000-5001")
    run("snat-port-kept", "nat(src=192.168.0.100:5000-5001), clients whose source port is "
        "already in the range: 10.0.0.1:5001, then 10.0.0.3:5001, then 10.0.0.1:6000 "
        "(range full), then the server answers each binding it saw", one, kept_conversation)
    run("snat-icmp-error", "UDP 10.0.0.1:5353 -> 172.16.0.2:53 through SNAT to 192.168.0.100; "
        "the server answers ICMP port unreachable quoting the translated datagram (+rel)",
        RELATED_FLOWS.format(nat="192.168.0.100"), port_unreachable)
    run("snat-collision", "nat(src=192.168.0.100) without ports: 10.0.0.1:40000 and "
        "10.0.0.3:40000 to the same server port would both become 192.168.0.100:40000; "
        "then the server answers each source it saw", snat1, collision_conversation)
    run("nat-commit-continues", "10.0.0.1:5353 -> 172.16.0.2:53: a table-less "
        "ct(commit,nat(src=192.168.0.100)) then more tables: they match the untranslated "
        "source, the datapath's later ct(zone=2) and recirculation see the translated one; "
        "then a reply and a second request", CONTINUE_FLOWS, script([
            udp("p1", srv, 5353, 53), udp("p2", "192.168.0.100", 53, 5353, 40),
            udp("p1", srv, 5353, 53),
        ]))
    run("dnat-clash", "10.0.0.1:40000 -> VIP 10.0.0.100:53 and -> VIP 10.0.0.101:53, both "
        "DNATed to 172.16.0.2:8080 without a port range: the second reply tuple would clash "
        "with the first; then the backend answers what it saw", CLASH_FLOWS, clash_conversation)
    snat6 = """\
table=0,priority=100,ipv6,ct_state=-trk,actions=ct(zone=1,nat,table=1)
table=1,priority=100,ipv6,in_port=1,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src=fd01::100)),output:2
table=1,priority=100,ipv6,in_port=1,ct_state=+est+trk,actions=output:2
table=1,priority=100,ipv6,in_port=2,ct_state=+est+trk,actions=output:1
table=1,priority=0,actions=drop
"""
    run("snat-udp6", "IPv6: fd00::1:5353 -> fd01::2:53 through nat(src=fd01::100); "
        "the server answers the address/port it saw; another request", snat6, snat6_conversation)
    run("dnat-vip", "10.0.0.1:40000 -> VIP 10.0.0.100:80 DNATed to 172.16.0.2:8080 "
        "(like OVN's load balancer); the backend answers, the client sees the VIP",
        DNAT_FLOWS, script([
            tcp("p1", "10.0.0.100", 40000, 80, "S", 3000),
            tcp("p2", "10.0.0.1", 8080, 40000, "SA", 7000, 3001),
            tcp("p1", "10.0.0.100", 40000, 80, "A", 3001, 7001),
            tcp("p1", "10.0.0.100", 40000, 80, "PA", 3001, 7001, length=30),
            tcp("p2", "10.0.0.1", 8080, 40000, "A", 7001, 3031),
        ]))
    run("nat-state-bits", "the snat/dnat bits of ct_state decide forwarding: an SNAT TCP "
        "connection (10.0.0.1:40010 -> 172.16.0.2:80) and a DNAT one to the VIP "
        "(10.0.0.1:40011 -> 10.0.0.100:80 -> 172.16.0.2:8080), each packet both ways",
        BITS_FLOWS, script([
            tcp("p1", srv, 40010, 80, "S", 100),
            tcp("p2", "192.168.0.100", 80, 40010, "SA", 500, 101),
            tcp("p1", srv, 40010, 80, "A", 101, 501),
            tcp("p1", "10.0.0.100", 40011, 80, "S", 200),
            tcp("p2", "10.0.0.1", 8080, 40011, "SA", 600, 201),
            tcp("p1", "10.0.0.100", 40011, 80, "A", 201, 601),
        ]))


def port_unreachable(steps):
    """UDP through SNAT, then the server's ICMP port unreachable quoting what it received."""
    if not steps:
        return udp("p1", HOST["p2"][2], 5353, 53)
    if len(steps) > 1:
        return None
    quoted = Ether(bytes.fromhex(steps[0]["outputs"][0]["hex"]))[IP]
    return "p2", l3("p2", quoted.src) / ICMP(type=3, code=3) / bytes(quoted)


def snat6_conversation(steps):
    if not steps:
        return udp6("p1", HOST6["p2"], 5353, 53)
    if len(steps) == 1:
        o = Ether(bytes.fromhex(steps[0]["outputs"][0]["hex"]))
        return "p2", Ether(src=HOST["p2"][1], dst="02:00:00:00:00:fe") / IPv6(src=HOST6["p2"], dst=o[IPv6].src, hlim=64) / UDP(sport=53, dport=o[UDP].sport) / Raw(b"U" * 30)
    if len(steps) == 2:
        return udp6("p1", HOST6["p2"], 5353, 53)
    return None


def clash_conversation(steps):
    sends = ["10.0.0.100", "10.0.0.101"]
    n = len(steps)
    if n < len(sends):
        return udp("p1", sends[n], 40000, 53)
    sent = [s for s in steps[:len(sends)] if s["outputs"]]
    if n - len(sends) >= len(sent):
        return None
    o = Ether(bytes.fromhex(sent[n - len(sends)]["outputs"][0]["hex"]))
    return udp("p2", o[IP].src, o[UDP].dport, o[UDP].sport, 30)


def collision_conversation(steps):
    sends = [("p1", 40000), ("p3", 40000)]
    n = len(steps)
    if n < len(sends):
        return udp(sends[n][0], HOST["p2"][2], sends[n][1], 53)
    sent = [s for s in steps[:len(sends)] if s["outputs"]]
    if n - len(sends) >= len(sent):
        return None
    o = Ether(bytes.fromhex(sent[n - len(sends)]["outputs"][0]["hex"]))
    return udp("p2", o[IP].src, 53, o[UDP].sport, 30)


KEPT_SENDS = [("p1", 5001), ("p3", 5001), ("p1", 6000)]


def kept_conversation(steps):
    n = len(steps)
    if n < len(KEPT_SENDS):
        src, sport = KEPT_SENDS[n]
        return udp(src, HOST["p2"][2], sport, 53)
    sent = [s for s in steps[:len(KEPT_SENDS)] if s["outputs"]]
    i = n - len(KEPT_SENDS)
    if i >= len(sent):
        return None
    o = Ether(bytes.fromhex(sent[i]["outputs"][0]["hex"]))
    return udp("p2", o[IP].src, 53, o[UDP].sport, 30)


RANGE_SENDS = [("p1", 40000), ("p3", 40000), ("p1", 40001), ("p3", 40001), ("p1", 40002)]


def range_conversation(steps):
    srv = HOST["p2"][2]
    n = len(steps)
    if n < len(RANGE_SENDS):
        src, sport = RANGE_SENDS[n]
        return udp(src, srv, sport, 53)
    # Replies to the frames the server received, in order (skip dropped ones).
    sent = [s for s in steps[:len(RANGE_SENDS)] if s["outputs"]]
    i = n - len(RANGE_SENDS)
    if i >= len(sent):
        return None
    o = Ether(bytes.fromhex(sent[i]["outputs"][0]["hex"]))
    return udp("p2", o[IP].src, 53, o[UDP].sport, 30)


if __name__ == "__main__":
    main()
