// `ctflow test SCENARIO...`: scenario files (a conversation plus `expect` lines) run
// against the flow tables they name; one PASS/FAIL line per scenario. Exit 0 when all
// pass, 1 when some expectation fails, 2 on bad input (every error of every file is
// reported, nothing is run). Reads the files; the work is in src/conversation/.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CtParseError, loadEntries, newConntrack, type CtEntry } from '../conntrack/index.js';
import { portsFromNames, PortsFileError, readPortsFile, type BridgePorts } from '../conversation/ports.js';
import type { TableChange } from '../conversation/read.js';
import { readScenarioHeader, readScenarios, type Arg, type Scenario, type ScenarioHeader } from '../conversation/scenario.js';
import { TableChangeError, type NewTables } from '../conversation/replay.js';
import { renderScenarioJson, renderScenarioText, runScenario, type ScenarioEnv } from '../conversation/scenario-run.js';
import type { Diagnostic } from '../parse/diagnostic.js';
import { diagnosticAt, readFlows } from '../parse/flows.js';
import { readGroups } from '../parse/groups.js';
import { ExecError } from '../pipeline/exec.js';
import { buildPipeline, openPorts } from '../pipeline/pipeline.js';
import { EXIT_BAD_INPUT, exitWith, parsePortsOption, readText, reportDiagnostics, toJson, UsageError } from './io.js';

export const EXIT_FAILED = 1;

interface Loaded { scenarios: Scenario[]; env: ScenarioEnv }

/** A directive's path: absolute, or relative to the scenario file. */
const pathOf = (file: string, a: Arg) => (isAbsolute(a.text) ? a.text : join(dirname(file), a.text));

/** A directive's file; a missing one is a diagnostic at the directive. */
function fileOf(file: string, a: Arg, ds: Diagnostic[]): string | null {
  const path = pathOf(file, a);
  if (existsSync(path)) return path;
  ds.push(diagnosticAt(file, a.src, a, `no such file: ${path}`));
  return null;
}

/**
 * The flows of every `@S flows PATH` line of a conversation or scenario file (PATH relative
 * to it). A missing file is a diagnostic at the line naming it; a bad one gives the flow
 * file's own diagnostics. Each file is read once.
 */
export function readTableChanges(file: string, changes: Iterable<TableChange>, names: Map<string, number>, ds: Diagnostic[]): Map<TableChange, NewTables> {
  const out = new Map<TableChange, NewTables>();
  const byPath = new Map<string, NewTables | null>();
  for (const c of changes) {
    const path = fileOf(file, c, ds);
    if (!path) continue;
    let flows = byPath.get(resolve(path));
    if (flows === undefined) {
      const r = readFlows(readText(path), path, { ports: names });
      ds.push(...r.diagnostics);
      flows = r.diagnostics.length ? null : { flows: r.flows, of15: r.ofVersion >= 15 };
      byPath.set(resolve(path), flows);
    }
    if (flows) out.set(c, flows);
  }
  return out;
}

function portsOf(file: string, a: Arg, ds: Diagnostic[]): BridgePorts | null {
  const path = pathOf(file, a);
  try {
    if (existsSync(path)) return readPortsFile(readText(path), path);
    if (a.text.includes('=')) return portsFromNames(parsePortsOption(a.text));
  } catch (e) {
    if (!(e instanceof PortsFileError) && !(e instanceof UsageError)) throw e;
    ds.push(diagnosticAt(file, a.src, a, e.message));
    return null;
  }
  ds.push(diagnosticAt(file, a.src, a, `no such file: ${path} (or give NAME=NUMBER[,NAME=NUMBER...])`));
  return null;
}

type Built = Omit<ScenarioEnv, 'conntrack'>;

/** Reads one scenario file and what it names; flow files are read once per table, ports and controller. */
function load(file: string, cache: Map<string, Built | null>, ds: Diagnostic[]): Loaded | null {
  const text = readText(file);
  const { header: h, diagnostics } = readScenarioHeader(text, file);
  const mine: Diagnostic[] = [...diagnostics];
  const flowsFile = h.flows ? fileOf(file, h.flows, mine) : null;
  const groupsFile = h.groups ? fileOf(file, h.groups, mine) : null;
  const ctFile = h.conntrack ? fileOf(file, h.conntrack, mine) : null;
  const bp = h.ports ? portsOf(file, h.ports, mine) : null;
  const names = bp?.names ?? new Map<string, number>();
  const { scenarios, diagnostics: body } = readScenarios(text, file, { ports: names, profile: h.profile });
  mine.push(...body);
  const changes = scenarios.flatMap((s) => s.steps.flatMap((st) => st.packet.flowsBefore ?? []));
  const tables = readTableChanges(file, changes, names, mine);
  let entries: CtEntry[] = [];
  if (ctFile) {
    try { entries = loadEntries(readText(ctFile), 0, { file: ctFile }); } catch (e) {
      if (!(e instanceof CtParseError)) throw e;
      mine.push({ file: e.file, line: e.line, col: e.col, len: 1, message: e.detail, lineText: e.text });
    }
  }
  if (!flowsFile || mine.length) { ds.push(...mine); return null; }
  const key = JSON.stringify([flowsFile, groupsFile, h.ports && resolve(pathOf(file, h.ports)), h.ports?.text, h.controller]);
  let built = cache.get(key);
  if (built === null) return null; // its flow or group file is bad, reported once
  if (!built) {
    const flows = readFlows(readText(flowsFile), flowsFile, { ports: names });
    const groups = groupsFile ? readGroups(readText(groupsFile), groupsFile, { ports: names }) : null;
    const portNames = names.size ? new Map([...names].map(([n, v]) => [v, n])) : undefined;
    if (flows.diagnostics.length || groups?.diagnostics.length) {
      ds.push(...flows.diagnostics, ...(groups?.diagnostics ?? []));
      cache.set(key, null);
      return null;
    }
    const opts = {
      groups: groups?.groups ?? [], ports: bp?.ports ?? openPorts(), portNames,
      ofVersion: flows.ofVersion, groupsOfVersion: groups?.ofVersion, controllerConnected: h.controller,
    };
    const pipeline = () => buildPipeline(flows.flows, opts);
    built = { pipeline, portNames, flowTables: new Map(flows.flows.map((f) => [f.line, f.table])) };
    cache.set(key, built);
  }
  return { scenarios, env: { ...built, conntrack: tracker(h, entries), tables } };
}

function tracker(h: ScenarioHeader, entries: CtEntry[]): () => ReturnType<typeof newConntrack> {
  return () => {
    const ct = newConntrack({ profile: h.profile, sysctls: h.sysctls });
    // restore() keeps the objects it is given: each scenario gets its own copies.
    if (entries.length) ct.restore(structuredClone(entries));
    return ct;
  };
}

export function runTests(files: string[], o: { json?: boolean }): number {
  const ds: Diagnostic[] = [];
  const cache = new Map<string, Built | null>();
  const loaded = files.map((f) => load(f, cache, ds));
  if (ds.length) { reportDiagnostics(ds); return EXIT_BAD_INPUT; }
  const results = [];
  for (const l of loaded) {
    for (const s of l!.scenarios) {
      try { results.push(runScenario(s, l!.env)); } catch (e) {
        if (e instanceof TableChangeError) { reportDiagnostics([diagnosticAt(s.file, e.change.src, e.change, e.message)]); return EXIT_BAD_INPUT; }
        if (e instanceof ExecError) { process.stderr.write(`ctflow: ${s.file}: scenario '${s.name}': ${e.message}\n`); return EXIT_BAD_INPUT; }
        throw e;
      }
    }
  }
  process.stdout.write(o.json ? toJson(renderScenarioJson(results)) + '\n' : renderScenarioText(results));
  return results.some((r) => r.failures.length) ? EXIT_FAILED : 0;
}

/** The `test` command, for main.ts to add. */
export function testCommand(): Command {
  return new Command('test')
    .description('run scenario files (packets + expect lines) against the flow tables they name; exit 1 when an expectation fails')
    .argument('<scenarios...>', 'scenario files: header directives (flows, groups, ports, profile, sysctl, conntrack, controller), packet lines as in `run`, expect lines')
    .option('--json', 'print one JSON document { "scenarios": [...] }')
    .action((files: string[], o: { json?: boolean }) => exitWith(() => runTests(files, o)));
}
