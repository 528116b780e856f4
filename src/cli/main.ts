#!/usr/bin/env node
// ctflow command line: commander commands only; the work is in the pure core.
import { Command, CommanderError } from 'commander';
import { runFmt, runParseJson } from './fmt.js';
import { runTrace } from './trace.js';
import { runCommand } from './run.js';
import { lintCommand } from './lint.js';
import { testCommand } from './test.js';
import { EXIT_BAD_INPUT, exitWith, portNamesOption, PROTOCOL_FLAGS } from './io.js';

// A reader that stops early (`ctflow lint FLOWS | head`) closes the pipe: stop quietly, as
// ovs-ofctl does when SIGPIPE ends it, instead of dying on an unhandled EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

const program = new Command();
program
  .name('ctflow')
  .description("Open vSwitch's OpenFlow pipeline and ct() conntrack, emulated offline")
  .version('0.1.0');

const portsOpt = ['--ports <map|file>', 'port names: NAME=NUMBER[,NAME=NUMBER...], or a file of `ovs-ofctl show` output'] as const;

program.command('fmt')
  .description('print flows exactly as `ovs-ofctl dump-flows --no-stats` would')
  .argument('<files...>', 'add-flows files or pasted dump-flows output ("-" for stdin)')
  .option(...portsOpt)
  .option('--names', 'print port names from --ports, like dump-flows --names')
  .option(PROTOCOL_FLAGS, 'print as `ovs-ofctl -O PROTOCOL dump-flows` does (default: as the dump header says, else OpenFlow10)')
  .option('--of15', 'same as --protocol OpenFlow15')
  .action((files: string[], o) => exitWith(() => runFmt(files, { ports: portNamesOption(o.ports), of15: o.of15, protocol: o.protocol, names: o.names })));

program.command('parse')
  .description('parse flows and print the IR')
  .argument('<files...>')
  .option(...portsOpt)
  .option('--json', 'print the IR as JSON (the default)')
  .action((files: string[], o) => exitWith(() => runParseJson(files, { ports: portNamesOption(o.ports) })));

program.command('trace')
  .description('run one packet through the tables and print it like `ovs-appctl ofproto/trace`')
  .argument('<flows>', 'flow file (add-flows syntax or dump-flows output)')
  .argument('<packet>', "packet in OVS flow syntax, e.g. 'tcp,in_port=1,nw_src=10.0.0.1,tp_dst=22,tcp_flags=syn'")
  .option(...portsOpt)
  .option('--groups <file>', 'groups (dump-groups output or add-groups syntax)')
  .option('--ct-next <flags>', 'ct_state for the next recirculation, bypassing the tracker (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
  .option('--conntrack <file>', 'start from a saved conntrack table (conntrack -L / dpctl/dump-conntrack lines)')
  .option('--json', 'print the trace as JSON')
  .option('--profile <profile>', 'conntrack profile: kernel or userspace', 'kernel')
  .option('--bridge <name>', "bridge name shown in the trace (default: LOCAL's name in --ports, else br0)")
  .option(PROTOCOL_FLAGS, 'the OpenFlow version the flows and groups are added with, as `ovs-ofctl -O` (default: a dump\'s header, else OpenFlow10); the trace prints their actions in it')
  .action((flows: string, packet: string, o) => exitWith(() => runTrace(flows, packet, { ports: o.ports, groups: o.groups, ctNext: o.ctNext, conntrack: o.conntrack, json: o.json, profile: o.profile, bridge: o.bridge, protocol: o.protocol })));

program.addCommand(runCommand());
program.addCommand(lintCommand());
program.addCommand(testCommand());

// commander's own usage errors (unknown option or command, missing argument) exit with
// EXIT_BAD_INPUT like ctflow's: its default 1 is what `lint` means by "found warnings".
for (const c of [program, ...program.commands]) c.exitOverride();
program.parseAsync(process.argv).catch((e: unknown) => {
  if (!(e instanceof CommanderError)) throw e;
  process.exitCode = e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
});
