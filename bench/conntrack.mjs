// The tracker alone: packets per second over many short UDP/TCP conversations (kernel
// profile, and the same traffic through the userspace profile), and memory per entry
// with 1,000,000 UDP entries live (plus 200,000 TCP entries, whose state is larger).
import { newConntrack, newCtPacketCache } from '../dist/index.js';

const SYN = 0x002, ACK = 0x010, SYNACK = 0x012;

function conversations(profile, conns) {
  const ct = newConntrack({ profile });
  const c = 0xac10ff82n, s = 0xac10ff83n;
  let packets = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < conns; i++) {
    const sport = 1024 + (i % 60000), zone = 1 + (i % 4), now = i;
    const send = (pkt) => {
      const cache = newCtPacketCache();
      ct.execute(pkt, { zone, commit: false, force: false }, now, cache);
      ct.execute(pkt, { zone, commit: true, force: false }, now, cache);
      packets++;
    };
    const src = c + BigInt(i >> 16);
    send({ l3: 'ipv4', src, dst: s, proto: 6, sport, dport: 80, tcp: { flags: SYN, seq: 1000, ack: 0, win: 64240, len: 0 } });
    send({ l3: 'ipv4', src: s, dst: src, proto: 6, sport: 80, dport: sport, tcp: { flags: SYNACK, seq: 5000, ack: 1001, win: 65160, len: 0 } });
    send({ l3: 'ipv4', src, dst: s, proto: 6, sport, dport: 80, tcp: { flags: ACK, seq: 1001, ack: 5001, win: 64240, len: 0 } });
    send({ l3: 'ipv4', src, dst: s, proto: 17, sport, dport: 53, udp: { len: 40 } });
  }
  const pktS = Number(process.hrtime.bigint() - t0) / 1e9;
  return { packets, perS: Math.round(packets / pktS) };
}

/** Heap bytes per committed entry, `live` entries made by `pkt(i)`. */
function heapPerEntry(live, pkt) {
  const big = newConntrack({ profile: 'kernel' });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < live; i++) big.execute(pkt(i), { zone: 1, commit: true, force: false }, 0, newCtPacketCache());
  global.gc?.();
  const perEntry = (process.memoryUsage().heapUsed - heap0) / live;
  return { n: big.entries(1).length, perEntry: Math.round(perEntry) };
}

export function benchConntrack(conns = 100_000, live = 1_000_000) {
  const kernel = conversations('kernel', conns);
  const user = conversations('userspace', conns);
  const s = 0xac10ff83n;
  const udp = heapPerEntry(live, (i) => ({
    l3: 'ipv4', src: 0x0a000000n + BigInt(i >> 10), dst: s, proto: 17, sport: 1024 + (i & 1023), dport: 53, udp: { len: 40 },
  }));
  const tcp = heapPerEntry(Math.ceil(live / 5), (i) => ({
    l3: 'ipv4', src: 0x0a000000n + BigInt(i >> 10), dst: s, proto: 6, sport: 1024 + (i & 1023), dport: 80,
    tcp: { flags: SYN, seq: 1000, ack: 0, win: 64240, len: 0 },
  }));
  return {
    name: 'conntrack alone (kernel profile)',
    packets: kernel.packets, packets_per_s: kernel.perS,
    userspace_packets_per_s: user.perS,
    live_entries: udp.n, heap_bytes_per_entry: udp.perEntry,
    tcp_live_entries: tcp.n, heap_bytes_per_tcp_entry: tcp.perEntry,
    targets: '>= 500,000 packets/s, <= 1024 B/entry',
  };
}
