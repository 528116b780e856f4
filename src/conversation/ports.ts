// The bridge a conversation runs on, read from what OVS prints about its ports:
//
//   `ovs-ofctl show BR`     " 1(vm1): addr:aa:55:…"      → name vm1 = OpenFlow port 1
//                           " LOCAL(br-int): addr:…"     → br-int = LOCAL
//   `ovs-appctl dpif/show`  "    vm1 1/2: (dummy)"       → OpenFlow port 1 = datapath port 2
//
// Both may be in one file (flows/ovn-acl.ports is). With datapath numbers, datapath
// actions print ports as the datapath does (`3`, not the OpenFlow `2`).
//
// Without `dpif/show` lines, datapath ports are taken to equal OpenFlow ports, and LOCAL
// (the bridge's internal port) gets the number the dummy datapath gives it on a fresh
// switch (test/oracle/trace/local-port/: br0 → 100, br-int next to vm1,vm2 → 3, sw7 → 7).
import { OFPP_LOCAL, type PortMap } from '../pipeline/pipeline.js';

export interface BridgePorts {
  /** Port name → OpenFlow port number. */
  names: Map<string, number>;
  ports: PortMap;
}

const OFCTL_SHOW = /^\s*(\d+|LOCAL)\(([^)]+)\): addr:/;
const DPIF_SHOW = /^\s+(\S+) (\d+)\/(\d+):/;

export class PortsFileError extends Error {}

export function readPortsFile(text: string, file: string): BridgePorts {
  const names = new Map<string, number>();
  const dpPorts = new Map<number, number>();
  let local: number | null = null;
  let bridge: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const s = OFCTL_SHOW.exec(line);
    if (s) {
      names.set(s[2], s[1] === 'LOCAL' ? OFPP_LOCAL : Number(s[1]));
      if (s[1] === 'LOCAL') bridge = s[2];
      continue;
    }
    const d = DPIF_SHOW.exec(line);
    if (d) {
      const of = Number(d[2]), dp = Number(d[3]);
      if (of === OFPP_LOCAL) local = dp;
      else dpPorts.set(of, dp);
      if (!names.has(d[1])) names.set(d[1], of);
    }
  }
  const ofPorts = new Set([...names.values()].filter((n) => n !== OFPP_LOCAL));
  if (!ofPorts.size) {
    throw new PortsFileError(`${file}: no ports found (expected \`ovs-ofctl show\` lines like " 1(vm1): addr:…" or \`dpif/show\` lines like "    vm1 1/2: (dummy)")`);
  }
  if (local === null) local = dummyLocalPort(bridge ?? 'br0', [...ofPorts].map((p) => dpPorts.get(p) ?? p));
  return { names, ports: { ofPorts, dpPorts, local } };
}

/**
 * Ports given as NAME=NUMBER pairs: OpenFlow numbers only, datapath ports the same. LOCAL
 * is numbered from its name when one is given (`br-int=65534`), else from `bridge`.
 */
export function portsFromNames(names: Map<string, number>, bridge = 'br0'): BridgePorts {
  const ofPorts = new Set([...names.values()].filter((n) => n !== OFPP_LOCAL));
  const localName = [...names].find(([, n]) => n === OFPP_LOCAL)?.[0];
  return { names, ports: { ofPorts, dpPorts: new Map(), local: dummyLocalPort(localName ?? bridge, ofPorts) } };
}

/**
 * The datapath port a fresh dummy-datapath switch gives the bridge's internal port, the
 * others being `taken`. Observed (and so in dpif-netdev's port chooser for dummy
 * datapaths): a name with a digit asks for that number, plus 100 when the name starts
 * with "br" (br0 → 100); failing that, the lowest free number. The internal port was
 * numbered after the bridge's other ports in every recording.
 */
export function dummyLocalPort(bridge: string, taken: Iterable<number>): number {
  const used = new Set(taken);
  const digits = /\d+/.exec(bridge);
  if (digits) {
    const wanted = (bridge.startsWith('br') ? 100 : 0) + Number.parseInt(digits[0], 10);
    if (wanted > 0 && wanted < 0xffffffff && !used.has(wanted)) return wanted;
  }
  let n = 1;
  while (used.has(n)) n++;
  return n;
}
