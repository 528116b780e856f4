// The ports of the bridge, and the order in which OVS 3.1 emits them for output:FLOOD and
// output:ALL.
//
// Why this order. OVS floods by walking its per-bridge map of ports (a chained hash map
// keyed by hash_int(OpenFlow port number, 0)). Walking such a map visits bucket 0, 1, 2…
// and within a bucket the entries in the order they are chained. Two parts of that are
// fixed by the port numbers alone, so ctflow reproduces them:
//   * the bucket of a port: its hash masked by the map's bucket mask;
//   * the bucket mask: the map is refilled one port at a time whenever the bridge is
//     reconfigured, and grows (to 4, 8, 16… buckets) as the count of ports passes 2, 8,
//     16…, so the mask follows from the count of ports (LOCAL included).
// The order of the ports that share a bucket is not fixed: the map is refilled in the
// order of the bridge's list of bundles, and that list is built from another map keyed
// by the addresses of heap objects, which change from one ovs-vswitchd start to the next.
// (With ports 1..4 and LOCAL, bucket 1 holds 1, 4 and LOCAL; the same flood recorded
// twice gave `100,4,2,3` and `4,100,2,3`.) ctflow puts a bucket's ports in ascending port
// order, which is one of the orders OVS may print, not the one a given daemon will.
import { wordOf } from '../packet/slots.js';
import { hashInt } from './hash.js';
import { OFPP_LOCAL, type PortMap } from './pipeline.js';
import type { Xlate } from './xlate.js';

const IN_PORT = wordOf('in_port');

/**
 * Every port of the bridge (LOCAL, the bridge's own port, included), ascending; null when
 * the port list is not known (a table traced without --ports).
 */
export function bridgePorts(ports: PortMap): readonly number[] | null {
  return orders(ports)?.ascending ?? null;
}

// Both orders are made once per port map (every NORMAL/FLOOD of every packet asks).
interface Orders { ascending: number[]; flood: number[] }
const ORDERS = new WeakMap<PortMap, Orders | null>();
function orders(ports: PortMap): Orders | null {
  let o = ORDERS.get(ports);
  if (o === undefined) {
    if (ports.ofPorts === null) o = null;
    else {
      const all = new Set(ports.ofPorts);
      all.add(OFPP_LOCAL);
      const ascending = [...all].sort((a, b) => a - b);
      o = { ascending, flood: floodOrder(ascending) };
    }
    ORDERS.set(ports, o);
  }
  return o;
}

/** The bucket mask of a map filled with `n` entries one at a time (4 buckets at least once it has 2). */
export function hmapMask(n: number): number {
  let mask = 0;
  for (let i = 1; i <= n; i++) {
    if (i >>> 1 <= mask) continue;
    let m = i >>> 1;
    m |= m >>> 1; m |= m >>> 2; m |= m >>> 4; m |= m >>> 8; m |= m >>> 16;
    mask = m | ((m & 1) << 1);
  }
  return mask;
}

/** `ports` (all of the bridge's ports) in the order OVS's port map visits them; see the header. */
export function floodOrder(ports: readonly number[]): number[] {
  const mask = hmapMask(ports.length);
  const bucket = (p: number) => (hashInt(p, 0) & mask) >>> 0;
  return [...ports].sort((a, b) => bucket(a) - bucket(b) || a - b);
}

/**
 * output:FLOOD / output:ALL: every port but the input port. (FLOOD also skips ports
 * configured no-flood; ctflow knows no port configuration, so both are the same here.)
 */
export function flood(x: Xlate): void {
  const o = orders(x.run.pipeline.ports);
  if (!o) return x.unsupported('FLOOD/ALL without the bridge\'s port list (--ports)');
  const inPort = x.slots.w[IN_PORT] >>> 0;
  for (const p of o.flood) if (p !== inPort) x.output(p);
}
