#!/usr/bin/python3
"""Record what OVS 3.1 userspace conntrack does with ct(nat) forms that name no address.

    /work/shared/tools/ovs-sandbox.sh start /tmp/h6-ovs   (bridge br0, dummy ports p1..p3
    with tx_pcap files, as test/tools/record-nat.py describes)
    /usr/bin/python3 test/oracle/nat-null/record.py test/oracle/nat-null/userspace /tmp/h6-ovs [CASE...]

Reuses test/tools/record-nat.py (hosts, packet builders, per-step recording). Every ct()
recirculates to table 1, which copies ct_state into the low byte of the frame's source
MAC before output, so each frame that leaves carries the bits its ct() gave it.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("record_nat", os.path.join(HERE, "..", "..", "tools", "record-nat.py"))
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)

MARK = "move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_SRC[0..7]"
OUT_FLOWS = f"""\
table=1,priority=100,in_port=1,actions={MARK},output:2
table=1,priority=100,in_port=3,actions={MARK},output:2
table=1,priority=100,in_port=2,ip,nw_dst=10.0.0.3,actions={MARK},output:3
table=1,priority=100,in_port=2,ipv6,ipv6_dst=fd00::3,actions={MARK},output:3
table=1,priority=90,in_port=2,actions={MARK},output:1
"""
# A bare nat on every packet, both directions, as a table that commits everything would.
BARE_FLOWS = """\
table=0,priority=100,ip,actions=ct(commit,zone=1,nat,table=1)
table=0,priority=100,ipv6,actions=ct(commit,zone=1,nat,table=1)
""" + OUT_FLOWS
# nat(src) / nat(dst) without an address for new connections; a bare nat lookup for the
# rest; one DNAT to a real address (VIP 10.0.0.100) to make a tuple clash.
NULL_FLOWS = """\
table=0,priority=100,ip,actions=ct(zone=1,nat,table=2)
table=2,priority=200,ip,in_port=1,ct_state=+new+trk,nw_dst=10.0.0.100,actions=ct(commit,zone=1,nat(dst=172.16.0.2),table=1)
table=2,priority=100,ip,in_port=1,ct_state=+new+trk,actions=ct(commit,zone=1,nat(src),table=1)
table=2,priority=100,ip,in_port=3,ct_state=+new+trk,actions=ct(commit,zone=1,nat(dst),table=1)
table=2,priority=50,ip,actions=ct(zone=1,nat,table=1)
""" + OUT_FLOWS

# A connection a non-NATed master's TFTP expectation made, committed with a bare nat.
EXPECTED_FLOWS = """\
table=0,priority=10,udp,in_port=1,tp_dst=69,actions=ct(commit,zone=1,alg=tftp,table=1)
table=0,priority=5,ip,actions=ct(zone=1,table=2)
table=2,priority=10,ip,ct_state=+new+rel+trk,actions=ct(commit,zone=1,nat,table=1)
table=2,priority=5,ip,actions=ct(zone=1,nat,table=1)
""" + OUT_FLOWS


def main():
    os.makedirs(R.OUT, exist_ok=True)
    R.appctl("time/stop")
    srv, tcp, udp, udp6, icmp = R.HOST["p2"][2], R.tcp, R.udp, R.udp6, R.icmp
    R.run("bare-nat-tcp", "ct(commit,nat) on every packet: 10.0.0.1:40001 -> 172.16.0.2:80 "
          "handshake, then 10.0.0.1:40002 and 10.0.0.3:40001 to the same server port", BARE_FLOWS, R.script([
              tcp("p1", srv, 40001, 80, "S", 1000),
              tcp("p2", "10.0.0.1", 80, 40001, "SA", 5000, 1001),
              tcp("p1", srv, 40001, 80, "A", 1001, 5001),
              tcp("p1", srv, 40002, 80, "S", 2000),
              tcp("p3", srv, 40001, 80, "S", 3000),
          ]))
    R.run("bare-nat-udp", "ct(commit,nat) on every packet: UDP 10.0.0.1:5353 -> 172.16.0.2:53, "
          "the reply, the request again, then 10.0.0.1:5354 -> 172.16.0.2:53 and to port 54", BARE_FLOWS, R.script([
              udp("p1", srv, 5353, 53), udp("p2", "10.0.0.1", 53, 5353, 30), udp("p1", srv, 5353, 53),
              udp("p1", srv, 5354, 53), udp("p1", srv, 5354, 54),
          ]))
    R.run("bare-nat-icmp", "ct(commit,nat) on every packet: echo request 10.0.0.1 -> 172.16.0.2, "
          "the reply, a second request with another id", BARE_FLOWS, R.script([
              icmp("p1", srv, 8, 0x1234, 1), icmp("p2", "10.0.0.1", 0, 0x1234, 1), icmp("p1", srv, 8, 0x1235, 1),
          ]))
    R.run("bare-nat-udp6", "ct(commit,nat) on every packet, IPv6: fd00::1:5353 -> fd01::2:53, "
          "the reply, fd00::1:5354 -> fd01::2:53", BARE_FLOWS, R.script([
              udp6("p1", R.HOST6["p2"], 5353, 53),
              ("p2", R.Ether(src=R.HOST["p2"][1], dst="02:00:00:00:00:fe") / R.IPv6(src=R.HOST6["p2"], dst=R.HOST6["p1"], hlim=64)
               / R.UDP(sport=53, dport=5353) / R.Raw(b"U" * 30)),
              udp6("p1", R.HOST6["p2"], 5354, 53),
          ]))
    R.run("null-binding", "nat(src) / nat(dst) without an address: 10.0.0.1:40001 -> 172.16.0.2:80 "
          "TCP handshake through nat(src); 10.0.0.3:5353 -> 172.16.0.2:53 through nat(dst) and its "
          "reply; 10.0.0.1:40000 -> VIP 10.0.0.100:53 DNATed to 172.16.0.2, then "
          "10.0.0.1:40000 -> 172.16.0.2:53 through nat(src), whose reply tuple would be the "
          "first's; the server answers both", NULL_FLOWS, null_conversation)

    R.run("bare-nat-expected", "TFTP read request 10.0.0.1:40001 -> 172.16.0.2:69 committed with alg=tftp and "
          "no nat; the server's DATA from port 50010 is +new+rel and committed with a bare nat; the client's ACK "
          "and the next DATA through a bare nat lookup", EXPECTED_FLOWS, R.script([
              tftp("p1", srv, 40001, 69, b"\x00\x01a\x00octet\x00"),
              tftp("p2", "10.0.0.1", 50010, 40001, b"\x00\x03\x00\x01x"),
              tftp("p1", srv, 40001, 50010, b"\x00\x04\x00\x01"),
              tftp("p2", "10.0.0.1", 50010, 40001, b"\x00\x03\x00\x02y"),
          ]))

    R.run("snat-expected", "as bare-nat-expected, but the DATA's commit asks for nat(src=192.168.0.100)",
          EXPECTED_FLOWS.replace("+new+rel+trk,actions=ct(commit,zone=1,nat,", "+new+rel+trk,actions=ct(commit,zone=1,nat(src=192.168.0.100),"),
          R.script([
              tftp("p1", srv, 40001, 69, b"\x00\x01a\x00octet\x00"),
              tftp("p2", "10.0.0.1", 50010, 40001, b"\x00\x03\x00\x01x"),
              tftp("p1", srv, 40001, 50010, b"\x00\x04\x00\x01"),
          ]))


def tftp(src, dst_ip, sport, dport, payload):
    return src, R.l3(src, dst_ip) / R.UDP(sport=sport, dport=dport) / R.Raw(payload)


def null_conversation(steps):
    srv = R.HOST["p2"][2]
    fixed = [
        R.tcp("p1", srv, 40001, 80, "S", 1000),
        R.tcp("p2", "10.0.0.1", 80, 40001, "SA", 5000, 1001),
        R.tcp("p1", srv, 40001, 80, "A", 1001, 5001),
        R.udp("p3", srv, 5353, 53), R.udp("p2", "10.0.0.3", 53, 5353, 30),
        R.udp("p1", "10.0.0.100", 40000, 53), R.udp("p1", srv, 40000, 53),
    ]
    n = len(steps)
    if n < len(fixed):
        return fixed[n]
    # The server answers what it saw of the last two (the addresses/ports OVS chose).
    i = n - len(fixed)
    if i >= 2 or not steps[5 + i]["outputs"]:
        return None
    o = R.Ether(bytes.fromhex(steps[5 + i]["outputs"][0]["hex"]))
    return R.udp("p2", o[R.IP].src, 53, o[R.UDP].sport, 30)


if __name__ == "__main__":
    main()
