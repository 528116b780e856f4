#!/usr/bin/python3
"""An ACL removed and added back while a TCP connection lives, recorded on the live OVN lab
(ovn-lab.sh) with the same per-packet recording as conversations.py.

    /usr/bin/python3 flows/tools/acl-change.py OUTDIR [LABDIR]

vm1:40003 -> vm2:80 opens and exchanges data under the to-lport 1002 allow-related ACL;
then `ovn-nbctl --wait=hv acl-del` removes that ACL (the logged to-lport 1000 drop now
matches port 80 too) and more packets of the same connection go both ways, plus a new SYN
from another port; then the ACL is added back and the connection tries again, plus one more
new connection. After each ACL change, once ovn-controller has installed the new flows,
`ovs-ofctl dump-flows br-int` is written to OUTDIR/../acl-change/NAME.flows (start.flows: the
tables before the first packet, this run's cookies and zones).
Output: OUTDIR/tcp-vm1-vm2-acl-deleted.json + .conv (the .conv switches tables with
`@T flows FILE` lines, FILE relative to the .conv).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversations as cv  # noqa: E402  (reads OUTDIR and LABDIR from sys.argv)

NAME = "tcp-vm1-vm2-acl-deleted"
ACL = ("pg_web", "to-lport", "1002", "outport == @pg_web && ip4 && tcp.dst == 80")
FLOWS_DIR = os.path.join(os.path.dirname(cv.OUT), "acl-change")


def nbctl(*args):
    return cv.sh("ovn-nbctl", f"--db=unix:{cv.LAB}/nb.sock", "--timeout=30", *args)


def flow_count(dump=None):
    dump = dump if dump is not None else cv.sh("ovs-ofctl", "dump-flows", "br-int")
    return sum(1 for line in dump.splitlines() if line.startswith(" cookie="))


def change_tables(command, file_name):
    """Run an ACL command, wait until br-int's flows stop changing, dump them."""
    before = flow_count()
    nbctl("--wait=hv", *command)
    prev, cur = -1, flow_count()
    for _ in range(30):  # --wait=hv already waited for ovn-controller; be sure anyway
        if cur == prev:
            break
        time.sleep(1)
        prev, cur = cur, flow_count()
    dump = cv.sh("ovs-ofctl", "dump-flows", "br-int")
    with open(f"{FLOWS_DIR}/{file_name}", "w") as f:
        f.write(dump)
    return {
        "command": "ovn-nbctl --wait=hv " + " ".join(
            f"'{a}'" if " " in a else a for a in command),
        "flows": f"flows/acl-change/{file_name}",
        "flow_count_before": before,
        "flow_count_after": flow_count(dump),
        "acl_list": nbctl("acl-list", "pg_web").splitlines(),
    }


def main():
    os.makedirs(FLOWS_DIR, exist_ok=True)
    with open(f"{FLOWS_DIR}/start.flows", "w") as f:
        f.write(cv.sh("ovs-ofctl", "dump-flows", "br-int"))
    with open(f"{FLOWS_DIR}/ct-zones", "w") as f:
        f.write(cv.sh("ovs-appctl", "-t", f"{cv.LAB}/ovn-controller.{open(f'{cv.LAB}/ovn-controller.pid').read().strip()}.ctl", "ct-zone-list"))
    cv.appctl("time/stop")
    cv.appctl("dpctl/flush-conntrack")
    c, s = 40003, 80
    # (item, gap in ms before it): a packet (src, pkt) or a table change (command, file).
    plan = [
        (cv.tcp("vm1", "vm2", c, s, "S", 1000), 0),
        (cv.tcp("vm2", "vm1", s, c, "SA", 5000, 1001, 65160), 100),
        (cv.tcp("vm1", "vm2", c, s, "A", 1001, 5001), 100),
        (cv.tcp("vm1", "vm2", c, s, "PA", 1001, 5001, length=100), 100),
        (cv.tcp("vm2", "vm1", s, c, "A", 5001, 1101, 65160), 100),
        ((["acl-del", *ACL], "deleted.flows"), 500),
        (cv.tcp("vm2", "vm1", s, c, "PA", 5001, 1101, 65160, length=200), 100),
        (cv.tcp("vm1", "vm2", c, s, "A", 1101, 5201), 100),
        (cv.tcp("vm2", "vm1", s, c, "PA", 5201, 1101, 65160, length=50), 100),
        (cv.tcp("vm1", "vm2", c, s, "PA", 1101, 5201, length=100), 100),
        (cv.tcp("vm1", "vm2", 40004, s, "S", 4000), 100),
        ((["acl-add", *ACL, "allow-related"], "readded.flows"), 500),
        (cv.tcp("vm1", "vm2", c, s, "PA", 1101, 5201, length=100), 100),
        (cv.tcp("vm2", "vm1", s, c, "A", 5251, 1201, 65160), 100),
        (cv.tcp("vm1", "vm2", 40005, s, "S", 6000), 100),
    ]
    steps, changes, lines, t = [], [], [], 0.0
    for item, gap in plan:
        if gap:
            cv.appctl("time/warp", str(gap))
            t += gap / 1000
        if isinstance(item[0], list):
            ch = change_tables(*item)
            ch.update(t=round(t, 3), before_step=len(steps) + 1)
            changes.append(ch)
            lines.append(f"@{t:.3f} flows ../acl-change/{item[1]}   # {ch['command']}")
            print(f"@{t:.3f} {ch['command']}: {ch['flow_count_before']} -> "
                  f"{ch['flow_count_after']} flows")
            continue
        rec = cv.run_packet(len(steps) + 1, t, *item)
        steps.append(rec)
        lines.append(cv.packet_line(rec))
        print(f"#{rec['step']} @{t:.3f} -> {','.join(rec['delivered_to']) or 'dropped'}")
    description = ("vm1:40003 -> vm2:80 under ACL 1002 allow-related; the ACL is deleted "
                   "mid-connection (default deny applies), then added back")
    cv.save(NAME, description, {
        "clock": "ovs-appctl time/stop, then time/warp before each packet and table change; "
                 "t is seconds since the first packet",
        "tables": "flows/acl-change/start.flows",
        "table_changes": changes,
        "steps": steps,
    }, lines, "then seq/ack/win/len; `@T flows FILE` = from time T on, the tables "
              "ovn-controller installed after the ACL change (FILE relative to this file)")

if __name__ == "__main__":
    main()
