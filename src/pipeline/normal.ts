// output:NORMAL: OVS's built-in L2 learning switch (ofproto-dpif-xlate's xlate_normal),
// for a bridge whose ports have OVS's default configuration. ctflow knows a bridge only
// by its port numbers, so it assumes what `ovs-vsctl add-port` gives: every port is a
// bundle of its own, a VLAN trunk carrying every VLAN (no tag/trunks/vlan_mode), floodable,
// and the bridge has no bonds, mirrors, STP/RSTP, multicast snooping and forward-bpdu=false.
// A bridge configured otherwise forwards differently; the trace says so in a note.
//
// What NORMAL does then:
//   * drops frames to reserved multicast MACs (STP, LACP, CDP…), and partial VLAN tags;
//   * learns the source MAC on the input port, in the packet's VLAN (only with side effects:
//     a real packet or `-generate`; a plain ofproto/trace does not learn);
//   * sends to the port the destination MAC was learned on, or floods to every other port;
//   * outputs the packet with the VLAN headers it has at that moment (a trunk keeps them),
//     except that a header whose VID and PCP are both 0 is dropped, as OVS rebuilds it.
// Flooding visits the bundles in OVS's bundle list order, which comes from a hash of heap
// addresses and changes with every ovs-vswitchd start: ctflow uses ascending port order.
import { VLAN_CFI, VLAN_TCI1 } from '../packet/packet.js';
import { wordOf } from '../packet/slots.js';
import type { Pipeline } from './pipeline.js';
import { OFPP_CONTROLLER, OFPP_LOCAL, OFPP_NONE } from './pipeline.js';
import { formatMac } from '../model/values.js';
import { bridgePorts } from './flood.js';
import type { Xlate } from './xlate.js';

const IN_PORT = wordOf('in_port');
/** OVS's defaults: mac-aging-time 300 s, mac-table-size 2048. */
export const MAC_AGING_MS = 300_000;
export const MAC_TABLE_SIZE = 2048;

interface MacEntry { port: number; expiresMs: number }

/** The bridge's MAC learning table: (VLAN, MAC) → port, each entry aging out after 300 s. */
export class MacTable {
  private readonly entries = new Map<string, MacEntry>();
  private key = (mac: bigint, vlan: number) => `${vlan}/${mac.toString(16)}`;

  lookup(mac: bigint, vlan: number, nowMs: number): number | null {
    const k = this.key(mac, vlan);
    const e = this.entries.get(k);
    if (!e) return null;
    if (nowMs >= e.expiresMs) { this.entries.delete(k); return null; }
    return e.port;
  }

  /**
   * Learns `mac` on `port` (or refreshes it): 'moved' when the entry is new or its port
   * changed (OVS then reports what it learned), 'full' when there is no room.
   */
  learn(mac: bigint, vlan: number, port: number, nowMs: number): 'moved' | 'refreshed' | 'full' {
    const k = this.key(mac, vlan);
    const old = this.entries.get(k);
    const alive = old !== undefined && nowMs < old.expiresMs;
    if (old) this.entries.delete(k); // re-inserted last: the Map's order is the LRU order
    else {
      for (const [key, e] of this.entries) if (nowMs >= e.expiresMs) this.entries.delete(key);
      if (this.entries.size >= MAC_TABLE_SIZE) return 'full';
    }
    this.entries.set(k, { port, expiresMs: nowMs + MAC_AGING_MS });
    return alive && old.port === port ? 'refreshed' : 'moved';
  }

  get size(): number { return this.entries.size; }
}

// The learning table is the bridge's state, like the flows learn() installs: it lives as
// long as the pipeline (all the packets of one conversation see it).
const TABLES = new WeakMap<Pipeline, MacTable>();
export function macTableOf(pp: Pipeline): MacTable {
  let t = TABLES.get(pp);
  if (!t) { t = new MacTable(); TABLES.set(pp, t); }
  return t;
}

/** A bundle is named after its port (LOCAL's after the bridge): the bridge's names, else the --names ones. */
const portName = (pp: Pipeline, port: number) =>
  pp.ports.names?.get(port) ?? pp.portNames?.get(port) ?? (port === OFPP_LOCAL ? 'LOCAL' : String(port));

const isMulticast = (mac: bigint) => ((mac >> 40n) & 1n) === 1n;
const BROADCAST = 0xffffffffffffn;
/** eth_addr_is_reserved: IEEE 802.1 reserved group addresses and some vendors' protocols. */
const RESERVED = new Set<bigint>([
  ...Array.from({ length: 16 }, (_, i) => 0x0180c2000000n + BigInt(i)),
  0x00e02b000000n, 0x00e02b000004n, 0x00e02b000006n,
  0x01000c000000n, 0x01000cccccccn, 0x01000ccccccdn, 0x01000ccdcdcdn,
  ...Array.from({ length: 8 }, (_, i) => 0x01000cccccc0n + BigInt(i)),
]);

const ASSUMED = 'ctflow assumes default port settings: every port a VLAN trunk, no bonds, mirrors or STP';
const FLOOD_ORDER = 'OVS floods in an order that changes with each ovs-vswitchd start; ctflow in port order';

export function normal(x: Xlate): void {
  const pp = x.run.pipeline;
  const ports = bridgePorts(pp.ports);
  if (!ports) return x.unsupported('output:NORMAL without the bridge\'s port list (--ports)');
  const s = x.slots;
  x.note(ASSUMED);
  // The megaflow: NORMAL reads both MACs and the VLAN ID.
  x.wc.set('dl_src', BROADCAST);
  x.wc.set('dl_dst', BROADCAST);
  x.wc.set('vlan_tci', x.wc.get('vlan_tci') | 0x1fffn);

  const inPort = s.w[IN_PORT] >>> 0;
  // OFPP_NONE / CONTROLLER: traffic a controller sources; it belongs to no bundle, so
  // nothing is learned and no port is left out of a flood.
  const fromController = inPort === OFPP_NONE || inPort === OFPP_CONTROLLER;
  if (!fromController && !ports.includes(inPort)) {
    x.error(`received packet on unknown port ${inPort}`);
    x.warn('no input bundle, dropping');
    return;
  }
  const dlType = s.get('dl_type');
  const tci = s.get('vlan_tci');
  if ((dlType === 0x8100n || dlType === 0x88a8n) && !(tci & VLAN_CFI)) {
    x.warn('partial VLAN tag, dropping');
    return;
  }
  const vlan = Number(tci & VLAN_CFI ? tci & 0xfffn : 0n);
  const dst = s.get('dl_dst'), src = s.get('dl_src');
  if (RESERVED.has(dst)) {
    x.detail('packet has reserved destination MAC, dropping');
    return;
  }
  readGratuitousArp(x);
  const macs = macTableOf(pp);
  if (x.run.learn && !fromController && s.get('packet_type') === 0n && !isMulticast(src)) {
    const r = macs.learn(src, vlan, inPort, x.run.nowMs);
    if (r === 'full') x.unsupported(`MAC learning with a full table (${MAC_TABLE_SIZE} entries: OVS evicts from the port with most entries)`);
    if (r === 'moved') x.detail(`learned that ${formatMac(src)} is on port ${portName(pp, inPort)} in VLAN ${vlan}`);
  }
  const learned = isMulticast(dst) ? null : macs.lookup(dst, vlan, x.run.nowMs);
  if (learned === null) {
    x.detail('no learned MAC for destination, flooding');
    x.note(FLOOD_ORDER);
    for (const p of ports) if (p !== inPort) outputNormal(x, p);
  } else if (learned === inPort) {
    x.detail('learned port is input port, dropping');
  } else if (!ports.includes(learned)) {
    x.warn('learned port is unknown, dropping');
  } else {
    x.detail('forwarding to learned port');
    outputNormal(x, learned);
  }
}

/** is_gratuitous_arp reads these fields of an ARP packet (they join the megaflow). */
function readGratuitousArp(x: Xlate): void {
  const s = x.slots;
  if (s.get('dl_type') !== 0x0806n || s.get('dl_dst') !== BROADCAST) return;
  x.wc.set('nw_proto', 0xffn);
  if (s.get('nw_proto') === 1n) { x.wc.set('nw_src', 0xffffffffn); x.wc.set('nw_dst', 0xffffffffn); }
}

/**
 * One output of NORMAL. OVS rebuilds the packet's VLAN headers from their VID and PCP
 * before the output (and puts the old ones back after): a header with VID 0 and PCP 0
 * disappears; any other keeps its TPID.
 */
function outputNormal(x: Xlate, port: number): void {
  const s = x.slots;
  const t0 = s.get('vlan_tci'), t1 = s.get(VLAN_TCI1);
  const outer = t0 & VLAN_CFI ? t0 : 0n;
  const inner = outer && t1 & VLAN_CFI ? t1 : 0n;
  const rebuilt = (t: bigint) => (t & ~VLAN_CFI ? t | VLAN_CFI : 0n);
  s.set('vlan_tci', rebuilt(outer));
  s.set(VLAN_TCI1, rebuilt(inner));
  x.output(port);
  s.set('vlan_tci', t0);
  s.set(VLAN_TCI1, t1);
}
