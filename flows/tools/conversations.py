#!/usr/bin/python3
"""Send packet conversations through the live OVN lab (ovn-lab.sh) and record what the
real ovs-vswitchd did with each packet.

    /usr/bin/python3 flows/tools/conversations.py OUTDIR [LABDIR]

For every conversation: conntrack is flushed, the OVS clock is stopped (time/stop) and
advanced with time/warp before each packet; each packet is injected on its VM's dummy
port with `netdev-dummy/receive PORT HEX`. After each packet we record the frames every
port transmitted (its tx_pcap), the datapath flows the packet created (revalidator/purge is
run before it), `dpctl/dump-conntrack` (plain and -m -s), ACL log lines of ovn-controller
and `ofproto/trace br-int FLOW` of the same packet. Output: OUTDIR/NAME.json + NAME.conv.
"""
import json
import os
import subprocess
import sys
import time

from scapy.all import ICMP, IP, TCP, Ether, Raw, rdpcap  # Debian python3-scapy 2.5

OUT = os.path.abspath(sys.argv[1])
LAB = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "/tmp/ovn-lab")
VSWITCHD = f"{LAB}/ovs-vswitchd.ctl"
os.environ.update(OVS_RUNDIR=LAB, OVS_LOGDIR=LAB, OVS_DBDIR=LAB)

# name -> (ofport, MAC, IP). Router port MACs are the L2 next hop for routed traffic.
VM = {
    "vm1": (1, "02:00:00:00:00:11", "10.0.0.11"),
    "vm2": (2, "02:00:00:00:00:12", "10.0.0.12"),
    "vm3": (3, "02:00:00:00:00:13", "10.0.0.13"),
    "vm4": (4, "02:00:00:00:00:14", "10.0.1.14"),
}
OFPORT_NAME = {v[0]: k for k, v in VM.items()}
LR1_LS1_MAC = "02:00:00:00:01:01"
LR1_LS2_MAC = "02:00:00:00:01:02"
VIP = "10.0.0.100"
GAP_MS = 100  # OVS clock advance before every packet after the first

TCP_FLAG_NAMES = [("F", "fin"), ("S", "syn"), ("R", "rst"), ("P", "psh"), ("A", "ack"),
                  ("U", "urg"), ("E", "ece"), ("C", "cwr")]


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def appctl(*args):
    return sh("ovs-appctl", "-t", VSWITCHD, *args)


def controller_log():
    with open(f"{LAB}/ovn-controller.log") as f:
        return f.read()


def tx_frames():
    """Every frame each VM port has transmitted so far (tx_pcap is flushed per packet)."""
    out = {}
    for name in VM:
        path = f"{LAB}/{name}-tx.pcap"
        out[name] = [bytes(p) for p in rdpcap(path)] if os.path.getsize(path) > 24 else []
    return out


def tx_counters():
    """tx_packets per OpenFlow port from `ovs-ofctl dump-ports br-int`."""
    counts, port = {}, None
    for line in sh("ovs-ofctl", "dump-ports", "br-int").splitlines():
        line = line.strip()
        if line.startswith("port"):
            port = line.split()[1].rstrip(":")
        elif line.startswith("tx pkts=") and port is not None:
            counts[port] = int(line.split("=")[1].split(",")[0])
    return counts


def tcp_flags(flags):
    s = str(flags)
    return "|".join(name for letter, name in TCP_FLAG_NAMES if letter in s)


def conv_line(pkt, ofport):
    """OVS flow syntax of a frame (with in_port), then the fields flow syntax cannot carry."""
    e, ip = pkt[Ether], pkt[IP]
    base = (f"in_port={ofport},dl_src={e.src},dl_dst={e.dst},"
            f"nw_src={ip.src},nw_dst={ip.dst},nw_ttl={ip.ttl}")
    if TCP in pkt:
        t = pkt[TCP]
        return (f"tcp,{base},tp_src={t.sport},tp_dst={t.dport},tcp_flags={tcp_flags(t.flags)}",
                f"seq={t.seq} ack={t.ack} win={t.window} len={len(t.payload)}")
    if ICMP in pkt:
        i = pkt[ICMP]
        extra = f"id={i.id} seq={i.seq}" if i.type in (0, 8) else ""
        return f"icmp,{base},icmp_type={i.type},icmp_code={i.code}", extra
    raise ValueError(f"unsupported packet {pkt.summary()}")


def describe(frame):
    """Same form for a frame a port sent (no in_port: it left the switch)."""
    pkt = Ether(frame)
    flow, extra = conv_line(pkt, 0)
    return flow.replace("in_port=0,", ""), extra


def tcp(src, dst, sport, dport, flags, seq, ack=0, win=64240, length=0,
        dl_dst=None, nw_dst=None):
    s, d = VM[src], VM.get(dst)
    p = (Ether(src=s[1], dst=dl_dst or d[1]) / IP(src=s[2], dst=nw_dst or d[2], ttl=64)
         / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=win))
    if length:
        p = p / Raw(b"A" * length)
    return src, p


def icmp(src, dst, type_, ident, seq, dl_dst=None):
    s, d = VM[src], VM[dst]
    p = (Ether(src=s[1], dst=dl_dst or d[1]) / IP(src=s[2], dst=d[2], ttl=64)
         / ICMP(type=type_, id=ident, seq=seq) / Raw(b"abcdefgh" * 7))
    return src, p


def ct_next_states(dp_flows):
    """The ct_state each ct() recirculation really produced, in order, read off the
    megaflows this packet installed: recirc_id(0) -> ct(...),recirc(X) -> flow X's ct_state.
    Returns None when the chain is incomplete (e.g. a slow-pathed flow is not listed)."""
    by_recirc = {}
    for line in dp_flows:
        rid = line.split("recirc_id(", 1)[1].split(")", 1)[0] if "recirc_id(" in line else None
        if rid is not None:
            by_recirc.setdefault(rid, line)
    states, rid = [], "0"
    while rid in by_recirc:
        actions = by_recirc[rid].split(" actions:", 1)[1]
        if "recirc(" not in actions:
            return states
        nxt = actions.rsplit("recirc(", 1)[1].split(")", 1)[0]
        if nxt not in by_recirc:
            return None
        if "ct(" in actions:
            ct = by_recirc[nxt].split("ct_state(", 1)[1].split(")", 1)[0]
            # "+new-est-rel-rpl-inv+trk" -> "new,trk": keep the flags that are set.
            states.append(",".join(part.split("-")[0] for part in ct.split("+")[1:]))
        rid = nxt
    return None


def run_packet(step, t, src, pkt):
    ofport = VM[src][0]
    frame = bytes(pkt)
    flow, extra = conv_line(pkt, ofport)
    before_tx, before_cnt = tx_frames(), tx_counters()
    log_before = len(controller_log())
    appctl("revalidator/purge")  # drops datapath flows and their ukeys
    appctl("netdev-dummy/receive", src, frame.hex())
    time.sleep(0.3)  # let ovn-controller's pinctrl write an ACL log line (packet-in)
    after_tx, after_cnt = tx_frames(), tx_counters()
    outputs = []
    for name in VM:
        for f in after_tx[name][len(before_tx[name]):]:
            oflow, oextra = describe(f)
            outputs.append({"port": name, "ofport": VM[name][0], "flow": oflow,
                            "fields": oextra, "hex": f.hex()})
    log_new = controller_log()[log_before:].splitlines()
    rec = {
        "step": step,
        "t": round(t, 3),
        "port": src,
        "ofport": ofport,
        "flow": flow,
        "fields": extra,
        "hex": frame.hex(),
        "delivered_to": [o["port"] for o in outputs],
        "outputs": outputs,
        "tx_packets_delta": {OFPORT_NAME.get(int(k), k) if k.isdigit() else k:
                             after_cnt[k] - before_cnt.get(k, 0)
                             for k in after_cnt if after_cnt[k] != before_cnt.get(k, 0)},
        "datapath_flows": appctl("dpctl/dump-flows").splitlines(),
        "conntrack": appctl("dpctl/dump-conntrack").splitlines(),
        "conntrack_ms": appctl("dpctl/dump-conntrack", "-m", "-s").splitlines(),
        "acl_log": [l for l in log_new if "acl_log" in l],
        "trace_command": f"ovs-appctl ofproto/trace br-int '{flow}'",
        "trace": appctl("ofproto/trace", "br-int", flow),
    }
    states = ct_next_states(rec["datapath_flows"])
    if states:
        args = [a for st in states for a in ("--ct-next", st)]
        rec["trace_ct_next_command"] = ("ovs-appctl ofproto/trace br-int "
                                        f"'{flow}' " + " ".join(f"--ct-next '{st}'" for st in states))
        rec["trace_ct_next"] = appctl("ofproto/trace", "br-int", flow, *args)
    return rec


def run(name, description, build):
    """build(steps_so_far) -> next (src, packet) or None; lets replies depend on outputs."""
    appctl("dpctl/flush-conntrack")
    steps, t = [], 0.0
    while True:
        nxt = build(steps)
        if nxt is None:
            break
        if steps:
            gap = nxt[2] if len(nxt) > 2 else GAP_MS
            appctl("time/warp", str(gap))
            t += gap / 1000
        steps.append(run_packet(len(steps) + 1, t, nxt[0], nxt[1]))
    save(name, description, {
        "clock": f"ovs-appctl time/stop, then time/warp before each packet ({GAP_MS} ms unless a step says otherwise); t is seconds since the first packet",
        "tables": "flows/ovn-acl.flows",
        "steps": steps,
    }, [packet_line(s) for s in steps], "then seq/ack/win/len or id/seq")
    print(f"{name}: {len(steps)} packets, delivered: "
          + " ".join(f"{s['step']}->{','.join(s['delivered_to']) or 'none'}" for s in steps))


def packet_line(step):
    """A recorded step as a .conv line."""
    return f"@{step['t']:.3f} {step['flow']}  {step['fields']}".rstrip()


def save(name, description, doc, lines, line_format):
    """Writes OUT/NAME.json (doc after the common keys) and OUT/NAME.conv (lines)."""
    doc = {"conversation": name, "description": description,
           "lab": "flows/tools/ovn-lab.sh (OVN 23.03.1, OVS 3.1.0, br-int dummy datapath)", **doc}
    with open(f"{OUT}/{name}.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(f"{OUT}/{name}.conv", "w") as f:
        f.write(f"# {name}: {description}\n")
        f.write("# one packet per line, in order: @seconds, ovs flow syntax (in_port = OpenFlow"
                f" port of br-int), {line_format}\n")
        f.write("".join(line + "\n" for line in lines))


def script(packets):
    """A fixed list of (src, packet[, gap_ms]) as a build function."""
    return lambda steps: packets[len(steps)] if len(steps) < len(packets) else None


def main():
    os.makedirs(OUT, exist_ok=True)
    appctl("time/stop")
    c, s = 40000, 80
    run("tcp-vm1-vm2-http", "vm1:40000 -> vm2:80 (ACL 1002 allow-related): handshake, "
        "data both ways, FIN from each side", script([
            tcp("vm1", "vm2", c, s, "S", 1000),
            tcp("vm2", "vm1", s, c, "SA", 5000, 1001, 65160),
            tcp("vm1", "vm2", c, s, "A", 1001, 5001),
            tcp("vm1", "vm2", c, s, "PA", 1001, 5001, length=100),
            tcp("vm2", "vm1", s, c, "A", 5001, 1101, 65160),
            tcp("vm2", "vm1", s, c, "PA", 5001, 1101, 65160, length=200),
            tcp("vm1", "vm2", c, s, "A", 1101, 5201),
            tcp("vm1", "vm2", c, s, "FA", 1101, 5201),
            tcp("vm2", "vm1", s, c, "A", 5201, 1102, 65160),
            tcp("vm2", "vm1", s, c, "FA", 5201, 1102, 65160),
            tcp("vm1", "vm2", c, s, "A", 1102, 5202),
        ]))
    run("tcp-vm1-vm2-ssh-denied", "vm1:40001 -> vm2:22: SYN hits the logged default-deny "
        "ACL (to-lport 1000 drop), retransmitted 1 s later", script([
            tcp("vm1", "vm2", 40001, 22, "S", 2000),
            tcp("vm1", "vm2", 40001, 22, "S", 2000) + (1000,),
        ]))
    run("icmp-vm1-vm2-ping", "vm1 -> vm2 ping (ACL 1001 allow-related): two echo "
        "request/reply pairs", script([
            icmp("vm1", "vm2", 8, 0x1234, 1), icmp("vm2", "vm1", 0, 0x1234, 1),
            icmp("vm1", "vm2", 8, 0x1234, 2) + (1000,), icmp("vm2", "vm1", 0, 0x1234, 2),
        ]))
    run("icmp-vm1-vm4-routed-ping", "vm1 -> vm4 ping through lr1 (dl_dst = router port MAC, "
        "TTL decremented, no ACL on ls2)", script([
            icmp("vm1", "vm4", 8, 0x2222, 1, dl_dst=LR1_LS1_MAC),
            icmp("vm4", "vm1", 0, 0x2222, 1, dl_dst=LR1_LS2_MAC),
        ]))
    run("tcp-vm1-lb-vip", "vm1:40002 -> VIP 10.0.0.100:80 (lb_web, group 1 picks a backend "
        "by dp_hash); the backend answers, vm1 sees the VIP", lb_conversation)
    # Counters of every flow and of the LB group after all conversations.
    with open(f"{OUT}/after.flows", "w") as f:
        f.write(sh("ovs-ofctl", "dump-flows", "br-int"))
    with open(f"{OUT}/after.group-stats", "w") as f:
        f.write(sh("ovs-ofctl", "dump-group-stats", "br-int"))
    # (OVS 3.1 has no command to restart a stopped clock: it stays stopped until exit.)


def lb_conversation(steps):
    c, s = 40002, 80
    if not steps:
        return tcp("vm1", None, c, s, "S", 3000, dl_dst=LR1_LS1_MAC, nw_dst=VIP)
    backend = steps[0]["delivered_to"][0]  # the port the DNATed SYN came out of
    plan = [
        lambda: tcp(backend, "vm1", s, c, "SA", 7000, 3001, 65160),
        lambda: tcp("vm1", None, c, s, "A", 3001, 7001, dl_dst=LR1_LS1_MAC, nw_dst=VIP),
        lambda: tcp("vm1", None, c, s, "PA", 3001, 7001, length=50,
                    dl_dst=LR1_LS1_MAC, nw_dst=VIP),
        lambda: tcp(backend, "vm1", s, c, "A", 7001, 3051, 65160),
    ]
    i = len(steps) - 1
    return plan[i]() if i < len(plan) else None


if __name__ == "__main__":
    main()
