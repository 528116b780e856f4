// The bridge a conversation runs on, read from what OVS prints about its ports:
//
//   `ovs-ofctl show BR`     " 1(vm1): addr:aa:55:…"      → name vm1 = OpenFlow port 1
//                           " LOCAL(br-int): addr:…"     → br-int = LOCAL
//   `ovs-appctl dpif/show`  "    vm1 1/2: (dummy)"       → OpenFlow port 1 = datapath port 2
//
// Both may be in one file (flows/ovn-acl.ports is). With datapath numbers, datapath
// actions print ports as the datapath does (`3`, not the OpenFlow `2`).
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
  let local = 0;
  for (const line of text.split(/\r?\n/)) {
    const s = OFCTL_SHOW.exec(line);
    if (s) {
      names.set(s[2], s[1] === 'LOCAL' ? OFPP_LOCAL : Number(s[1]));
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
  return { names, ports: { ofPorts, dpPorts, local } };
}

/** Ports given as NAME=NUMBER pairs: OpenFlow numbers only, datapath ports the same. */
export function portsFromNames(names: Map<string, number>): BridgePorts {
  return { names, ports: { ofPorts: new Set([...names.values()].filter((n) => n !== OFPP_LOCAL)), dpPorts: new Map(), local: 0 } };
}
