// File reading and error reporting for the CLI: the only place (with main.ts) that does I/O.
import { existsSync, readFileSync } from 'node:fs';
import { CtParseError, loadEntries, type Conntrack } from '../conntrack/index.js';
import { PortsFileError, portsFromNames, readPortsFile, type BridgePorts } from '../conversation/ports.js';
import { formatDiagnostic, type Diagnostic } from '../parse/diagnostic.js';
import { OFPP_LOCAL } from '../pipeline/pipeline.js';

/** Exit status for bad input (as the brief asks) and for usage / missing files. */
export const EXIT_BAD_INPUT = 2;

/**
 * Runs a command's body and sets the exit status it returns; a usage mistake becomes one
 * `ctflow: …` line and status 2, never a stack trace.
 */
export function exitWith(run: () => number): void {
  try {
    process.exitCode = run();
  } catch (e) {
    // Input nested deeper than the stack (thousands of clone(clone(...))) is still bad input.
    const deep = e instanceof RangeError && /call stack/.test(e.message);
    if (!(e instanceof UsageError) && !deep) throw e;
    process.stderr.write(`ctflow: ${deep ? 'input nested too deeply to read (the stack ran out)' : (e as Error).message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  }
}

export class UsageError extends Error {}

export function readText(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e: any) {
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new UsageError(`${path}: ${why}`);
  }
}

export function reportDiagnostics(ds: Diagnostic[]): void {
  for (const d of ds) process.stderr.write(formatDiagnostic(d) + '\n');
  if (ds.length > 1) process.stderr.write(`${ds.length} errors\n`);
}

/** `--ports vm1=1,vm2=2` → Map. */
export function parsePortsOption(spec: string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  if (!spec) return m;
  for (const part of spec.split(',')) {
    const eq = part.lastIndexOf('=');
    const num = Number(part.slice(eq + 1));
    if (eq <= 0 || !Number.isInteger(num) || num < 0 || num > 0xffff) {
      throw new UsageError(`--ports: expected NAME=NUMBER[,NAME=NUMBER...], got '${part}'`);
    }
    const name = part.slice(0, eq);
    // One name per port and one port per name, as on a bridge.
    if (m.has(name)) throw new UsageError(`--ports: ${name} given twice`);
    const other = [...m].find(([, n]) => n === num);
    if (other) throw new UsageError(`--ports: ${name} and ${other[0]} are both port ${num}`);
    m.set(name, num);
  }
  return m;
}

/**
 * `--ports` is either NAME=NUMBER,… or a file of `ovs-ofctl show` / `dpif/show` output;
 * `bridge` (`--bridge`) numbers LOCAL when NAME=NUMBER pairs do not name it.
 */
export function bridgePorts(spec: string | undefined, bridge?: string): BridgePorts | null {
  if (!spec) return null;
  if (existsSync(spec)) {
    try { return readPortsFile(readText(spec), spec, bridge); } catch (e) {
      if (e instanceof PortsFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (!spec.includes('=')) throw new UsageError(`--ports: ${spec}: no such file (or give NAME=NUMBER[,NAME=NUMBER...])`);
  return portsFromNames(parsePortsOption(spec), bridge);
}

/** The bridge's name: `--bridge`, else LOCAL's name in `--ports` (`LOCAL(br-int)`), else br0. */
export function bridgeName(given: string | undefined, bp: BridgePorts | null): string {
  return given ?? [...bp?.names ?? []].find(([, n]) => n === OFPP_LOCAL)?.[0] ?? 'br0';
}

/** Port names from `--ports` (either form). */
export const portNamesOption = (spec: string | undefined): Map<string, number> => bridgePorts(spec)?.names ?? new Map();

/** JSON with bigints as decimal strings. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2);
}

/**
 * `--conntrack FILE`: the saved entries into the tracker. A bad line is reported with its
 * place and gives false (the caller exits with EXIT_BAD_INPUT).
 */
export function restoreConntrack(conntrack: Conntrack, file: string): boolean {
  try { conntrack.restore(loadEntries(readText(file), 0, { file })); } catch (e) {
    if (!(e instanceof CtParseError)) throw e;
    process.stderr.write(e.message + '\n');
    return false;
  }
  return true;
}

/** The OpenFlow versions `-O/--protocol` takes (the dialects checked against real ovs-ofctl). */
const PROTOCOLS = new Map([['OpenFlow10', 10], ['OpenFlow13', 13], ['OpenFlow15', 15]]);
export const PROTOCOL_FLAGS = '-O, --protocol <OpenFlow10|OpenFlow13|OpenFlow15>';

/** `-O NAME` as a version number; undefined when not given (a dump header then says). */
export function protocolVersion(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const v = PROTOCOLS.get(name);
  if (v === undefined) throw new UsageError(`--protocol: unsupported ${name} (use ${[...PROTOCOLS.keys()].join(', ')})`);
  return v;
}
