// `ctflow trace FLOWS 'PACKET'`: one packet through the tables, printed like ofproto/trace.
import { newConntrack, type Conntrack } from '../conntrack/index.js';
import { dummyLocalPort } from '../conversation/ports.js';
import { formatDiagnostic } from '../parse/diagnostic.js';
import { readFlows } from '../parse/flows.js';
import { readGroups } from '../parse/groups.js';
import { parsePacket, PacketError } from '../packet/packet.js';
import { buildPipeline, openPorts, type PortMap } from '../pipeline/pipeline.js';
import { ctStateText, parseCtNext, runPacket, RecirculationError } from '../pipeline/run.js';
import { ExecError } from '../pipeline/exec.js';
import { formatTraceText } from '../trace/text.js';
import { traceToJson } from '../trace/json.js';
import { bridgeName, bridgePorts, EXIT_BAD_INPUT, protocolVersion, readText, reportDiagnostics, restoreConntrack, toJson, UsageError } from './io.js';

export interface TraceOpts {
  /** `--ports`: NAME=NUMBER pairs or a file of `ovs-ofctl show` / `dpif/show` output. */
  ports?: string;
  groups?: string;
  ctNext: string[];
  conntrack?: string;
  json?: boolean;
  profile: string;
  /** The bridge name the trace header shows (OVN's tables live on br-int). */
  bridge?: string;
  /** `-O`: the OpenFlow version the flows and groups are added with. */
  protocol?: string;
}

export function runTrace(flowsFile: string, packetText: string, o: TraceOpts): number {
  if (o.profile !== 'kernel' && o.profile !== 'userspace') throw new UsageError(`--profile: expected kernel or userspace, got '${o.profile}'`);
  // ofproto/trace refuses an empty flow too; an all-defaults packet must be asked for (`in_port=1`).
  if (!packetText.trim()) throw new UsageError("empty packet: give it in OVS flow syntax, e.g. 'tcp,in_port=1,nw_dst=10.0.0.2,tp_dst=22'");
  const bp = bridgePorts(o.ports, o.bridge);
  const bridge = bridgeName(o.bridge, bp);
  const names = bp?.names ?? new Map<string, number>();
  const asked = protocolVersion(o.protocol);
  const flows = readFlows(readText(flowsFile), flowsFile, { ports: names, ofVersion: asked });
  if (flows.diagnostics.length) { reportDiagnostics(flows.diagnostics); return EXIT_BAD_INPUT; }
  let groups: ReturnType<typeof readGroups>['groups'] = [];
  let groupsOfVersion: number | undefined;
  if (o.groups) {
    const g = readGroups(readText(o.groups), o.groups, { ports: names, ofVersion: asked });
    if (g.diagnostics.length) { reportDiagnostics(g.diagnostics); return EXIT_BAD_INPUT; }
    groups = g.groups;
    groupsOfVersion = g.ofVersion;
  }
  // Without a port list every port exists; LOCAL is still numbered as on a fresh switch.
  const ports: PortMap = bp?.ports ?? { ...openPorts(), local: dummyLocalPort(bridge, []) };
  const pipeline = buildPipeline(flows.flows, {
    groups, ports, ofVersion: asked ?? flows.ofVersion, groupsOfVersion,
    portNames: names.size ? new Map([...names].map(([n, v]) => [v, n])) : undefined,
  });
  let packet;
  try { packet = parsePacket(packetText, names); } catch (e) {
    if (e instanceof PacketError) {
      process.stderr.write(formatDiagnostic({ file: 'packet', line: 1, col: (e.span?.start ?? 0) + 1,
        len: Math.max(1, (e.span?.end ?? 1) - (e.span?.start ?? 0)), message: e.message, lineText: packetText }) + '\n');
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  // --ct-next bypasses the tracker, as ofproto/trace does; otherwise ct() runs the tracker.
  let conntrack: Conntrack | null = null;
  let ctNext: number[] = [];
  try { ctNext = o.ctNext.map(ctNextOption); } catch (e) {
    if (e instanceof RecirculationError) throw new UsageError(e.message);
    throw e;
  }
  if (!o.ctNext.length) {
    conntrack = newConntrack({ profile: o.profile });
    if (o.conntrack && !restoreConntrack(conntrack, o.conntrack)) return EXIT_BAD_INPUT;
  } else if (o.conntrack) throw new UsageError('--ct-next and --conntrack exclude each other');
  let result;
  try { result = runPacket({ pipeline, conntrack, ctNext, trace: true }, packet, 0); } catch (e) {
    if (e instanceof ExecError) { process.stderr.write(`ctflow: ${e.message}\n`); return EXIT_BAD_INPUT; }
    throw e;
  }
  process.stdout.write(o.json ? toJson(traceToJson(result.trace)) + '\n' : formatTraceText(result.trace, bridge));
  return 0;
}

const [TRK, NEW, EST, RPL, INV] = ['trk', 'new', 'est', 'rpl', 'inv'].map(parseCtNext);

/**
 * One `--ct-next` value, held to what ofproto/trace takes: flag names separated by commas
 * (`trk,est`; an empty value is ct_state 0) making a state a connection can be in. OVS
 * refuses the others (observed with OVS 3.1: `est`, `trk,new,est`, `trk,inv,new`,
 * `trk|est`, `+trk`), so a trace with them would show a packet that cannot exist.
 */
function ctNextOption(text: string): number {
  if (/[|+]/.test(text)) throw new UsageError(`--ct-next: '${text}': separate the flags with ',' (e.g. trk,est)`);
  const bits = parseCtNext(text);
  const clash = bits && !(bits & TRK) ? 'any flag needs "trk"'
    : bits & INV && bits & ~(TRK | INV) ? '"inv" goes with "trk" only'
      : bits & NEW && bits & EST ? '"new" and "est" exclude each other'
        : bits & NEW && bits & RPL ? '"new" and "rpl" exclude each other' : null;
  if (clash) throw new UsageError(`--ct-next: ${ctStateText(bits)} is not a connection state: ${clash}`);
  return bits;
}
