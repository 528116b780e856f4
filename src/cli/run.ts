// `ctflow run FLOWS CONVERSATION`: a conversation replayed through the tables with a
// real connection tracker. Reads the files, hands them to the pure core
// (src/conversation/), prints the verdicts.
import { Command } from 'commander';
import { CtConfigError, newConntrack, type Profile } from '../conntrack/index.js';
import { readConversation } from '../conversation/read.js';
import { renderJson, renderText } from '../conversation/render.js';
import { replay, TableChangeError } from '../conversation/replay.js';
import { diagnosticAt, readFlows } from '../parse/flows.js';
import { readGroups } from '../parse/groups.js';
import { ExecError } from '../pipeline/exec.js';
import { buildPipeline, openPorts } from '../pipeline/pipeline.js';
import { readTableChanges } from './test.js';
import { bridgeName, bridgePorts, EXIT_BAD_INPUT, exitWith, PROTOCOL_FLAGS, protocolVersion, readText, reportDiagnostics, restoreConntrack, toJson, UsageError } from './io.js';

export interface RunOpts {
  profile: string;
  sysctl: string[];
  json?: boolean;
  trace?: boolean;
  groups?: string;
  conntrack?: string;
  ports?: string;
  bridge?: string;
  controller?: boolean;
  /** `-O`: the OpenFlow version the flows and groups are added with. */
  protocol?: string;
}

function sysctls(list: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of list) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--sysctl: expected NAME=VALUE, got '${s}'`);
    m.set(s.slice(0, eq), s.slice(eq + 1));
  }
  return m;
}

export function runConversation(flowsFile: string, convFile: string, o: RunOpts): number {
  if (o.profile !== 'kernel' && o.profile !== 'userspace') {
    throw new UsageError(`--profile: expected kernel or userspace, got '${o.profile}'`);
  }
  const profile: Profile = o.profile;
  const bp = bridgePorts(o.ports, o.bridge);
  const names = bp?.names ?? new Map<string, number>();
  let conntrack;
  try { conntrack = newConntrack({ profile, sysctls: sysctls(o.sysctl) }); } catch (e) {
    if (e instanceof CtConfigError) throw new UsageError(`--sysctl: ${e.message}`);
    throw e;
  }
  const asked = protocolVersion(o.protocol);
  const flows = readFlows(readText(flowsFile), flowsFile, { ports: names, ofVersion: asked });
  const groups = o.groups ? readGroups(readText(o.groups), o.groups, { ports: names, ofVersion: asked }) : null;
  const conv = readConversation(readText(convFile), convFile, { ports: names });
  const diagnostics = [...flows.diagnostics, ...(groups?.diagnostics ?? []), ...conv.diagnostics];
  // `@S flows PATH` lines: their files are read here, the replay swaps the tables.
  const tables = readTableChanges(convFile, conv.packets.flatMap((p) => p.flowsBefore ?? []), names, diagnostics);
  if (diagnostics.length) { reportDiagnostics(diagnostics); return EXIT_BAD_INPUT; }
  if (!conv.packets.length) throw new UsageError(`${convFile}: no packets (one per line: [@SECONDS|+SECONDS] FLOW-SYNTAX  seq=… ack=… win=… len=…)`);
  if (o.conntrack && !restoreConntrack(conntrack, o.conntrack)) return EXIT_BAD_INPUT;
  const portNames = names.size ? new Map([...names].map(([n, v]) => [v, n])) : undefined;
  const pipeline = buildPipeline(flows.flows, {
    groups: groups?.groups ?? [], ports: bp?.ports ?? openPorts(), portNames,
    ofVersion: asked ?? flows.ofVersion, groupsOfVersion: groups?.ofVersion, controllerConnected: o.controller ?? false,
  });
  let verdicts;
  // --json gives each pass's packet and lookups (PacketResult.passes); the text does not.
  try { verdicts = replay({ pipeline, conntrack, trace: o.trace ?? false, passes: o.json ?? false, tables }, conv.packets); } catch (e) {
    if (e instanceof TableChangeError) { reportDiagnostics([diagnosticAt(convFile, e.change.src, e.change, e.message)]); return EXIT_BAD_INPUT; }
    if (e instanceof ExecError) { process.stderr.write(`ctflow: ${e.message}\n`); return EXIT_BAD_INPUT; }
    throw e;
  }
  const ro = { portNames, trace: o.trace, bridge: bridgeName(o.bridge, bp) };
  process.stdout.write(o.json ? toJson(renderJson(verdicts, ro)) + '\n' : renderText(verdicts, ro));
  return 0;
}

/** The `run` command, for main.ts to add. */
export function runCommand(): Command {
  return new Command('run')
    .description('replay a conversation (timed packets) through the tables with a real conntrack')
    .argument('<flows>', 'flow file (add-flows syntax or dump-flows output)')
    .argument('<conversation>', 'one packet per line: [@SECONDS|+SECONDS] FLOW-SYNTAX  seq=… ack=… win=… len=…')
    .option('--profile <profile>', 'conntrack profile: kernel or userspace', 'kernel')
    .option('--sysctl <name=value>', 'conntrack knob by its kernel sysctl name (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--json', 'print one JSON document { "packets": [...] }')
    .option('--trace', 'add the full per-table trace of every packet')
    .option('--groups <file>', 'groups (dump-groups output or add-groups syntax)')
    .option('--conntrack <file>', 'start from a saved conntrack table (conntrack -L / dpctl/dump-conntrack lines)')
    .option('--ports <map|file>', 'port names NAME=NUMBER[,...], or a file of `ovs-ofctl show` / `dpif/show` output')
    .option('--bridge <name>', "bridge name shown in traces (default: LOCAL's name in --ports, else br0)")
    .option('--controller', 'a controller is connected (packet-ins are sent: dont_send=0), as ovn-controller is')
    .option(PROTOCOL_FLAGS, 'the OpenFlow version the flows and groups are added with, as `ovs-ofctl -O` (default: a dump\'s header, else OpenFlow10)')
    .action((flows: string, conversation: string, o: RunOpts) => exitWith(() => runConversation(flows, conversation, o)));
}
