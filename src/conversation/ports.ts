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
const DPIF_BRIDGE = /^ {2}(\S+):$/;
const DPIF_SHOW = /^\s+(\S+) (\d+)\/(\d+):/;

export class PortsFileError extends Error {}

interface DpifPort { name: string; of: number; dp: number }

/**
 * `bridge` (`--bridge`) picks one bridge's ports out of a `dpif/show` that lists several
 * (they share one datapath, so their OpenFlow numbers collide); `ovs-ofctl show` lines
 * name theirs (`LOCAL(br-int)`).
 */
export function readPortsFile(text: string, file: string, bridge?: string): BridgePorts {
  const names = new Map<string, number>();
  const sections = new Map<string, DpifPort[]>();
  let section = '';
  let shown: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const s = OFCTL_SHOW.exec(line);
    if (s) {
      names.set(s[2], s[1] === 'LOCAL' ? OFPP_LOCAL : Number(s[1]));
      if (s[1] === 'LOCAL') shown = s[2];
      continue;
    }
    const b = DPIF_BRIDGE.exec(line);
    if (b) { section = b[1]; continue; }
    const d = DPIF_SHOW.exec(line);
    if (d) {
      if (!sections.has(section)) sections.set(section, []);
      sections.get(section)!.push({ name: d[1], of: Number(d[2]), dp: Number(d[3]) });
    }
  }
  const wanted = bridge ?? shown;
  let listed = [...sections.values()][0] ?? [];
  if (sections.size > 1) {
    const bridges = [...sections.keys()].filter(Boolean).join(', ');
    if (wanted === null) throw new PortsFileError(`${file}: dpif/show lists bridges ${bridges}: pick one with --bridge NAME (trace, run) or keep one bridge's lines`);
    const mine = sections.get(wanted);
    if (!mine) throw new PortsFileError(`${file}: no bridge ${wanted} in dpif/show (it lists ${bridges})`);
    listed = mine;
  }
  const dpPorts = new Map<number, number>();
  let local: number | null = null;
  for (const p of listed) {
    if (p.of === OFPP_LOCAL) local = p.dp;
    else dpPorts.set(p.of, p.dp);
    if (!names.has(p.name)) names.set(p.name, p.of);
  }
  const ofPorts = new Set([...names.values()].filter((n) => n !== OFPP_LOCAL));
  if (!ofPorts.size) {
    throw new PortsFileError(`${file}: no ports found (expected \`ovs-ofctl show\` lines like " 1(vm1): addr:…" or \`dpif/show\` lines like "    vm1 1/2: (dummy)")`);
  }
  if (local === null) local = dummyLocalPort(wanted ?? 'br0', [...ofPorts].map((p) => dpPorts.get(p) ?? p));
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
