// A pipeline: the flow tables (a classifier), the groups and the ports of one bridge.
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { FieldSpec } from '../model/fields.js';
import { Classifier, type Conjunction } from './classifier.js';

export const OFPP_IN_PORT = 0xfff8;
export const OFPP_TABLE = 0xfff9;
export const OFPP_NORMAL = 0xfffa;
export const OFPP_FLOOD = 0xfffb;
export const OFPP_ALL = 0xfffc;
export const OFPP_CONTROLLER = 0xfffd;
export const OFPP_LOCAL = 0xfffe;
export const OFPP_NONE = 0xffff;
export const OFPP_MAX = 0xff00;

/** The bridge's ports: which OpenFlow ports exist and their datapath port numbers. */
export interface PortMap {
  /** null: every port number exists (a table traced without a port list). */
  ofPorts: ReadonlySet<number> | null;
  /** OpenFlow port → datapath port (missing: the same number; LOCAL: `local`). */
  dpPorts: ReadonlyMap<number, number>;
  local: number;
  /** The ports' names (LOCAL's is the bridge's): NORMAL's bundles go by them in a trace. */
  names?: ReadonlyMap<number, string>;
}

export const openPorts = (): PortMap => ({ ofPorts: null, dpPorts: new Map(), local: 0 });

export function portExists(p: PortMap, port: number): boolean {
  if (port === OFPP_LOCAL) return true;
  return p.ofPorts === null ? port < OFPP_MAX : p.ofPorts.has(port);
}

export function dpPort(p: PortMap, port: number): number {
  if (port === OFPP_LOCAL) return p.local;
  return p.dpPorts.get(port) ?? port;
}

export interface Bucket {
  id: number | null;          // null: numbered by position
  weight: number;
  watchPort: number | null;
  watchGroup: number | null;
  actions: Action[];
}

export interface GroupDesc {
  id: number;
  type: 'all' | 'select' | 'indirect' | 'ff';
  buckets: Bucket[];
  selectionMethod: string | null;
  /** selection_method_param: dp_hash's algorithm (high 32 bits) and basis, or hash's basis. */
  selectionMethodParam?: bigint;
  /** selection_method=hash: the fields hashed, each with its mask (null: whole field). */
  fields?: Array<{ field: FieldSpec; mask: bigint | null }>;
}

export interface Pipeline {
  classifier: Classifier;
  groups: Map<number, GroupDesc>;
  ports: PortMap;
  portNames?: Map<number, string>;
  /** Print actions as OpenFlow 1.5 dumps do (set_field rather than load). */
  of15: boolean;
  /** The OpenFlow version the flows and the groups were added with (ovs-ofctl -O): the trace prints their actions so (src/trace/of-version.ts). Default: of15 ? 15 : 10. */
  ofVersion?: number;
  groupsOfVersion?: number;
  /** Whether a controller listens (packet-ins are then sent: dont_send=0). */
  controllerConnected?: boolean;
  /** Meter ids in the order they were added (OVS numbers datapath meters 0, 1, … in that order). */
  meters?: number[];
}

/** The conjunctive clauses a flow supplies (`conjunction(id,k/n)`: its actions' clause facet); null when none. */
export function conjunctionsOf(flow: Flow): Conjunction[] | null {
  let out: Conjunction[] | null = null;
  for (const a of flow.actions) {
    const c = actionByName(a.name)?.clause?.(a.args);
    if (c) (out ??= []).push({ id: c.id, clause: c.clause, nClauses: c.nClauses });
  }
  return out;
}

export interface PipelineOpts {
  groups?: GroupDesc[];
  ports?: PortMap;
  portNames?: Map<number, string>;
  of15?: boolean;
  ofVersion?: number;
  groupsOfVersion?: number;
  controllerConnected?: boolean;
  meters?: number[];
}

export function buildPipeline(flows: Iterable<Flow>, o: PipelineOpts = {}): Pipeline {
  const classifier = new Classifier(conjunctionsOf);
  for (const f of flows) classifier.add(f);
  return {
    classifier,
    groups: new Map((o.groups ?? []).map((g) => [g.id, g])),
    ports: o.ports ?? openPorts(),
    portNames: o.portNames,
    of15: o.of15 ?? (o.ofVersion ?? 10) >= 15,
    ofVersion: o.ofVersion,
    groupsOfVersion: o.groupsOfVersion,
    controllerConnected: o.controllerConnected ?? false,
    meters: o.meters,
  };
}
